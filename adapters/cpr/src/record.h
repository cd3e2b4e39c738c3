/*
 * record.h — one fixed-width record of a CPR change file, parsed.
 *
 * The layout (docs/cpr-format.md is the reference; the tables in record.c are
 * the code): every record is one line; characters 1-3 are the record type.
 * Control records: 000 (start: file id, production date, format version) and
 * 999 (end: file id, number of data records). Data records start with the
 * same 25 characters — type, CPR number (10 digits), kommunekode (4 digits),
 * the date the change takes effect (YYYYMMDD) — and go on with fixed-width
 * fields of their type:
 *
 *   001 registered (birth or immigration)   198 characters
 *   002 relocated (old and new address)     177
 *   003 name changed                        205
 *   004 civil status changed                 36
 *   005 name and address protection          34
 *   006 emigrated                            27
 *   007 deceased                             25
 *
 * Widths count characters (Unicode code points) of UTF-8 text, so "Ærø"
 * fills three. Text fields are left-aligned and padded with spaces; numbers
 * and dates are exact digits.
 *
 * The parser is pure (no I/O, no allocation) so that it can be tested line by
 * line; a failure names a stable reason code and a detail for people.
 */
#ifndef STAFET_CPR_RECORD_H
#define STAFET_CPR_RECORD_H

#include "textutil.h"

#include <stddef.h>

/* Record types: the number in characters 1-3. */
typedef enum {
  CPR_REC_START = 0,
  CPR_REC_REGISTERED = 1,
  CPR_REC_RELOCATED = 2,
  CPR_REC_NAME_CHANGED = 3,
  CPR_REC_CIVIL_STATUS = 4,
  CPR_REC_PROTECTION = 5,
  CPR_REC_EMIGRATED = 6,
  CPR_REC_DECEASED = 7,
  CPR_REC_END = 999,
} cpr_record_type_t;

/* Field widths in characters; UTF-8 buffers hold up to 4 bytes a character. */
#define CPR_W_FIRST_NAMES 50
#define CPR_W_LAST_NAME   40
#define CPR_W_STREET      40
#define CPR_W_HOUSE       4
#define CPR_W_FLOOR       2
#define CPR_W_DOOR        4
#define CPR_W_CITY        20
#define CPR_W_FILE_ID     20
#define CPR_TEXT_BYTES(w) (4 * (w) + 1)

/* The longest record (003) and then some: longer lines are refused early. */
#define CPR_RECORD_MAX_CHARS 256

typedef struct cpr_name {
  char first_names[CPR_TEXT_BYTES(CPR_W_FIRST_NAMES)];
  char last_name[CPR_TEXT_BYTES(CPR_W_LAST_NAME)];
} cpr_name_t;

typedef struct cpr_address {
  char street[CPR_TEXT_BYTES(CPR_W_STREET)];
  char house_number[CPR_TEXT_BYTES(CPR_W_HOUSE)];
  char floor[CPR_TEXT_BYTES(CPR_W_FLOOR)];
  char door[CPR_TEXT_BYTES(CPR_W_DOOR)];
  char postcode[5];
  char city[CPR_TEXT_BYTES(CPR_W_CITY)];
} cpr_address_t;

/* Civil status codes of record 004 (as in CPR: U, G, F, E, P, O). */
typedef enum {
  CPR_CIVIL_UGIFT = 'U',            /* unmarried */
  CPR_CIVIL_GIFT = 'G',             /* married */
  CPR_CIVIL_FRASKILT = 'F',         /* divorced */
  CPR_CIVIL_ENKE = 'E',             /* widowed */
  CPR_CIVIL_PARTNER = 'P',          /* registered partnership */
  CPR_CIVIL_OPHAEVET_PARTNER = 'O', /* dissolved partnership */
} cpr_civil_status_t;

/*
 * A parsed record. Which fields are set depends on the type (see the layout
 * tables); the others are zero. Text is UTF-8 without the padding.
 */
typedef struct cpr_record {
  cpr_record_type_t type;
  /* data records */
  char cpr[11];              /* ten digits, DDMMYYSSSS */
  char kommunekode[5];       /* the person's municipality after the change (the tenant) */
  sdate_t date;              /* when the change takes effect */
  char reason;               /* 001: 'F' birth (fødsel), 'I' immigration (indvandring) */
  sdate_t birth_date;        /* 001 */
  cpr_name_t name;           /* 001; 003: the new name */
  cpr_name_t old_name;       /* 003 */
  cpr_address_t address;     /* 001; 002: the new address */
  cpr_address_t old_address; /* 002 */
  char old_kommunekode[5];   /* 002 */
  char civil_status;         /* 004: cpr_civil_status_t */
  char spouse_cpr[11];       /* 004: ten digits or "" */
  int protection_on;         /* 005: 1 on, 0 off; `date` is the from date */
  sdate_t protection_to;     /* 005: unset when open-ended */
  char country[3];           /* 006: ISO 3166-1 alpha-2 or "" */
  /* control records */
  char file_id[CPR_TEXT_BYTES(CPR_W_FILE_ID)]; /* 000, 999 */
  sdate_t produced;                            /* 000 */
  unsigned long count;                         /* 999: data records in the file */
} cpr_record_t;

/* Why a record was refused: a stable code from docs/cpr-format.md and a
 * detail for people (which field, what was found). */
typedef struct cpr_error {
  const char *code; /* static string, e.g. "BAD_LENGTH" */
  char detail[160];
} cpr_error_t;

/*
 * Parses one record: line[0..len) without its line ending. Returns 0 with
 * *rec filled, or STAFET_EINVAL with *err set (rec then undefined). Codes:
 * BAD_ENCODING, BAD_RECORD_TYPE, BAD_LENGTH, BAD_CPR, BAD_KOMMUNEKODE,
 * BAD_DATE, MISSING_FIELD, BAD_POSTCODE, BAD_REASON, BAD_CIVIL_STATUS,
 * BAD_SPOUSE_CPR, BAD_PROTECTION_FLAG, BAD_COUNTRY, BAD_FILE_ID, BAD_COUNT,
 * BAD_VERSION.
 */
int cpr_record_parse(const char *line, size_t len, cpr_record_t *rec, cpr_error_t *err);

/* The record's length in characters for a type, 0 for an unknown type. */
size_t cpr_record_length(cpr_record_type_t type);

/* "cpr.person.relocated" etc. for a data record type, NULL otherwise. */
const char *cpr_record_topic(cpr_record_type_t type);

#endif
