/*
 * event.c — protobuf payloads (protoc-c, stafet_proto) of the debt.* events,
 * one small builder per export kind.
 */
#include "event.h"

#include "encode.h"

#include "stafet/events/v1/common.pb-c.h"
#include "stafet/events/v1/debt.pb-c.h"

#include <stdlib.h>
#include <string.h>

/* protoc-c wants char * for strings it only reads while packing. */
#define S(x) ((char *)(x))

typedef Stafet__Events__V1__Date pb_date_t;
typedef Stafet__Events__V1__PartyRef pb_party_t;

static pb_party_t pb_party(const debt_party_t *p) {
  pb_party_t out = STAFET__EVENTS__V1__PARTY_REF__INIT;
  if (p->cpr[0] != '\0') {
    out.id_case = STAFET__EVENTS__V1__PARTY_REF__ID_CPR;
    out.cpr = S(p->cpr);
  } else {
    out.id_case = STAFET__EVENTS__V1__PARTY_REF__ID_CVR;
    out.cvr = S(p->cvr);
  }
  return out;
}

static int pack(const ProtobufCMessage *m, debt_event_t *ev) {
  return encode_pack(m, &ev->payload, &ev->len, &ev->type_name);
}

static void add_attr(debt_event_t *ev, const char *key, const char *value) {
  ev->attrs[ev->n_attrs].key = key;
  ev->attrs[ev->n_attrs].value = value;
  ev->n_attrs++;
}

static int build_claim(const debt_row_t *r, debt_event_t *ev) {
  Stafet__Events__V1__Debt__ClaimCreated m = STAFET__EVENTS__V1__DEBT__CLAIM_CREATED__INIT;
  pb_party_t debtor = pb_party(&r->debtor);
  pb_date_t due = encode_pb_date(r->date);
  m.claim_id = S(r->id);
  m.debtor = &debtor;
  m.claim_type = (Stafet__Events__V1__Debt__ClaimType)r->claim_type;
  m.amount_oere = r->amount_oere;
  m.due_date = &due;
  m.description = S(r->text);
  add_attr(ev, "claim_type", debt_claim_type_name(r->claim_type));
  return pack(&m.base, ev);
}

static int build_payment(const debt_row_t *r, debt_event_t *ev) {
  Stafet__Events__V1__Debt__PaymentReceived m = STAFET__EVENTS__V1__DEBT__PAYMENT_RECEIVED__INIT;
  pb_party_t debtor = pb_party(&r->debtor);
  pb_date_t paid = encode_pb_date(r->date);
  m.claim_id = S(r->id);
  m.debtor = &debtor;
  m.amount_oere = r->amount_oere;
  m.date = &paid;
  m.channel = (Stafet__Events__V1__Debt__PaymentReceived__Channel)r->channel;
  add_attr(ev, "channel", debt_channel_name(r->channel));
  return pack(&m.base, ev);
}

static int build_agreement(const debt_row_t *r, debt_event_t *ev) {
  Stafet__Events__V1__Debt__AgreementCreated m = STAFET__EVENTS__V1__DEBT__AGREEMENT_CREATED__INIT;
  Stafet__Events__V1__Debt__AgreementCreated__Instalment inst[DEBT_MAX_INSTALMENTS];
  Stafet__Events__V1__Debt__AgreementCreated__Instalment *inst_ptrs[DEBT_MAX_INSTALMENTS];
  pb_date_t dates[DEBT_MAX_INSTALMENTS];
  char *ids[DEBT_MAX_CLAIM_IDS];
  pb_party_t debtor = pb_party(&r->debtor);
  for (size_t i = 0; i < r->n_claim_ids; i++)
    ids[i] = S(r->claim_ids[i]);
  for (unsigned i = 0; i < r->n_instalments && i < DEBT_MAX_INSTALMENTS; i++) {
    stafet__events__v1__debt__agreement_created__instalment__init(&inst[i]);
    dates[i] = encode_pb_date(debt_instalment_date(r->date, i));
    inst[i].due_date = &dates[i];
    inst[i].amount_oere = r->amount_oere;
    inst_ptrs[i] = &inst[i];
  }
  m.agreement_id = S(r->id);
  m.debtor = &debtor;
  m.n_claim_ids = r->n_claim_ids;
  m.claim_ids = ids;
  m.n_instalments = r->n_instalments;
  m.instalments = inst_ptrs;
  return pack(&m.base, ev);
}

static int build_transfer(const debt_row_t *r, debt_event_t *ev) {
  Stafet__Events__V1__Debt__ClaimTransferredToCollection m =
      STAFET__EVENTS__V1__DEBT__CLAIM_TRANSFERRED_TO_COLLECTION__INIT;
  pb_party_t debtor = pb_party(&r->debtor);
  pb_date_t date = encode_pb_date(r->date);
  m.claim_id = S(r->id);
  m.debtor = &debtor;
  m.date = &date;
  m.remaining_oere = r->amount_oere;
  return pack(&m.base, ev);
}

static int build_closure(const debt_row_t *r, debt_event_t *ev) {
  Stafet__Events__V1__Debt__ClaimClosed m = STAFET__EVENTS__V1__DEBT__CLAIM_CLOSED__INIT;
  pb_party_t debtor = pb_party(&r->debtor);
  pb_date_t date = encode_pb_date(r->date);
  m.claim_id = S(r->id);
  m.debtor = &debtor;
  m.reason = (Stafet__Events__V1__Debt__ClaimClosed__Reason)r->close_reason;
  m.date = &date;
  add_attr(ev, "reason", debt_close_reason_name(r->close_reason));
  return pack(&m.base, ev);
}

int debt_event_build(const debt_row_t *row, debt_event_t *ev) {
  static int (*const builders[DEBT_KINDS])(const debt_row_t *, debt_event_t *) = {
      build_claim, build_payment, build_agreement, build_transfer, build_closure};
  memset(ev, 0, sizeof *ev);
  if (row->kind >= DEBT_KINDS)
    return STAFET_EINVAL;
  ev->topic = debt_kind_topic(row->kind);
  ev->sensitivity = row->debtor.cpr[0] != '\0' ? STAFET_SENSITIVITY_PERSONAL : 0;
  ev->occurred_at_ms = sdate_unix_ms(row->date);
  add_attr(ev, "debtor_kind", row->debtor.cpr[0] != '\0' ? "cpr" : "cvr");
  return builders[row->kind](row, ev);
}

void debt_event_free(debt_event_t *ev) {
  free(ev->payload);
  ev->payload = NULL;
}

void debt_event_envelope(const debt_event_t *ev, stafet_envelope_t *env) {
  memset(env, 0, sizeof *env);
  env->topic = ev->topic;
  env->type_name = ev->type_name;
  env->schema_version = 1;
  env->sensitivity = ev->sensitivity;
  env->occurred_at_ms = ev->occurred_at_ms;
  env->attributes = ev->attrs;
  env->n_attributes = ev->n_attrs;
}
