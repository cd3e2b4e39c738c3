/*
 * topic.h — the syntax of topics, subscription patterns and names.
 *
 * A topic names what happened: `<domain>.<entity>.<event>` in lower snake case,
 * e.g. `cpr.person.relocated`. Publishers send topics; subscriptions carry
 * patterns, which are topics whose whole segments may also be `*` (exactly one
 * segment) or `#` (zero or more segments), as in AMQP topic exchanges. The
 * router (router.h) matches topics against patterns; this file only says what
 * is well formed, so every layer (session, admin API, Redis reload) rejects
 * the same things with the same error code. See docs/protocol.md, "Publishing"
 * and "Subscribing".
 *
 * Names (subscriptions, adapters, attribute keys) are a separate, simpler
 * syntax: one token of [a-z0-9_-], starting with a letter or digit.
 */
#ifndef STAFET_TOPIC_H
#define STAFET_TOPIC_H

#include <stdbool.h>
#include <stddef.h>

#define TOPIC_MAX_LEN      255 /* bytes in a whole topic or pattern */
#define TOPIC_MAX_SEGMENTS 32  /* segments in a topic or pattern */
#define SEGMENT_MAX_LEN    64  /* bytes in one segment */
#define NAME_MAX_LEN       64  /* bytes in a subscription, adapter or attribute key name */

/*
 * Checks a topic: 1..32 segments of [a-z0-9_]{1,64} separated by '.', at most
 * 255 bytes, no wildcards. Returns 0 or STAFET_ETOPIC (also for NULL).
 * Borrows `topic`.
 */
int topic_validate(const char *topic);

/*
 * Checks a pattern: like a topic, but a whole segment may be '*' or '#'
 * ("a*" and "*a" are invalid). Returns 0 or STAFET_EPATTERN (also for NULL).
 * Borrows `pattern`.
 */
int pattern_validate(const char *pattern);

/*
 * Checks a name: [a-z0-9_-]{1,64}, starting with [a-z0-9]. Returns 0 or
 * STAFET_EINVAL (also for NULL). Borrows `name`.
 */
int name_validate(const char *name);

/*
 * Steps through the segments of a validated topic or pattern. `*cursor`
 * starts at the string and is advanced past the segment and its dot; on
 * success `*seg` points into the string (not NUL-terminated, borrowed) and
 * `*seg_len` is its length. Returns false when there are no more segments.
 *
 *   const char *cur = topic, *seg; size_t len;
 *   while (topic_next_segment(&cur, &seg, &len)) ...
 */
bool topic_next_segment(const char **cursor, const char **seg, size_t *seg_len);

#endif
