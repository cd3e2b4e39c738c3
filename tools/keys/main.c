/*
 * main.c — stafet-keys: CURVE key pairs and the adapter registry.
 *
 *   stafet-keys gen NAME [--dir DIR]
 *   stafet-keys add ADAPTER PUBLIC_KEY          [redis options]
 *   stafet-keys revoke PUBLIC_KEY               [redis options]
 *   stafet-keys acl ADAPTER [--publish P]... [--subscribe P]... [--call S]...
 *                   [--provide S]... [--cleared]  [redis options]
 *   stafet-keys ls                              [redis options]
 *
 * Redis options: --redis ADDR (unix:/path or host:port; default: the embedded
 * Redis of ./stafet-data), --user U, --password-file F (default for the
 * embedded Redis: <data-dir>/redis.pass as user "stafet"), --data-dir D,
 * --prefix P.
 */
#include "registry.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: stafet-keys gen NAME [--dir DIR]\n"
    "       stafet-keys add ADAPTER PUBLIC_KEY [redis options]\n"
    "       stafet-keys revoke PUBLIC_KEY [redis options]\n"
    "       stafet-keys acl ADAPTER [--publish P]... [--subscribe P]... [--call S]...\n"
    "                       [--provide S]... [--cleared] [redis options]\n"
    "       stafet-keys ls [redis options]\n"
    "       stafet-keys audit [--cpr CPR] [--adapter NAME] [--limit N] [redis options]\n"
    "\n"
    "gen writes NAME.key (secret, 0600) and NAME.pub into DIR (default .).\n"
    "add registers an adapter's public key; revoke refuses it from the next frame on;\n"
    "acl sets what an adapter may publish, subscribe to, call and provide (patterns:\n"
    "'*' one segment, '#' any), and --cleared lets it see protected persons' addresses.\n"
    "Running hubs reload the registry at once. audit lists deliveries of personal\n"
    "data, newest first (default 100): who received which message naming which CPR.\n"
    "\n"
    "redis options: --redis ADDR (unix:/path or host:port; default: the embedded Redis\n"
    "  in --data-dir, default ./stafet-data), --user U, --password-file F, --prefix P\n";

typedef struct opts {
  char redis[600], user[64], password[256], prefix[64], dir[512], password_file[512];
  char *lists[4]; /* publish, subscribe, call, provide: newline-joined */
  const char *cpr, *adapter;
  long limit;
  bool cleared;
  const char *args[3];
  int n_args;
} opts_t;

static void append(char **list, const char *item) {
  size_t old = *list ? strlen(*list) : 0;
  char *grown = realloc(*list, old + strlen(item) + 2);
  if (grown == NULL)
    exit(1);
  if (old)
    grown[old++] = '\n';
  strcpy(grown + old, item);
  *list = grown;
}

static int read_password(const char *path, char *out, size_t n) {
  FILE *f = fopen(path, "r");
  if (f == NULL || fgets(out, (int)n, f) == NULL) {
    if (f)
      fclose(f);
    return -1;
  }
  fclose(f);
  out[strcspn(out, "\r\n")] = '\0';
  return 0;
}

