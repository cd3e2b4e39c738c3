/*
 * mask.h — hides CPR numbers in text before it reaches a log line, the wire
 * tap or the dashboard.
 *
 * A CPR number is DDMMYY-SSSS or DDMMYYSSSS. Anything that looks like one (six
 * digits, an optional hyphen, four digits, not part of a longer run of digits)
 * keeps its date part and loses the rest: "010190-1234" -> "010190-****".
 * We mask everything that looks like a CPR number rather than only the valid
 * ones: a false positive costs a few digits of a log line, a miss leaks data.
 */
#ifndef STAFET_MASK_H
#define STAFET_MASK_H

#include <stddef.h>

/*
 * Copies `in` (NUL-terminated) to `out` (capacity `out_size` > 0), masking CPR
 * numbers, truncating if needed; `out` is always NUL-terminated. Returns the
 * length written. `in` and `out` must not overlap.
 */
size_t cpr_mask(const char *in, char *out, size_t out_size);

#endif
