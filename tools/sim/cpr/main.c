/*
 * main.c — stafet-sim-cpr: writes synthetic CPR change files (the layout of
 * docs/cpr-format.md) into a spool directory at a chosen rate, for the demo
 * and the tests. Each file is written under a temporary name and renamed
 * into place, as a real producer must. One line per file on stdout says
 * what was written and which lines were spoiled on purpose (--corrupt).
 *
 * The process-wide state lives here: the flag SIGINT/SIGTERM set.
 */
#include "cprgen.h"
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
    "usage: stafet-sim-cpr --out DIR [options]\n"
    "Writes synthetic CPR change files (docs/cpr-format.md) into DIR, atomically\n"
    "(a temporary name, then rename). Synthetic people only.\n"
    "\n"
    "  --out DIR           the spool directory (made if missing)\n"
    "  --files N           how many files (default 1; 0: until stopped)\n"
    "  --records N         data records per file (default 100)\n"
    "  --rate N            records per second over all files (default 0: at once)\n"
    "  --kommunekode K     the municipality, four digits (default 0751)\n"
    "  --corrupt N         spoil N records per file, each with one documented\n"
    "                      reason (BAD_DATE, BAD_LENGTH, BAD_RECORD_TYPE,\n"
    "                      BAD_KOMMUNEKODE, BAD_CPR); stdout names the lines\n"
    "  --bad-count         write a wrong count in the end record (the adapter\n"
    "                      rejects such a file whole)\n"
    "  --first-person N    number of the first synthetic person (default 1); the\n"
    "                      same N in stafet-sim-debtor gives the same people\n"
    "  --seed N            random seed (default 1): the same seed, the same files\n"
    "  --help              this text\n";

typedef struct opts {
  const char *out;
  unsigned long files, rate;
  cprgen_opts_t gen;
} opts_t;

/* 0: run, 1: --help printed, 2: usage error printed. */
static int parse(int argc, char **argv, opts_t *o) {
  static const struct option longs[] = {{"out", required_argument, 0, 'o'},
                                        {"files", required_argument, 0, 'f'},
                                        {"records", required_argument, 0, 'r'},
                                        {"rate", required_argument, 0, 'R'},
                                        {"kommunekode", required_argument, 0, 'k'},
                                        {"corrupt", required_argument, 0, 'c'},
                                        {"bad-count", no_argument, 0, 'b'},
                                        {"first-person", required_argument, 0, 'p'},
                                        {"seed", required_argument, 0, 's'},
                                        {"help", no_argument, 0, 'h'},
                                        {0, 0, 0, 0}};
  unsigned long v, records = 100, corrupt = 0, first = 1, seed = 1;
  *o = (opts_t){.files = 1, .gen = {.kommunekode = "0751"}};
  int c;
  while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
    int bad = 0;
    switch (c) {
    case 'o': o->out = optarg; break;
    case 'f': bad = sim_parse_ulong(optarg, &o->files); break;
    case 'r': bad = sim_parse_ulong(optarg, &records) || records == 0 || records > 10000000; break;
    case 'R': bad = sim_parse_ulong(optarg, &o->rate); break;
    case 'k':
      o->gen.kommunekode = optarg, bad = strlen(optarg) != 4 || sim_parse_ulong(optarg, &v);
      break;
    case 'c': bad = sim_parse_ulong(optarg, &corrupt); break;
    case 'b': o->gen.bad_count = 1; break;
    case 'p': bad = sim_parse_ulong(optarg, &first); break;
    case 's': bad = sim_parse_ulong(optarg, &seed); break;
    case 'h': fputs(usage, stdout); return 1;
    default: bad = 1;
    }
    if (bad) {
      fprintf(stderr, "stafet-sim-cpr: bad option value\n%s", usage);
      return 2;
    }
  }
  if (o->out == NULL || optind != argc) {
    fprintf(stderr, "stafet-sim-cpr: --out DIR is required\n%s", usage);
    return 2;
  }
  o->gen.records = (unsigned)records;
  o->gen.corrupt_per_file = (unsigned)(corrupt < records ? corrupt : records);
  o->gen.first_serial = first;
  o->gen.seed = seed;
  return 0;
}

static void report(const char *dir, const cprgen_file_t *f) {
  printf("wrote %s/%s records=%u corrupt=%zu", dir, f->name, f->records, f->n_corrupt);
  for (size_t i = 0; i < f->n_corrupt; i++)
    printf("%s%lu:%s", i ? "," : " lines=", f->corrupt[i].line, f->corrupt[i].reason);
  printf("\n");
  fflush(stdout);
}

int main(int argc, char **argv) {
  opts_t o;
  int rc = parse(argc, argv, &o);
  if (rc != 0)
    return rc == 1 ? 0 : 2;
  if (mkdir(o.out, 0750) != 0 && errno != EEXIST) {
    fprintf(stderr, "stafet-sim-cpr: cannot make %s: %s\n", o.out, strerror(errno));
    return 1;
  }
  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  cprgen_t g;
  cprgen_init(&g, &o.gen);
  double start = sim_now_s();
  unsigned long written = 0;
  for (unsigned long n = 0; !stop_requested && (o.files == 0 || n < o.files); n++) {
    cprgen_file_t f;
    if (cprgen_next(&g, &f) < 0 || sim_write_file(o.out, f.name, f.text, f.len) < 0) {
      fprintf(stderr, "stafet-sim-cpr: cannot write %s/%s\n", o.out, f.name);
      cprgen_file_free(&f);
      rc = 1;
      break;
    }
    report(o.out, &f);
    written += f.records;
    cprgen_file_free(&f);
    sim_pace(start, written, o.rate, &stop_requested);
  }
  cprgen_free(&g);
  return rc;
}
