/*
 * events.c — the demo's synthetic events (see events.h): one builder per
 * event type, each filling the generated protobuf-c message and packing it.
 */
#include "events.h"

#include "stafet/events/v1/case.pb-c.h"
#include "stafet/events/v1/contact.pb-c.h"
#include "stafet/events/v1/cpr.pb-c.h"
#include "stafet/events/v1/debt.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_KINDS 4

void demo_synthetic_cpr(unsigned n, char out[12]) {
  unsigned day = 1 + n % 28, month = 1 + (n / 28) % 12, year = (40 + n / 336) % 100;
  snprintf(out, 12, "%02u%02u%02u-%04u", day, month, year, 1000 + n % 9000);
}

/* Packs msg into a new buffer owned by ev. */
static int pack_into(const ProtobufCMessage *msg, demo_event_t *ev) {
  size_t n = protobuf_c_message_get_packed_size(msg);
  ev->payload = malloc(n ? n : 1);
  if (!ev->payload)
    return STAFET_ENOMEM;
  ev->payload_len = protobuf_c_message_pack(msg, ev->payload);
  return 0;
}

/* Fills a with an Aarhus address; house_number (size 8) is written and borrowed. */
static void address(Stafet__Events__V1__Address *a, const char *street, unsigned n,
                    char house_number[8]) {
  stafet__events__v1__address__init(a);
  snprintf(house_number, 8, "%u", 1 + n % 99);
  a->street = (char *)street;
  a->house_number = house_number;
  a->postcode = "8000";
  a->city = "Aarhus C";
  a->kommunekode = DEMO_TENANT;
}

static int make_relocated(unsigned n, demo_event_t *ev) {
  Stafet__Events__V1__Cpr__PersonRelocated m = STAFET__EVENTS__V1__CPR__PERSON_RELOCATED__INIT;
  Stafet__Events__V1__Address from, to;
  Stafet__Events__V1__Date date = STAFET__EVENTS__V1__DATE__INIT;
  char from_no[8], to_no[8];
  address(&from, "Skolegade", n, from_no);
  address(&to, "Testvej", n + 7, to_no);
  date.year = 2024;
  date.month = 1 + n % 12;
  date.day = 1 + n % 28;
  m.cpr = ev->cpr;
  m.old_address = &from;
  m.new_address = &to;
  m.old_kommunekode = m.new_kommunekode = DEMO_TENANT;
  m.move_date = &date;
  ev->env.topic = "cpr.person.relocated";
  ev->env.type_name = stafet__events__v1__cpr__person_relocated__descriptor.name;
  ev->attrs[1].value = "borgerservice";
  snprintf(ev->kle, sizeof ev->kle, "23.05.00");
  return pack_into(&m.base, ev);
}

static int make_claim(unsigned n, demo_event_t *ev) {
  Stafet__Events__V1__Debt__ClaimCreated m = STAFET__EVENTS__V1__DEBT__CLAIM_CREATED__INIT;
  Stafet__Events__V1__PartyRef debtor = STAFET__EVENTS__V1__PARTY_REF__INIT;
  Stafet__Events__V1__Date due = STAFET__EVENTS__V1__DATE__INIT;
  char claim_id[24];
  snprintf(claim_id, sizeof claim_id, "CLM-%06u", n);
  debtor.id_case = STAFET__EVENTS__V1__PARTY_REF__ID_CPR;
  debtor.cpr = ev->cpr;
  due.year = 2025;
  due.month = 1 + n % 12;
  due.day = 1;
  m.claim_id = claim_id;
  m.debtor = &debtor;
  m.claim_type = STAFET__EVENTS__V1__DEBT__CLAIM_TYPE__CLAIM_TYPE_CHILDCARE;
  m.amount_oere = 125000 + (int64_t)(n % 500) * 100;
  m.due_date = &due;
  m.description = "Forældrebetaling, daginstitution";
  ev->env.topic = "debt.claim.created";
  ev->env.type_name = stafet__events__v1__debt__claim_created__descriptor.name;
  ev->attrs[1].value = "opkraevning";
  snprintf(ev->kle, sizeof ev->kle, "07.20.00");
  return pack_into(&m.base, ev);
}

static int make_case(unsigned n, demo_event_t *ev) {
  Stafet__Events__V1__Casemgmt__CaseStatusChanged m =
      STAFET__EVENTS__V1__CASEMGMT__CASE_STATUS_CHANGED__INIT;
  Stafet__Events__V1__Casemgmt__CaseRef ref = STAFET__EVENTS__V1__CASEMGMT__CASE_REF__INIT;
  Stafet__Events__V1__PartyRef party = STAFET__EVENTS__V1__PARTY_REF__INIT;
  Stafet__Events__V1__PartyRef *parties[1] = {&party};
  char case_id[24];
  snprintf(case_id, sizeof case_id, "SAG-2024-%05u", n % 100000);
  party.id_case = STAFET__EVENTS__V1__PARTY_REF__ID_CPR;
  party.cpr = ev->cpr;
  snprintf(ev->kle, sizeof ev->kle, "27.24.%02u", n % 10);
  ref.case_id = case_id;
  ref.system = "esdh-demo";
  ref.kle = ev->kle;
  ref.department = "socialforvaltningen";
  ref.title = "Ansøgning om personligt tillæg";
  ref.n_parties = 1;
  ref.parties = parties;
  m.case_ref = &ref;
  m.old_status = STAFET__EVENTS__V1__CASEMGMT__CASE_STATUS__CASE_STATUS_OPEN;
  m.new_status = STAFET__EVENTS__V1__CASEMGMT__CASE_STATUS__CASE_STATUS_IN_PROGRESS;
  m.changed_at_ms = ev->env.occurred_at_ms;
  ev->env.topic = "case.case.status_changed";
  ev->env.type_name = stafet__events__v1__casemgmt__case_status_changed__descriptor.name;
  ev->attrs[1].value = "socialforvaltningen";
  return pack_into(&m.base, ev);
}

