/*
 * sh_cpr.h — CPR numbers as the HTTP adapters meet them in JSON and URLs.
 *
 * A CPR number is DDMMYY-SSSS (the dash optional on input). We check the
 * shape and that day and month are plausible; never the modulus-11 check,
 * which numbers issued since 2007 need not pass (docs: DOMAIN.md).
 * Logs get the masked form DDMMYY-**** only.
 */
#ifndef STAFET_SH_CPR_H
#define STAFET_SH_CPR_H

#include <stddef.h>

#define SH_CPR_LEN 11 /* "DDMMYY-SSSS" */

/* Normalises in (10 digits, or 6 + '-' + 4) to "DDMMYY-SSSS" in out.
 * Returns 0 or STAFET_EINVAL (wrong shape, day 00 or > 31, month not 01-12). */
int sh_cpr_normalise(const char *in, char out[SH_CPR_LEN + 1]);
/* Writes "DDMMYY-****" for a CPR number (any shape); "?" when in is not one. */
void sh_cpr_mask(const char *in, char out[SH_CPR_LEN + 1]);
/* A synthetic CPR number from a counter: day 01-28, month 01-12, serial from
 * the counter. Never a real person's (the simulators' only source). */
void sh_cpr_synthetic(unsigned long counter, char out[SH_CPR_LEN + 1]);

#endif
