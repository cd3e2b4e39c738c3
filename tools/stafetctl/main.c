/*
 * main.c — stafetctl: the operator's view of a Stafet hub from a terminal.
 * Takes the global options out of argv (wherever they stand), then hands the
 * rest to the command. The only process-wide state, the stop flag set by
 * SIGINT/SIGTERM (for `tail`), lives here.
 */
#include "ctl.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile int stop_requested;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static const char usage[] =
    "usage: stafetctl [--admin HOST:PORT] [--json] COMMAND ...\n"
    "\n"
    "Looks at and steers a Stafet hub through its admin HTTP API.\n"
    "\n"
    "commands:\n"
    "  status                         the hub, Redis, totals and every subscription\n"
    "  adapters                       adapters connected to the hub, with their sessions\n"
    "  adapters add NAME KEY | revoke KEY | acl NAME [--publish P]... | keys\n"
    "                                 the adapter registry: keys and ACLs (runs stafet-keys)\n"
    "  keys gen NAME [--dir D] | ls   CURVE key pairs (runs stafet-keys)\n"
    "  audit [--cpr X] [--adapter A] [--limit N]\n"
    "                                 who received personal data, newest first\n"
    "  subs ls                        subscriptions with queue depth and dead letters\n"
    "  subs show NAME                 one subscription: definition, depth, consumers\n"
    "  subs add NAME --pattern P ...  create a durable subscription\n"
    "  subs rm NAME --yes             remove one, with its queue and dead letters\n"
    "  tail PATTERN [--filter F]      live wire tap (transient; CPR numbers masked)\n"
    "  trace MSGID                    where a message went\n"
    "  dlq ls SUB                     dead letters with their reasons\n"
    "  dlq show SUB ID                one dead letter\n"
    "  dlq replay SUB (ID | --all)    put dead letters back into the queue\n"
    "  dlq purge SUB (ID | --all) --yes   delete dead letters\n"
    "\n"
    "global options:\n"
    "  --admin HOST:PORT   the hub's admin API [$STAFET_ADMIN or 127.0.0.1:7480]\n"
    "  --token-file F      the hub's admin token, needed for changes\n"
    "                      [$STAFET_ADMIN_TOKEN_FILE or ./stafet-data/admin.token]\n"
    "  --endpoint E        the hub's ZeroMQ endpoint, for tail [$STAFET_ENDPOINT or\n"
    "                      tcp://127.0.0.1:7400]\n"
    "  --json              JSON output (every read command)\n"
    "  --timeout-ms N      give up on the API after N ms [5000]\n"
    "  --help              this text, or a command's (stafetctl subs --help)\n"
    "\n"
    "exit status: 0 done, 1 the hub refused or the thing does not exist,\n"
    "             2 bad command line, 3 the hub's admin API did not answer.\n"
    "Runbook: docs/operations.md\n";

/* Reads the admin token (changes need it); silently none if there is no file. */
static void load_token(ctl_t *ctl) {
  const char *path = ctl->token_file                     ? ctl->token_file
                     : getenv("STAFET_ADMIN_TOKEN_FILE") ? getenv("STAFET_ADMIN_TOKEN_FILE")
                                                         : "./stafet-data/admin.token";
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    if (ctl->token_file != NULL)
      fprintf(ctl->err, "stafetctl: cannot read token file %s\n", path);
    return;
  }
  if (fgets(ctl->token, sizeof ctl->token, f) == NULL)
    ctl->token[0] = '\0';
  ctl->token[strcspn(ctl->token, "\r\n")] = '\0';
  fclose(f);
}

/* Removes global options from argv; returns the new argc or -1 on error. */
static int take_globals(ctl_t *ctl, int argc, char **argv) {
  int out = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    const char **target = strcmp(a, "--admin") == 0        ? &ctl->admin
                          : strcmp(a, "--endpoint") == 0   ? &ctl->endpoint
                          : strcmp(a, "--token-file") == 0 ? &ctl->token_file
                                                           : NULL;
    if (target != NULL || strcmp(a, "--timeout-ms") == 0) {
      if (i + 1 >= argc) {
        fprintf(ctl->err, "stafetctl: %s needs a value\n", a);
        return -1;
      }
      if (target != NULL)
        *target = argv[++i];
      else
        ctl->timeout_ms = strtol(argv[++i], NULL, 10);
    } else if (strcmp(a, "--json") == 0) {
      ctl->json = true;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      ctl->help = true;
    } else {
      argv[out++] = argv[i];
    }
  }
  return out;
}