static int make_call(unsigned n, demo_event_t *ev) {
  Stafet__Events__V1__Contact__CallEnded m = STAFET__EVENTS__V1__CONTACT__CALL_ENDED__INIT;
  char call_id[24];
  snprintf(call_id, sizeof call_id, "CALL-%06u", n);
  m.call_id = call_id;
  m.wait_seconds = 30 + n % 600;
  m.talk_seconds = 60 + n % 900;
  m.resolved_first_contact = n % 3 != 0;
  m.transferred_to = m.resolved_first_contact ? "" : "opkraevning";
  m.cpr = ev->cpr;
  ev->env.topic = "contact.call.ended";
  ev->env.type_name = stafet__events__v1__contact__call_ended__descriptor.name;
  ev->attrs[1].value = "kontaktcenter";
  snprintf(ev->kle, sizeof ev->kle, "00.01.00");
  return pack_into(&m.base, ev);
}

int demo_event_make(unsigned n, int64_t occurred_at_ms, demo_event_t *ev) {
  static int (*const makers[N_KINDS])(unsigned, demo_event_t *) = {make_relocated, make_claim,
                                                                   make_case, make_call};
  memset(ev, 0, sizeof *ev);
  demo_synthetic_cpr(n, ev->cpr);
  ev->attrs[0].key = "kle";
  ev->attrs[0].value = ev->kle;
  ev->attrs[1].key = "department";
  ev->env.schema_version = 1;
  ev->env.occurred_at_ms = occurred_at_ms;
  ev->env.tenant = DEMO_TENANT;
  ev->env.sensitivity = STAFET_SENSITIVITY_PERSONAL;
  ev->env.attributes = ev->attrs;
  ev->env.n_attributes = 2;
  return makers[n % N_KINDS](n / N_KINDS, ev);
}

void demo_event_free(demo_event_t *ev) {
  free(ev->payload);
  ev->payload = NULL;
}

/* The CPR number inside a decoded message of a known type, or NULL. */
static const char *cpr_of(const ProtobufCMessage *m) {
  const ProtobufCMessageDescriptor *d = m->descriptor;
  const Stafet__Events__V1__PartyRef *p = NULL;
  if (d == &stafet__events__v1__cpr__person_relocated__descriptor)
    return ((const Stafet__Events__V1__Cpr__PersonRelocated *)m)->cpr;
  if (d == &stafet__events__v1__contact__call_ended__descriptor)
    return ((const Stafet__Events__V1__Contact__CallEnded *)m)->cpr;
  if (d == &stafet__events__v1__debt__claim_created__descriptor)
    p = ((const Stafet__Events__V1__Debt__ClaimCreated *)m)->debtor;
  if (d == &stafet__events__v1__casemgmt__case_status_changed__descriptor) {
    const Stafet__Events__V1__Casemgmt__CaseRef *r =
        ((const Stafet__Events__V1__Casemgmt__CaseStatusChanged *)m)->case_ref;
    p = r && r->n_parties ? r->parties[0] : NULL;
  }
  return p && p->id_case == STAFET__EVENTS__V1__PARTY_REF__ID_CPR ? p->cpr : NULL;
}

int demo_payload_cpr(const char *type_name, const void *payload, size_t len, char *out,
                     size_t size) {
  static const ProtobufCMessageDescriptor *const known[N_KINDS] = {
      &stafet__events__v1__cpr__person_relocated__descriptor,
      &stafet__events__v1__debt__claim_created__descriptor,
      &stafet__events__v1__casemgmt__case_status_changed__descriptor,
      &stafet__events__v1__contact__call_ended__descriptor};
  for (int i = 0; i < N_KINDS; i++) {
    if (strcmp(type_name, known[i]->name) != 0)
      continue;
    ProtobufCMessage *m = protobuf_c_message_unpack(known[i], NULL, len, payload);
    if (!m)
      return STAFET_ENOTFOUND;
    const char *cpr = cpr_of(m);
    int rc = cpr && *cpr ? 0 : STAFET_ENOTFOUND;
    if (rc == 0)
      snprintf(out, size, "%s", cpr);
    protobuf_c_message_free_unpacked(m, NULL);
    return rc;
  }
  return STAFET_ENOTFOUND;
}
