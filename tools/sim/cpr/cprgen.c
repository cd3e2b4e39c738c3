/*
 * cprgen.c — synthetic CPR change files (see cprgen.h and docs/cpr-format.md).
 */
#include "cprgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One record being written field by field. */
typedef struct rec {
  char s[1024];
  size_t len;
} rec_t;

/* Appends text left-aligned in width characters (cut if longer). */
static void put(rec_t *r, const char *text, size_t width) {
  size_t n = 0, used = 0;
  for (const char *p = text; *p && used < width; used++) {
    size_t k = 1;
    while (((unsigned char)p[k] & 0xC0) == 0x80)
      k++;
    n += k;
    p += k;
  }
  memcpy(r->s + r->len, text, n);
  r->len += n;
  for (; used < width; used++)
    r->s[r->len++] = ' ';
  r->s[r->len] = '\0';
}

static void put_address(rec_t *r, const synth_address_t *a) {
  put(r, a->street, 40);
  put(r, a->house_number, 4);
  put(r, a->floor, 2);
  put(r, a->door, 4);
  put(r, a->postcode, 4);
  put(r, a->city, 20);
}

static void put_prefix(rec_t *r, const char *type, const cprgen_person_t *p, const char *date) {
  r->len = 0;
  put(r, type, 3);
  put(r, p->cpr, 10);
  put(r, p->address.kommunekode, 4);
  put(r, date, 8);
}

void cprgen_init(cprgen_t *g, const cprgen_opts_t *o) {
  memset(g, 0, sizeof *g);
  g->o = *o;
  if (g->o.kommunekode == NULL)
    g->o.kommunekode = "0751";
  synth_seed(&g->rng, o->seed);
  g->next_serial = o->first_serial;
}

void cprgen_free(cprgen_t *g) {
  free(g->people);
  g->people = NULL;
}

static cprgen_person_t *new_person(cprgen_t *g) {
  if (g->n_people == g->cap) {
    size_t cap = g->cap ? 2 * g->cap : 64;
    cprgen_person_t *grown = realloc(g->people, cap * sizeof *grown);
    if (grown == NULL)
      return NULL;
    g->people = grown, g->cap = cap;
  }
  cprgen_person_t *p = &g->people[g->n_people++];
  memset(p, 0, sizeof *p);
  synth_cpr(g->next_serial++, p->cpr, p->birth);
  synth_name(&g->rng, p->first, p->last);
  synth_address(&g->rng, g->o.kommunekode, &p->address);
  return p;
}

static void forget(cprgen_t *g, size_t i) {
  g->people[i] = g->people[--g->n_people];
}

static int registered(cprgen_t *g, rec_t *r, const char *date) {
  cprgen_person_t *p = new_person(g);
  if (p == NULL)
    return -1;
  int born = synth_below(&g->rng, 2) == 0;
  if (born) { /* a newborn: born on the event date, numbered by it */
    memcpy(p->birth, date, 9);
    synth_cpr_born(g->next_serial - 1, date, p->cpr);
  }
  put_prefix(r, "001", p, date);
  put(r, born ? "F" : "I", 1);
  put(r, p->birth, 8);
  put(r, p->first, 50);
  put(r, p->last, 40);
  put_address(r, &p->address);
  return 0;
}

static void relocated(cprgen_t *g, cprgen_person_t *p, rec_t *r, const char *date) {
  synth_address_t old = p->address;
  const char *to = synth_below(&g->rng, 3) == 0 ? synth_other_kommune(&g->rng, old.kommunekode)
                                                : old.kommunekode;
  synth_address(&g->rng, to, &p->address);
  put_prefix(r, "002", p, date);
  put(r, old.kommunekode, 4);
  put_address(r, &old);
  put_address(r, &p->address);
}

static void name_changed(cprgen_t *g, cprgen_person_t *p, rec_t *r, const char *date) {
  char first[64], last[64];
  memcpy(first, p->first, sizeof first);
  memcpy(last, p->last, sizeof last);
  synth_name(&g->rng, p->first, p->last);
  put_prefix(r, "003", p, date);
  put(r, first, 50);
  put(r, last, 40);
  put(r, p->first, 50);
  put(r, p->last, 40);
}

static void civil_status(cprgen_t *g, cprgen_person_t *p, rec_t *r, const char *date) {
  static const char codes[] = "UGFEPO";
  char code[2] = {codes[synth_below(&g->rng, 6)], '\0'};
  const cprgen_person_t *spouse = &g->people[synth_below(&g->rng, (uint32_t)g->n_people)];
  int married = code[0] == 'G' || code[0] == 'P';
  put_prefix(r, "004", p, date);
  put(r, code, 1);
  put(r, married && spouse != p ? spouse->cpr : "", 10);
}

static void protection(cprgen_t *g, cprgen_person_t *p, rec_t *r, const char *date) {
  p->protected_ = !p->protected_;
  put_prefix(r, "005", p, date);
  put(r, p->protected_ ? "1" : "0", 1);
  put(r, p->protected_ && synth_below(&g->rng, 2) ? "20291231" : "", 8);
}

