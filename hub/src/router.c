/*
 * router.c — the topic trie behind router.h.
 *
 * Each trie node stands for a prefix of patterns. A node has literal children
 * in a small open-addressing hash table keyed by segment, plus at most one '*'
 * child and one '#' child. The targets whose pattern ends at a node hang on
 * that node as pointers to per-target records.
 *
 * Per-target records (one per distinct target, found through a dict keyed by
 * the target pointer's bytes) serve two purposes:
 *  - dedupe during a match: each router_match() call takes a new generation
 *    number; a record reports its target only if its `seen_gen` is older, so a
 *    target with several matching patterns is reported once without scanning
 *    a result list;
 *  - router_remove_target(): the record lists the nodes its target hangs on.
 *
 * Matching walks the trie along the topic's segments. A '#' child can consume
 * any number of segments, so the walk branches there; with several '#' in a
 * pattern ("#.a.#.b.#") naive backtracking is exponential. Each node therefore
 * remembers, per match generation, which topic positions (0..32, one bit each)
 * it has been entered at, and is never explored twice from the same position.
 * That bounds a match to (nodes reachable) x (segments + 1) visits and needs no
 * allocation: the topic's segments are split into scratch arrays in router_t.
 */
#include "router.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"
#include "sbuf.h"
#include "stafet.h"
#include "topic.h"

typedef enum { NODE_ROOT, NODE_LITERAL, NODE_STAR, NODE_HASH } node_kind_t;

typedef struct rnode rnode_t;

typedef struct target_rec {
  void *target;      /* borrowed */
  uint64_t seen_gen; /* generation of the last match that reported target */
  rnode_t **nodes;   /* nodes target hangs on, one per (pattern, target) entry */
  size_t n_nodes, cap_nodes;
} target_rec_t;

struct rnode {
  rnode_t *parent; /* NULL for the root */
  rnode_t **kids;  /* hash table of literal children (NULL slots free), NULL if none */
  size_t kids_cap; /* power of two, or 0 */
  size_t n_kids;
  rnode_t *star;       /* '*' child */
  rnode_t *hash;       /* '#' child */
  target_rec_t **recs; /* targets whose pattern ends here */
  size_t n_recs, cap_recs;
  uint64_t visit_gen;  /* match generation visit_mask belongs to */
  uint64_t visit_mask; /* bit i: entered at topic position i in that match */
  uint64_t seg_hash;   /* dict_hash(seg) for literal nodes */
  node_kind_t kind;
  size_t seg_len;
  char seg[]; /* literal segment, NUL-terminated */
};

struct router {
  rnode_t *root;
  dict_t *targets; /* target pointer bytes -> target_rec_t (owned) */
  size_t n_entries;
  size_t n_nodes; /* trie nodes, root included */
  uint64_t gen;   /* generation of the current or last match */
  bool matching;  /* a match is running (guards against changes from callbacks) */
  /* Scratch of the running match: the topic split into segments. */
  size_t n_segs;
  const char *seg[TOPIC_MAX_SEGMENTS];
  size_t seg_len[TOPIC_MAX_SEGMENTS];
  uint64_t seg_hash[TOPIC_MAX_SEGMENTS];
};

/* A new node (owned by the caller until linked into the trie), or NULL. */
static rnode_t *node_new(node_kind_t kind, rnode_t *parent, const char *seg, size_t seg_len) {
  rnode_t *n = calloc(1, sizeof(*n) + seg_len + 1);
  if (n == NULL)
    return NULL;
  n->kind = kind;
  n->parent = parent;
  n->seg_len = seg_len;
  memcpy(n->seg, seg, seg_len);
  n->seg[seg_len] = '\0';
  n->seg_hash = dict_hash(seg, seg_len);
  return n;
}

static void node_free_tree(rnode_t *n) {
  if (n == NULL)
    return;
  for (size_t i = 0; i < n->kids_cap; i++)
    node_free_tree(n->kids[i]);
  node_free_tree(n->star);
  node_free_tree(n->hash);
  free(n->kids);
  free(n->recs);
  free(n);
}

/* ---- literal children: open addressing, linear probing, load <= 1/2 ---- */