static int parse(int argc, char **argv, opts_t *o) {
  static const char *list_flags[] = {"--publish", "--subscribe", "--call", "--provide"};
  char data_dir[512] = "./stafet-data";
  char *password_file = o->password_file;
  snprintf(o->prefix, sizeof o->prefix, "stafet:");
  snprintf(o->dir, sizeof o->dir, ".");
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    int list = -1;
    for (int k = 0; k < 4; k++)
      if (strcmp(a, list_flags[k]) == 0)
        list = k;
    if (strcmp(a, "--cleared") == 0) {
      o->cleared = true;
      continue;
    }
    bool option = a[0] == '-' && !registry_key_valid(a);
    if (option && v == NULL) {
      fprintf(stderr, "stafet-keys: %s needs a value\n", a);
      return -1;
    }
    if (list >= 0)
      append(&o->lists[list], v), i++;
    else if (strcmp(a, "--redis") == 0)
      snprintf(o->redis, sizeof o->redis, "%s", v), i++;
    else if (strcmp(a, "--user") == 0)
      snprintf(o->user, sizeof o->user, "%s", v), i++;
    else if (strcmp(a, "--password-file") == 0)
      snprintf(password_file, sizeof o->password_file, "%s", v), i++;
    else if (strcmp(a, "--data-dir") == 0)
      snprintf(data_dir, sizeof data_dir, "%s", v), i++;
    else if (strcmp(a, "--prefix") == 0)
      snprintf(o->prefix, sizeof o->prefix, "%s", v), i++;
    else if (strcmp(a, "--dir") == 0)
      snprintf(o->dir, sizeof o->dir, "%s", v), i++;
    else if (strcmp(a, "--cpr") == 0)
      o->cpr = v, i++;
    else if (strcmp(a, "--adapter") == 0)
      o->adapter = v, i++;
    else if (strcmp(a, "--limit") == 0)
      o->limit = atol(v), i++;
    else if (option) {
      fprintf(stderr, "stafet-keys: unknown option %s\n%s", a, usage);
      return -1;
    } else if (o->n_args < 3)
      o->args[o->n_args++] = a;
  }
  if (o->redis[0] == '\0') { /* the embedded Redis of a local hub */
    snprintf(o->redis, sizeof o->redis, "unix:%s/redis.sock", data_dir);
    if (password_file[0] == '\0')
      snprintf(password_file, sizeof o->password_file, "%.490s/redis.pass", data_dir);
    if (o->user[0] == '\0')
      snprintf(o->user, sizeof o->user, "stafet");
  }
  return 0;
}

static int need_args(const opts_t *o, int n, const char *cmd) {
  if (o->n_args == n)
    return 0;
  fprintf(stderr, "stafet-keys %s: expected %d argument(s)\n%s", cmd, n, usage);
  return -1;
}

static int run_registry(const char *cmd, opts_t *o, char *err, size_t n) {
  registry_t *r = NULL;
  if (o->password_file[0] && read_password(o->password_file, o->password, sizeof o->password)) {
    snprintf(err, n, "cannot read password file %.400s", o->password_file);
    return -1;
  }
  int rc = registry_open(&r, o->redis, o->user, o->password, o->prefix, err, n);
  if (rc != 0)
    return rc;
  if (strcmp(cmd, "add") == 0)
    rc = registry_key_add(r, o->args[0], o->args[1], err, n);
  else if (strcmp(cmd, "revoke") == 0)
    rc = registry_key_revoke(r, o->args[0], err, n);
  else if (strcmp(cmd, "acl") == 0)
    rc = registry_acl_set(r, o->args[0], o->lists[0], o->lists[1], o->lists[2], o->lists[3],
                          o->cleared ? "protected" : "", err, n);
  else if (strcmp(cmd, "audit") == 0)
    rc = registry_audit(r, o->cpr, o->adapter, o->limit > 0 ? o->limit : 100, err, n);
  else
    rc = registry_list(r, err, n);
  registry_close(r);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  opts_t o = {0};
  const char *cmd = argv[1];
  static const char *cmds[] = {"gen", "add", "revoke", "acl", "ls", "audit"};
  static const int n_args[] = {1, 2, 1, 1, 0, 0};
  int which = -1;
  for (int i = 0; i < 6; i++)
    if (strcmp(cmd, cmds[i]) == 0)
      which = i;
  if (which < 0) {
    fprintf(stderr, "stafet-keys: unknown command '%s'\n%s", cmd, usage);
    return 2;
  }
  if (parse(argc, argv, &o) != 0 || need_args(&o, n_args[which], cmd) != 0)
    return 2;
  char err[512] = "", public_key[41];
  int rc;
  if (which == 0) {
    rc = registry_keypair_write(o.dir, o.args[0], public_key, err, sizeof err);
    if (rc == 0)
      printf("%s\n", public_key);
  } else {
    rc = run_registry(cmd, &o, err, sizeof err);
  }
  for (int i = 0; i < 4; i++)
    free(o.lists[i]);
  if (rc != 0) {
    fprintf(stderr, "stafet-keys %s: %s\n", cmd, err);
    return 1;
  }
  return 0;
}
