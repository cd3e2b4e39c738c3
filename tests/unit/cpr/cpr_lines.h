/*
 * cpr_lines.h — builds CPR change file records for the tests, field by field
 * from the layout of docs/cpr-format.md (written here again on purpose, from
 * the document, so the tests check the parser against the document and not
 * against itself). Widths count characters, not bytes.
 *
 * Synthetic data only: every CPR number here is made up.
 */
#ifndef STAFET_TEST_CPR_LINES_H
#define STAFET_TEST_CPR_LINES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct line {
  char s[1200];
  size_t len;
} line_t;

typedef struct addr {
  const char *street, *house, *floor, *door, *postcode, *city;
} addr_t;

static const addr_t ADDR_AARHUS = {"Vestergade", "12B", "2", "tv", "8000", "Aarhus C"};
static const addr_t ADDR_AABENRAA = {"Ærøvej", "3", "st", "", "6200", "Aabenraa"};

static inline size_t utf8_chars(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

/* Appends text left-aligned in a field of `width` characters. */
static inline void put(line_t *l, const char *text, size_t width) {
  size_t chars = utf8_chars(text);
  if (chars > width) {
    fprintf(stderr, "test bug: '%s' wider than %zu\n", text, width);
    abort();
  }
  size_t n = strlen(text);
  memcpy(l->s + l->len, text, n);
  l->len += n;
  for (size_t i = chars; i < width; i++)
    l->s[l->len++] = ' ';
  l->s[l->len] = '\0';
}

static inline void put_prefix(line_t *l, const char *type, const char *cpr, const char *kommune,
                              const char *date) {
  l->len = 0;
  put(l, type, 3);
  put(l, cpr, 10);
  put(l, kommune, 4);
  put(l, date, 8);
}

static inline void put_addr(line_t *l, const addr_t *a) {
  put(l, a->street, 40);
  put(l, a->house, 4);
  put(l, a->floor, 2);
  put(l, a->door, 4);
  put(l, a->postcode, 4);
  put(l, a->city, 20);
}

static inline line_t rec_start(const char *file_id, const char *date) {
  line_t l = {.len = 0};
  put(&l, "000", 3);
  put(&l, file_id, 20);
  put(&l, date, 8);
  put(&l, "0001", 4);
  return l;
}

static inline line_t rec_end(const char *file_id, unsigned long count) {
  line_t l = {.len = 0};
  char n[16];
  snprintf(n, sizeof n, "%08lu", count);
  put(&l, "999", 3);
  put(&l, file_id, 20);
  put(&l, n, 8);
  return l;
}

static inline line_t rec_registered(const char *cpr, const char *kommune, const char *date,
                                    const char *reason, const char *birth, const char *first,
                                    const char *last, const addr_t *a) {
  line_t l;
  put_prefix(&l, "001", cpr, kommune, date);
  put(&l, reason, 1);
  put(&l, birth, 8);
  put(&l, first, 50);
  put(&l, last, 40);
  put_addr(&l, a);
  return l;
}

static inline line_t rec_relocated(const char *cpr, const char *new_kommune, const char *date,
                                   const char *old_kommune, const addr_t *old_a,
                                   const addr_t *new_a) {
  line_t l;
  put_prefix(&l, "002", cpr, new_kommune, date);
  put(&l, old_kommune, 4);
  put_addr(&l, old_a);
  put_addr(&l, new_a);
  return l;
}

static inline line_t rec_name(const char *cpr, const char *kommune, const char *date,
                              const char *old_first, const char *old_last, const char *new_first,
                              const char *new_last) {
  line_t l;
  put_prefix(&l, "003", cpr, kommune, date);
  put(&l, old_first, 50);
  put(&l, old_last, 40);
  put(&l, new_first, 50);
  put(&l, new_last, 40);
  return l;
}

static inline line_t rec_civil(const char *cpr, const char *kommune, const char *date,
                               const char *status, const char *spouse) {
  line_t l;
  put_prefix(&l, "004", cpr, kommune, date);
  put(&l, status, 1);
  put(&l, spouse, 10);
  return l;
}

static inline line_t rec_protection(const char *cpr, const char *kommune, const char *from,
                                    const char *flag, const char *to) {
  line_t l;
  put_prefix(&l, "005", cpr, kommune, from);
  put(&l, flag, 1);
  put(&l, to, 8);
  return l;
}

static inline line_t rec_emigrated(const char *cpr, const char *kommune, const char *date,
                                   const char *country) {
  line_t l;
  put_prefix(&l, "006", cpr, kommune, date);
  put(&l, country, 2);
  return l;
}

static inline line_t rec_deceased(const char *cpr, const char *kommune, const char *date) {
  line_t l;
  put_prefix(&l, "007", cpr, kommune, date);
  return l;
}

/* Appends a record and a line ending to a growing file text. */
static inline void file_add(char *file, size_t cap, const line_t *l, const char *eol) {
  size_t n = strlen(file);
  snprintf(file + n, cap - n, "%s%s", l->s, eol);
}

#endif
