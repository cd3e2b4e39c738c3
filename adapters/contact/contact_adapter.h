/*
 * contact_adapter.h — the state of the contact adapter plugin
 * (stafet_adapter_contact), shared by contact_adapter.c (lifecycle,
 * settings), contact_http.c (routes, contact events) and contact_desk.c
 * (the agent desktop's citizen overview). One per plugin process, owned by
 * the host through the plugin's void *state; all on the plugin thread.
 */
#ifndef STAFET_CONTACT_ADAPTER_H
#define STAFET_CONTACT_ADAPTER_H

#include "contact_overview.h"
#include "sh_cpr.h"
#include "sh_host.h"
#include "sh_loop.h"
#include "sh_rejected.h"
#include "sh_server.h"

typedef struct overview overview_t;

typedef struct contact_adapter {
  sh_hostref_t ref;
  sh_loop_t loop;
  sh_server_t *server;
  sh_rejected_t rejected;
  overview_t *overviews; /* in progress or waiting for late answers */
  /* settings */
  char listen_addr[64];
  unsigned port;
  const char *port_file;
  const char *data_dir;
  unsigned overview_timeout_ms, max_body;
} contact_adapter_t;

/* HTTP entry point (contact_http.c). */
void contact_http_handle(void *arg, sh_request_t *req);
/* Keeps a refused request in rejected/ and answers it (contact_http.c). */
void contact_reject(contact_adapter_t *a, sh_request_t *req, unsigned status, const char *code,
                    const char *message);

/* GET /citizens/{cpr}/overview (contact_desk.c): asks the three services in
 * parallel and answers when all three have answered or the deadline passed. */
void contact_overview_start(contact_adapter_t *a, sh_request_t *req, const char *cpr);
/* Answers overviews whose deadline has passed (from on_tick). */
void contact_overview_tick(contact_adapter_t *a);
/* Answers every open overview and frees them all (from stop). */
void contact_overview_stop(contact_adapter_t *a);

#endif
