/*
 * admin.c — see admin.h. HTTP through libcurl, processes through fork/exec
 * with a pipe; each wait loops over a condition with a deadline.
 */
#include "admin.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

bool th_admin_addr(const th_hub_t *h, char *out, size_t size, int timeout_ms) {
  for (long long end = th_now_ms() + timeout_ms; th_now_ms() < end;) {
    char *log = th_read_file(h->log_path);
    const char *line = log ? strstr(log, "msg=\"admin http listening\" addr=") : NULL;
    if (line != NULL) {
      const char *a = strstr(line, "addr=") + 5;
      snprintf(out, size, "%.*s", (int)strcspn(a, " \n"), a);
      free(log);
      /* The hub made its admin token in its data dir: th_http and stafetctl
       * (which inherits the environment) send it with changes. */
      char token_file[400];
      snprintf(token_file, sizeof token_file, "%s/admin.token", h->dir);
      setenv("STAFET_ADMIN_TOKEN_FILE", token_file, 1);
      return true;
    }
    free(log);
    struct timespec ts = {0, 10 * 1000000L};
    nanosleep(&ts, NULL); /* spaces the polls of the log; not a synchronisation */
  }
  return false;
}

bool th_admin_ready(const th_hub_t *h, char *out, size_t size, int timeout_ms) {
  long long end = th_now_ms() + timeout_ms;
  if (!th_admin_addr(h, out, size, timeout_ms))
    return false;
  while (th_now_ms() < end)
    if (th_http(out, "GET", "/readyz", NULL, NULL, NULL) == 200)
      return true;
  return false;
}

typedef struct buf {
  char *data;
  size_t len;
} buf_t;

static size_t on_data(char *p, size_t size, size_t n, void *arg) {
  buf_t *b = arg;
  b->data = realloc(b->data, b->len + size * n + 1);
  memcpy(b->data + b->len, p, size * n);
  b->len += size * n;
  b->data[b->len] = '\0';
  return size * n;
}

long th_http(const char *addr, const char *method, const char *path, const char *content_type,
             const char *request_body, char **body) {
  char url[512], header[128];
  snprintf(url, sizeof url, "http://%s%s", addr, path);
  CURL *c = curl_easy_init();
  struct curl_slist *headers = NULL;
  if (content_type != NULL) {
    snprintf(header, sizeof header, "Content-Type: %s", content_type);
    headers = curl_slist_append(headers, header);
  }
  char auth[200];
  const char *token_file = getenv("STAFET_ADMIN_TOKEN_FILE");
  FILE *tf = token_file && strcmp(method, "GET") != 0 ? fopen(token_file, "r") : NULL;
  if (tf != NULL) { /* changes need the admin token (the hub made it in its data dir) */
    char token[130] = "";
    if (fgets(token, sizeof token, tf) != NULL) {
      token[strcspn(token, "\r\n")] = '\0';
      snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
      headers = curl_slist_append(headers, auth);
    }
    fclose(tf);
  }
  buf_t b = {calloc(1, 1), 0};
  long status = 0;
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
  if (request_body != NULL)
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request_body);
  if (curl_easy_perform(c) == CURLE_OK)
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  if (body != NULL)
    *body = b.data;
  else
    free(b.data);
  return status;
}

json_t *th_get_json(const char *addr, const char *path) {
  char *body = NULL;
  long status = th_http(addr, "GET", path, NULL, NULL, &body);
  json_t *j = status == 200 && body ? json_loads(body, 0, NULL) : NULL;
  free(body);
  return j;
}

long long th_json_int(const json_t *j, const char *const *keys) {
  for (size_t i = 0; j != NULL && keys[i] != NULL; i++)
    j = json_object_get(j, keys[i]);
  return json_is_integer(j) ? (long long)json_integer_value(j) : -1;
}

long long th_metric(const char *addr, const char *name) {
  char *body = NULL;
  long long value = -1;
  size_t n = strlen(name);
  if (th_http(addr, "GET", "/metrics", NULL, NULL, &body) == 200 && body != NULL)
    for (const char *line = body; line != NULL; line = strchr(line, '\n')) {
      line += line[0] == '\n';
      if (strncmp(line, name, n) == 0 && line[n] == ' ') {
        value = strtoll(line + n + 1, NULL, 10);
        break;
      }
    }
  free(body);
  return value;
}

bool th_wait_json_int(const char *addr, const char *path, const char *const *keys, long long target,
                      int timeout_ms) {
  for (long long end = th_now_ms() + timeout_ms; th_now_ms() < end;) {
    json_t *j = th_get_json(addr, path);
    long long v = th_json_int(j, keys);
    json_decref(j);
    if (v >= target)
      return true;
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep(&ts, NULL); /* spaces the polls; the condition is what we wait on */
  }
  return false;
}

char *th_read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  buf_t b = {calloc(1, 1), 0};
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    on_data(chunk, 1, n, &b);
  fclose(f);
  return b.data;
}

int th_run(char *const argv[], char **output) {
  int fds[2];
  if (pipe(fds) != 0)
    return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    execvp(argv[0], argv);
    _exit(127);
  }
  close(fds[1]);
  buf_t b = {calloc(1, 1), 0};
  char chunk[4096];
  ssize_t n;
  while ((n = read(fds[0], chunk, sizeof chunk)) > 0)
    on_data(chunk, 1, (size_t)n, &b);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (output != NULL)
    *output = b.data;
  else
    free(b.data);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int th_ctlv(const char *addr, char **output, va_list args) {
  char *argv[32] = {STAFET_CTL_BIN, "--admin", (char *)addr};
  int n = 3;
  for (char *a; n < 31 && (a = va_arg(args, char *)) != NULL;)
    argv[n++] = a;
  argv[n] = NULL;
  return th_run(argv, output);
}

int th_ctl(const char *addr, char **output, ...) {
  va_list ap;
  va_start(ap, output);
  int rc = th_ctlv(addr, output, ap);
  va_end(ap);
  return rc;
}
