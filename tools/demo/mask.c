/*
 * mask.c — CPR masking for stafet-demo's output (rule in mask.h).
 */
#include "mask.h"

#include <string.h>

static int digit(char ch) {
  return ch >= '0' && ch <= '9';
}

/* Counts the digits at s (at most max). */
static size_t digit_run(const char *s, size_t max) {
  size_t n = 0;
  while (n < max && digit(s[n]))
    n++;
  return n;
}

/*
 * If a CPR number starts at in + i (and no digit comes before it), returns
 * its length (10, or 11 with the '-'); else 0.
 */
static size_t cpr_at(const char *in, size_t i) {
  if ((i > 0 && digit(in[i - 1])) || digit_run(in + i, 6) != 6)
    return 0;
  size_t dash = in[i + 6] == '-';
  const char *serial = in + i + 6 + dash;
  if (digit_run(serial, 5) != 4)
    return 0; /* fewer than four, or a fifth digit follows */
  return 10 + dash;
}

size_t demo_mask_cpr(const char *in, char *out, size_t out_size) {
  size_t o = 0;
  for (size_t i = 0; in[i] && o + 1 < out_size;) {
    size_t len = cpr_at(in, i);
    if (len == 0) {
      out[o++] = in[i++];
      continue;
    }
    for (size_t k = 0; k < len && o + 1 < out_size; k++)
      out[o++] = (k < 6 || in[i + k] == '-') ? in[i + k] : '*';
    i += len;
  }
  out[o] = '\0';
  return o;
}
