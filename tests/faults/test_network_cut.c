/*
 * test_network_cut.c — the network between the hub and Redis is cut in the
 * middle of a stream and restored a few seconds later. Redis is reached
 * through a TCP proxy run by this test: "cut" closes every proxied
 * connection and refuses new ones (as a dead link or firewall would). The
 * hub answers STORE_UNAVAILABLE meanwhile, publishers retry, and every
 * acknowledged message is delivered.
 */
#include "fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_PAIRS 64

/* One thread per direction of each connection (blocking read, then write):
 * the two directions never wait for each other. "cut" shuts every
 * connection down, which ends their threads, and refuses new ones. */
typedef struct proxy {
  int listen_fd, port, target_port;
  atomic_bool cut, stop;
  pthread_mutex_t lock;
  int fds[MAX_PAIRS][2]; /* client, server; -1 = free */
  pthread_t acceptor;
} proxy_t;

typedef struct pipe_arg {
  int from, to;
} pipe_arg_t;

static int listen_on_free_port(int *port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 16) != 0)
    return -1;
  getsockname(fd, (struct sockaddr *)&a, &len);
  *port = ntohs(a.sin_port);
  return fd;
}

static int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static void *pipe_main(void *arg) {
  pipe_arg_t a = *(pipe_arg_t *)arg;
  free(arg);
  char buf[65536];
  for (;;) {
    ssize_t got = read(a.from, buf, sizeof buf);
    if (got <= 0)
      break;
    for (ssize_t off = 0; off < got;) {
      /* MSG_NOSIGNAL: a peer shut down by the cut must not SIGPIPE the test */
      ssize_t put = send(a.to, buf + off, (size_t)(got - off), MSG_NOSIGNAL);
      if (put <= 0)
        goto out;
      off += put;
    }
  }
out:
  shutdown(a.to, SHUT_RDWR);
  shutdown(a.from, SHUT_RDWR);
  return NULL;
}

static void start_pipe(int from, int to) {
  pipe_arg_t *a = malloc(sizeof *a);
  *a = (pipe_arg_t){from, to};
  pthread_t t;
  pthread_create(&t, NULL, pipe_main, a);
  pthread_detach(t);
}

/* Shuts every proxied connection down (their threads then end). */
static void cut_all(proxy_t *p) {
  pthread_mutex_lock(&p->lock);
  for (int i = 0; i < MAX_PAIRS; i++)
    for (int k = 0; k < 2; k++)
      if (p->fds[i][k] >= 0)
        shutdown(p->fds[i][k], SHUT_RDWR); /* fds are closed when the test ends */
  pthread_mutex_unlock(&p->lock);
}

static void *acceptor_main(void *arg) {
  proxy_t *p = arg;
  while (!atomic_load(&p->stop)) {
    struct pollfd pfd = {p->listen_fd, POLLIN, 0};
    if (poll(&pfd, 1, 50) <= 0)
      continue;
    int client = accept(p->listen_fd, NULL, NULL);
    if (client < 0)
      continue;
    int server = atomic_load(&p->cut) ? -1 : connect_to(p->target_port);
    if (server < 0) {
      close(client); /* the link is down: the connection dies at once */
      continue;
    }
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < MAX_PAIRS; i++)
      if (p->fds[i][0] < 0) {
        p->fds[i][0] = client;
        p->fds[i][1] = server;
        break;
      }
    pthread_mutex_unlock(&p->lock);
    start_pipe(client, server);
    start_pipe(server, client);
  }
  return NULL;
}

typedef struct cut_world {
  world_t w;
  th_redis_t tcp_redis; /* pid 0: the fixture's redis also listens on TCP */
  proxy_t proxy;
  int redis_port;
  char redis_addr[64];
} cut_world_t;

static int cut_up(void **state) {
  static cut_world_t cw;
  memset(&cw, 0, sizeof cw);
  th_tempdir(cw.w.dir);
  if (th_redis_start(&cw.w.redis, cw.w.dir) != 0)
    return -1;
  /* Let the private Redis listen on a loopback port too, for the proxy. */
  cw.redis_port = th_free_port();
  th_redis_int(&cw.w.redis, "CONFIG SET bind 127.0.0.1"); /* loopback only */
  th_redis_int(&cw.w.redis, "CONFIG SET port %d", cw.redis_port);
  for (int i = 0; i < MAX_PAIRS; i++)
    cw.proxy.fds[i][0] = cw.proxy.fds[i][1] = -1;
  pthread_mutex_init(&cw.proxy.lock, NULL);
  cw.proxy.target_port = cw.redis_port;
  cw.proxy.listen_fd = listen_on_free_port(&cw.proxy.port);
  pthread_create(&cw.proxy.acceptor, NULL, acceptor_main, &cw.proxy);
  snprintf(cw.redis_addr, sizeof cw.redis_addr, "127.0.0.1:%d", cw.proxy.port);
  cw.w.hub.embedded = true; /* no unix-socket --redis: the proxy's address instead */
  const char *extra[] = {"--redis", cw.redis_addr, "--ack-timeout-ms", "1000", NULL};
  memcpy(cw.w.hub.extra, extra, sizeof extra);
  *state = &cw;
  return th_hub_start(&cw.w.hub, cw.w.dir, &cw.w.redis);
}

static int cut_down(void **state) {
  cut_world_t *cw = *state;
  atomic_store(&cw->proxy.stop, true);
  pthread_join(cw->proxy.acceptor, NULL);
  cut_all(&cw->proxy);
  close(cw->proxy.listen_fd);
  void *w = &cw->w;
  return world_down(&w);
}

static void test_cut_between_hub_and_redis(void **state) {
  cut_world_t *cw = *state;
  stafet_client_t *c = th_client(cw->w.hub.endpoint, "audit");
  stafet_client_t *p = th_client(cw->w.hub.endpoint, "cpr");
  th_collector_t col;
  th_collector_init(&col, true);
  stafet_subscription_t sub = {
      .name = "audit", .patterns = PATTERNS("cpr.#"), .n_patterns = 1, .credit = 200};
  assert_int_equal(th_subscribe(c, &sub, &col), 0);
  th_stream_t s;
  th_stream_init(&s, 4000);
  assert_int_equal(th_stream_publish(p, &s, 0, s.total, "cpr.person.relocated"), 0);
  stafet_client_t *cs[] = {p, c, NULL};
  assert_true(th_poll_until(cs, &s.n_acked, 1000, 60000));
  atomic_store(&cw->proxy.cut, true);
  cut_all(&cw->proxy);
  size_t acked_at_cut = s.n_acked;
  th_poll_for(cs, 3000); /* the link stays down for 3 s */
  size_t acked_during = s.n_acked - acked_at_cut;
  atomic_store(&cw->proxy.cut, false);
  th_stream_finish(cs, &s, &col, 90000);
  char name[160];
  snprintf(name, sizeof name,
           "3 s network cut hub<->redis after %zu acks (%zu acked during the cut)", acked_at_cut,
           acked_during);
  size_t lost = th_stream_report(name, &s, &col);
  size_t distinct = th_collector_distinct(&col);
  assert_true(th_hub_log_count(&cw->w.hub, "redis connection lost") >= 1);
  assert_int_equal(stafet_client_outbox_size(p), 0);
  assert_int_equal(lost, 0);
  assert_int_equal(s.n_acked, s.total);
  assert_int_equal(distinct, s.total);
  th_stream_free(&s);
  th_collector_free(&col);
  stafet_client_destroy(p);
  stafet_client_destroy(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_cut_between_hub_and_redis, cut_up, cut_down),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