typedef struct command {
  const char *name;
  int (*fn)(ctl_t *ctl, int argc, char **argv);
} command_t;

static const command_t commands[] = {
    {"status", cmd_status}, {"adapters", cmd_adapters}, {"subs", cmd_subs},
    {"dlq", cmd_dlq},       {"trace", cmd_trace},       {"tail", cmd_tail},
};

/*
 * Keys, the adapter registry and the audit stream live in Redis, not behind
 * the admin API: for them stafetctl runs stafet-keys (next to this binary,
 * in the build tree beside it, or on PATH), mapping
 *   stafetctl keys gen NAME ...            -> stafet-keys gen NAME ...
 *   stafetctl adapters add|revoke|acl ...  -> stafet-keys add|revoke|acl ...
 *   stafetctl keys ls / adapters keys      -> stafet-keys ls
 *   stafetctl audit [--cpr X] ...          -> stafet-keys audit ...
 */
static int run_keys_tool(char **argv_in, int argc_in, const char *subcommand) {
  char self[512], path[600];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  self[n > 0 ? n : 0] = '\0';
  char *slash = strrchr(self, '/');
  if (slash)
    *slash = '\0';
  const char *candidates[] = {getenv("STAFET_KEYS_BIN"), NULL, NULL, "stafet-keys"};
  char beside[600], build_tree[600];
  snprintf(beside, sizeof beside, "%s/stafet-keys", self);
  snprintf(build_tree, sizeof build_tree, "%s/../keys/stafet-keys", self);
  candidates[1] = beside;
  candidates[2] = build_tree;
  const char *bin = "stafet-keys";
  for (size_t i = 0; i < 4; i++)
    if (candidates[i] && (strchr(candidates[i], '/') == NULL || access(candidates[i], X_OK) == 0)) {
      bin = candidates[i];
      break;
    }
  snprintf(path, sizeof path, "%s", bin);
  char **args = calloc((size_t)argc_in + 3, sizeof *args);
  if (args == NULL)
    return CTL_FAILED;
  args[0] = path;
  args[1] = (char *)subcommand;
  for (int i = 0; i < argc_in; i++)
    args[2 + i] = argv_in[i];
  execvp(path, args);
  fprintf(stderr, "stafetctl: cannot run %s: %s\n", path, strerror(errno));
  free(args);
  return CTL_FAILED;
}

/* Registry and audit commands, or -1 if argv is none of them. */
static int registry_command(int n, char **argv) {
  const char *cmd = argv[0], *sub = n > 1 ? argv[1] : "";
  if (strcmp(cmd, "audit") == 0)
    return run_keys_tool(argv + 1, n - 1, "audit");
  if (strcmp(cmd, "keys") == 0 && (strcmp(sub, "gen") == 0 || strcmp(sub, "ls") == 0))
    return run_keys_tool(argv + 2, n - 2, sub);
  if (strcmp(cmd, "adapters") == 0 &&
      (strcmp(sub, "add") == 0 || strcmp(sub, "revoke") == 0 || strcmp(sub, "acl") == 0))
    return run_keys_tool(argv + 2, n - 2, sub);
  if (strcmp(cmd, "adapters") == 0 && strcmp(sub, "keys") == 0)
    return run_keys_tool(argv + 2, n - 2, "ls");
  return -1;
}

int main(int argc, char **argv) {
  ctl_t ctl = {.admin = getenv("STAFET_ADMIN") ? getenv("STAFET_ADMIN") : "127.0.0.1:7480",
               .endpoint =
                   getenv("STAFET_ENDPOINT") ? getenv("STAFET_ENDPOINT") : "tcp://127.0.0.1:7400",
               .timeout_ms = 5000,
               .out = stdout,
               .err = stderr,
               .stop = &stop_requested};
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  int n = take_globals(&ctl, argc - 1, argv + 1);
  if (n < 0)
    return CTL_USAGE;
  load_token(&ctl);
  if (n == 0) {
    fputs(usage, ctl.help ? stdout : stderr);
    return ctl.help ? CTL_OK : CTL_USAGE;
  }
  int rc = registry_command(n, argv + 1);
  if (rc >= 0)
    return rc;
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(argv[1], commands[i].name) == 0)
      return commands[i].fn(&ctl, n - 1, argv + 2);
  fprintf(stderr, "stafetctl: unknown command '%s' (stafetctl --help lists them)\n", argv[1]);
  return CTL_USAGE;
}
