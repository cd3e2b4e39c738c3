/*
 * cmd_subs.c — stafetctl status, adapters and subs ls|show|add|rm.
 *
 * Reads come from GET /api/status, /api/adapters, /api/subscriptions[/NAME];
 * `subs add` is POST /api/subscriptions, `subs rm` DELETE /api/subscriptions/NAME.
 * The queue figures in lists are the hub's cached ones (at most
 * stats_interval_ms old); `subs show` asks Redis afresh.
 */
#include "ctl.h"

#include <stdlib.h>
#include <string.h>

#define N_OPTS(o) (sizeof(o) / sizeof((o)[0]))

static const char subs_usage[] =
    "usage: stafetctl subs ls [--json]\n"
    "       stafetctl subs show NAME [--json]\n"
    "       stafetctl subs add NAME --pattern P [--pattern P ...] [--filter F ...]\n"
    "                 [--mode durable] [--ack-timeout-ms N] [--max-deliveries N]\n"
    "                 [--retention-ms N] [--max-len N]\n"
    "       stafetctl subs rm NAME --yes\n"
    "\n"
    "Patterns: segments joined by dots, '*' = one segment, '#' = any number\n"
    "(cpr.person.*, case.#). Filters: key=value, key^=prefix, key!=value on\n"
    "attributes, tenant, source or type (kle^=27. tenant=0751).\n"
    "A new subscription collects messages published from now on. Only durable\n"
    "subscriptions can be added here: a transient one lives in a client session\n"
    "(stafetctl tail). Zero or absent numbers take the hub's defaults.\n"
    "rm deletes the queue and the dead letters with it: --yes says you mean it.\n";

/* Age of the oldest unacknowledged message as text. */
static void queue_cells(const json_t *q, char *depth, char *dead, char *age, size_t size) {
  if (!json_is_object(q)) {
    snprintf(depth, size, "?");
    snprintf(dead, size, "?");
    snprintf(age, size, "?");
    return;
  }
  snprintf(depth, size, "%lld", jint(q, "depth"));
  snprintf(dead, size, "%lld", jint(q, "dead_letters"));
  ctl_age(jint(q, "oldest_unacked_age_ms"), age, size);
}

static void print_subs_table(ctl_t *ctl, const json_t *subs) {
  fprintf(ctl->out, "%-24s %-9s %7s %7s %5s %9s %4s  %s\n", "NAME", "MODE", "DEPTH", "PENDING",
          "DLQ", "OLDEST", "CONS", "PATTERNS");
  size_t i;
  json_t *s;
  json_array_foreach(subs, i, s) {
    char patterns[512], depth[24], dead[24], age[24], pending[24] = "-", cons[24] = "-";
    jjoin(json_object_get(s, "patterns"), ",", patterns, sizeof patterns);
    bool durable = strcmp(jstr(s, "mode"), "durable") == 0;
    if (durable) {
      const json_t *q = json_object_get(s, "queue");
      queue_cells(q, depth, dead, age, sizeof depth);
      if (json_is_object(q))
        snprintf(pending, sizeof pending, "%lld", jint(q, "pending"));
      snprintf(cons, sizeof cons, "%lld", jint(s, "consumers"));
    } else {
      snprintf(depth, sizeof depth, "-");
      snprintf(dead, sizeof dead, "-");
      snprintf(age, sizeof age, "-");
    }
    fprintf(ctl->out, "%-24s %-9s %7s %7s %5s %9s %4s  %s\n", jstr(s, "name"), jstr(s, "mode"),
            depth, pending, dead, age, cons, patterns);
  }
}

int cmd_status(ctl_t *ctl, int argc, char **argv) {
  if (ctl->help || argc > 0) {
    fputs("usage: stafetctl status [--json]\n\nThe hub (ready? Redis?), totals since it "
          "started, and every subscription\nwith its depth, dead letters and oldest "
          "unacknowledged message.\n",
          ctl->help ? ctl->out : ctl->err);
    return ctl->help ? CTL_OK : CTL_USAGE;
  }
  json_t *status = NULL, *subs = NULL;
  int rc = ctl_call(ctl, "GET", "/api/status", NULL, &status);
  if (rc == CTL_OK)
    rc = ctl_call(ctl, "GET", "/api/subscriptions", NULL, &subs);
  if (rc == CTL_OK && ctl->json) {
    json_object_set(status, "subscriptions", json_object_get(subs, "subscriptions"));
    ctl_print_json(ctl, status);
  } else if (rc == CTL_OK) {
    const json_t *t = json_object_get(status, "totals");
    fprintf(ctl->out, "hub %s: %s (redis %s, routing %s%s), %lld sessions, %lld subscriptions\n",
            jstr(status, "hub_id"),
            json_is_true(json_object_get(status, "ready")) ? "ready" : "NOT READY",
            json_is_true(json_object_get(status, "redis")) ? "up" : "DOWN",
            json_is_true(json_object_get(status, "routing_loaded")) ? "loaded" : "not loaded",
            json_is_true(json_object_get(status, "draining")) ? ", draining" : "",
            jint(status, "sessions"), jint(status, "subscriptions"));
    fprintf(ctl->out,
            "since start: published %lld, delivered %lld, acked %lld, redelivered %lld, "
            "dead-lettered %lld\n\n",
            jint(t, "published"), jint(t, "delivered"), jint(t, "acked"), jint(t, "redelivered"),
            jint(t, "dead_lettered"));
    print_subs_table(ctl, json_object_get(subs, "subscriptions"));
  }
  json_decref(status);
  json_decref(subs);
  return rc;
}

