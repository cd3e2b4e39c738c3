/*
 * mask.h — hides CPR numbers in a line before stafet-demo prints it.
 *
 * Rule: six digits, an optional '-', four digits, not adjacent to other
 * digits, is a CPR number; the first six digits and the '-' stay, the last
 * four become '*': "010190-1234" -> "010190-****", "0101901234" ->
 * "010190****". Everything that looks like one is masked, valid or not: a
 * false positive costs four digits of a demo line, a miss leaks a person.
 */
#ifndef STAFET_DEMO_MASK_H
#define STAFET_DEMO_MASK_H

#include <stddef.h>

/*
 * Copies the NUL-terminated in to out (capacity out_size > 0) with CPR
 * numbers masked; truncates if needed and always NUL-terminates. Returns the
 * length written. in and out must not overlap.
 */
size_t demo_mask_cpr(const char *in, char *out, size_t out_size);

#endif
