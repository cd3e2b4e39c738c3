/*
 * csvgen.c — synthetic debtor-system exports (see csvgen.h and
 * docs/debtor-csv.md).
 */
#include "csvgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 6
#define FIELD_MAX  128

/* One export line, field by field, before it is joined. */
typedef struct line {
  char f[MAX_FIELDS][FIELD_MAX];
  size_t n;
} line_t;

typedef struct kind_info {
  const char *name;   /* --kind */
  const char *file;   /* file name prefix */
  const char *header; /* the header line */
  int amount_col;     /* -1: none */
  int date_col;
} kind_info_t;

static const kind_info_t kinds[CSVGEN_KINDS] = {
    {"claims", "fordringer", "fordring_id;debitor;fordringstype;beloeb;forfaldsdato;tekst", 3, 4},
    {"payments", "indbetalinger", "fordring_id;debitor;beloeb;betalingsdato;kanal", 2, 3},
    {"agreements", "betalingsaftaler",
     "aftale_id;debitor;fordringer;foerste_afdrag;antal_afdrag;afdrag_beloeb", 5, 3},
    {"transfers", "overdragelser", "fordring_id;debitor;overdragelsesdato;restbeloeb", 3, 2},
    {"closures", "lukninger", "fordring_id;debitor;lukkedato;aarsag", -1, 2},
};

int csvgen_kind_by_name(const char *name) {
  if (strcmp(name, "mix") == 0)
    return CSVGEN_MIX;
  for (int k = 0; k < CSVGEN_KINDS; k++)
    if (strcmp(name, kinds[k].name) == 0)
      return k;
  return -1;
}

void csvgen_init(csvgen_t *g, const csvgen_opts_t *o) {
  memset(g, 0, sizeof *g);
  g->o = *o;
  if (g->o.people == 0)
    g->o.people = 1000;
  synth_seed(&g->rng, o->seed);
}

void csvgen_free(csvgen_t *g) {
  free(g->claims);
  g->claims = NULL;
}

static void set(line_t *l, const char *value) {
  snprintf(l->f[l->n++], FIELD_MAX, "%s", value);
}

/* An amount in øre written the Danish way: "1.234,50". */
static void amount_text(long long oere, char out[32]) {
  char digits[24];
  int n = snprintf(digits, sizeof digits, "%lld", oere / 100);
  size_t w = 0;
  for (int i = 0; i < n; i++) {
    if (i > 0 && (n - i) % 3 == 0)
      out[w++] = '.';
    out[w++] = digits[i];
  }
  snprintf(out + w, 32 - w, ",%02lld", oere % 100);
}

static void set_amount(line_t *l, long long oere) {
  char text[32];
  amount_text(oere, text);
  set(l, text);
}

static void set_date(csvgen_t *g, line_t *l) {
  char text[16];
  snprintf(text, sizeof text, "%02u-%02u-2024", 1 + synth_below(&g->rng, 28),
           1 + synth_below(&g->rng, 12));
  set(l, text);
}

/* A debtor: mostly one of the synthetic people, sometimes a company. */
static void debtor(csvgen_t *g, char out[12]) {
  if (synth_below(&g->rng, 10) == 0) {
    snprintf(out, 12, "3%07u", synth_below(&g->rng, 10000000));
    return;
  }
  char cpr[11], birth[9];
  synth_cpr(g->o.first_person + synth_below(&g->rng, (uint32_t)g->o.people), cpr, birth);
  snprintf(out, 12, "%.6s-%.4s", cpr, cpr + 6);
}

/* A claim made earlier (or, before any, a new id the store does not know). */
static const csvgen_claim_t *some_claim(csvgen_t *g, csvgen_claim_t *scratch) {
  if (g->n_claims > 0)
    return &g->claims[synth_below(&g->rng, (uint32_t)g->n_claims)];
  snprintf(scratch->id, sizeof scratch->id, "F-X%u", synth_below(&g->rng, 100000));
  debtor(g, scratch->debtor);
  scratch->amount_oere = 10000;
  return scratch;
}

