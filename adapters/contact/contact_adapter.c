/*
 * contact_adapter.c — the contact adapter plugin (stafet_adapter_contact):
 * the contact centre's side of the hub. Telephony, booking and queue
 * systems post their events over HTTP (contact_http.c) and they are
 * published as contact.*; the agent desktop gets the citizen overview built
 * from requests to the cpr, debtor and case adapters (contact_desk.c).
 * Settings ([plugin contact] of the host config): docs/contact-adapter.md.
 */
#include "contact_adapter.h"

#include <stdio.h>
#include <stdlib.h>

static void on_fd(void *state, int fd, int events) {
  contact_adapter_t *a = state;
  sh_loop_dispatch(&a->loop, fd, events);
}

static int read_settings(contact_adapter_t *a) {
  const char *listen = sh_cfg_str(&a->ref, "listen", "127.0.0.1:8082");
  if (sh_listen_parse(listen, a->listen_addr, &a->port) != 0) {
    a->ref.api->log(a->ref.host, STAFET_LOG_ERROR, "bad setting", "listen=%s", listen);
    return STAFET_EINVAL;
  }
  a->port_file = sh_cfg_str(&a->ref, "port_file", NULL);
  a->data_dir = sh_cfg_str(&a->ref, "data_dir", "stafet-contact");
  if (sh_cfg_uint(&a->ref, "overview_timeout_ms", 2000, &a->overview_timeout_ms) != 0 ||
      sh_cfg_uint(&a->ref, "max_body", 1u << 20, &a->max_body) != 0 ||
      a->overview_timeout_ms == 0) {
    a->ref.api->log(a->ref.host, STAFET_LOG_ERROR, "bad setting",
                    "message=\"overview_timeout_ms and max_body are positive numbers\"");
    return STAFET_EINVAL;
  }
  return 0;
}

static int init(const stafet_host_api_t *api, stafet_host_t *host, void **state) {
  contact_adapter_t *a = calloc(1, sizeof *a);
  if (a == NULL)
    return STAFET_ENOMEM;
  a->ref = (sh_hostref_t){.api = api, .host = host, .on_fd = on_fd};
  if (read_settings(a) != 0) {
    free(a);
    return STAFET_EINVAL;
  }
  sh_loop_init(&a->loop, sh_host_watch, &a->ref);
  *state = a;
  return 0;
}

static int start(void *state) {
  contact_adapter_t *a = state;
  char path[600];
  snprintf(path, sizeof path, "%s/rejected", a->data_dir);
  if (sh_rejected_init(&a->rejected, path) != 0) {
    a->ref.api->log(a->ref.host, STAFET_LOG_ERROR, "cannot create data dir", "dir=%s", path);
    return STAFET_EIO;
  }
  sh_server_options_t o = {.address = a->listen_addr,
                           .port = a->port,
                           .max_body = a->max_body,
                           .handler = contact_http_handle,
                           .arg = a};
  int rc = sh_server_start(&a->server, &a->loop, &o);
  if (rc != 0) {
    a->ref.api->log(a->ref.host, STAFET_LOG_ERROR, "cannot listen", "address=%s port=%u",
                    a->listen_addr, a->port);
    return rc;
  }
  unsigned port = sh_server_port(a->server);
  a->ref.api->log(a->ref.host, STAFET_LOG_INFO, "listening", "address=%s port=%u", a->listen_addr,
                  port);
  if (a->port_file != NULL && sh_port_file_write(a->port_file, port) != 0)
    a->ref.api->log(a->ref.host, STAFET_LOG_WARN, "cannot write port file", "path=%s",
                    a->port_file);
  return 0;
}

static void stop(void *state) {
  contact_adapter_t *a = state;
  contact_overview_stop(a);
  sh_server_stop(a->server);
  sh_loop_free(&a->loop);
  free(a);
}

static void on_event(void *state, const stafet_delivery_t *d) {
  /* The contact adapter subscribes to nothing; settle anything that comes. */
  contact_adapter_t *a = state;
  a->ref.api->ack(a->ref.host, d->subscription, d->delivery_id);
}

static void on_request(void *state, const stafet_request_t *r) {
  contact_adapter_t *a = state;
  a->ref.api->reply_error(a->ref.host, r->request_id, "the contact adapter provides no service");
}

static void on_tick(void *state) {
  contact_adapter_t *a = state;
  sh_server_run(a->server);
  contact_overview_tick(a);
}

static const stafet_adapter_t ADAPTER = {.abi_version = STAFET_ADAPTER_ABI_VERSION,
                                         .name = "contact",
                                         .init = init,
                                         .start = start,
                                         .stop = stop,
                                         .on_event = on_event,
                                         .on_request = on_request,
                                         .on_tick = on_tick};

const stafet_adapter_t *stafet_adapter_entry(void) {
  return &ADAPTER;
}
