/*
 * record.c — the fixed-width record parser of CPR change files.
 *
 * Each record type is a table of fields (name, width, kind, where it goes in
 * cpr_record_t); one loop walks the table. The tables are the layout of
 * docs/cpr-format.md, field for field: change both together.
 */
#include "record.h"

#include "stafet.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

typedef enum {
  F_CPR,      /* ten digits, day 01-31, month 01-12 (no modulus-11 check) */
  F_CPR_OPT,  /* blank or F_CPR */
  F_KOMMUNE,  /* four digits */
  F_POSTCODE, /* four digits */
  F_DATE,     /* YYYYMMDD, a calendar date */
  F_DATE_OPT, /* blank or F_DATE */
  F_TEXT,     /* text, may be blank */
  F_TEXT_REQ, /* text, not blank */
  F_CHOICE,   /* one character of `choices` */
  F_FLAG,     /* '1' or '0' */
  F_COUNTRY,  /* blank or two letters A-Z */
  F_FILE_ID,  /* 1-20 of [A-Za-z0-9._-], then blanks */
  F_COUNT,    /* eight digits */
  F_VERSION,  /* "0001" */
} field_kind_t;

typedef struct field {
  const char *name; /* for details: "new address postcode" */
  unsigned width;   /* characters */
  field_kind_t kind;
  size_t offset; /* into cpr_record_t */
  size_t cap;    /* bytes at offset (text) */
  const char *code;
  const char *choices;
} field_t;

#define AT(member) offsetof(cpr_record_t, member), sizeof(((cpr_record_t *)0)->member)
#define NONE       0, 0
#define DATE_AT(m) offsetof(cpr_record_t, m), sizeof(sdate_t)
#define MISSING    "MISSING_FIELD"
#define PREFIX                                                                                     \
  {"CPR number", 10, F_CPR, AT(cpr), "BAD_CPR", NULL},                                             \
      {"kommunekode", 4, F_KOMMUNE, AT(kommunekode), "BAD_KOMMUNEKODE", NULL}, {                   \
    "event date", 8, F_DATE, DATE_AT(date), "BAD_DATE", NULL                                       \
  }
#define ADDRESS(m, label)                                                                          \
  {label " street", CPR_W_STREET, F_TEXT_REQ, AT(m.street), MISSING, NULL},                        \
      {label " house number", CPR_W_HOUSE, F_TEXT, AT(m.house_number), NULL, NULL},                \
      {label " floor", CPR_W_FLOOR, F_TEXT, AT(m.floor), NULL, NULL},                              \
      {label " door", CPR_W_DOOR, F_TEXT, AT(m.door), NULL, NULL},                                 \
      {label " postcode", 4, F_POSTCODE, AT(m.postcode), "BAD_POSTCODE", NULL}, {                  \
    label " city", CPR_W_CITY, F_TEXT_REQ, AT(m.city), MISSING, NULL                               \
  }
#define NAME(m, label)                                                                             \
  {label "first names", CPR_W_FIRST_NAMES, F_TEXT_REQ, AT(m.first_names), MISSING, NULL}, {        \
    label "last name", CPR_W_LAST_NAME, F_TEXT_REQ, AT(m.last_name), MISSING, NULL                 \
  }

static const field_t start_fields[] = {
    {"file id", CPR_W_FILE_ID, F_FILE_ID, AT(file_id), "BAD_FILE_ID", NULL},
    {"production date", 8, F_DATE, DATE_AT(produced), "BAD_DATE", NULL},
    {"format version", 4, F_VERSION, NONE, "BAD_VERSION", NULL},
};
static const field_t end_fields[] = {
    {"file id", CPR_W_FILE_ID, F_FILE_ID, AT(file_id), "BAD_FILE_ID", NULL},
    {"record count", 8, F_COUNT, AT(count), "BAD_COUNT", NULL},
};
static const field_t registered_fields[] = {
    PREFIX,
    {"reason", 1, F_CHOICE, AT(reason), "BAD_REASON", "FI"},
    {"birth date", 8, F_DATE, DATE_AT(birth_date), "BAD_DATE", NULL},
    NAME(name, ""),
    ADDRESS(address, "address"),
};
static const field_t relocated_fields[] = {
    PREFIX,
    {"old kommunekode", 4, F_KOMMUNE, AT(old_kommunekode), "BAD_KOMMUNEKODE", NULL},
    ADDRESS(old_address, "old address"),
    ADDRESS(address, "new address"),
};
static const field_t name_fields[] = {PREFIX, NAME(old_name, "old "), NAME(name, "new ")};
static const field_t civil_fields[] = {
    PREFIX,
    {"civil status", 1, F_CHOICE, AT(civil_status), "BAD_CIVIL_STATUS", "UGFEPO"},
    {"spouse CPR number", 10, F_CPR_OPT, AT(spouse_cpr), "BAD_SPOUSE_CPR", NULL},
};
static const field_t protection_fields[] = {
    PREFIX,
    {"protection flag", 1, F_FLAG, AT(protection_on), "BAD_PROTECTION_FLAG", NULL},
    {"protection end date", 8, F_DATE_OPT, DATE_AT(protection_to), "BAD_DATE", NULL},
};
static const field_t emigrated_fields[] = {
    PREFIX,
    {"country code", 2, F_COUNTRY, AT(country), "BAD_COUNTRY", NULL},
};
static const field_t deceased_fields[] = {PREFIX};

