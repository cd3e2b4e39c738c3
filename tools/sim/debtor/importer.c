/*
 * importer.c — the fake debtor system's import of instruction files (see
 * importer.h). The checks are the format of docs/debtor-csv.md.
 */
#include "importer.h"

#include "csv.h"
#include "danish.h"
#include "spool.h"
#include "textutil.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char header[] = "instruktion_id;instruktion;debitor;dato;vejnavn;husnr;etage;doer;"
                             "postnr;postdistrikt;kommunekode;beskyttet";

enum {
  F_ID,
  F_CODE,
  F_DEBTOR,
  F_DATE,
  F_STREET,
  F_HOUSE,
  F_FLOOR,
  F_DOOR,
  F_POSTCODE,
  F_CITY,
  F_KOMMUNE,
  F_PROTECTED,
  N_FIELDS
};

static int fail(char *why, size_t cap, const char *text) {
  snprintf(why, cap, "%s", text);
  return -1;
}

static int digits(const char *s, size_t n) {
  if (strlen(s) != n)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!isdigit((unsigned char)s[i]))
      return 0;
  return 1;
}

static int address_blank(const csv_row_t *r) {
  for (int i = F_STREET; i <= F_KOMMUNE; i++)
    if (r->field[i][0] != '\0')
      return 0;
  return 1;
}

/* The rules of one instruction line. */
static int check_row(const csv_row_t *r, char *why, size_t cap) {
  char cpr[12];
  sdate_t d;
  if (r->n != N_FIELDS)
    return fail(why, cap, "an instruction has 12 fields");
  size_t id_len = strlen(r->field[F_ID]);
  if (id_len == 0 || id_len > 64)
    return fail(why, cap, "instruktion_id must be 1-64 characters");
  if (cpr_normalize(r->field[F_DEBTOR], strlen(r->field[F_DEBTOR]), cpr) != 0 ||
      strcmp(cpr, r->field[F_DEBTOR]) != 0)
    return fail(why, cap, "debitor must be a CPR number DDMMYY-SSSS");
  if (strlen(r->field[F_DATE]) != 10 || r->field[F_DATE][2] != '-' ||
      dk_date_parse(r->field[F_DATE], &d) != 0)
    return fail(why, cap, "dato must be a date DD-MM-YYYY");
  if (strcmp(r->field[F_PROTECTED], "0") != 0 && strcmp(r->field[F_PROTECTED], "1") != 0)
    return fail(why, cap, "beskyttet must be 0 or 1");
  if (strcmp(r->field[F_CODE], "DOEDSBO_STOP_RYKKER") == 0)
    return address_blank(r) ? 0 : fail(why, cap, "a DOEDSBO_STOP_RYKKER has no address");
  if (strcmp(r->field[F_CODE], "NY_ADRESSE") != 0)
    return fail(why, cap, "instruktion must be DOEDSBO_STOP_RYKKER or NY_ADRESSE");
  if (!digits(r->field[F_KOMMUNE], 4))
    return fail(why, cap, "kommunekode must be four digits");
  int withheld = r->field[F_PROTECTED][0] == '1' && r->field[F_STREET][0] == '\0' &&
                 r->field[F_POSTCODE][0] == '\0';
  if (!withheld && (r->field[F_STREET][0] == '\0' || !digits(r->field[F_POSTCODE], 4) ||
                    r->field[F_CITY][0] == '\0'))
    return fail(why, cap, "a NY_ADRESSE needs vejnavn, postnr (four digits) and postdistrikt");
  return 0;
}

static void keep(const csv_row_t *r, importer_line_t *out) {
  memset(out, 0, sizeof *out);
  snprintf(out->id, sizeof out->id, "%s", r->field[F_ID]);
  snprintf(out->code, sizeof out->code, "%s", r->field[F_CODE]);
  snprintf(out->debtor, sizeof out->debtor, "%s", r->field[F_DEBTOR]);
  snprintf(out->date, sizeof out->date, "%s", r->field[F_DATE]);
  snprintf(out->street, sizeof out->street, "%s", r->field[F_STREET]);
  snprintf(out->postcode, sizeof out->postcode, "%s", r->field[F_POSTCODE]);
  snprintf(out->city, sizeof out->city, "%s", r->field[F_CITY]);
  snprintf(out->kommunekode, sizeof out->kommunekode, "%s", r->field[F_KOMMUNE]);
  out->protected_ = r->field[F_PROTECTED][0] == '1';
}

