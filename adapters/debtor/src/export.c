/*
 * export.c — the columns of each export kind and the checks of each field.
 *
 * Each kind is a table of columns (header name and field kind); one loop
 * checks a line against it. The tables are the layout of docs/debtor-csv.md:
 * change both together.
 */
#include "export.h"

#include "danish.h"

#include "stafet.h"
#include "stafet/events/v1/debt.pb-c.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum {
  C_ID,         /* claim or agreement id */
  C_DEBTOR,     /* CPR or CVR number */
  C_CLAIM_TYPE, /* code word */
  C_AMOUNT_POS, /* amount > 0 */
  C_AMOUNT_NZ,  /* amount != 0 (a negative payment is a reversal) */
  C_AMOUNT_NN,  /* amount >= 0 */
  C_DATE,
  C_TEXT,      /* free text, may be empty */
  C_CHANNEL,   /* code word */
  C_REASON,    /* code word */
  C_CLAIM_IDS, /* ids separated by ',' */
  C_COUNT,     /* 1..DEBT_MAX_INSTALMENTS */
} column_kind_t;

typedef struct column {
  const char *name;
  column_kind_t kind;
} column_t;

typedef struct layout {
  const char *name;  /* the kind's name in docs and logs */
  const char *topic; /* the event */
  const column_t *columns;
  size_t n;
  const char *header; /* the columns' names joined with ';' */
} layout_t;

static const column_t claim_columns[] = {
    {"fordring_id", C_ID},    {"debitor", C_DEBTOR},    {"fordringstype", C_CLAIM_TYPE},
    {"beloeb", C_AMOUNT_POS}, {"forfaldsdato", C_DATE}, {"tekst", C_TEXT},
};
static const column_t payment_columns[] = {
    {"fordring_id", C_ID},     {"debitor", C_DEBTOR}, {"beloeb", C_AMOUNT_NZ},
    {"betalingsdato", C_DATE}, {"kanal", C_CHANNEL},
};
static const column_t agreement_columns[] = {
    {"aftale_id", C_ID},        {"debitor", C_DEBTOR},     {"fordringer", C_CLAIM_IDS},
    {"foerste_afdrag", C_DATE}, {"antal_afdrag", C_COUNT}, {"afdrag_beloeb", C_AMOUNT_POS},
};
static const column_t transfer_columns[] = {
    {"fordring_id", C_ID},
    {"debitor", C_DEBTOR},
    {"overdragelsesdato", C_DATE},
    {"restbeloeb", C_AMOUNT_NN},
};
static const column_t closure_columns[] = {
    {"fordring_id", C_ID},
    {"debitor", C_DEBTOR},
    {"lukkedato", C_DATE},
    {"aarsag", C_REASON},
};

#define LAYOUT(name, topic, cols, header)                                                          \
  { name, topic, cols, sizeof cols / sizeof cols[0], header }
static const layout_t layouts[DEBT_KINDS] = {
    LAYOUT("fordringer", "debt.claim.created", claim_columns,
           "fordring_id;debitor;fordringstype;beloeb;forfaldsdato;tekst"),
    LAYOUT("indbetalinger", "debt.payment.received", payment_columns,
           "fordring_id;debitor;beloeb;betalingsdato;kanal"),
    LAYOUT("betalingsaftaler", "debt.agreement.created", agreement_columns,
           "aftale_id;debitor;fordringer;foerste_afdrag;antal_afdrag;afdrag_beloeb"),
    LAYOUT("overdragelser", "debt.claim.transferred_to_collection", transfer_columns,
           "fordring_id;debitor;overdragelsesdato;restbeloeb"),
    LAYOUT("lukninger", "debt.claim.closed", closure_columns,
           "fordring_id;debitor;lukkedato;aarsag"),
};

typedef struct code {
  const char *word; /* in the export */
  int value;        /* the proto enum */
  const char *name; /* in attributes and answers */
} code_t;