static void left(cprgen_t *g, size_t i, rec_t *r, const char *date) {
  static const char *const countries[] = {"SE", "NO", "DE", "GB", "ES", ""};
  int emigrated = synth_below(&g->rng, 3) == 0;
  put_prefix(r, emigrated ? "006" : "007", &g->people[i], date);
  if (emigrated)
    put(r, countries[synth_below(&g->rng, 6)], 2);
  forget(g, i);
}

/* One data record of a kind chosen by chance (registrations while few live). */
static int data_record(cprgen_t *g, rec_t *r, const char *date) {
  uint32_t roll = synth_below(&g->rng, 100);
  if (g->n_people < 5 || roll < 25)
    return registered(g, r, date);
  size_t i = synth_below(&g->rng, (uint32_t)g->n_people);
  cprgen_person_t *p = &g->people[i];
  if (roll < 60)
    relocated(g, p, r, date);
  else if (roll < 68)
    name_changed(g, p, r, date);
  else if (roll < 78)
    civil_status(g, p, r, date);
  else if (roll < 84)
    protection(g, p, r, date);
  else
    left(g, i, r, date);
  return 0;
}

/* Spoils a record one way; returns the reason code the adapter must give. */
static const char *spoil(cprgen_t *g, rec_t *r) {
  switch (synth_below(&g->rng, 5)) {
  case 0: memcpy(r->s + 17, "20240231", 8); return "BAD_DATE";
  case 1: r->s[--r->len] = '\0'; return "BAD_LENGTH";
  case 2: r->s[1] = 'X'; return "BAD_RECORD_TYPE";
  case 3: memcpy(r->s + 13, "07A1", 4); return "BAD_KOMMUNEKODE";
  default: memcpy(r->s + 3, "32", 2); return "BAD_CPR";
  }
}

/* Appends text and a line ending to the growing file. */
static int append(cprgen_file_t *f, size_t *cap, const char *s, size_t n) {
  if (f->len + n + 3 > *cap) { /* the line, "\r\n" and a NUL */
    size_t grown_cap = 2 * (*cap + n + 3);
    char *grown = realloc(f->text, grown_cap);
    if (grown == NULL)
      return -1;
    f->text = grown, *cap = grown_cap;
  }
  memcpy(f->text + f->len, s, n);
  f->len += n;
  memcpy(f->text + f->len, "\r\n", 2);
  f->len += 2;
  f->text[f->len] = '\0';
  return 0;
}

/* Chooses which of the data lines (2 .. records+1) to spoil. */
static void choose_corrupt(cprgen_t *g, cprgen_file_t *f, unsigned char *spoilt) {
  unsigned want = g->o.corrupt_per_file < g->o.records ? g->o.corrupt_per_file : g->o.records;
  while (f->n_corrupt < want) {
    unsigned i = synth_below(&g->rng, g->o.records);
    if (!spoilt[i])
      spoilt[i] = 1, f->n_corrupt++;
  }
}

static int body(cprgen_t *g, cprgen_file_t *f, size_t *cap, const char *date) {
  unsigned char *spoilt = calloc(g->o.records + 1, 1);
  f->corrupt = calloc(g->o.corrupt_per_file + 1, sizeof *f->corrupt);
  if (spoilt == NULL || f->corrupt == NULL) {
    free(spoilt);
    return -1;
  }
  choose_corrupt(g, f, spoilt);
  size_t k = 0;
  int rc = 0;
  for (unsigned i = 0; rc == 0 && i < g->o.records; i++) {
    rec_t r = {.len = 0};
    rc = data_record(g, &r, date);
    if (rc == 0 && spoilt[i])
      f->corrupt[k++] = (cprgen_corrupt_t){i + 2, spoil(g, &r)};
    if (rc == 0)
      rc = append(f, cap, r.s, r.len);
  }
  free(spoilt);
  return rc;
}

int cprgen_next(cprgen_t *g, cprgen_file_t *f) {
  memset(f, 0, sizeof *f);
  unsigned long seq = ++g->files;
  char date[9], count[16];
  /* One day per file from 2024-01-01 (28-day months keep every date valid). */
  snprintf(date, sizeof date, "%04u%02u%02u", (unsigned)(2024 + (seq / 336) % 100),
           (unsigned)(1 + (seq / 28) % 12), (unsigned)(1 + seq % 28));
  snprintf(f->id, sizeof f->id, "CPR-%.4s-%06lu", g->o.kommunekode, seq % 1000000);
  snprintf(f->name, sizeof f->name, "%s.txt", f->id);
  f->records = g->o.records;
  size_t cap = 0;
  rec_t r = {.len = 0};
  put(&r, "000", 3), put(&r, f->id, 20), put(&r, date, 8), put(&r, "0001", 4);
  if (append(f, &cap, r.s, r.len) < 0 || body(g, f, &cap, date) < 0)
    return -1;
  snprintf(count, sizeof count, "%08u", g->o.records + (g->o.bad_count ? 1 : 0));
  r.len = 0;
  put(&r, "999", 3), put(&r, f->id, 20), put(&r, count, 8);
  return append(f, &cap, r.s, r.len);
}

void cprgen_file_free(cprgen_file_t *f) {
  free(f->text);
  free(f->corrupt);
  f->text = NULL;
  f->corrupt = NULL;
}
