/*
 * fuzz_http_json.c — libFuzzer target for the JSON bodies the case and
 * contact adapters accept over HTTP (ESDH webhooks, telephony and booking
 * events): the first byte picks the endpoint, the rest is the body.
 */
#include "case_event.h"
#include "contact_event.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  sh_verr_t e;
  const char *body = (const char *)data + 1;
  if (data[0] & 1) {
    case_event_t ev;
    if (case_event_parse(body, size - 1, &ev, &e) == 0)
      case_event_free(&ev);
  } else {
    contact_event_t ev;
    if (contact_event_parse(body, size - 1, &ev, &e) == 0)
      contact_event_free(&ev);
  }
  return 0;
}
