/*
 * broken.c — a plugin that is broken on purpose, in the one way chosen by a
 * compile definition (adapters/host/CMakeLists.txt builds one .so per way):
 *
 *   BROKEN_INIT_FAILS    init returns STAFET_EINVAL
 *   BROKEN_INIT_CRASHES  init dies of SIGSEGV
 *   BROKEN_START_FAILS   start returns STAFET_EUNAVAIL (stop must still run)
 *   BROKEN_WRONG_ABI     the table says ABI version 99
 *   BROKEN_NO_ENTRY      the entry symbol is misspelt, so it is missing
 *
 * The host must report each clearly and keep its other plugins running.
 */
#include "stafet_adapter.h"

#include <signal.h>
#include <stdlib.h>

typedef struct broken {
  const stafet_host_api_t *api;
  stafet_host_t *host;
} broken_t;

static int init(const stafet_host_api_t *api, stafet_host_t *host, void **state) {
#if defined(BROKEN_INIT_FAILS)
  return STAFET_EINVAL;
#elif defined(BROKEN_INIT_CRASHES)
  raise(SIGSEGV); /* as a stray pointer would, without undefined behaviour in the test */
#endif
  broken_t *b = malloc(sizeof *b);
  if (b == NULL)
    return STAFET_ENOMEM;
  b->api = api;
  b->host = host;
  *state = b;
  return 0;
}

static int start(void *state) {
#if defined(BROKEN_START_FAILS)
  return STAFET_EUNAVAIL;
#else
  return 0;
#endif
}

static void stop(void *state) {
  broken_t *b = state;
  b->api->log(b->host, STAFET_LOG_INFO, "broken plugin stop called", NULL);
  free(b);
}

static void on_event(void *state, const stafet_delivery_t *d) {}

static void on_request(void *state, const stafet_request_t *r) {}

static const stafet_adapter_t adapter = {
#if defined(BROKEN_WRONG_ABI)
    .abi_version = 99,
#else
    .abi_version = STAFET_ADAPTER_ABI_VERSION,
#endif
    .name = "broken",
    .init = init,
    .start = start,
    .stop = stop,
    .on_event = on_event,
    .on_request = on_request,
};

#if defined(BROKEN_NO_ENTRY)
__attribute__((visibility("default"))) const stafet_adapter_t *stafet_adapter_entri(void) {
  return &adapter;
}
#else
const stafet_adapter_t *stafet_adapter_entry(void) {
  return &adapter;
}
#endif
