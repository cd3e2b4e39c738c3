/*
 * cmd_dlq.c — stafetctl dlq ls|show|replay|purge and trace.
 *
 * Dead letters: GET/POST/DELETE /api/subscriptions/SUB/dead-letters[...].
 * `dlq replay SUB --all` replays in batches (the hub moves at most --batch
 * per call, each batch atomically) and draws a progress bar on stderr while
 * it goes; the dead letters are counted first, so the bar knows its end.
 * trace: GET /api/messages/ID.
 */
#include "ctl.h"

#include <stdlib.h>
#include <string.h>

#define N_OPTS(o) (sizeof(o) / sizeof((o)[0]))

static const char dlq_usage[] =
    "usage: stafetctl dlq ls SUB [--count N] [--json]\n"
    "       stafetctl dlq show SUB ID [--json]\n"
    "       stafetctl dlq replay SUB ID\n"
    "       stafetctl dlq replay SUB --all [--batch N]\n"
    "       stafetctl dlq purge SUB ID --yes\n"
    "       stafetctl dlq purge SUB --all --yes\n"
    "\n"
    "A dead letter is a message the subscription's consumers could not take: it\n"
    "was delivered max_deliveries times without an ack (max_deliveries_exceeded),\n"
    "or a consumer rejected it (the reason it gave). ls shows the newest first\n"
    "with the reason; show one by its ID (the first column of ls).\n"
    "replay puts it back into the subscription's queue (delivery count starts\n"
    "again) and removes it from the dead letters, in one step. Fix the cause first.\n";

static int dlq_path(char *out, size_t size, const char *sub, const char *id, const char *tail) {
  char *esc = ctl_escape(sub);
  int n = snprintf(out, size, "/api/subscriptions/%s/dead-letters%s%s%s", esc ? esc : "",
                   id ? "/" : "", id ? id : "", tail ? tail : "");
  free(esc);
  return n;
}

static void print_dead_letter_row(ctl_t *ctl, const json_t *d) {
  char at[32];
  const json_t *env = json_object_get(d, "envelope");
  ctl_time(jint(d, "at_ms"), at, sizeof at);
  fprintf(ctl->out, "%-16s %-19s %-26s %4lld  %-28s %s\n", jstr(d, "id"), at, jstr(d, "reason"),
          jint(d, "deliveries"), jstr(env, "topic"), jstr(env, "message_id"));
}

static int dlq_ls(ctl_t *ctl, const char *sub, const char *count) {
  char path[512];
  dlq_path(path, sizeof path, sub, NULL, NULL);
  if (count != NULL)
    snprintf(path + strlen(path), sizeof path - strlen(path), "?count=%s", count);
  json_t *r = NULL;
  int rc = ctl_call(ctl, "GET", path, NULL, &r);
  if (rc == CTL_OK && ctl->json) {
    ctl_print_json(ctl, r);
  } else if (rc == CTL_OK) {
    const json_t *list = json_object_get(r, "dead_letters");
    fprintf(ctl->out, "%lld dead letters in %s%s\n", jint(r, "total"), sub,
            (long long)json_array_size(list) < jint(r, "total") ? " (newest shown)" : "");
    if (json_array_size(list) > 0)
      fprintf(ctl->out, "%-16s %-19s %-26s %4s  %-28s %s\n", "ID", "DEAD SINCE (UTC)", "REASON",
              "DELS", "TOPIC", "MESSAGE ID");
    size_t i;
    json_t *d;
    json_array_foreach(list, i, d) print_dead_letter_row(ctl, d);
  }
  json_decref(r);
  return rc;
}