static const code_t claim_types[] = {
    {"DAGINSTITUTION", STAFET__EVENTS__V1__DEBT__CLAIM_TYPE__CLAIM_TYPE_CHILDCARE, "childcare"},
    {"PASNING", STAFET__EVENTS__V1__DEBT__CLAIM_TYPE__CLAIM_TYPE_CHILDCARE, "childcare"},
    {"EJENDOMSSKAT", STAFET__EVENTS__V1__DEBT__CLAIM_TYPE__CLAIM_TYPE_PROPERTY_TAX_LOAN,
     "property_tax_loan"},
    {"INDSKUDSLAAN", STAFET__EVENTS__V1__DEBT__CLAIM_TYPE__CLAIM_TYPE_HOUSING_DEPOSIT_LOAN,
     "housing_deposit_loan"},
    {"KONTROLAFGIFT", STAFET__EVENTS__V1__DEBT__CLAIM_TYPE__CLAIM_TYPE_CONTROL_FEE, "control_fee"},
    {"FAKTURA", STAFET__EVENTS__V1__DEBT__CLAIM_TYPE__CLAIM_TYPE_INVOICE, "invoice"},
    {"ANDET", STAFET__EVENTS__V1__DEBT__CLAIM_TYPE__CLAIM_TYPE_OTHER, "other"},
    {NULL, 0, ""},
};
static const code_t channels[] = {
    {"BETALINGSSERVICE",
     STAFET__EVENTS__V1__DEBT__PAYMENT_RECEIVED__CHANNEL__CHANNEL_BETALINGSSERVICE,
     "betalingsservice"},
    {"BS", STAFET__EVENTS__V1__DEBT__PAYMENT_RECEIVED__CHANNEL__CHANNEL_BETALINGSSERVICE,
     "betalingsservice"},
    {"BANK", STAFET__EVENTS__V1__DEBT__PAYMENT_RECEIVED__CHANNEL__CHANNEL_BANK_TRANSFER,
     "bank_transfer"},
    {"KORT", STAFET__EVENTS__V1__DEBT__PAYMENT_RECEIVED__CHANNEL__CHANNEL_CARD, "card"},
    {"MOBILEPAY", STAFET__EVENTS__V1__DEBT__PAYMENT_RECEIVED__CHANNEL__CHANNEL_MOBILEPAY,
     "mobilepay"},
    {"MODREGNING", STAFET__EVENTS__V1__DEBT__PAYMENT_RECEIVED__CHANNEL__CHANNEL_SET_OFF, "set_off"},
    {NULL, 0, ""},
};
static const code_t close_reasons[] = {
    {"BETALT", STAFET__EVENTS__V1__DEBT__CLAIM_CLOSED__REASON__REASON_PAID, "paid"},
    {"AFSKREVET", STAFET__EVENTS__V1__DEBT__CLAIM_CLOSED__REASON__REASON_WRITTEN_OFF,
     "written_off"},
    {"DOEDSBO", STAFET__EVENTS__V1__DEBT__CLAIM_CLOSED__REASON__REASON_ESTATE, "estate"},
    {NULL, 0, ""},
};

static const code_t *code_by_word(const code_t *table, const char *word) {
  for (; table->word != NULL; table++)
    if (strcasecmp(table->word, word) == 0)
      return table;
  return NULL;
}

static const char *name_by_value(const code_t *table, int value) {
  for (; table->word != NULL; table++)
    if (table->value == value)
      return table->name;
  return "";
}

const char *debt_claim_type_name(int claim_type) {
  return name_by_value(claim_types, claim_type);
}

const char *debt_channel_name(int channel) {
  return name_by_value(channels, channel);
}

const char *debt_close_reason_name(int reason) {
  return name_by_value(close_reasons, reason);
}

const char *debt_kind_header(debt_kind_t kind) {
  return layouts[kind].header;
}

const char *debt_kind_topic(debt_kind_t kind) {
  return layouts[kind].topic;
}

const char *debt_kind_name(debt_kind_t kind) {
  return layouts[kind].name;
}

int debt_kind_from_header(const csv_row_t *header, debt_kind_t *kind) {
  for (int k = 0; k < DEBT_KINDS; k++) {
    const layout_t *l = &layouts[k];
    if (header->n != l->n)
      continue;
    size_t i = 0;
    for (; i < l->n; i++) {
      const char *f = header->field[i];
      if (i == 0 && strncmp(f, "\xEF\xBB\xBF", 3) == 0)
        f += 3; /* a UTF-8 byte order mark */
      if (strcasecmp(f, l->columns[i].name) != 0)
        break;
    }
    if (i == l->n) {
      *kind = (debt_kind_t)k;
      return 0;
    }
  }
  return STAFET_EINVAL;
}