int cmd_adapters(ctl_t *ctl, int argc, char **argv) {
  if (ctl->help || argc > 0) {
    fputs("usage: stafetctl adapters [--json]\n\nAdapters connected to the hub: each session "
          "with its instance, when it was\nlast heard from, and what it consumes.\n",
          ctl->help ? ctl->out : ctl->err);
    return ctl->help ? CTL_OK : CTL_USAGE;
  }
  json_t *r = NULL;
  int rc = ctl_call(ctl, "GET", "/api/adapters", NULL, &r);
  if (rc != CTL_OK || ctl->json) {
    ctl_print_json(ctl, r);
    json_decref(r);
    return rc;
  }
  fprintf(ctl->out, "%-20s %-40s %-24s %s\n", "ADAPTER", "SESSION", "INSTANCE", "SUBSCRIPTIONS");
  size_t i, k;
  json_t *a, *s;
  json_array_foreach(json_object_get(r, "adapters"), i, a) {
    json_array_foreach(json_object_get(a, "sessions"), k, s) {
      char subs[512] = "";
      size_t used = 0, j;
      json_t *sub;
      json_array_foreach(json_object_get(s, "subscriptions"), j, sub) {
        int n = snprintf(subs + used, sizeof subs - used, "%s%s(%s)", j ? "," : "",
                         jstr(sub, "name"), jstr(sub, "mode"));
        if (n < 0 || (size_t)n >= sizeof subs - used)
          break;
        used += (size_t)n;
      }
      fprintf(ctl->out, "%-20s %-40s %-24s %s\n", jstr(a, "name"), jstr(s, "session"),
              jstr(s, "instance"), subs[0] ? subs : "-");
    }
  }
  json_decref(r);
  return CTL_OK;
}

static int subs_ls(ctl_t *ctl) {
  json_t *r = NULL;
  int rc = ctl_call(ctl, "GET", "/api/subscriptions", NULL, &r);
  if (rc == CTL_OK && ctl->json)
    ctl_print_json(ctl, r);
  else if (rc == CTL_OK)
    print_subs_table(ctl, json_object_get(r, "subscriptions"));
  json_decref(r);
  return rc;
}

static void print_sub(ctl_t *ctl, const json_t *s) {
  char patterns[512], filters[512], created[32], depth[24], dead[24], age[24];
  jjoin(json_object_get(s, "patterns"), " ", patterns, sizeof patterns);
  jjoin(json_object_get(s, "filters"), " ", filters, sizeof filters);
  ctl_time(jint(s, "created_at_ms"), created, sizeof created);
  const json_t *q = json_object_get(s, "queue");
  queue_cells(q, depth, dead, age, sizeof depth);
  fprintf(ctl->out,
          "subscription   %s (%s), created %s UTC\n"
          "patterns       %s\nfilters        %s\n"
          "ack timeout    %lld ms; max deliveries %lld; retention %lld ms; max length %lld\n"
          "queue depth    %s (unread %lld, delivered and not acked %lld)\n"
          "oldest unacked %s\ndead letters   %s\n",
          jstr(s, "name"), jstr(s, "mode"), created, patterns, filters[0] ? filters : "-",
          jint(s, "ack_timeout_ms"), jint(s, "max_deliveries"), jint(s, "retention_ms"),
          jint(s, "max_len"), depth, jint(q, "unread"), jint(q, "pending"), age, dead);
  const json_t *c = json_object_get(s, "counters");
  fprintf(ctl->out,
          "this hub       delivered %lld, redelivered %lld, acked %lld, nacked %lld, "
          "dead-lettered %lld\n",
          jint(c, "delivered"), jint(c, "redelivered"), jint(c, "acked"), jint(c, "nacked"),
          jint(c, "dead_lettered"));
  size_t i;
  json_t *con;
  fprintf(ctl->out, "consumers      %zu\n", json_array_size(json_object_get(s, "group_consumers")));
  json_array_foreach(json_object_get(s, "group_consumers"), i, con) {
    char idle[24];
    ctl_age(jint(con, "idle_ms"), idle, sizeof idle);
    fprintf(ctl->out, "  %-44s pending %-6lld idle %-8s %s\n", jstr(con, "name"),
            jint(con, "pending"), idle,
            json_is_true(json_object_get(con, "connected_here")) ? jstr(con, "adapter")
                                                                 : "(not on this hub)");
  }
}

