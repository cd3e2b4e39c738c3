/*
 * sh_cpr.c — CPR shape check, normalisation, masking and synthetic numbers
 * (see sh_cpr.h).
 */
#include "sh_cpr.h"

#include "stafet.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isdigit((unsigned char)s[i]))
      return 0;
  return 1;
}

int sh_cpr_normalise(const char *in, char out[SH_CPR_LEN + 1]) {
  if (in == NULL)
    return STAFET_EINVAL;
  size_t len = strlen(in);
  const char *serial;
  if (len == 10 && digits(in, 10))
    serial = in + 6;
  else if (len == 11 && in[6] == '-' && digits(in, 6) && digits(in + 7, 4))
    serial = in + 7;
  else
    return STAFET_EINVAL;
  int day = (in[0] - '0') * 10 + (in[1] - '0');
  int month = (in[2] - '0') * 10 + (in[3] - '0');
  if (day < 1 || day > 31 || month < 1 || month > 12)
    return STAFET_EINVAL;
  memcpy(out, in, 6);
  out[6] = '-';
  memcpy(out + 7, serial, 4);
  out[SH_CPR_LEN] = '\0';
  return 0;
}

void sh_cpr_mask(const char *in, char out[SH_CPR_LEN + 1]) {
  char norm[SH_CPR_LEN + 1];
  if (sh_cpr_normalise(in, norm) != 0) {
    snprintf(out, SH_CPR_LEN + 1, "?");
    return;
  }
  memcpy(out, norm, 7);
  memcpy(out + 7, "****", 5);
}

void sh_cpr_synthetic(unsigned long counter, char out[SH_CPR_LEN + 1]) {
  unsigned day = (unsigned)(counter % 28) + 1;
  unsigned month = (unsigned)((counter / 28) % 12) + 1;
  unsigned year = (unsigned)((counter / 336) % 100);
  unsigned serial = (unsigned)(counter % 10000);
  snprintf(out, SH_CPR_LEN + 1, "%02u%02u%02u-%04u", day, month, year, serial);
}
