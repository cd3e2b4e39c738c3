/*
 * event_types.c — see include/stafet_event_types.h.
 */
#include "stafet_event_types.h"

#include "stafet/events/v1/case.pb-c.h"
#include "stafet/events/v1/contact.pb-c.h"
#include "stafet/events/v1/cpr.pb-c.h"
#include "stafet/events/v1/debt.pb-c.h"

#include <string.h>

static const ProtobufCMessageDescriptor *const event_types[] = {
    &stafet__events__v1__cpr__person_registered__descriptor,
    &stafet__events__v1__cpr__person_relocated__descriptor,
    &stafet__events__v1__cpr__person_name_changed__descriptor,
    &stafet__events__v1__cpr__person_civil_status_changed__descriptor,
    &stafet__events__v1__cpr__person_protection_changed__descriptor,
    &stafet__events__v1__cpr__person_emigrated__descriptor,
    &stafet__events__v1__cpr__person_deceased__descriptor,
    &stafet__events__v1__debt__claim_created__descriptor,
    &stafet__events__v1__debt__payment_received__descriptor,
    &stafet__events__v1__debt__agreement_created__descriptor,
    &stafet__events__v1__debt__claim_transferred_to_collection__descriptor,
    &stafet__events__v1__debt__claim_closed__descriptor,
    &stafet__events__v1__casemgmt__case_opened__descriptor,
    &stafet__events__v1__casemgmt__case_status_changed__descriptor,
    &stafet__events__v1__casemgmt__case_closed__descriptor,
    &stafet__events__v1__casemgmt__document_journalised__descriptor,
    &stafet__events__v1__contact__inquiry_received__descriptor,
    &stafet__events__v1__contact__call_ended__descriptor,
    &stafet__events__v1__contact__booking_created__descriptor,
    &stafet__events__v1__contact__booking_cancelled__descriptor,
};

const ProtobufCMessageDescriptor *stafet_event_type(const char *type_name) {
  if (type_name == NULL)
    return NULL;
  for (size_t i = 0; i < sizeof event_types / sizeof event_types[0]; i++)
    if (strcmp(event_types[i]->name, type_name) == 0)
      return event_types[i];
  return NULL;
}
