/*
 * sim_gen.c — synthetic contact-centre and ESDH events (see sim_gen.h).
 */
#include "sim_gen.h"

#include "sh_cpr.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char *const KLE[] = {"27.24.00", "32.18.00", "05.04.00", "23.05.00", "15.00.00"};
static const char *const DEPARTMENTS[] = {"ydelse", "jobcenter", "borgerservice", "kontrolteamet",
                                          "naevnssekretariatet"};
static const char *const CASE_TYPES[] = {"ansoegning", "klage", "kontrol", "partshoering"};
static const char *const TITLES[] = {"Ansøgning om boligstøtte", "Klage over afgørelse",
                                     "Kontrol af enlig forsørger", "Ansøgning om pas"};
static const char *const CHANNELS[] = {"phone", "visit", "digital", "chat"};
static const char *const QUEUES[] = {"borgerservice", "pas_koerekort", "gaeld", "folkeregister"};
static const char *const SERVICES[] = {"pas", "koerkort", "mitid", "vielse", "other"};
static const char *const DEPT_TRANSFER[] = {"opkraevningen", "ydelse", "folkeregister"};

#define PICK(g, arr) ((arr)[sim_gen_pick((g), (unsigned)(sizeof(arr) / sizeof((arr)[0])))])

void sim_gen_init(sim_gen_t *g, uint64_t seed, const char *tenant) {
  g->rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
  g->serial = 0;
  g->tenant = tenant;
  g->now_ms = 0;
}

unsigned sim_gen_pick(sim_gen_t *g, unsigned n) {
  g->rng ^= g->rng << 13;
  g->rng ^= g->rng >> 7;
  g->rng ^= g->rng << 17;
  return n ? (unsigned)(g->rng % n) : 0;
}

static void next_cpr(sim_gen_t *g, char cpr[SH_CPR_LEN + 1]) {
  sh_cpr_synthetic(sim_gen_pick(g, 5000), cpr);
}

static json_t *base(sim_gen_t *g, const char *event) {
  char id[64];
  snprintf(id, sizeof id, "sim-%lu-%llu", ++g->serial, (unsigned long long)(g->rng % 1000000));
  return json_pack("{s:s, s:s, s:s, s:I}", "event", event, "event_id", id, "tenant", g->tenant,
                   "occurred_at", (json_int_t)g->now_ms);
}

static json_t *call_ended(sim_gen_t *g) {
  json_t *o = base(g, "call.ended");
  char id[32], cpr[SH_CPR_LEN + 1];
  snprintf(id, sizeof id, "call-%lu", g->serial);
  int resolved = sim_gen_pick(g, 4) != 0; /* about three in four straksafklaret */
  json_object_set_new(o, "call_id", json_string(id));
  json_object_set_new(o, "wait_seconds", json_integer(sim_gen_pick(g, 900)));
  json_object_set_new(o, "talk_seconds", json_integer(30 + sim_gen_pick(g, 600)));
  json_object_set_new(o, "resolved_first_contact", json_boolean(resolved));
  if (!resolved)
    json_object_set_new(o, "transferred_to", json_string(PICK(g, DEPT_TRANSFER)));
  if (sim_gen_pick(g, 3) != 0) {
    next_cpr(g, cpr);
    json_object_set_new(o, "cpr", json_string(cpr));
  }
  return o;
}

static json_t *booking(sim_gen_t *g) {
  int cancel = sim_gen_pick(g, 5) == 0;
  json_t *o = base(g, cancel ? "booking.cancelled" : "booking.created");
  char id[32], cpr[SH_CPR_LEN + 1];
  snprintf(id, sizeof id, "booking-%lu", cancel ? g->serial / 2 + 1 : g->serial);
  next_cpr(g, cpr);
  json_object_set_new(o, "booking_id", json_string(id));
  json_object_set_new(o, "cpr", json_string(cpr));
  if (cancel) {
    json_object_set_new(o, "reason", json_string("aflyst af borger"));
    return o;
  }
  long long start = g->now_ms + 86400000LL * (1 + sim_gen_pick(g, 14));
  json_object_set_new(o, "service", json_string(PICK(g, SERVICES)));
  json_object_set_new(o, "slot_start", json_integer(start));
  json_object_set_new(o, "slot_end", json_integer(start + 15 * 60000));
  json_object_set_new(o, "location", json_string("Borgerservice, Rådhuset"));
  return o;
}

static json_t *inquiry(sim_gen_t *g) {
  json_t *o = base(g, "inquiry.received");
  char id[32], cpr[SH_CPR_LEN + 1];
  snprintf(id, sizeof id, "inq-%lu", g->serial);
  json_object_set_new(o, "inquiry_id", json_string(id));
  json_object_set_new(o, "channel", json_string(PICK(g, CHANNELS)));
  json_object_set_new(o, "queue", json_string(PICK(g, QUEUES)));
  json_object_set_new(o, "topic", json_string(PICK(g, QUEUES)));
  if (sim_gen_pick(g, 2)) {
    next_cpr(g, cpr);
    json_object_set_new(o, "cpr", json_string(cpr));
  }
  return o;
}

static json_t *esdh_case(sim_gen_t *g) {
  static const char *const events[] = {"case.opened", "case.opened", "case.status_changed",
                                       "case.closed"};
  const char *event = PICK(g, events);
  json_t *o = base(g, event);
  char id[32], cpr[SH_CPR_LEN + 1];
  snprintf(id, sizeof id, "S%04lu", strcmp(event, "case.opened") == 0 ? g->serial : g->serial / 2);
  next_cpr(g, cpr);
  json_t *party = json_pack("{s:s}", "cpr", cpr);
  json_object_set_new(o, "case",
                      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[o]}", "id", id, "system",
                                "sim-esdh", "kle", PICK(g, KLE), "department", PICK(g, DEPARTMENTS),
                                "case_type", PICK(g, CASE_TYPES), "title", PICK(g, TITLES),
                                "parties", party));
  if (strcmp(event, "case.status_changed") == 0)
    json_object_set_new(o, "new_status", json_string("in_progress"));
  if (strcmp(event, "case.closed") == 0)
    json_object_set_new(o, "outcome", json_string("bevilget"));
  return o;
}

char *sim_gen_next(sim_gen_t *g, sim_kind_t kind) {
  if (kind == SIM_CONTACT_MIXED)
    kind = (sim_kind_t)sim_gen_pick(g, 3);
  json_t *o = kind == SIM_CALLS      ? call_ended(g)
              : kind == SIM_BOOKINGS ? booking(g)
              : kind == SIM_ESDH     ? esdh_case(g)
                                     : inquiry(g);
  char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
  json_decref(o);
  return text;
}

int sim_kind_parse(const char *name, sim_kind_t *out) {
  static const char *const names[] = {"calls", "bookings", "inquiries", "mixed", "esdh"};
  for (int i = 0; i < 5; i++)
    if (strcmp(name, names[i]) == 0) {
      *out = (sim_kind_t)i;
      return 0;
    }
  return -1;
}
