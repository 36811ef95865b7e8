/*
 * A pairing heap keyed by (at_us, seq): intrusive nodes, one per timer, in
 * one array.  Insertion is one comparison (meld with the root); the work is
 * deferred to the pop, which melds the root's children in two passes.
 * Re-arming to an earlier key cuts the node with its subtree and melds it
 * with the root (its subtree stays ordered below it); to a later key, which
 * seq alone makes the usual case, it is a removal and an insertion.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "queue.h"

typedef struct node_s node_t;
struct node_s {
    int64_t at_us;
    uint64_t seq;
    node_t *child; /* leftmost child */
    node_t *next;  /* right sibling */
    node_t *prev;  /* left sibling, or the parent for a leftmost child */
    bool armed;
};

typedef struct {
    node_t *nodes, *root;
    int64_t now_us;
    uint64_t next_seq;
    bq_fire_fn fire;
    void *ctx;
} pairing_q_t;

static inline bool before(const node_t *a, const node_t *b) {
    return bq_before(a->at_us, a->seq, b->at_us, b->seq);
}

/* Two roots (no siblings) into one: the later becomes the earlier's leftmost
 * child. */
static node_t *meld(node_t *a, node_t *b) {
    if (before(b, a)) {
        node_t *x = a;
        a = b;
        b = x;
    }
    b->prev = a;
    b->next = a->child;
    if (a->child)
        a->child->prev = b;
    a->child = b;
    return a;
}

/* The classic two passes over a sibling list: meld neighbours left to right,
 * then the pairs right to left; this is what keeps pops O(log n) amortized. */
static node_t *merge_pairs(node_t *first) {
    if (!first)
        return NULL;
    node_t *pairs = NULL; /* the melded pairs, last first, linked by next */
    while (first) {
        node_t *a = first, *b = a->next;
        if (!b) {
            a->prev = NULL;
            a->next = pairs;
            pairs = a;
            break;
        }
        first = b->next;
        a->prev = a->next = b->prev = b->next = NULL;
        a = meld(a, b);
        a->next = pairs;
        pairs = a;
    }
    node_t *r = pairs;
    pairs = r->next;
    r->next = NULL;
    while (pairs) {
        node_t *p = pairs;
        pairs = p->next;
        p->next = NULL;
        r = meld(r, p);
    }
    r->prev = NULL;
    return r;
}

/* Unlinks x (not the root), with its subtree, from its parent's children. */
static void cut(node_t *x) {
    if (x->prev->child == x)
        x->prev->child = x->next;
    else
        x->prev->next = x->next;
    if (x->next)
        x->next->prev = x->prev;
    x->prev = x->next = NULL;
}

static void remove_node(pairing_q_t *q, node_t *x) {
    x->armed = false;
    if (x == q->root) {
        q->root = merge_pairs(x->child);
    } else {
        cut(x);
        node_t *sub = merge_pairs(x->child);
        if (sub)
            q->root = meld(q->root, sub);
    }
    x->child = NULL;
}

static void insert(pairing_q_t *q, node_t *x) {
    x->armed = true;
    x->child = x->prev = x->next = NULL;
    q->root = q->root ? meld(q->root, x) : x;
}

static void *create(int32_t n, bq_fire_fn fire, void *ctx) {
    pairing_q_t *q = malloc(sizeof *q);
    if (!q)
        return NULL;
    q->nodes = calloc((size_t)n, sizeof *q->nodes);
    if (!q->nodes) {
        free(q);
        return NULL;
    }
    q->root = NULL;
    q->now_us = 0;
    q->next_seq = 0;
    q->fire = fire;
    q->ctx = ctx;
    return q;
}

static void destroy(void *vq) {
    pairing_q_t *q = vq;
    free(q->nodes);
    free(q);
}

static void arm(void *vq, int32_t id, int64_t at_us) {
    pairing_q_t *q = vq;
    node_t *x = &q->nodes[id];
    node_t key = {.at_us = at_us, .seq = q->next_seq++};
    if (x->armed && before(&key, x)) { /* earlier: the subtree stays below it */
        x->at_us = key.at_us;
        x->seq = key.seq;
        if (x != q->root) {
            cut(x);
            q->root = meld(q->root, x);
        }
        return;
    }
    if (x->armed)
        remove_node(q, x);
    x->at_us = key.at_us;
    x->seq = key.seq;
    insert(q, x);
}

static void cancel(void *vq, int32_t id) {
    pairing_q_t *q = vq;
    if (q->nodes[id].armed)
        remove_node(q, &q->nodes[id]);
}

static void run_until(void *vq, int64_t until_us) {
    pairing_q_t *q = vq;
    while (q->root && q->root->at_us <= until_us) {
        node_t *x = q->root;
        remove_node(q, x);
        q->now_us = x->at_us;
        q->fire(q->ctx, (int32_t)(x - q->nodes), q->now_us);
    }
    if (until_us > q->now_us)
        q->now_us = until_us;
}

const bq_ops_t bq_pairing = {"pairing heap", create, destroy, arm, cancel, run_until};