static void print_dead_letter(ctl_t *ctl, const char *sub, const json_t *d) {
  char at[32], occurred[32];
  const json_t *env = json_object_get(d, "envelope");
  ctl_time(jint(d, "at_ms"), at, sizeof at);
  ctl_time(jint(env, "occurred_at_ms"), occurred, sizeof occurred);
  fprintf(ctl->out,
          "dead letter  %s in %s\nreason       %s\ndeliveries   %lld\ndead since   %s UTC\n"
          "queue entry  %s\nmessage id   %s\ntopic        %s\ntype         %s\n"
          "source       %s\ntenant       %s\noccurred     %s UTC\ncorrelation  %s\n",
          jstr(d, "id"), sub, jstr(d, "reason"), jint(d, "deliveries"), at, jstr(d, "queue_id"),
          jstr(env, "message_id"), jstr(env, "topic"), jstr(env, "type_name"), jstr(env, "source"),
          jstr(env, "tenant"), occurred, jstr(env, "correlation_id"));
  const char *key;
  json_t *value;
  json_object_foreach(json_object_get(env, "attributes"), key, value)
      fprintf(ctl->out, "attribute    %s=%s\n", key, json_string_value(value));
  fprintf(ctl->out, "payload      %lld bytes: %s\n", jint(d, "payload_bytes"),
          jstr(d, "payload_preview"));
}

static int dlq_show(ctl_t *ctl, const char *sub, const char *id) {
  char path[512];
  dlq_path(path, sizeof path, sub, id, NULL);
  json_t *r = NULL;
  int rc = ctl_call(ctl, "GET", path, NULL, &r);
  if (rc == CTL_OK && ctl->json)
    ctl_print_json(ctl, r);
  else if (rc == CTL_OK)
    print_dead_letter(ctl, sub, r);
  json_decref(r);
  return rc;
}

/* Counts the dead letters, then replays batch after batch, drawing progress. */
static int replay_all(ctl_t *ctl, const char *sub, unsigned long long batch) {
  char path[512];
  dlq_path(path, sizeof path, sub, NULL, "?count=1");
  json_t *r = NULL;
  int rc = ctl_call(ctl, "GET", path, NULL, &r);
  long long total = rc == CTL_OK ? jint(r, "total") : 0, done = 0;
  json_decref(r);
  if (rc != CTL_OK)
    return rc;
  dlq_path(path, sizeof path, sub, NULL, "/replay");
  snprintf(path + strlen(path), sizeof path - strlen(path), "?count=%llu", batch);
  while (done < total && !*ctl->stop) {
    ctl_progress(ctl->err, done, total);
    if ((rc = ctl_call(ctl, "POST", path, NULL, &r)) != CTL_OK)
      break;
    long long n = jint(r, "replayed");
    json_decref(r);
    done += n;
    if (n == 0)
      break; /* someone else emptied it meanwhile */
  }
  ctl_progress(ctl->err, done, total > done ? total : done);
  fputc('\n', ctl->err);
  if (rc == CTL_OK)
    fprintf(ctl->out, "replayed %lld dead letters into %s\n", done, sub);
  return rc != CTL_OK ? rc : *ctl->stop ? CTL_FAILED : CTL_OK;
}

static int dlq_replay(ctl_t *ctl, const char *sub, const char *id, bool all, const char *batch) {
  if ((id == NULL) == !all) {
    fprintf(ctl->err, "stafetctl: dlq replay %s needs either one ID or --all\n", sub);
    return CTL_USAGE;
  }
  if (all) {
    unsigned long long n = batch ? strtoull(batch, NULL, 10) : 100;
    return replay_all(ctl, sub, n == 0 || n > 1000 ? 100 : n);
  }
  char path[512];
  dlq_path(path, sizeof path, sub, id, "/replay");
  json_t *r = NULL;
  int rc = ctl_call(ctl, "POST", path, NULL, &r);
  if (rc == CTL_OK)
    fprintf(ctl->out, "replayed %s into %s (%lld dead letters left)\n", id, sub,
            jint(r, "remaining"));
  json_decref(r);
  return rc;
}

static int dlq_purge(ctl_t *ctl, const char *sub, const char *id, bool all, bool yes) {
  if ((id == NULL) == !all || !yes) {
    fprintf(ctl->err,
            "stafetctl: dlq purge %s needs one ID or --all, and --yes (the dead "
            "letters are deleted for good)\n",
            sub);
    return CTL_USAGE;
  }
  char path[512];
  dlq_path(path, sizeof path, sub, id, NULL);
  json_t *r = NULL;
  int rc = ctl_call(ctl, "DELETE", path, NULL, &r);
  if (rc == CTL_OK)
    fprintf(ctl->out, "purged %lld dead letters from %s\n", jint(r, "purged"), sub);
  json_decref(r);
  return rc;
}

