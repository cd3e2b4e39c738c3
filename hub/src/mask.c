/*
 * mask.c — CPR masking for every piece of text that leaves the hub as a log
 * line or a view (see mask.h for the rule).
 */
#include "mask.h"

#include <ctype.h>
#include <string.h>

static int is_digit_at(const char *s, size_t i, size_t len) {
  return i < len && isdigit((unsigned char)s[i]);
}

/* Length of a CPR-looking token at in[i] (10 or 11), or 0. */
static size_t cpr_token_len(const char *in, size_t i, size_t len) {
  if (i > 0 && isdigit((unsigned char)in[i - 1]))
    return 0;
  for (size_t k = 0; k < 6; k++)
    if (!is_digit_at(in, i + k, len))
      return 0;
  size_t j = i + 6;
  if (j < len && in[j] == '-')
    j++;
  for (size_t k = 0; k < 4; k++)
    if (!is_digit_at(in, j + k, len))
      return 0;
  if (is_digit_at(in, j + 4, len))
    return 0;
  return j + 4 - i;
}

size_t cpr_mask(const char *in, char *out, size_t out_size) {
  size_t len = strlen(in);
  size_t o = 0;
  for (size_t i = 0; i < len && o + 1 < out_size;) {
    size_t token = cpr_token_len(in, i, len);
    if (token == 0) {
      out[o++] = in[i++];
      continue;
    }
    /* Keep the date part and the hyphen (if any), hide the serial. */
    for (size_t k = 0; k < token && o + 1 < out_size; k++) {
      char c = in[i + k];
      out[o++] = (k < 6 || c == '-') ? c : '*';
    }
    i += token;
  }
  out[o] = '\0';
  return o;
}
