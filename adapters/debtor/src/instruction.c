/*
 * instruction.c — rendering instruction files for the debtor system.
 */
#include "instruction.h"

#include "csv.h"
#include "danish.h"

#include "stafet.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

const char *debt_instruction_code(debt_instruction_kind_t kind) {
  return kind == DEBT_STOP_DUNNING ? "DOEDSBO_STOP_RYKKER" : "NY_ADRESSE";
}

int debt_instruction_render(const debt_instruction_t *in, char *out, size_t cap, size_t *len) {
  char date[11];
  dk_date_format(in->date, date);
  int address = in->kind == DEBT_NEW_ADDRESS;
  const char *fields[] = {
      in->id,
      debt_instruction_code(in->kind),
      in->cpr,
      date,
      address ? in->street : "",
      address ? in->house_number : "",
      address ? in->floor : "",
      address ? in->door : "",
      address ? in->postcode : "",
      address ? in->city : "",
      address ? in->kommunekode : "",
      in->protected_ ? "1" : "0",
  };
  int n = snprintf(out, cap, "%s\n", DEBT_INSTRUCTION_HEADER);
  if (n < 0 || (size_t)n >= cap)
    return STAFET_ETOOBIG;
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    if (i > 0 && strlen(out) + 2 < cap)
      strcat(out, ";");
    if (csv_append_field(out, cap, fields[i] ? fields[i] : "") < 0)
      return STAFET_ETOOBIG;
  }
  if (strlen(out) + 2 >= cap)
    return STAFET_ETOOBIG;
  strcat(out, "\n");
  *len = strlen(out);
  return 0;
}

void debt_instruction_file_name(const debt_instruction_t *in, char *out) {
  char id[65];
  size_t n = 0;
  for (const char *p = in->id ? in->id : ""; *p && n < sizeof id - 1; p++)
    id[n++] = isalnum((unsigned char)*p) || strchr("._-", *p) ? *p : '_';
  id[n] = '\0';
  snprintf(out, SPOOL_NAME_MAX, "stafet-%s-%s.csv",
           in->kind == DEBT_STOP_DUNNING ? "doedsbo" : "adresse", id);
}
