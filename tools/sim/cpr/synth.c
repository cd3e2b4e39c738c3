/*
 * synth.c — synthetic CPR numbers, names and addresses (see synth.h).
 */
#include "synth.h"

#include <stdio.h>
#include <string.h>

void synth_seed(synth_rng_t *r, uint64_t seed) {
  r->state = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
  if (r->state == 0)
    r->state = 1;
}

static uint64_t next(synth_rng_t *r) {
  uint64_t x = r->state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  r->state = x;
  return x * 0x2545F4914F6CDD1Dull;
}

uint32_t synth_below(synth_rng_t *r, uint32_t n) {
  return (uint32_t)((next(r) >> 32) % n);
}

void synth_cpr(unsigned long n, char cpr[11], char birth[9]) {
  unsigned day = 1 + n % 28, month = 1 + (n / 28) % 12, year = 60 + (n / 336) % 40;
  unsigned serial = 1000 + (unsigned)((n / 13440) % 3000);
  snprintf(cpr, 11, "%02u%02u%02u%04u", day, month, year, serial);
  snprintf(birth, 9, "19%02u%02u%02u", year, month, day);
}

void synth_cpr_born(unsigned long n, const char *birth, char cpr[11]) {
  snprintf(cpr, 11, "%.2s%.2s%.2s%04u", birth + 6, birth + 4, birth + 2,
           4000 + (unsigned)(n % 6000));
}

typedef struct kommune {
  const char *code;
  const char *postcodes[3];
  const char *cities[3];
  const char *streets[5];
} kommune_t;

static const kommune_t kommuner[] = {
    {"0751",
     {"8000", "8200", "8210"},
     {"Aarhus C", "Aarhus N", "Aarhus V"},
     {"Vestergade", "Søndergade", "Randersvej", "Silkeborgvej", "Frederiks Allé"}},
    {"0580",
     {"6200", "6200", "6230"},
     {"Aabenraa", "Aabenraa", "Rødekro"},
     {"Storegade", "Ærøvej", "Nørreport", "Flensborgvej", "Hjelmallé"}},
    {"0169",
     {"2630", "2630", "2640"},
     {"Taastrup", "Taastrup", "Hedehusene"},
     {"Taastrup Hovedgade", "Køgevej", "Blåkildevej", "Hovedgaden", "Østerparken"}},
    {"0101",
     {"1050", "2100", "2300"},
     {"København K", "København Ø", "København S"},
     {"Østergade", "Strandboulevarden", "Amagerbrogade", "Nørregade", "Å-stien"}},
    {"0461",
     {"5000", "5200", "5230"},
     {"Odense C", "Odense V", "Odense M"},
     {"Vestergade", "Middelfartvej", "Hjallesevej", "Skibhusvej", "Åløkkevej"}},
};
#define N_KOMMUNER (sizeof kommuner / sizeof kommuner[0])

static const kommune_t *kommune_by_code(const char *code) {
  for (size_t i = 0; i < N_KOMMUNER; i++)
    if (strcmp(kommuner[i].code, code) == 0)
      return &kommuner[i];
  return NULL;
}

void synth_address(synth_rng_t *r, const char *kommunekode, synth_address_t *out) {
  static const char *const floors[] = {"", "", "st", "1", "2", "3"};
  static const char *const doors[] = {"", "tv", "th", "mf"};
  const kommune_t *k = kommune_by_code(kommunekode);
  const kommune_t *streets = k ? k : &kommuner[0];
  uint32_t place = synth_below(r, 3);
  out->street = streets->streets[synth_below(r, 5)];
  snprintf(out->house_number, sizeof out->house_number, "%u%s", 1 + synth_below(r, 120),
           synth_below(r, 6) == 0 ? "B" : "");
  out->floor = floors[synth_below(r, 6)];
  out->door = out->floor[0] ? doors[1 + synth_below(r, 3)] : doors[0];
  out->postcode = streets->postcodes[place];
  out->city = streets->cities[place];
  out->kommunekode = k ? k->code : kommunekode;
}

const char *synth_other_kommune(synth_rng_t *r, const char * not ) {
  for (;;) {
    const char *code = kommuner[synth_below(r, N_KOMMUNER)].code;
    if (not == NULL || strcmp(code, not ) != 0)
      return code;
  }
}

void synth_name(synth_rng_t *r, char *first_names, char *last_name) {
  static const char *const firsts[] = {"Anna",  "Søren", "Mette", "Jens", "Ida",   "Frederik",
                                       "Åse",   "Lars",  "Karen", "Ole",  "Freja", "Mads",
                                       "Birte", "Emil",  "Signe", "Bo",   "Else",  "Jørgen"};
  static const char *const lasts[] = {"Jensen",    "Nielsen",     "Hansen",  "Pedersen",
                                      "Andersen",  "Christensen", "Larsen",  "Sørensen",
                                      "Rasmussen", "Jørgensen",   "Ødegård", "Bæk",
                                      "Holm",      "Østergaard",  "Kjær"};
  const size_t nf = sizeof firsts / sizeof firsts[0], nl = sizeof lasts / sizeof lasts[0];
  if (synth_below(r, 3) == 0)
    snprintf(first_names, 64, "%s %s", firsts[synth_below(r, (uint32_t)nf)],
             firsts[synth_below(r, (uint32_t)nf)]);
  else
    snprintf(first_names, 64, "%s", firsts[synth_below(r, (uint32_t)nf)]);
  snprintf(last_name, 64, "%s", lasts[synth_below(r, (uint32_t)nl)]);
}
