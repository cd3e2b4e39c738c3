/*
 * textutil.h — text rules both file-reading adapters share: UTF-8 checks,
 * CPR numbers (format check, normal form, masking for logs) and calendar
 * dates.
 *
 * CPR numbers: DDMMYY-SSSS. We check the shape (ten digits, a day 01-31 and a
 * month 01-12) and never the modulus-11 checksum: numbers issued since 2007
 * need not satisfy it, so a number is never refused only for failing it.
 */
#ifndef STAFET_TEXTUTIL_H
#define STAFET_TEXTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* A calendar date; all zero means "not set". */
typedef struct sdate {
  unsigned year, month, day;
} sdate_t;

/*
 * Counts the characters (code points) of UTF-8 text and records the byte
 * offset where each starts: offs[i] for i < count, and offs[count] = len.
 * offs holds max_chars + 1 entries. Returns the count, or -1 if the text is
 * not valid UTF-8, holds a control character (other than TAB), or has more
 * than max_chars characters.
 */
long utf8_offsets(const char *s, size_t len, size_t *offs, size_t max_chars);

/* 1 if s[0..len) is valid UTF-8 without control characters (TAB allowed). */
int utf8_clean(const char *s, size_t len);

/*
 * Reads a CPR number as "DDMMYYSSSS" or "DDMMYY-SSSS" (surrounding blanks
 * ignored) and writes the normal form "DDMMYY-SSSS" to out (12 bytes).
 * Returns 0, or STAFET_EINVAL if it is not one.
 */
int cpr_normalize(const char *s, size_t len, char out[12]);

/* 1 if ten digits form a plausible CPR number (day 01-31, month 01-12). */
int cpr_digits_valid(const char *ten);

/* The masked form for logs: "DDMMYY-****", from either form of a CPR number
 * (anything else gives "******-****"). out: 12 bytes. */
void cpr_masked(const char *cpr, char out[12]);

/* 1 if the date exists in the Gregorian calendar (years 1800-2199). */
int sdate_valid(sdate_t d);

/* Parses exactly eight digits YYYYMMDD into a valid date: 0 or STAFET_EINVAL. */
int sdate_parse_compact(const char *eight, sdate_t *out);

/* "YYYY-MM-DD" (11 bytes), or "" for an unset date. */
void sdate_iso(sdate_t d, char out[11]);

/* Unix milliseconds of the date's midnight UTC (0 for an unset date). */
int64_t sdate_unix_ms(sdate_t d);

#endif