static rnode_t *kids_find(const rnode_t *n, const char *seg, size_t len, uint64_t hash) {
  if (n->kids_cap == 0)
    return NULL;
  size_t mask = n->kids_cap - 1;
  for (size_t i = hash & mask; n->kids[i] != NULL; i = (i + 1) & mask) {
    const rnode_t *k = n->kids[i];
    if (k->seg_hash == hash && k->seg_len == len && memcmp(k->seg, seg, len) == 0)
      return n->kids[i];
  }
  return NULL;
}

static void kids_place(rnode_t **slots, size_t cap, rnode_t *k) {
  size_t i = k->seg_hash & (cap - 1);
  while (slots[i] != NULL)
    i = (i + 1) & (cap - 1);
  slots[i] = k;
}

static int kids_insert(rnode_t *n, rnode_t *k) {
  if ((n->n_kids + 1) * 2 > n->kids_cap) {
    size_t cap = n->kids_cap ? n->kids_cap * 2 : 4;
    rnode_t **slots = calloc(cap, sizeof(*slots));
    if (slots == NULL)
      return STAFET_ENOMEM;
    for (size_t i = 0; i < n->kids_cap; i++)
      if (n->kids[i] != NULL)
        kids_place(slots, cap, n->kids[i]);
    free(n->kids);
    n->kids = slots;
    n->kids_cap = cap;
  }
  kids_place(n->kids, n->kids_cap, k);
  n->n_kids++;
  return 0;
}

/* Unlinks k; re-places the rest of its probe cluster so no lookup stops at the hole. */
static void kids_remove(rnode_t *n, rnode_t *k) {
  size_t mask = n->kids_cap - 1;
  size_t i = k->seg_hash & mask;
  while (n->kids[i] != k)
    i = (i + 1) & mask;
  n->kids[i] = NULL;
  for (size_t j = (i + 1) & mask; n->kids[j] != NULL; j = (j + 1) & mask) {
    rnode_t *moved = n->kids[j];
    n->kids[j] = NULL;
    kids_place(n->kids, n->kids_cap, moved);
  }
  if (--n->n_kids == 0) {
    free(n->kids);
    n->kids = NULL;
    n->kids_cap = 0;
  }
}

/* ---- building and pruning the trie ---- */

/* The child of n for one pattern segment, created if `create`; *out NULL if absent. */
static int child_get(router_t *r, rnode_t *n, const char *seg, size_t len, bool create,
                     rnode_t **out) {
  bool star = len == 1 && seg[0] == '*', hash = len == 1 && seg[0] == '#';
  rnode_t *c = star ? n->star : hash ? n->hash : kids_find(n, seg, len, dict_hash(seg, len));
  *out = c;
  if (c != NULL || !create)
    return 0;
  c = node_new(star ? NODE_STAR : hash ? NODE_HASH : NODE_LITERAL, n, seg, len);
  if (c == NULL)
    return STAFET_ENOMEM;
  if (star)
    n->star = c;
  else if (hash)
    n->hash = c;
  else if (kids_insert(n, c) != 0) {
    free(c);
    return STAFET_ENOMEM;
  }
  r->n_nodes++;
  *out = c;
  return 0;
}

/*
 * The node of a validated pattern in *out, NULL if absent and !create. On
 * ENOMEM *out is the deepest node reached, which the caller prunes.
 */
static int walk(router_t *r, const char *pattern, bool create, rnode_t **out) {
  rnode_t *n = r->root;
  const char *cursor = pattern, *seg;
  size_t len;
  while (topic_next_segment(&cursor, &seg, &len)) {
    rnode_t *c;
    int rc = child_get(r, n, seg, len, create, &c);
    if (rc != 0 || c == NULL) {
      *out = rc != 0 ? n : NULL;
      return rc;
    }
    n = c;
  }
  *out = n;
  return 0;
}

/* Frees n and its ancestors while they hold no targets and no children. */
static void prune(router_t *r, rnode_t *n) {
  while (n != r->root && n->n_recs == 0 && n->n_kids == 0 && !n->star && !n->hash) {
    rnode_t *parent = n->parent;
    if (n->kind == NODE_STAR)
      parent->star = NULL;
    else if (n->kind == NODE_HASH)
      parent->hash = NULL;
    else
      kids_remove(parent, n);
    free(n->recs);
    free(n);
    r->n_nodes--;
    n = parent;
  }
}

