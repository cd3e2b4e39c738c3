/*
 * summary_json.c — the debt.summary.get answer, built with jansson.
 */
#include "summary_json.h"

#include "danish.h"
#include "encode.h"

#include "stafet.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static json_t *claim_json(const debt_claim_view_t *c) {
  return json_pack("{s:s, s:s, s:I, s:I, s:I, s:o, s:s}", "claim_id", c->claim_id, "claim_type",
                   debt_claim_type_name(c->claim_type), "amount_oere", (json_int_t)c->amount_oere,
                   "paid_oere", (json_int_t)c->paid_oere, "owed_oere", (json_int_t)c->owed_oere,
                   "due_date", encode_json_date(c->due_date), "status",
                   c->transferred ? "transferred_to_collection" : "open");
}

static json_t *agreement_json(const debt_agreement_view_t *a) {
  json_t *ids = json_array();
  char copy[sizeof a->claim_ids], *save = NULL;
  memcpy(copy, a->claim_ids, sizeof copy);
  for (char *id = strtok_r(copy, ",", &save); id; id = strtok_r(NULL, ",", &save))
    json_array_append_new(ids, json_string(id));
  return json_pack("{s:s, s:o, s:o, s:i, s:I}", "agreement_id", a->agreement_id, "claim_ids", ids,
                   "first_due", encode_json_date(a->first_due), "instalments",
                   (int)a->n_instalments, "instalment_oere", (json_int_t)a->instalment_oere);
}

int debt_summary_json(const char *debtor_text, const debt_summary_t *sum, char **out, size_t *len) {
  json_t *claims = json_array(), *agreements = json_array();
  for (size_t i = 0; i < sum->n_claims; i++)
    json_array_append_new(claims, claim_json(&sum->claims[i]));
  for (size_t i = 0; i < sum->n_agreements; i++)
    json_array_append_new(agreements, agreement_json(&sum->agreements[i]));
  char total[32];
  dk_amount_format(sum->total_owed_oere, total);
  json_t *root =
      json_pack("{s:s, s:i, s:I, s:s, s:o, s:o, s:o}", "debtor", debtor_text, "open_claims",
                (int)sum->n_claims, "total_owed_oere", (json_int_t)sum->total_owed_oere,
                "total_owed_dkk", total, "claims", claims, "agreements", agreements,
                "dunning_stopped", encode_json_date(sum->estate_date));
  return encode_json_dump(root, out, len);
}
