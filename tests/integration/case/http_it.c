/*
 * http_it.c — shared helpers of the HTTP adapters' integration tests (see
 * http_it.h).
 */
#include "http_it.h"

#include <curl/curl.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct buf {
  char *data;
  size_t len;
} buf_t;

static size_t on_write(char *data, size_t size, size_t nmemb, void *arg) {
  buf_t *b = arg;
  size_t n = size * nmemb;
  char *d = realloc(b->data, b->len + n + 1);
  if (d == NULL)
    return 0;
  memcpy(d + b->len, data, n);
  b->len += n;
  d[b->len] = '\0';
  b->data = d;
  return n;
}

long it_http_run(it_http_t *h) {
  CURL *curl = curl_easy_init();
  buf_t b = {calloc(1, 1), 0};
  char ct[128];
  snprintf(ct, sizeof ct, "Content-Type: %s",
           h->content_type ? h->content_type : "application/json");
  struct curl_slist *headers = curl_slist_append(NULL, ct);
  curl_easy_setopt(curl, CURLOPT_URL, h->url);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, h->method);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (h->body != NULL)
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, h->body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 20000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
  CURLcode rc = curl_easy_perform(curl);
  h->status = 0;
  if (rc == CURLE_OK)
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &h->status);
  else
    snprintf(h->error, sizeof h->error, "%s", curl_easy_strerror(rc));
  h->response = b.data;
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return h->status;
}

static void *run_thread(void *arg) {
  it_http_t *h = arg;
  it_http_run(h);
  atomic_store(&h->done, 1);
  return NULL;
}

void it_http_start(it_http_t *h) {
  atomic_store(&h->done, 0);
  pthread_create(&h->thread, NULL, run_thread, h);
}

int it_http_wait(it_http_t *h, stafet_client_t **clients, int timeout_ms) {
  long long deadline = th_now_ms() + timeout_ms;
  while (!atomic_load(&h->done) && th_now_ms() < deadline)
    for (size_t i = 0; clients != NULL && clients[i] != NULL; i++)
      stafet_client_poll(clients[i], clients[i + 1] ? 0 : 10);
  int done = atomic_load(&h->done);
  if (done)
    pthread_join(h->thread, NULL);
  return done;
}

void it_http_free(it_http_t *h) {
  free(h->response);
  h->response = NULL;
}

long it_http(const char *method, const char *url, const char *body, char **out) {
  it_http_t h = {.method = method, .url = url, .body = body};
  long status = it_http_run(&h);
  if (out != NULL)
    *out = h.response;
  else
    free(h.response);
  return status;
}

unsigned it_wait_port(const char *path, int timeout_ms, stafet_client_t **clients) {
  long long deadline = th_now_ms() + timeout_ms;
  while (th_now_ms() < deadline) {
    FILE *f = fopen(path, "r");
    unsigned port = 0;
    if (f != NULL) {
      if (fscanf(f, "%u", &port) != 1)
        port = 0;
      fclose(f);
    }
    if (port != 0)
      return port;
    if (clients != NULL)
      th_poll_for(clients, 20);
    else
      poll(NULL, 0, 20); /* the interval of a condition poll, not a synchronisation */
  }
  return 0;
}

int it_count_files(const char *dir, const char *suffix) {
  DIR *d = opendir(dir);
  if (d == NULL)
    return -1;
  int n = 0;
  size_t sl = strlen(suffix);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t l = strlen(e->d_name);
    n += e->d_name[0] != '.' && l >= sl && strcmp(e->d_name + l - sl, suffix) == 0;
  }
  closedir(d);
  return n;
}

char *it_read_first(const char *dir, const char *suffix) {
  DIR *d = opendir(dir);
  if (d == NULL)
    return NULL;
  char path[1024] = "";
  size_t sl = strlen(suffix);
  struct dirent *e;
  while (path[0] == '\0' && (e = readdir(d)) != NULL) {
    size_t l = strlen(e->d_name);
    if (e->d_name[0] != '.' && l >= sl && strcmp(e->d_name + l - sl, suffix) == 0)
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
  }
  closedir(d);
  FILE *f = path[0] ? fopen(path, "r") : NULL;
  if (f == NULL)
    return NULL;
  char *text = calloc(1, 65536);
  size_t n = text ? fread(text, 1, 65535, f) : 0;
  (void)n;
  fclose(f);
  return text;
}

pid_t it_spawn(char *const argv[], const char *log_path) {
  pid_t pid = fork();
  if (pid != 0)
    return pid;
  int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
  }
  execv(argv[0], argv);
  _exit(127);
}

void it_stop(pid_t pid) {
  if (pid <= 0)
    return;
  kill(pid, SIGTERM);
  waitpid(pid, NULL, 0);
}

unsigned it_esdh_start(pid_t *pid, const char *dir, stafet_client_t **clients) {
  char port_file[512], log[512];
  snprintf(port_file, sizeof port_file, "%s/esdh.port", dir);
  snprintf(log, sizeof log, "%s/esdh.log", dir);
  char *argv[] = {STAFET_SIM_ESDH_BIN, "--listen",  "127.0.0.1:0", "--port-file",
                  port_file,           "--verbose", NULL};
  *pid = it_spawn(argv, log);
  return *pid > 0 ? it_wait_port(port_file, 10000, clients) : 0;
}