/* ---- per-target records ---- */

static target_rec_t *rec_find(const router_t *r, void *target) {
  return dict_get(r->targets, &target, sizeof(target));
}

/* The record of target, created if absent (*created says so). NULL on ENOMEM. */
static target_rec_t *rec_get(router_t *r, void *target, bool *created) {
  target_rec_t *rec = rec_find(r, target);
  *created = rec == NULL;
  if (rec != NULL)
    return rec;
  rec = calloc(1, sizeof(*rec));
  if (rec == NULL)
    return NULL;
  rec->target = target;
  if (dict_set(r->targets, &target, sizeof(target), rec) != 0) {
    free(rec);
    return NULL;
  }
  return rec;
}

/* Forgets rec if it has no entries left. */
static void rec_release(router_t *r, target_rec_t *rec) {
  if (rec->n_nodes > 0)
    return;
  dict_del(r->targets, &rec->target, sizeof(rec->target));
  free(rec->nodes);
  free(rec);
}

/* Whether the entry (n, rec) exists; scans the shorter of the two lists. */
static bool entry_exists(const rnode_t *n, const target_rec_t *rec) {
  if (rec->n_nodes <= n->n_recs) {
    for (size_t i = 0; i < rec->n_nodes; i++)
      if (rec->nodes[i] == n)
        return true;
    return false;
  }
  for (size_t i = 0; i < n->n_recs; i++)
    if (n->recs[i] == rec)
      return true;
  return false;
}

/* Makes room for one more entry on both n and rec; 0 or STAFET_ENOMEM. */
static int entry_reserve(rnode_t *n, target_rec_t *rec) {
  if (array_reserve(&n->recs, &n->cap_recs, n->n_recs, sizeof(*n->recs), 2) != 0)
    return STAFET_ENOMEM;
  return array_reserve(&rec->nodes, &rec->cap_nodes, rec->n_nodes, sizeof(*rec->nodes), 2);
}

/* Removes the entry (n, rec) from both sides and prunes n; rec stays. */
static void detach(router_t *r, rnode_t *n, target_rec_t *rec) {
  for (size_t i = 0; i < n->n_recs; i++)
    if (n->recs[i] == rec) {
      n->recs[i] = n->recs[--n->n_recs];
      break;
    }
  for (size_t i = 0; i < rec->n_nodes; i++)
    if (rec->nodes[i] == n) {
      rec->nodes[i] = rec->nodes[--rec->n_nodes];
      break;
    }
  r->n_entries--;
  prune(r, n);
}

/* ---- public API ---- */

int router_new(router_t **out) {
  if (out == NULL)
    return STAFET_EINVAL;
  router_t *r = calloc(1, sizeof(*r));
  if (r == NULL)
    return STAFET_ENOMEM;
  r->root = node_new(NODE_ROOT, NULL, "", 0);
  if (r->root == NULL || dict_new(&r->targets) != 0) {
    free(r->root);
    free(r);
    return STAFET_ENOMEM;
  }
  r->n_nodes = 1;
  *out = r;
  return 0;
}

void router_free(router_t *r) {
  if (r == NULL)
    return;
  dict_iter_t it;
  void *value;
  for (dict_iter_init(&it, r->targets); dict_iter_next(&it, NULL, NULL, &value);) {
    target_rec_t *rec = value;
    free(rec->nodes);
    free(rec);
  }
  dict_free(r->targets);
  node_free_tree(r->root);
  free(r);
}

int router_add(router_t *r, const char *pattern, void *target) {
  if (r == NULL || target == NULL || r->matching)
    return STAFET_EINVAL;
  if (pattern_validate(pattern) != 0)
    return STAFET_EPATTERN;
  bool created;
  target_rec_t *rec = rec_get(r, target, &created);
  if (rec == NULL)
    return STAFET_ENOMEM;
  rnode_t *n;
  int rc = walk(r, pattern, true, &n);
  if (rc == 0 && entry_exists(n, rec))
    return 0;
  if (rc == 0)
    rc = entry_reserve(n, rec);
  if (rc != 0) {
    prune(r, n);
    rec_release(r, rec);
    return rc;
  }
  n->recs[n->n_recs++] = rec;
  rec->nodes[rec->n_nodes++] = n;
  r->n_entries++;
  return 0;
}