typedef struct layout {
  cpr_record_type_t type;
  const char *topic;
  const field_t *fields;
  size_t n_fields;
} layout_t;

#define LAYOUT(t, topic, f)                                                                        \
  { t, topic, f, sizeof f / sizeof f[0] }
static const layout_t layouts[] = {
    LAYOUT(CPR_REC_START, NULL, start_fields),
    LAYOUT(CPR_REC_REGISTERED, "cpr.person.registered", registered_fields),
    LAYOUT(CPR_REC_RELOCATED, "cpr.person.relocated", relocated_fields),
    LAYOUT(CPR_REC_NAME_CHANGED, "cpr.person.name_changed", name_fields),
    LAYOUT(CPR_REC_CIVIL_STATUS, "cpr.person.civil_status_changed", civil_fields),
    LAYOUT(CPR_REC_PROTECTION, "cpr.person.protection_changed", protection_fields),
    LAYOUT(CPR_REC_EMIGRATED, "cpr.person.emigrated", emigrated_fields),
    LAYOUT(CPR_REC_DECEASED, "cpr.person.deceased", deceased_fields),
    LAYOUT(CPR_REC_END, NULL, end_fields),
};

static const layout_t *layout_of(cpr_record_type_t type) {
  for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++)
    if (layouts[i].type == type)
      return &layouts[i];
  return NULL;
}

size_t cpr_record_length(cpr_record_type_t type) {
  const layout_t *l = layout_of(type);
  if (l == NULL)
    return 0;
  size_t n = 3;
  for (size_t i = 0; i < l->n_fields; i++)
    n += l->fields[i].width;
  return n;
}

const char *cpr_record_topic(cpr_record_type_t type) {
  const layout_t *l = layout_of(type);
  return l ? l->topic : NULL;
}

static int fail(cpr_error_t *err, const char *code, const char *fmt, const char *name) {
  err->code = code;
  snprintf(err->detail, sizeof err->detail, fmt, name);
  return STAFET_EINVAL;
}

static int all_digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isdigit((unsigned char)s[i]))
      return 0;
  return 1;
}

static int all_blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ')
      return 0;
  return 1;
}

/* Copies text without surrounding blanks into dst (cap bytes; fits by the
 * width rules). */
static void copy_trimmed(char *dst, size_t cap, const char *s, size_t n) {
  while (n > 0 && (*s == ' ' || *s == '\t'))
    s++, n--;
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    n--;
  if (n >= cap)
    n = cap - 1;
  memcpy(dst, s, n);
  dst[n] = '\0';
}

static int parse_file_id(const field_t *f, const char *s, size_t n, char *dst, cpr_error_t *err) {
  size_t id_len = 0;
  while (id_len < n && (isalnum((unsigned char)s[id_len]) || strchr("._-", s[id_len]) != NULL))
    id_len++;
  if (id_len == 0 || !all_blank(s + id_len, n - id_len))
    return fail(err, f->code, "%s must be 1-20 of A-Z a-z 0-9 . _ - padded with blanks", f->name);
  copy_trimmed(dst, f->cap, s, id_len);
  return 0;
}

static int parse_count(const field_t *f, const char *s, size_t n, void *dst, cpr_error_t *err) {
  if (!all_digits(s, n))
    return fail(err, f->code, "%s must be eight digits", f->name);
  unsigned long v = 0;
  for (size_t i = 0; i < n; i++)
    v = v * 10 + (unsigned long)(s[i] - '0');
  memcpy(dst, &v, sizeof v);
  return 0;
}

static int parse_date(const field_t *f, const char *s, size_t n, void *dst, cpr_error_t *err) {
  sdate_t d = {0, 0, 0};
  if (f->kind == F_DATE_OPT && all_blank(s, n)) {
    memcpy(dst, &d, sizeof d);
    return 0;
  }
  if (n != 8 || sdate_parse_compact(s, &d) < 0)
    return fail(err, f->code, "%s is not a calendar date YYYYMMDD", f->name);
  memcpy(dst, &d, sizeof d);
  return 0;
}

static int parse_choice(const field_t *f, const char *s, size_t n, char *dst, cpr_error_t *err) {
  if (n != 1 || *s == ' ' || strchr(f->choices, *s) == NULL) {
    err->code = f->code;
    snprintf(err->detail, sizeof err->detail, "%s must be one of %s", f->name, f->choices);
    return STAFET_EINVAL;
  }
  *dst = *s;
  return 0;
}

