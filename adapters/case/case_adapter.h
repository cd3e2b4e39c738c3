/*
 * case_adapter.h — the state of the case adapter plugin (stafet_adapter_case)
 * shared by its files: case_adapter.c (lifecycle, settings, CPR events ->
 * ESDH party updates, case.list.get) and case_http.c (the ESDH's webhook
 * endpoint). One instance per plugin process, owned by the host through
 * the void *state of the plugin ABI; everything runs on the plugin thread.
 */
#ifndef STAFET_CASE_ADAPTER_H
#define STAFET_CASE_ADAPTER_H

#include "case_store.h"
#include "sh_client.h"
#include "sh_host.h"
#include "sh_loop.h"
#include "sh_rejected.h"
#include "sh_retry.h"
#include "sh_server.h"

typedef struct case_adapter {
  sh_hostref_t ref;
  sh_loop_t loop;
  sh_server_t *server;
  sh_client_t *client;
  sh_retry_t retry;
  sh_rejected_t rejected;
  case_store_t *store;
  /* settings */
  char listen_addr[64];
  unsigned port;
  const char *port_file;
  const char *data_dir;
  const char *esdh_url;
  const char *subscription;
  unsigned credit, ack_timeout_ms, max_deliveries, list_max, max_body;
} case_adapter_t;

/* The HTTP handler of the webhook endpoint (case_http.c). */
void case_http_handle(void *arg, sh_request_t *req);

#endif