int cmd_dlq(ctl_t *ctl, int argc, char **argv) {
  ctl_opt_t opts[] = {CTL_OPT("count", true), CTL_OPT("all", false), CTL_OPT("batch", true),
                      CTL_OPT("yes", false)};
  const char *pos[3] = {NULL, NULL, NULL};
  size_t n = 0;
  if (ctl->help) {
    fputs(dlq_usage, ctl->out);
    return CTL_OK;
  }
  if (ctl_args(ctl, argc, argv, opts, N_OPTS(opts), pos, 3, &n) != CTL_OK || n < 2) {
    fputs(dlq_usage, ctl->err);
    return CTL_USAGE;
  }
  bool all = opts[1].n > 0, yes = opts[3].n > 0;
  if (strcmp(pos[0], "ls") == 0 && n == 2)
    return dlq_ls(ctl, pos[1], ctl_opt(opts, N_OPTS(opts), "count", NULL));
  if (strcmp(pos[0], "show") == 0 && n == 3)
    return dlq_show(ctl, pos[1], pos[2]);
  if (strcmp(pos[0], "replay") == 0)
    return dlq_replay(ctl, pos[1], pos[2], all, ctl_opt(opts, N_OPTS(opts), "batch", NULL));
  if (strcmp(pos[0], "purge") == 0)
    return dlq_purge(ctl, pos[1], pos[2], all, yes);
  fprintf(ctl->err, "stafetctl: dlq %s: wrong arguments\n%s", pos[0], dlq_usage);
  return CTL_USAGE;
}

/* ---- trace ---- */

static const char trace_usage[] =
    "usage: stafetctl trace MSGID [--json]\n"
    "\n"
    "Where a message went: the subscriptions whose queues got it, and for each\n"
    "whether it is queued, delivered (and to which consumer, how often), acked\n"
    "or dead-lettered (with the reason). The hub keeps a message's trace with\n"
    "its dedupe record: at least dedupe_ttl_ms (one hour by default).\n";

int cmd_trace(ctl_t *ctl, int argc, char **argv) {
  if (ctl->help || argc != 1) {
    fputs(trace_usage, ctl->help ? ctl->out : ctl->err);
    return ctl->help ? CTL_OK : CTL_USAGE;
  }
  char *esc = ctl_escape(argv[0]), path[512];
  snprintf(path, sizeof path, "/api/messages/%s", esc ? esc : "");
  free(esc);
  json_t *r = NULL;
  int rc = ctl_call(ctl, "GET", path, NULL, &r);
  if (rc == CTL_OK && ctl->json) {
    ctl_print_json(ctl, r);
  } else if (rc == CTL_OK) {
    char at[32];
    ctl_time(jint(r, "stored_at_ms"), at, sizeof at);
    fprintf(ctl->out, "message %s\ntopic   %s\nstored  %s UTC\n", jstr(r, "message_id"),
            jstr(r, "topic"), at);
    if (json_is_string(json_object_get(r, "unroutable_entry")))
      fprintf(ctl->out, "no subscription matched: kept in the unroutable stream as %s\n",
              jstr(r, "unroutable_entry"));
    size_t i;
    json_t *q;
    json_array_foreach(json_object_get(r, "subscriptions"), i, q) {
      fprintf(ctl->out, "  %-24s %-14s entry %s", jstr(q, "subscription"), jstr(q, "state"),
              jstr(q, "entry_id"));
      if (strcmp(jstr(q, "state"), "delivered") == 0)
        fprintf(ctl->out, ", %lld deliveries, held by %s", jint(q, "deliveries"),
                jstr(q, "consumer"));
      if (strcmp(jstr(q, "state"), "dead_lettered") == 0)
        fprintf(ctl->out, ", reason: %s", jstr(q, "dead_letter_reason"));
      fputc('\n', ctl->out);
    }
  }
  json_decref(r);
  return rc;
}