static int parse_digits(const field_t *f, const char *s, size_t n, char *dst, cpr_error_t *err) {
  int blank_ok = f->kind == F_CPR_OPT;
  if (blank_ok && all_blank(s, n)) {
    dst[0] = '\0';
    return 0;
  }
  int is_cpr = f->kind == F_CPR || f->kind == F_CPR_OPT;
  if (!all_digits(s, n) || (is_cpr && !cpr_digits_valid(s)))
    /* The value is not repeated: it may be most of a CPR number. */
    return fail(err, f->code,
                is_cpr ? "%s must be ten digits DDMMYYSSSS with a valid day and month"
                       : "%s must be four digits",
                f->name);
  copy_trimmed(dst, f->cap, s, n);
  return 0;
}

static int parse_country(const field_t *f, const char *s, size_t n, char *dst, cpr_error_t *err) {
  if (n == 2 && s[0] == ' ' && s[1] == ' ') {
    dst[0] = '\0';
    return 0;
  }
  if (n != 2 || !isupper((unsigned char)s[0]) || !isupper((unsigned char)s[1]))
    return fail(err, f->code, "%s must be two letters A-Z or blank", f->name);
  dst[0] = s[0], dst[1] = s[1], dst[2] = '\0';
  return 0;
}

static int parse_flag(const field_t *f, const char *s, size_t n, char *dst, cpr_error_t *err) {
  if (n != 1 || (*s != '0' && *s != '1'))
    return fail(err, f->code, "%s must be 1 (on) or 0 (off)", f->name);
  int on = *s == '1';
  memcpy(dst, &on, sizeof on);
  return 0;
}

/* Parses one field: s[0..n) are its bytes (width characters). */
static int parse_field(const field_t *f, const char *s, size_t n, cpr_record_t *rec,
                       cpr_error_t *err) {
  char *dst = (char *)rec + f->offset;
  switch (f->kind) {
  case F_CPR:
  case F_CPR_OPT:
  case F_KOMMUNE:
  case F_POSTCODE: return parse_digits(f, s, n, dst, err);
  case F_DATE:
  case F_DATE_OPT: return parse_date(f, s, n, dst, err);
  case F_TEXT_REQ:
    if (all_blank(s, n))
      return fail(err, f->code, "%s is blank", f->name);
    /* fall through */
  case F_TEXT: copy_trimmed(dst, f->cap, s, n); return 0;
  case F_CHOICE: return parse_choice(f, s, n, dst, err);
  case F_FLAG: return parse_flag(f, s, n, dst, err);
  case F_COUNTRY: return parse_country(f, s, n, dst, err);
  case F_FILE_ID: return parse_file_id(f, s, n, dst, err);
  case F_COUNT: return parse_count(f, s, n, dst, err);
  case F_VERSION:
    return memcmp(s, "0001", 4) == 0 ? 0 : fail(err, f->code, "%s must be 0001", f->name);
  }
  return fail(err, "INTERNAL", "unknown field kind for %s", f->name);
}

/* The type from characters 1-3, or STAFET_EINVAL. */
static int read_type(const char *line, size_t n_chars, cpr_record_type_t *type, cpr_error_t *err) {
  if (n_chars < 3 || !all_digits(line, 3))
    return fail(err, "BAD_RECORD_TYPE", "%s", "characters 1-3 must be a record type 000-999");
  int t = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  if (layout_of((cpr_record_type_t)t) == NULL) {
    err->code = "BAD_RECORD_TYPE";
    snprintf(err->detail, sizeof err->detail, "unknown record type %03d", t);
    return STAFET_EINVAL;
  }
  *type = (cpr_record_type_t)t;
  return 0;
}

int cpr_record_parse(const char *line, size_t len, cpr_record_t *rec, cpr_error_t *err) {
  size_t offs[CPR_RECORD_MAX_CHARS + 1];
  long n_chars = utf8_offsets(line, len, NULL, len);
  if (n_chars < 0)
    return fail(err, "BAD_ENCODING", "%s", "not UTF-8 text without control characters");
  memset(rec, 0, sizeof *rec);
  cpr_record_type_t type;
  if (read_type(line, (size_t)n_chars, &type, err) < 0)
    return STAFET_EINVAL;
  size_t want = cpr_record_length(type);
  if ((size_t)n_chars != want) {
    err->code = "BAD_LENGTH";
    snprintf(err->detail, sizeof err->detail, "record type %03d is %zu characters, this has %ld",
             (int)type, want, n_chars);
    return STAFET_EINVAL;
  }
  utf8_offsets(line, len, offs, CPR_RECORD_MAX_CHARS);
  rec->type = type;
  const layout_t *l = layout_of(type);
  size_t pos = 3;
  for (size_t i = 0; i < l->n_fields; i++) {
    const field_t *f = &l->fields[i];
    size_t from = offs[pos], to = offs[pos + f->width];
    if (parse_field(f, line + from, to - from, rec, err) < 0)
      return STAFET_EINVAL;
    pos += f->width;
  }
  return 0;
}