static int fail(debt_error_t *err, const char *code, const char *fmt, const char *column) {
  err->code = code;
  snprintf(err->detail, sizeof err->detail, fmt, column);
  return STAFET_EINVAL;
}

static int id_valid(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > DEBT_ID_MAX)
    return 0;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && strchr("._/-", *s) == NULL)
      return 0;
  return 1;
}

static int parse_debtor(const char *s, debt_party_t *out) {
  memset(out, 0, sizeof *out);
  if (cpr_normalize(s, strlen(s), out->cpr) == 0)
    return 0;
  out->cpr[0] = '\0';
  size_t n = strlen(s);
  for (size_t i = 0; i < n; i++)
    if (!isdigit((unsigned char)s[i]))
      return STAFET_EINVAL;
  if (n != 8)
    return STAFET_EINVAL;
  memcpy(out->cvr, s, 9);
  return 0;
}

static int parse_claim_ids(const char *s, debt_row_t *out) {
  char copy[DEBT_MAX_CLAIM_IDS * (DEBT_ID_MAX + 1) + 1];
  if (strlen(s) >= sizeof copy)
    return STAFET_EINVAL;
  snprintf(copy, sizeof copy, "%s", s);
  out->n_claim_ids = 0;
  char *save = NULL;
  for (char *id = strtok_r(copy, ",", &save); id != NULL; id = strtok_r(NULL, ",", &save)) {
    while (*id == ' ')
      id++;
    size_t n = strlen(id);
    while (n > 0 && id[n - 1] == ' ')
      id[--n] = '\0';
    if (!id_valid(id) || out->n_claim_ids == DEBT_MAX_CLAIM_IDS)
      return STAFET_EINVAL;
    snprintf(out->claim_ids[out->n_claim_ids++], DEBT_ID_MAX + 1, "%s", id);
  }
  return out->n_claim_ids > 0 ? 0 : STAFET_EINVAL;
}

static int parse_count(const char *s, unsigned *out) {
  char *end;
  if (!isdigit((unsigned char)s[0]))
    return STAFET_EINVAL;
  unsigned long v = strtoul(s, &end, 10);
  if (*end != '\0' || v < 1 || v > DEBT_MAX_INSTALMENTS)
    return STAFET_EINVAL;
  *out = (unsigned)v;
  return 0;
}

static int parse_amount(const column_t *c, const char *s, int64_t *out, debt_error_t *err) {
  if (dk_amount_parse(s, out) < 0)
    return fail(err, "BAD_AMOUNT", "%s is not an amount like 1.234,50", c->name);
  if (c->kind == C_AMOUNT_POS && *out <= 0)
    return fail(err, "BAD_AMOUNT", "%s must be more than 0", c->name);
  if (c->kind == C_AMOUNT_NZ && *out == 0)
    return fail(err, "BAD_AMOUNT", "%s must not be 0", c->name);
  if (c->kind == C_AMOUNT_NN && *out < 0)
    return fail(err, "BAD_AMOUNT", "%s must not be negative", c->name);
  return 0;
}

static int parse_code(const column_t *c, const code_t *table, const char *code, const char *s,
                      int *out, debt_error_t *err) {
  const code_t *found = code_by_word(table, s);
  if (found == NULL)
    return fail(err, code, "%s is not one of the documented code words", c->name);
  *out = found->value;
  return 0;
}

static int parse_text(const column_t *c, const char *s, char *out, size_t cap, debt_error_t *err) {
  if (!utf8_clean(s, strlen(s)))
    return fail(err, "BAD_TEXT", "%s is not UTF-8 text", c->name);
  if (utf8_offsets(s, strlen(s), NULL, DEBT_TEXT_MAX) < 0)
    return fail(err, "BAD_TEXT", "%s is longer than 200 characters", c->name);
  snprintf(out, cap, "%s", s);
  return 0;
}

