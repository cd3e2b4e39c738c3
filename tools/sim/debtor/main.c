/*
 * main.c — stafet-sim-debtor, the debtor system (Opkrævningen) as the demo
 * and the tests need it:
 *
 *   export   writes synthetic CSV exports (docs/debtor-csv.md) into the debtor
 *            adapter's spool at a chosen rate, some lines spoiled on request
 *   import   the fake debtor system: watches the import directory, checks
 *            every instruction file the adapter writes, moves it to
 *            imported/ or failed/ and reports one line per file
 *
 * The process-wide state lives here: the flag SIGINT/SIGTERM set.
 */
#include "csvgen.h"
#include "importer.h"
#include "simio.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static const char usage[] =
    "usage: stafet-sim-debtor export --out DIR [options]\n"
    "       stafet-sim-debtor import --dir DIR [--once] [--interval-ms N]\n"
    "\n"
    "export: writes synthetic CSV exports of the debtor system (docs/debtor-csv.md)\n"
    "into DIR, each under a temporary name and then renamed. Synthetic people only.\n"
    "  --out DIR           the debtor adapter's spool directory (made if missing)\n"
    "  --kind K            claims, payments, agreements, transfers, closures, or\n"
    "                      mix: one of each in turn, claims first (default mix)\n"
    "  --files N           how many files (default 1; 0: until stopped)\n"
    "  --lines N           data lines per file (default 100)\n"
    "  --bad N             spoil N lines per file, each with one documented reason\n"
    "                      (BAD_AMOUNT, BAD_DATE, WRONG_COLUMN_COUNT,\n"
    "                      UNKNOWN_CLAIM_TYPE, BAD_QUOTING); stdout names the lines\n"
    "  --rate N            lines per second over all files (default 0: at once)\n"
    "  --first-person N    debtors are synthetic people N .. N+people-1, the same\n"
    "  --people N          numbers as stafet-sim-cpr --first-person (1, 1000)\n"
    "  --seed N            random seed (default 1)\n"
    "\n"
    "import: the fake debtor system. Checks every instruction file (*.csv) the\n"
    "debtor adapter writes into DIR, moves it to DIR/imported/ or DIR/failed/\n"
    "(with <file>.reason) and prints one line per file: imported, duplicate (an\n"
    "instruktion_id seen before) or failed.\n"
    "  --dir DIR           the adapter's import_dir\n"
    "  --once              one pass, then exit: 0 if nothing failed, 1 otherwise\n"
    "  --interval-ms N     how often to look (default 200)\n"
    "\n"
    "  --help              this text\n";

static int usage_error(const char *what) {
  fprintf(stderr, "stafet-sim-debtor: %s\n%s", what, usage);
  return 2;
}

typedef struct export_opts {
  const char *out;
  unsigned long files, rate;
  csvgen_opts_t gen;
} export_opts_t;

/* 0: run, 1: help printed, 2: usage error printed. */
static int parse_export(int argc, char **argv, export_opts_t *o) {
  static const struct option longs[] = {{"out", required_argument, 0, 'o'},
                                        {"kind", required_argument, 0, 'k'},
                                        {"files", required_argument, 0, 'f'},
                                        {"lines", required_argument, 0, 'l'},
                                        {"bad", required_argument, 0, 'b'},
                                        {"rate", required_argument, 0, 'r'},
                                        {"first-person", required_argument, 0, 'p'},
                                        {"people", required_argument, 0, 'n'},
                                        {"seed", required_argument, 0, 's'},
                                        {"help", no_argument, 0, 'h'},
                                        {0, 0, 0, 0}};
  unsigned long lines = 100, bad = 0, first = 1, people = 1000, seed = 1;
  *o = (export_opts_t){.files = 1, .gen = {.kind = CSVGEN_MIX}};
  int c, kind;
  while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
    int wrong = 0;
    switch (c) {
    case 'o': o->out = optarg; break;
    case 'k':
      kind = csvgen_kind_by_name(optarg), o->gen.kind = (csvgen_kind_t)kind, wrong = kind < 0;
      break;
    case 'f': wrong = sim_parse_ulong(optarg, &o->files); break;
    case 'l': wrong = sim_parse_ulong(optarg, &lines) || lines == 0 || lines > 10000000; break;
    case 'b': wrong = sim_parse_ulong(optarg, &bad); break;
    case 'r': wrong = sim_parse_ulong(optarg, &o->rate); break;
    case 'p': wrong = sim_parse_ulong(optarg, &first); break;
    case 'n': wrong = sim_parse_ulong(optarg, &people) || people == 0; break;
    case 's': wrong = sim_parse_ulong(optarg, &seed); break;
    case 'h': fputs(usage, stdout); return 1;
    default: wrong = 1;
    }
    if (wrong)
      return usage_error("bad option value");
  }
  if (o->out == NULL || optind != argc)
    return usage_error("export needs --out DIR");
  o->gen.lines = (unsigned)lines;
  o->gen.bad_per_file = (unsigned)(bad < lines ? bad : lines);
  o->gen.first_person = first, o->gen.people = people, o->gen.seed = seed;
  return 0;
}