int router_remove(router_t *r, const char *pattern, void *target) {
  if (r == NULL || target == NULL || r->matching)
    return STAFET_EINVAL;
  if (pattern_validate(pattern) != 0)
    return STAFET_EPATTERN;
  target_rec_t *rec = rec_find(r, target);
  rnode_t *n;
  if (rec == NULL || walk(r, pattern, false, &n) != 0 || n == NULL || !entry_exists(n, rec))
    return STAFET_ENOTFOUND;
  detach(r, n, rec);
  rec_release(r, rec);
  return 0;
}

int router_remove_target(router_t *r, void *target) {
  if (r == NULL || target == NULL || r->matching)
    return STAFET_EINVAL;
  target_rec_t *rec = rec_find(r, target);
  if (rec == NULL)
    return 0;
  while (rec->n_nodes > 0)
    detach(r, rec->nodes[rec->n_nodes - 1], rec);
  rec_release(r, rec);
  return 0;
}

/* ---- matching ---- */

typedef struct match_ctx {
  router_t *r;
  router_match_fn fn;
  void *arg;
  int count;
} match_ctx_t;

/* Marks (n, pos) visited in this match; false if it already was. */
static bool visit(rnode_t *n, uint64_t gen, size_t pos) {
  if (n->visit_gen != gen) {
    n->visit_gen = gen;
    n->visit_mask = 0;
  }
  uint64_t bit = UINT64_C(1) << pos;
  if (n->visit_mask & bit)
    return false;
  n->visit_mask |= bit;
  return true;
}

static void report_targets(match_ctx_t *m, const rnode_t *n) {
  for (size_t i = 0; i < n->n_recs; i++) {
    target_rec_t *rec = n->recs[i];
    if (rec->seen_gen == m->r->gen)
      continue;
    rec->seen_gen = m->r->gen;
    m->count++;
    m->fn(rec->target, m->arg);
  }
}

/* Explores node n having consumed the topic's first pos segments. */
static void match_node(match_ctx_t *m, rnode_t *n, size_t pos) {
  router_t *r = m->r;
  if (!visit(n, r->gen, pos))
    return;
  if (pos == r->n_segs)
    report_targets(m, n);
  if (n->hash != NULL) /* '#' swallows segments pos..end-1, any number of them */
    for (size_t end = pos; end <= r->n_segs; end++)
      match_node(m, n->hash, end);
  if (pos == r->n_segs)
    return;
  rnode_t *lit = kids_find(n, r->seg[pos], r->seg_len[pos], r->seg_hash[pos]);
  if (lit != NULL)
    match_node(m, lit, pos + 1);
  if (n->star != NULL)
    match_node(m, n->star, pos + 1);
}

int router_match(router_t *r, const char *topic, router_match_fn fn, void *arg) {
  if (r == NULL || fn == NULL || r->matching)
    return STAFET_EINVAL;
  if (topic_validate(topic) != 0)
    return STAFET_ETOPIC;
  return router_match_valid(r, topic, fn, arg);
}

int router_match_valid(router_t *r, const char *topic, router_match_fn fn, void *arg) {
  if (r == NULL || fn == NULL || r->matching)
    return STAFET_EINVAL;
  if (r->n_entries == 0)
    return 0; /* nothing to split the topic for */
  const char *cursor = topic, *seg;
  size_t len;
  r->n_segs = 0;
  while (topic_next_segment(&cursor, &seg, &len)) {
    r->seg[r->n_segs] = seg;
    r->seg_len[r->n_segs] = len;
    r->seg_hash[r->n_segs] = dict_hash(seg, len);
    r->n_segs++;
  }
  match_ctx_t m = {.r = r, .fn = fn, .arg = arg, .count = 0};
  r->gen++;
  r->matching = true;
  match_node(&m, r->root, 0);
  r->matching = false;
  return m.count;
}

size_t router_size(const router_t *r) {
  return r ? r->n_entries : 0;
}

size_t router_node_count(const router_t *r) {
  return r ? r->n_nodes : 0;
}