int importer_check(const char *text, size_t len, importer_line_t *out, char *why, size_t cap) {
  const char *nl = memchr(text, '\n', len);
  if (nl == NULL || (size_t)(nl - text) != strlen(header) || memcmp(text, header, strlen(header)))
    return fail(why, cap, "the first line is not the instruction header");
  const char *line = nl + 1, *end = text + len;
  int n = 0;
  while (line < end) {
    const char *eol = memchr(line, '\n', (size_t)(end - line));
    if (eol == NULL)
      return fail(why, cap, "the last line has no line ending (a file cut short?)");
    char buf[2048];
    csv_row_t r;
    size_t line_len = (size_t)(eol - line);
    if (line_len + CSV_MAX_FIELDS > sizeof buf || !utf8_clean(line, line_len) ||
        csv_split(line, line_len, buf, &r) != 0)
      return fail(why, cap, "an instruction line is not UTF-8 ';'-separated fields");
    if (check_row(&r, why, cap) != 0)
      return -1;
    if (n++ == 0)
      keep(&r, out);
    line = eol + 1;
  }
  return n > 0 ? 0 : fail(why, cap, "the file holds no instruction");
}

/* 1 if id is in the ledger (one id a line). */
static int in_ledger(const char *ledger_path, const char *id) {
  char *text = NULL;
  size_t len = 0;
  if (spool_read_file(ledger_path, 64u << 20, &text, &len) != 0)
    return 0;
  size_t n = strlen(id);
  int found = 0;
  for (const char *p = text; !found && p < text + len;) {
    const char *eol = memchr(p, '\n', (size_t)(text + len - p));
    size_t line_len = eol ? (size_t)(eol - p) : (size_t)(text + len - p);
    found = line_len == n && memcmp(p, id, n) == 0;
    p += line_len + 1;
  }
  free(text);
  return found;
}

static void ledger_add(const char *ledger_path, const char *id) {
  FILE *f = fopen(ledger_path, "a");
  if (f != NULL) {
    fprintf(f, "%s\n", id);
    fclose(f);
  }
}

/* Checks, moves and reports one file. */
static void import_one(const char *dir, const char *name, FILE *report, importer_counts_t *c) {
  char path[SPOOL_PATH_MAX], imported[SPOOL_PATH_MAX], failed[SPOOL_PATH_MAX],
      ledger[SPOOL_PATH_MAX], why[200] = "cannot read the file", masked[12];
  char *text = NULL;
  size_t len = 0;
  importer_line_t line;
  spool_join(path, dir, name);
  spool_join(imported, dir, "imported");
  spool_join(failed, dir, "failed");
  spool_join(ledger, imported, ".ledger");
  int rc = spool_read_file(path, 1u << 20, &text, &len);
  if (rc == 0)
    rc = importer_check(text, len, &line, why, sizeof why);
  free(text);
  if (rc != 0) {
    char final[SPOOL_NAME_MAX], reason[SPOOL_NAME_MAX + 8];
    if (spool_move_unique(path, failed, name, final) == 0) {
      snprintf(reason, sizeof reason, "%s.reason", final);
      spool_write_atomic(failed, reason, why, strlen(why));
    }
    fprintf(report, "failed %s reason=\"%s\"\n", name, why);
    c->failed++;
    return;
  }
  int duplicate = in_ledger(ledger, line.id);
  if (!duplicate)
    ledger_add(ledger, line.id);
  spool_move_unique(path, imported, name, NULL);
  cpr_masked(line.debtor, masked);
  if (duplicate)
    fprintf(report, "duplicate %s instruktion_id=%s\n", name, line.id);
  else
    fprintf(report, "imported %s instruktion=%s debitor=%s dato=%s%s%s\n", name, line.code, masked,
            line.date, line.postcode[0] ? " postnr=" : "", line.postcode);
  duplicate ? c->duplicates++ : c->imported++;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ready(const char *name) {
  size_t n = strlen(name);
  return name[0] != '.' && n > 4 && strcmp(name + n - 4, ".csv") == 0;
}

/* The ready file names in dir, sorted; *names is the caller's (free each). */
static int list_ready(const char *dir, char ***names, size_t *n) {
  DIR *d = opendir(dir);
  if (d == NULL)
    return -1;
  size_t cap = 0;
  struct dirent *e;
  *names = NULL, *n = 0;
  while ((e = readdir(d)) != NULL) {
    if (!ready(e->d_name) || (e->d_type != DT_REG && e->d_type != DT_UNKNOWN))
      continue;
    if (*n == cap) {
      cap = cap ? 2 * cap : 16;
      char **grown = realloc(*names, cap * sizeof *grown);
      if (grown == NULL)
        break;
      *names = grown;
    }
    (*names)[(*n)++] = strdup(e->d_name);
  }
  closedir(d);
  if (*n > 0)
    qsort(*names, *n, sizeof **names, by_name);
  return 0;
}

int importer_pass(const char *dir, FILE *report, importer_counts_t *counts) {
  char sub[SPOOL_PATH_MAX];
  const char *subs[] = {"imported", "failed"};
  for (int i = 0; i < 2; i++)
    if (spool_join(sub, dir, subs[i]) != 0 || (mkdir(sub, 0750) != 0 && errno != EEXIST))
      return -1;
  char **names;
  size_t n;
  if (list_ready(dir, &names, &n) != 0)
    return -1;
  for (size_t i = 0; i < n; i++) {
    if (names[i] != NULL)
      import_one(dir, names[i], report, counts);
    free(names[i]);
  }
  free(names);
  fflush(report);
  return 0;
}
