/*
 * topic.c — validation of topics, patterns and names (rules in topic.h).
 *
 * These checks run on every publish and every subscribe, so they are single
 * passes over the string without allocation. The length check comes first
 * (strnlen with a bound) so that a hostile multi-megabyte "topic" costs no
 * more than a legal one.
 */
#include "topic.h"

#include <string.h>

#include "stafet.h"

static bool is_segment_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One segment of `len` bytes at `seg`; '*' and '#' allowed as whole segments if `wildcards`. */
static bool segment_ok(const char *seg, size_t len, bool wildcards) {
  if (len == 0 || len > SEGMENT_MAX_LEN)
    return false;
  if (wildcards && len == 1 && (seg[0] == '*' || seg[0] == '#'))
    return true;
  for (size_t i = 0; i < len; i++)
    if (!is_segment_char(seg[i]))
      return false;
  return true;
}

/* Shared body of topic_validate() and pattern_validate(). */
static bool segments_ok(const char *s, bool wildcards) {
  if (s == NULL)
    return false;
  size_t total = strnlen(s, TOPIC_MAX_LEN + 1);
  if (total == 0 || total > TOPIC_MAX_LEN)
    return false;
  size_t n_segments = 0;
  const char *start = s;
  for (const char *p = s;; p++) {
    if (*p != '.' && *p != '\0')
      continue;
    if (!segment_ok(start, (size_t)(p - start), wildcards) || ++n_segments > TOPIC_MAX_SEGMENTS)
      return false;
    if (*p == '\0')
      return true;
    start = p + 1;
  }
}

int topic_validate(const char *topic) {
  return segments_ok(topic, false) ? 0 : STAFET_ETOPIC;
}

int pattern_validate(const char *pattern) {
  return segments_ok(pattern, true) ? 0 : STAFET_EPATTERN;
}

int name_validate(const char *name) {
  if (name == NULL || !is_name_start(name[0]))
    return STAFET_EINVAL;
  size_t len = strnlen(name, NAME_MAX_LEN + 1);
  if (len > NAME_MAX_LEN)
    return STAFET_EINVAL;
  for (size_t i = 1; i < len; i++)
    if (!is_segment_char(name[i]) && name[i] != '-')
      return STAFET_EINVAL;
  return 0;
}

bool topic_next_segment(const char **cursor, const char **seg, size_t *seg_len) {
  const char *p = *cursor;
  if (p == NULL || *p == '\0')
    return false;
  const char *dot = strchr(p, '.');
  size_t len = dot ? (size_t)(dot - p) : strlen(p);
  *seg = p;
  *seg_len = len;
  *cursor = dot ? dot + 1 : p + len;
  return true;
}