static int claim_line(csvgen_t *g, line_t *l) {
  static const char *const types[] = {"DAGINSTITUTION", "EJENDOMSSKAT", "INDSKUDSLAAN",
                                      "KONTROLAFGIFT",  "FAKTURA",      "ANDET"};
  static const char *const texts[] = {"Pasning januar", "Forældrebetaling; marts",
                                      "Kontrolafgift \"bus 2A\"", "", "Indskudslån"};
  if (g->n_claims == g->cap) {
    size_t cap = g->cap ? 2 * g->cap : 256;
    csvgen_claim_t *grown = realloc(g->claims, cap * sizeof *grown);
    if (grown == NULL)
      return -1;
    g->claims = grown, g->cap = cap;
  }
  csvgen_claim_t *c = &g->claims[g->n_claims++];
  snprintf(c->id, sizeof c->id, "F-%zu", g->n_claims);
  debtor(g, c->debtor);
  c->amount_oere = 5000 + (long long)synth_below(&g->rng, 2500000);
  set(l, c->id);
  set(l, c->debtor);
  set(l, types[synth_below(&g->rng, 6)]);
  set_amount(l, c->amount_oere);
  set_date(g, l);
  set(l, texts[synth_below(&g->rng, 5)]);
  return 0;
}

static void payment_line(csvgen_t *g, line_t *l) {
  static const char *const channels[] = {"BS", "BANK", "KORT", "MOBILEPAY", "MODREGNING"};
  csvgen_claim_t scratch;
  const csvgen_claim_t *c = some_claim(g, &scratch);
  set(l, c->id);
  set(l, c->debtor);
  long long part = 1 + (long long)synth_below(&g->rng, (uint32_t)c->amount_oere);
  set_amount(l, part);
  set_date(g, l);
  set(l, channels[synth_below(&g->rng, 5)]);
}

static void agreement_line(csvgen_t *g, line_t *l) {
  csvgen_claim_t scratch;
  const csvgen_claim_t *c = some_claim(g, &scratch);
  char id[24], n[8];
  snprintf(id, sizeof id, "A-%lu", ++g->agreements);
  unsigned instalments = 2 + synth_below(&g->rng, 23);
  snprintf(n, sizeof n, "%u", instalments);
  set(l, id);
  set(l, c->debtor);
  set(l, c->id);
  set_date(g, l);
  set(l, n);
  set_amount(l, c->amount_oere / instalments + 1);
}

static void transfer_line(csvgen_t *g, line_t *l) {
  csvgen_claim_t scratch;
  const csvgen_claim_t *c = some_claim(g, &scratch);
  set(l, c->id);
  set(l, c->debtor);
  set_date(g, l);
  set_amount(l, c->amount_oere / 2);
}

static void closure_line(csvgen_t *g, line_t *l) {
  static const char *const reasons[] = {"BETALT", "AFSKREVET", "DOEDSBO"};
  csvgen_claim_t scratch;
  const csvgen_claim_t *c = some_claim(g, &scratch);
  set(l, c->id);
  set(l, c->debtor);
  set_date(g, l);
  set(l, reasons[synth_below(&g->rng, 3)]);
}

static int data_line(csvgen_t *g, csvgen_kind_t kind, line_t *l) {
  l->n = 0;
  switch (kind) {
  case CSVGEN_CLAIMS: return claim_line(g, l);
  case CSVGEN_PAYMENTS: payment_line(g, l); return 0;
  case CSVGEN_AGREEMENTS: agreement_line(g, l); return 0;
  case CSVGEN_TRANSFERS: transfer_line(g, l); return 0;
  default: closure_line(g, l); return 0;
  }
}

/* Spoils a line one way; returns the reason code the adapter must give.
 * `quoting` is set when the line must be joined with a broken quote. */
