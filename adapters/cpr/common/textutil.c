/*
 * textutil.c — UTF-8 decoding, CPR number shape and masking, dates.
 */
#include "textutil.h"

#include "stafet.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Length of the UTF-8 sequence at s (at most n bytes), 0 if invalid. Refuses
 * overlong forms, surrogates and code points beyond U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
  unsigned c = s[0], cp;
  size_t k;
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    k = 2, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF)
    k = 3, cp = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4)
    k = 4, cp = c & 0x07;
  else
    return 0;
  if (n < k)
    return 0;
  for (size_t i = 1; i < k; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return k;
}

long utf8_offsets(const char *s, size_t len, size_t *offs, size_t max_chars) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0, count = 0;
  while (i < len) {
    if ((u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7F || count >= max_chars)
      return -1;
    size_t k = utf8_seq(u + i, len - i);
    if (k == 0)
      return -1;
    if (offs)
      offs[count] = i;
    count++;
    i += k;
  }
  if (offs)
    offs[count] = len;
  return (long)count;
}

int utf8_clean(const char *s, size_t len) {
  return utf8_offsets(s, len, NULL, len) >= 0;
}

int cpr_digits_valid(const char *ten) {
  for (int i = 0; i < 10; i++)
    if (!isdigit((unsigned char)ten[i]))
      return 0;
  unsigned day = (unsigned)(ten[0] - '0') * 10 + (unsigned)(ten[1] - '0');
  unsigned month = (unsigned)(ten[2] - '0') * 10 + (unsigned)(ten[3] - '0');
  return day >= 1 && day <= 31 && month >= 1 && month <= 12;
}

int cpr_normalize(const char *s, size_t len, char out[12]) {
  while (len > 0 && isspace((unsigned char)*s))
    s++, len--;
  while (len > 0 && isspace((unsigned char)s[len - 1]))
    len--;
  char digits[10];
  if (len == 10)
    memcpy(digits, s, 10);
  else if (len == 11 && s[6] == '-')
    memcpy(digits, s, 6), memcpy(digits + 6, s + 7, 4);
  else
    return STAFET_EINVAL;
  if (!cpr_digits_valid(digits))
    return STAFET_EINVAL;
  snprintf(out, 12, "%.6s-%.4s", digits, digits + 6);
  return 0;
}

void cpr_masked(const char *cpr, char out[12]) {
  size_t n = strnlen(cpr, 12);
  int ok = n >= 6 && (n == 10 || (n == 11 && cpr[6] == '-'));
  for (size_t i = 0; ok && i < 6; i++)
    ok = isdigit((unsigned char)cpr[i]);
  if (ok)
    snprintf(out, 12, "%.6s-****", cpr);
  else
    snprintf(out, 12, "******-****");
}

int sdate_valid(sdate_t d) {
  static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d.year < 1800 || d.year > 2199 || d.month < 1 || d.month > 12 || d.day < 1)
    return 0;
  int leap = (d.year % 4 == 0 && d.year % 100 != 0) || d.year % 400 == 0;
  unsigned max = days[d.month - 1] + (d.month == 2 && leap ? 1 : 0);
  return d.day <= max;
}

int sdate_parse_compact(const char *eight, sdate_t *out) {
  unsigned v[8];
  for (int i = 0; i < 8; i++) {
    if (!isdigit((unsigned char)eight[i]))
      return STAFET_EINVAL;
    v[i] = (unsigned)(eight[i] - '0');
  }
  sdate_t d = {v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3], v[4] * 10 + v[5], v[6] * 10 + v[7]};
  if (!sdate_valid(d))
    return STAFET_EINVAL;
  *out = d;
  return 0;
}

void sdate_iso(sdate_t d, char out[11]) {
  if (d.year == 0)
    out[0] = '\0';
  else
    snprintf(out, 11, "%04u-%02u-%02u", d.year % 10000, d.month % 100, d.day % 100);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

int64_t sdate_unix_ms(sdate_t d) {
  if (d.year == 0)
    return 0;
  return days_from_civil(d.year, d.month, d.day) * 86400000LL;
}
