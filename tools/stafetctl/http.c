/*
 * http.c — stafetctl's client of the hub's admin API: one libcurl easy
 * handle per call (stafetctl makes a handful), JSON in and out via jansson,
 * and the error messages an operator needs when it goes wrong.
 */
#include "ctl.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

typedef struct body {
  char *data;
  size_t len;
  bool failed;
} body_t;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *arg) {
  body_t *b = arg;
  size_t n = size * nmemb;
  char *data = realloc(b->data, b->len + n + 1);
  if (data == NULL) {
    b->failed = true;
    return 0;
  }
  memcpy(data + b->len, ptr, n);
  b->len += n;
  data[b->len] = '\0';
  b->data = data;
  return n;
}

char *ctl_escape(const char *segment) {
  CURL *c = curl_easy_init();
  char *e = c ? curl_easy_escape(c, segment, 0) : NULL;
  char *out = e ? strdup(e) : NULL;
  curl_free(e);
  curl_easy_cleanup(c);
  return out;
}

static CURLcode perform(ctl_t *ctl, const char *method, const char *url, const char *payload,
                        long *status, body_t *b, char *why) {
  CURL *c = curl_easy_init();
  if (c == NULL)
    return CURLE_FAILED_INIT;
  struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
  char auth[160];
  if (ctl->token[0]) { /* changes need it; reads do not, and it costs nothing to send */
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", ctl->token);
    headers = curl_slist_append(headers, auth);
  }
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ctl->timeout_ms);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*"); /* the admin API is local: never via a proxy */
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, why);
  if (payload != NULL)
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
  CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  return rc;
}

int ctl_request(ctl_t *ctl, const char *method, const char *path, const json_t *body, long *status,
                json_t **reply) {
  char url[1024], why[CURL_ERROR_SIZE] = "";
  snprintf(url, sizeof url, "http://%s%s", ctl->admin, path);
  char *payload = body ? json_dumps(body, JSON_COMPACT) : NULL;
  body_t b = {0};
  *status = 0;
  *reply = NULL;
  CURLcode rc = perform(ctl, method, url, payload, status, &b, why);
  free(payload);
  if (rc != CURLE_OK) {
    fprintf(ctl->err,
            "stafetctl: the hub's admin API at http://%s did not answer (%s).\n"
            "  Is the hub running? Point stafetctl at it with --admin HOST:PORT or "
            "STAFET_ADMIN.\n",
            ctl->admin, why[0] ? why : curl_easy_strerror(rc));
    free(b.data);
    return CTL_UNREACHABLE;
  }
  *reply = b.data ? json_loadb(b.data, b.len, 0, NULL) : NULL;
  free(b.data);
  return CTL_OK;
}

int ctl_call(ctl_t *ctl, const char *method, const char *path, const json_t *body, json_t **reply) {
  long status = 0;
  int rc = ctl_request(ctl, method, path, body, &status, reply);
  if (rc != CTL_OK)
    return rc;
  if (status >= 200 && status < 300)
    return CTL_OK;
  const char *text = jstr(*reply, "error");
  fprintf(ctl->err, "stafetctl: %s (HTTP %ld from %s %s)\n",
          text[0] ? text : "the hub refused the request", status, method, path);
  json_decref(*reply);
  *reply = NULL;
  return CTL_FAILED;
}

void ctl_print_json(ctl_t *ctl, const json_t *j) {
  if (j == NULL)
    return;
  json_dumpf(j, ctl->out, JSON_INDENT(2));
  fputc('\n', ctl->out);
}