static const char *spoil(csvgen_t *g, csvgen_kind_t kind, line_t *l, int *quoting) {
  const kind_info_t *k = &kinds[kind];
  switch (synth_below(&g->rng, 5)) {
  case 0:
    if (k->amount_col < 0)
      break;
    snprintf(l->f[k->amount_col], FIELD_MAX, "12,345");
    return "BAD_AMOUNT";
  case 1: l->n--; return "WRONG_COLUMN_COUNT";
  case 2:
    if (kind != CSVGEN_CLAIMS)
      break;
    snprintf(l->f[2], FIELD_MAX, "HUNDESKAT");
    return "UNKNOWN_CLAIM_TYPE";
  case 3: *quoting = 1; return "BAD_QUOTING";
  default: break;
  }
  snprintf(l->f[k->date_col], FIELD_MAX, "31-02-2024");
  return "BAD_DATE";
}

/* Appends text and "\r\n" to the growing file. */
static int append_raw(csvgen_file_t *f, size_t *cap, const char *text, size_t n) {
  if (f->len + n + 3 > *cap) {
    size_t grown_cap = 2 * (*cap + n + 3);
    char *grown = realloc(f->text, grown_cap);
    if (grown == NULL)
      return -1;
    f->text = grown, *cap = grown_cap;
  }
  memcpy(f->text + f->len, text, n);
  memcpy(f->text + f->len + n, "\r\n", 3);
  f->len += n + 2;
  return 0;
}

/* Appends the line joined with ';' (quoting fields with ';' or '"'); with
 * broken_quote the first field opens a quote that never closes. */
static int append_line(csvgen_file_t *f, size_t *cap, const line_t *l, int broken_quote) {
  char text[MAX_FIELDS * (2 * FIELD_MAX + 3)];
  size_t w = 0;
  for (size_t i = 0; i < l->n; i++) {
    const char *v = l->f[i];
    int quote = strpbrk(v, ";\"") != NULL;
    if (i > 0)
      text[w++] = ';';
    if (quote || (broken_quote && i == 0))
      text[w++] = '"';
    for (; *v; v++) {
      if (*v == '"')
        text[w++] = '"';
      text[w++] = *v;
    }
    if (quote)
      text[w++] = '"';
  }
  return append_raw(f, cap, text, w);
}

static int body(csvgen_t *g, csvgen_kind_t kind, csvgen_file_t *f, size_t *cap) {
  unsigned char *spoilt = calloc(g->o.lines + 1, 1);
  f->bad = calloc(g->o.bad_per_file + 1, sizeof *f->bad);
  if (spoilt == NULL || f->bad == NULL) {
    free(spoilt);
    return -1;
  }
  unsigned want = g->o.bad_per_file < g->o.lines ? g->o.bad_per_file : g->o.lines;
  for (unsigned chosen = 0; chosen < want;) {
    unsigned i = synth_below(&g->rng, g->o.lines);
    if (!spoilt[i])
      spoilt[i] = 1, chosen++;
  }
  int rc = 0;
  for (unsigned i = 0; rc == 0 && i < g->o.lines; i++) {
    line_t l;
    int broken_quote = 0;
    rc = data_line(g, kind, &l);
    if (rc == 0 && spoilt[i])
      f->bad[f->n_bad++] = (csvgen_bad_t){i + 2, spoil(g, kind, &l, &broken_quote)};
    if (rc == 0)
      rc = append_line(f, cap, &l, broken_quote);
  }
  free(spoilt);
  return rc;
}

int csvgen_next(csvgen_t *g, csvgen_file_t *f) {
  memset(f, 0, sizeof *f);
  unsigned long seq = ++g->files;
  csvgen_kind_t kind =
      g->o.kind == CSVGEN_MIX ? (csvgen_kind_t)((seq - 1) % CSVGEN_KINDS) : g->o.kind;
  snprintf(f->name, sizeof f->name, "%s-%06lu.csv", kinds[kind].file, seq % 1000000);
  f->lines = g->o.lines;
  size_t cap = 0;
  if (append_raw(f, &cap, kinds[kind].header, strlen(kinds[kind].header)) < 0)
    return -1;
  return body(g, kind, f, &cap);
}

void csvgen_file_free(csvgen_file_t *f) {
  free(f->text);
  free(f->bad);
  f->text = NULL;
  f->bad = NULL;
}