/* Checks field s of column c into out. */
static int parse_field(const column_t *c, const char *s, debt_row_t *out, debt_error_t *err) {
  if (s[0] == '\0' && c->kind != C_TEXT)
    return fail(err, "MISSING_FIELD", "%s is empty", c->name);
  switch (c->kind) {
  case C_ID:
    if (!id_valid(s))
      return fail(err, "BAD_ID", "%s must be 1-40 of A-Z a-z 0-9 . _ / -", c->name);
    snprintf(out->id, sizeof out->id, "%s", s);
    return 0;
  case C_DEBTOR:
    if (parse_debtor(s, &out->debtor) < 0)
      /* The value is not repeated: it may be most of a CPR number. */
      return fail(err, "BAD_DEBTOR", "%s must be a CPR number (DDMMYY-SSSS) or a CVR number",
                  c->name);
    return 0;
  case C_CLAIM_TYPE:
    return parse_code(c, claim_types, "UNKNOWN_CLAIM_TYPE", s, &out->claim_type, err);
  case C_AMOUNT_POS:
  case C_AMOUNT_NZ:
  case C_AMOUNT_NN: return parse_amount(c, s, &out->amount_oere, err);
  case C_DATE:
    if (dk_date_parse(s, &out->date) < 0)
      return fail(err, "BAD_DATE", "%s is not a calendar date DD-MM-YYYY", c->name);
    return 0;
  case C_TEXT: return parse_text(c, s, out->text, sizeof out->text, err);
  case C_CHANNEL: return parse_code(c, channels, "BAD_CHANNEL", s, &out->channel, err);
  case C_REASON: return parse_code(c, close_reasons, "BAD_REASON", s, &out->close_reason, err);
  case C_CLAIM_IDS:
    if (parse_claim_ids(s, out) < 0)
      return fail(err, "BAD_ID", "%s must be 1-16 claim ids separated by ','", c->name);
    return 0;
  case C_COUNT:
    if (parse_count(s, &out->n_instalments) < 0)
      return fail(err, "BAD_COUNT", "%s must be a whole number 1-120", c->name);
    return 0;
  }
  return fail(err, "INTERNAL", "unknown column kind of %s", c->name);
}

int debt_row_parse(debt_kind_t kind, const csv_row_t *row, debt_row_t *out, debt_error_t *err) {
  const layout_t *l = &layouts[kind];
  memset(out, 0, sizeof *out);
  out->kind = kind;
  if (row->n != l->n) {
    err->code = "WRONG_COLUMN_COUNT";
    snprintf(err->detail, sizeof err->detail, "%s lines have %zu columns, this has %zu", l->name,
             l->n, row->n);
    return STAFET_EINVAL;
  }
  for (size_t i = 0; i < l->n; i++)
    if (parse_field(&l->columns[i], row->field[i], out, err) < 0)
      return STAFET_EINVAL;
  return 0;
}

static int line_error(debt_error_t *err, const char *code, const char *detail) {
  err->code = code;
  snprintf(err->detail, sizeof err->detail, "%s", detail);
  return STAFET_EINVAL;
}

int debt_line_parse(debt_kind_t kind, const char *line, size_t len, char *buf, debt_row_t *out,
                    debt_error_t *err) {
  csv_row_t fields;
  if (len == 0)
    return line_error(err, "EMPTY_LINE", "the line is empty");
  if (len > DEBT_LINE_MAX)
    return line_error(err, "LINE_TOO_LONG", "the line is longer than 8192 bytes");
  if (!utf8_clean(line, len))
    return line_error(err, "BAD_ENCODING", "the line is not UTF-8 text");
  int rc = csv_split(line, len, buf, &fields);
  if (rc == STAFET_EINVAL)
    return line_error(err, "BAD_QUOTING",
                      "a quoted field is not closed, or a quote is inside an unquoted field");
  if (rc < 0)
    return line_error(err, "WRONG_COLUMN_COUNT", "the line has more than 16 columns");
  return debt_row_parse(kind, &fields, out, err);
}

sdate_t debt_instalment_date(sdate_t first, unsigned i) {
  unsigned months = first.month - 1 + i;
  sdate_t d = {first.year + months / 12, months % 12 + 1, first.day};
  while (!sdate_valid(d) && d.day > 28)
    d.day--;
  return d;
}