static void report(const char *dir, const csvgen_file_t *f) {
  printf("wrote %s/%s lines=%u bad=%zu", dir, f->name, f->lines, f->n_bad);
  for (size_t i = 0; i < f->n_bad; i++)
    printf("%s%lu:%s", i ? "," : " bad_lines=", f->bad[i].line, f->bad[i].reason);
  printf("\n");
  fflush(stdout);
}

static int run_export(const export_opts_t *o) {
  if (mkdir(o->out, 0750) != 0 && errno != EEXIST) {
    fprintf(stderr, "stafet-sim-debtor: cannot make %s: %s\n", o->out, strerror(errno));
    return 1;
  }
  csvgen_t g;
  csvgen_init(&g, &o->gen);
  double start = sim_now_s();
  unsigned long written = 0;
  int rc = 0;
  for (unsigned long n = 0; !stop_requested && (o->files == 0 || n < o->files); n++) {
    csvgen_file_t f;
    if (csvgen_next(&g, &f) < 0 || sim_write_file(o->out, f.name, f.text, f.len) < 0) {
      fprintf(stderr, "stafet-sim-debtor: cannot write into %s\n", o->out);
      csvgen_file_free(&f);
      rc = 1;
      break;
    }
    report(o->out, &f);
    written += f.lines;
    csvgen_file_free(&f);
    sim_pace(start, written, o->rate, &stop_requested);
  }
  csvgen_free(&g);
  return rc;
}

static int run_import(int argc, char **argv) {
  static const struct option longs[] = {{"dir", required_argument, 0, 'd'},
                                        {"once", no_argument, 0, 'o'},
                                        {"interval-ms", required_argument, 0, 'i'},
                                        {"help", no_argument, 0, 'h'},
                                        {0, 0, 0, 0}};
  const char *dir = NULL;
  unsigned long interval = 200;
  int once = 0, c;
  while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
    if (c == 'd')
      dir = optarg;
    else if (c == 'o')
      once = 1;
    else if (c == 'i' && sim_parse_ulong(optarg, &interval) == 0 && interval > 0)
      continue;
    else if (c == 'h')
      return fputs(usage, stdout), 0;
    else
      return usage_error("bad import option");
  }
  if (dir == NULL || optind != argc)
    return usage_error("import needs --dir DIR");
  importer_counts_t counts = {0, 0, 0};
  do {
    if (importer_pass(dir, stdout, &counts) != 0) {
      fprintf(stderr, "stafet-sim-debtor: cannot read %s: %s\n", dir, strerror(errno));
      return 1;
    }
    if (!once && !stop_requested)
      sim_sleep_ms(interval);
  } while (!once && !stop_requested);
  fprintf(stderr, "stafet-sim-debtor: imported=%u duplicates=%u failed=%u\n", counts.imported,
          counts.duplicates, counts.failed);
  return counts.failed > 0 ? 1 : 0;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return usage_error("a command is needed");
  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    fputs(usage, stdout);
    return 0;
  }
  if (strcmp(cmd, "import") == 0)
    return run_import(argc - 1, argv + 1);
  if (strcmp(cmd, "export") != 0)
    return usage_error("unknown command");
  export_opts_t o;
  int rc = parse_export(argc - 1, argv + 1, &o);
  return rc == 0 ? run_export(&o) : rc == 1 ? 0 : 2;
}
