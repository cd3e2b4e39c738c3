/*
 * case_pack.c — a validated ESDH event as its case.proto message
 * (case_event_pack in case_event.h). The messages are built on the stack
 * pointing at the event's strings: nothing to free but the output buffer.
 */
#include "case_event.h"

#include "stafet/events/v1/case.pb-c.h"

#include "sh_pb.h"

#include <stdlib.h>

#define STR(s) ((char *)((s) != NULL ? (s) : ""))

typedef struct case_ref_storage {
  Stafet__Events__V1__Casemgmt__CaseRef ref;
  Stafet__Events__V1__PartyRef parties[CASE_MAX_PARTIES];
  Stafet__Events__V1__PartyRef *party_ptrs[CASE_MAX_PARTIES];
} case_ref_storage_t;

static void fill_ref(const case_event_t *ev, case_ref_storage_t *s) {
  Stafet__Events__V1__Casemgmt__CaseRef ref = STAFET__EVENTS__V1__CASEMGMT__CASE_REF__INIT;
  ref.case_id = STR(ev->case_id);
  ref.system = STR(ev->system);
  ref.kle = STR(ev->kle);
  ref.department = STR(ev->department);
  ref.title = STR(ev->title);
  for (size_t i = 0; i < ev->n_parties; i++) {
    Stafet__Events__V1__PartyRef p = STAFET__EVENTS__V1__PARTY_REF__INIT;
    if (ev->parties[i].cpr[0] != '\0') {
      p.id_case = STAFET__EVENTS__V1__PARTY_REF__ID_CPR;
      p.cpr = (char *)ev->parties[i].cpr;
    } else {
      p.id_case = STAFET__EVENTS__V1__PARTY_REF__ID_CVR;
      p.cvr = (char *)ev->parties[i].cvr;
    }
    s->parties[i] = p;
    s->party_ptrs[i] = &s->parties[i];
  }
  ref.n_parties = ev->n_parties;
  ref.parties = s->party_ptrs;
  s->ref = ref;
}

static int pack_document(const case_event_t *ev, uint8_t **buf, size_t *len) {
  Stafet__Events__V1__Casemgmt__DocumentJournalised m =
      STAFET__EVENTS__V1__CASEMGMT__DOCUMENT_JOURNALISED__INIT;
  m.case_id = STR(ev->case_id);
  m.document_id = STR(ev->document_id);
  m.title = STR(ev->document_title);
  m.direction = (Stafet__Events__V1__Casemgmt__DocumentJournalised__Direction)ev->direction;
  m.journalised_at_ms = ev->occurred_at_ms;
  return sh_pb_pack(&m.base, buf, len);
}

int case_event_pack(const case_event_t *ev, uint8_t **buf, size_t *len) {
  case_ref_storage_t *s = calloc(1, sizeof *s);
  if (s == NULL)
    return STAFET_ENOMEM;
  fill_ref(ev, s);
  int rc = 0;
  if (ev->kind == CASE_EV_OPENED) {
    Stafet__Events__V1__Casemgmt__CaseOpened m = STAFET__EVENTS__V1__CASEMGMT__CASE_OPENED__INIT;
    m.case_ref = &s->ref;
    m.status = (Stafet__Events__V1__Casemgmt__CaseStatus)ev->status;
    m.opened_at_ms = ev->occurred_at_ms;
    rc = sh_pb_pack(&m.base, buf, len);
  } else if (ev->kind == CASE_EV_STATUS_CHANGED) {
    Stafet__Events__V1__Casemgmt__CaseStatusChanged m =
        STAFET__EVENTS__V1__CASEMGMT__CASE_STATUS_CHANGED__INIT;
    m.case_ref = &s->ref;
    m.old_status = (Stafet__Events__V1__Casemgmt__CaseStatus)ev->old_status;
    m.new_status = (Stafet__Events__V1__Casemgmt__CaseStatus)ev->new_status;
    m.changed_at_ms = ev->occurred_at_ms;
    rc = sh_pb_pack(&m.base, buf, len);
  } else if (ev->kind == CASE_EV_CLOSED) {
    Stafet__Events__V1__Casemgmt__CaseClosed m = STAFET__EVENTS__V1__CASEMGMT__CASE_CLOSED__INIT;
    m.case_ref = &s->ref;
    m.closed_at_ms = ev->occurred_at_ms;
    m.outcome = STR(ev->outcome);
    rc = sh_pb_pack(&m.base, buf, len);
  } else {
    rc = pack_document(ev, buf, len);
  }
  free(s);
  return rc;
}