static int subs_show(ctl_t *ctl, const char *name) {
  char *esc = ctl_escape(name), path[512];
  snprintf(path, sizeof path, "/api/subscriptions/%s", esc ? esc : "");
  free(esc);
  json_t *r = NULL;
  int rc = ctl_call(ctl, "GET", path, NULL, &r);
  if (rc == CTL_OK && ctl->json)
    ctl_print_json(ctl, r);
  else if (rc == CTL_OK)
    print_sub(ctl, r);
  json_decref(r);
  return rc;
}

static json_t *strings(const ctl_opt_t *o) {
  json_t *a = json_array();
  for (size_t i = 0; i < o->n; i++)
    json_array_append_new(a, json_string(o->values[i]));
  return a;
}

static int subs_add(ctl_t *ctl, const char *name, ctl_opt_t *opts, size_t n_opts) {
  if (opts[0].n == 0) {
    fprintf(ctl->err, "stafetctl: subs add %s needs at least one --pattern\n", name);
    return CTL_USAGE;
  }
  unsigned long long nums[4] = {0};
  const char *keys[4] = {"ack-timeout-ms", "max-deliveries", "retention-ms", "max-len"};
  const char *fields[4] = {"ack_timeout_ms", "max_deliveries", "retention_ms", "max_len"};
  json_t *body =
      json_pack("{s:s,s:o,s:o,s:s}", "name", name, "patterns", strings(&opts[0]), "filters",
                strings(&opts[1]), "mode", ctl_opt(opts, n_opts, "mode", "durable"));
  for (size_t i = 0; i < 4; i++) {
    if (ctl_opt_u64(ctl, opts, n_opts, keys[i], &nums[i]) != CTL_OK) {
      json_decref(body);
      return CTL_USAGE;
    }
    json_object_set_new(body, fields[i], json_integer((json_int_t)nums[i]));
  }
  json_t *r = NULL;
  int rc = ctl_call(ctl, "POST", "/api/subscriptions", body, &r);
  json_decref(body);
  if (rc == CTL_OK && ctl->json)
    ctl_print_json(ctl, r);
  else if (rc == CTL_OK)
    fprintf(ctl->out, "%s %s\n", json_is_true(json_object_get(r, "created")) ? "created" : "exists",
            name);
  json_decref(r);
  return rc;
}

static int subs_rm(ctl_t *ctl, const char *name, bool yes) {
  if (!yes) {
    fprintf(ctl->err,
            "stafetctl: subs rm deletes '%s' with its queue and dead letters; "
            "add --yes to do it\n",
            name);
    return CTL_USAGE;
  }
  char *esc = ctl_escape(name), path[512];
  snprintf(path, sizeof path, "/api/subscriptions/%s", esc ? esc : "");
  free(esc);
  json_t *r = NULL;
  int rc = ctl_call(ctl, "DELETE", path, NULL, &r);
  if (rc == CTL_OK)
    fprintf(ctl->out, "removed %s\n", name);
  json_decref(r);
  return rc;
}

int cmd_subs(ctl_t *ctl, int argc, char **argv) {
  ctl_opt_t opts[] = {CTL_OPT("pattern", true),        CTL_OPT("filter", true),
                      CTL_OPT("mode", true),           CTL_OPT("ack-timeout-ms", true),
                      CTL_OPT("max-deliveries", true), CTL_OPT("retention-ms", true),
                      CTL_OPT("max-len", true),        CTL_OPT("yes", false)};
  const char *pos[3];
  size_t n = 0;
  if (ctl->help) {
    fputs(subs_usage, ctl->out);
    return CTL_OK;
  }
  if (ctl_args(ctl, argc, argv, opts, N_OPTS(opts), pos, 3, &n) != CTL_OK || n == 0) {
    fputs(subs_usage, ctl->err);
    return CTL_USAGE;
  }
  const char *sub = pos[0];
  if (strcmp(sub, "ls") == 0 && n == 1)
    return subs_ls(ctl);
  if (strcmp(sub, "show") == 0 && n == 2)
    return subs_show(ctl, pos[1]);
  if (strcmp(sub, "add") == 0 && n == 2)
    return subs_add(ctl, pos[1], opts, N_OPTS(opts));
  if (strcmp(sub, "rm") == 0 && n == 2)
    return subs_rm(ctl, pos[1], opts[7].n > 0);
  fprintf(ctl->err, "stafetctl: subs %s: wrong arguments\n%s", sub, subs_usage);
  return CTL_USAGE;
}
