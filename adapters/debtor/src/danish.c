/*
 * danish.c — Danish amounts (to and from øre) and dates.
 */
#include "danish.h"

#include "stafet.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Adds one digit to *v, refusing anything beyond DK_AMOUNT_MAX_OERE. */
static int push_digit(int64_t *v, char c) {
  if (*v > DK_AMOUNT_MAX_OERE / 10)
    return STAFET_EINVAL;
  *v = *v * 10 + (c - '0');
  return 0;
}

/* Whole kroner: plain digits, or groups "1.234.567". *p is moved past them. */
static int parse_kroner(const char **p, int64_t *kroner) {
  const char *s = *p;
  size_t first = 0;
  while (isdigit((unsigned char)s[first]))
    first++;
  if (first == 0)
    return STAFET_EINVAL;
  int grouped = s[first] == '.';
  if (grouped && first > 3)
    return STAFET_EINVAL;
  for (size_t i = 0; i < first; i++)
    if (push_digit(kroner, s[i]) < 0)
      return STAFET_EINVAL;
  s += first;
  while (grouped && *s == '.') {
    for (int i = 1; i <= 3; i++)
      if (!isdigit((unsigned char)s[i]) || push_digit(kroner, s[i]) < 0)
        return STAFET_EINVAL;
    s += 4;
    if (isdigit((unsigned char)*s))
      return STAFET_EINVAL; /* a group of four or more */
  }
  *p = s;
  return 0;
}

/* Øre after the ',': one or two digits ("5" is 50 øre). */
static int parse_oere(const char **p, int64_t *oere) {
  const char *s = *p;
  if (*s != ',') {
    *oere = 0;
    return 0;
  }
  s++;
  if (!isdigit((unsigned char)s[0]))
    return STAFET_EINVAL;
  *oere = (s[0] - '0') * 10;
  s++;
  if (isdigit((unsigned char)s[0])) {
    *oere += s[0] - '0';
    s++;
  }
  *p = s;
  return 0;
}

int dk_amount_parse(const char *s, int64_t *oere) {
  while (*s == ' ')
    s++;
  int negative = *s == '-';
  if (*s == '-' || *s == '+')
    s++;
  int64_t kroner = 0, part = 0;
  if (parse_kroner(&s, &kroner) < 0 || parse_oere(&s, &part) < 0)
    return STAFET_EINVAL;
  while (*s == ' ')
    s++;
  if (*s != '\0' || kroner > (DK_AMOUNT_MAX_OERE - part) / 100)
    return STAFET_EINVAL;
  int64_t v = kroner * 100 + part;
  *oere = negative ? -v : v;
  return 0;
}

void dk_amount_format(int64_t oere, char out[32]) {
  char digits[24];
  uint64_t v = oere < 0 ? (uint64_t)0 - (uint64_t)oere : (uint64_t)oere;
  int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)(v / 100));
  size_t w = 0;
  if (oere < 0)
    out[w++] = '-';
  for (int i = 0; i < n; i++) {
    if (i > 0 && (n - i) % 3 == 0)
      out[w++] = '.';
    out[w++] = digits[i];
  }
  snprintf(out + w, 32 - w, ",%02u", (unsigned)(v % 100));
}

static int digits(const char *s, int n, unsigned *v) {
  *v = 0;
  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)s[i]))
      return STAFET_EINVAL;
    *v = *v * 10 + (unsigned)(s[i] - '0');
  }
  return 0;
}

int dk_date_parse(const char *s, sdate_t *out) {
  sdate_t d;
  if (strlen(s) != 10)
    return STAFET_EINVAL;
  int iso = s[4] == '-' && s[7] == '-';
  int danish = (s[2] == '-' && s[5] == '-') || (s[2] == '.' && s[5] == '.');
  if (iso) {
    if (digits(s, 4, &d.year) < 0 || digits(s + 5, 2, &d.month) < 0 || digits(s + 8, 2, &d.day) < 0)
      return STAFET_EINVAL;
  } else if (danish) {
    if (digits(s, 2, &d.day) < 0 || digits(s + 3, 2, &d.month) < 0 || digits(s + 6, 4, &d.year) < 0)
      return STAFET_EINVAL;
  } else {
    return STAFET_EINVAL;
  }
  if (!sdate_valid(d))
    return STAFET_EINVAL;
  *out = d;
  return 0;
}

void dk_date_format(sdate_t d, char out[11]) {
  if (d.year == 0)
    out[0] = '\0';
  else
    snprintf(out, 11, "%02u-%02u-%04u", d.day % 100, d.month % 100, d.year % 10000);
}
