/*
 * args.c — command-line parsing shared by every stafetctl command: options
 * as `--name value`, `--name=value` or `--flag`, anywhere among the
 * positional arguments.
 */
#include "ctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static ctl_opt_t *find(ctl_opt_t *opts, size_t n, const char *name, size_t len) {
  for (size_t i = 0; i < n; i++)
    if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
      return &opts[i];
  return NULL;
}

static int take_option(ctl_t *ctl, ctl_opt_t *opts, size_t n_opts, int argc, char **argv, int *i) {
  const char *name = argv[*i] + 2, *eq = strchr(name, '=');
  size_t len = eq ? (size_t)(eq - name) : strlen(name);
  ctl_opt_t *o = find(opts, n_opts, name, len);
  if (o == NULL) {
    fprintf(ctl->err, "stafetctl: unknown option '%s' (see --help)\n", argv[*i]);
    return CTL_USAGE;
  }
  const char *value = "";
  if (o->takes_value && eq != NULL) {
    value = eq + 1;
  } else if (o->takes_value) {
    if (*i + 1 >= argc) {
      fprintf(ctl->err, "stafetctl: --%s needs a value\n", o->name);
      return CTL_USAGE;
    }
    value = argv[++*i];
  } else if (eq != NULL) {
    fprintf(ctl->err, "stafetctl: --%s takes no value\n", o->name);
    return CTL_USAGE;
  }
  if (o->n == CTL_MAX_VALUES) {
    fprintf(ctl->err, "stafetctl: --%s given more than %d times\n", o->name, CTL_MAX_VALUES);
    return CTL_USAGE;
  }
  o->values[o->n++] = value;
  return CTL_OK;
}

int ctl_args(ctl_t *ctl, int argc, char **argv, ctl_opt_t *opts, size_t n_opts, const char **pos,
             size_t max_pos, size_t *n_pos) {
  *n_pos = 0;
  for (int i = 0; i < argc; i++) {
    if (strncmp(argv[i], "--", 2) == 0 && argv[i][2] != '\0') {
      if (take_option(ctl, opts, n_opts, argc, argv, &i) != CTL_OK)
        return CTL_USAGE;
    } else if (*n_pos < max_pos) {
      pos[(*n_pos)++] = argv[i];
    } else {
      fprintf(ctl->err, "stafetctl: unexpected argument '%s' (see --help)\n", argv[i]);
      return CTL_USAGE;
    }
  }
  return CTL_OK;
}

const char *ctl_opt(const ctl_opt_t *opts, size_t n_opts, const char *name, const char *def) {
  for (size_t i = 0; i < n_opts; i++)
    if (strcmp(opts[i].name, name) == 0 && opts[i].n > 0)
      return opts[i].values[opts[i].n - 1];
  return def;
}

int ctl_opt_u64(ctl_t *ctl, const ctl_opt_t *opts, size_t n_opts, const char *name,
                unsigned long long *out) {
  const char *text = ctl_opt(opts, n_opts, name, NULL);
  if (text == NULL)
    return CTL_OK;
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-') {
    fprintf(ctl->err, "stafetctl: --%s: '%s' is not a non-negative whole number\n", name, text);
    return CTL_USAGE;
  }
  *out = v;
  return CTL_OK;
}
