/*
 * Record accounting, after Jepsen's queue checker: every record a
 * producer sends carries (run nonce, topic, sequence number).  Delivery
 * reports mark it acknowledged or failed; members mark each time they
 * process it; at the end a plain (non-group) consumer reads every
 * partition back from where the run began and marks what the log holds.
 *
 *   lost        acknowledged, yet not in the log (acks=all promised it)
 *   failed      delivery failed in the producer (delivery.timeout.ms...)
 *   unacked     no delivery report by the end (outcome unknown)
 *   duplicated  processed more than once by a group (redelivery after a
 *               revoked or lost assignment whose work was not committed)
 *   unconsumed  acknowledged but never processed by a group (lag at the end)
 *
 * The offending sequence numbers are listed in the trace.
 */
#include <stdlib.h>
#include <string.h>

#include "run-internal.h"

int sl_racct_init(sl_rrun_t *run) {
    const sl_scenario_t *sc = run->sc;
    run->acct = calloc((size_t)(sl_scenario_topic_count(sc) ? sl_scenario_topic_count(sc) : 1), sizeof *run->acct);
    if (!run->acct)
        return -1;
    for (int t = 0; t < sl_scenario_topic_count(sc); t++) {
        sl_racct_t *a = &run->acct[t];
        a->end_offset = calloc((size_t)sl_scenario_topic(sc, t)->partitions, sizeof *a->end_offset);
        a->start_offset = calloc((size_t)sl_scenario_topic(sc, t)->partitions, sizeof *a->start_offset);
        if (!a->end_offset || !a->start_offset)
            return -1;
    }
    return 0;
}

void sl_racct_free(sl_rrun_t *run) {
    for (int t = 0; run->acct && t < sl_scenario_topic_count(run->sc); t++) {
        free(run->acct[t].st);
        free(run->acct[t].end_offset);
        free(run->acct[t].start_offset);
    }
    free(run->acct);
    for (int i = 0; i < run->n_dups; i++)
        free(run->dups[i].seqs);
    free(run->dups);
}

static void put_be(unsigned char *p, uint64_t v, int n) {
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

static uint64_t get_be(const unsigned char *p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

void sl_racct_payload(const sl_rrun_t *run, int topic, int64_t seq, unsigned char out[24]) {
    put_be(out, run->run_nonce, 8);
    put_be(out + 8, (uint64_t)topic, 4);
    put_be(out + 12, (uint64_t)seq, 8);
    memcpy(out + 20, "slrn", 4);
}

int sl_racct_parse(const sl_rrun_t *run, const void *payload, size_t len, int *topic, int64_t *seq) {
    const unsigned char *p = payload;
    if (len != 24 || memcmp(p + 20, "slrn", 4) || get_be(p, 8) != run->run_nonce)
        return -1; /* another run's record, or not ours at all */
    *topic = (int)get_be(p + 8, 4);
    *seq = (int64_t)get_be(p + 12, 8);
    if (*topic < 0 || *topic >= sl_scenario_topic_count(run->sc) || *seq < 0)
        return -1;
    return 0;
}

int64_t sl_racct_next(sl_rrun_t *run, int topic) {
    pthread_mutex_lock(&run->mu);
    sl_racct_t *a = &run->acct[topic];
    if (a->n == a->cap) {
        int64_t cap = a->cap ? a->cap * 2 : 4096;
        unsigned char *st = realloc(a->st, (size_t)cap);
        if (!st) {
            pthread_mutex_unlock(&run->mu);
            return -1;
        }
        memset(st + a->cap, 0, (size_t)(cap - a->cap));
        a->st = st;
        a->cap = cap;
    }
    int64_t seq = a->n++;
    a->st[seq] = REC_SENT;
    pthread_mutex_unlock(&run->mu);
    return seq;
}

void sl_racct_delivered(sl_rrun_t *run, int topic, int64_t seq, int32_t partition, int64_t offset, int failed) {
    pthread_mutex_lock(&run->mu);
    sl_racct_t *a = &run->acct[topic];
    if (seq >= 0 && seq < a->n && !(a->st[seq] & (REC_ACKED | REC_FAILED))) {
        if (failed) {
            a->st[seq] |= REC_FAILED;
            a->failed++;
        } else {
            a->st[seq] |= REC_ACKED;
            a->acked++;
            if (partition >= 0 && partition < sl_scenario_topic(run->sc, topic)->partitions && offset + 1 > a->end_offset[partition])
                a->end_offset[partition] = offset + 1;
        }
    }
    pthread_mutex_unlock(&run->mu);
}

void sl_racct_consumed_locked(sl_rrun_t *run, sl_rmember_t *m, int topic, int64_t seq) {
    sl_rgroup_t *g = &run->groups[m->group];
    sl_rconsumed_t *c = &g->consumed[topic];
    if (seq >= c->cap) {
        int64_t cap = c->cap ? c->cap : 4096;
        while (cap <= seq)
            cap *= 2;
        uint16_t *n = realloc(c->count, (size_t)cap * sizeof *n);
        if (!n)
            return;
        memset(n + c->cap, 0, (size_t)(cap - c->cap) * sizeof *n);
        c->count = n;
        c->cap = cap;
    }
    if (c->count[seq] < UINT16_MAX)
        c->count[seq]++;
    if (!run->frozen)
        g->consumed_total++;
    if (c->count[seq] < 2)
        return;
    if (!run->frozen)
        g->duplicates++;
    /* one bucket per (group, topic, assignment) */
    sl_rdup_t *d = NULL;
    for (int i = run->n_dups - 1; i >= 0 && !d; i--)
        if (run->dups[i].group == m->group && run->dups[i].topic == topic && run->dups[i].cause == m->assign_seq &&
            !strcmp(run->dups[i].node, m->cl.node))
            d = &run->dups[i];
    if (!d) {
        if (run->n_dups == run->cap_dups) {
            int cap = run->cap_dups ? run->cap_dups * 2 : 16;
            sl_rdup_t *nd = realloc(run->dups, (size_t)cap * sizeof *nd);
            if (!nd)
                return;
            run->dups = nd;
            run->cap_dups = cap;
        }
        d = &run->dups[run->n_dups++];
        memset(d, 0, sizeof *d);
        d->group = m->group;
        d->topic = topic;
        d->cause = m->assign_seq;
        snprintf(d->node, sizeof d->node, "%s", m->cl.node);
    }
    d->count++;
    if (d->n_seqs < SL_RDUP_KEEP) {
        if (!d->seqs && !(d->seqs = malloc(SL_RDUP_KEEP * sizeof *d->seqs)))
            return;
        d->seqs[d->n_seqs++] = seq;
    }
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* "3,7-9,12" from sorted seqs; cut with "..." when it does not fit. */
typedef struct ranges_s {
    char *buf;
    size_t size, used;
    int64_t start, last;
    int open, cut;
} ranges_t;

static void ranges_flush(ranges_t *r) {
    if (!r->open || r->cut)
        return;
    char item[64];
    if (r->last > r->start)
        snprintf(item, sizeof item, "%s%lld-%lld", r->used ? "," : "", (long long)r->start, (long long)r->last);
    else
        snprintf(item, sizeof item, "%s%lld", r->used ? "," : "", (long long)r->start);
    size_t l = strlen(item);
    if (r->used + l + 4 >= r->size) {
        snprintf(r->buf + r->used, r->size - r->used, ",...");
        r->cut = 1;
        return;
    }
    memcpy(r->buf + r->used, item, l + 1);
    r->used += l;
}

static void ranges_add(ranges_t *r, int64_t v) {
    if (r->open && v == r->last + 1) {
        r->last = v;
        return;
    }
    ranges_flush(r);
    r->start = r->last = v;
    r->open = 1;
}

void sl_racct_totals_locked(sl_rrun_t *run, int topic, sl_racct_totals_t *t) {
    const sl_racct_t *a = &run->acct[topic];
    memset(t, 0, sizeof *t);
    t->produced = a->n;
    t->acked = a->acked;
    t->failed = a->failed;
    t->unacked = a->n - a->acked - a->failed;
    t->in_log = a->in_log;
    for (int64_t s = 0; a->verified && s < a->n; s++)
        t->lost += (a->st[s] & (REC_ACKED | REC_INLOG)) == REC_ACKED;
    for (int gi = 0; gi < run->n_groups; gi++) {
        sl_rgroup_t *g = &run->groups[gi];
        int subscribed = 0;
        for (int k = 0; k < g->cfg->n_topics; k++)
            subscribed |= g->cfg->topics[k] == topic;
        if (!subscribed)
            continue;
        const sl_rconsumed_t *c = &g->consumed[topic];
        for (int64_t s = 0; s < a->n; s++) {
            int n = s < c->cap ? c->count[s] : 0;
            t->consumed += n > 0;
            t->duplicated += n > 1 ? n - 1 : 0;
            t->unconsumed += n == 0 && (a->st[s] & REC_ACKED);
        }
    }
}

void sl_racct_trace_locked(sl_rrun_t *run) {
    const sl_scenario_t *sc = run->sc;
    int64_t now = sl_rstamp_locked(run);
    char list[900];
    for (int t = 0; t < sl_scenario_topic_count(sc); t++) {
        sl_racct_t *a = &run->acct[t];
        char node[128];
        snprintf(node, sizeof node, "producer/%s", sl_scenario_topic(sc, t)->name);
        sl_racct_totals_t tt;
        sl_racct_totals_locked(run, t, &tt);
        for (int pass = 0; pass < 3; pass++) {
            ranges_t r = {list, sizeof list, 0, 0, 0, 0, 0};
            list[0] = 0;
            int64_t n = 0;
            for (int64_t s = 0; s < a->n; s++) {
                int hit = pass == 0   ? (a->st[s] & REC_FAILED) != 0
                          : pass == 1 ? a->verified && (a->st[s] & (REC_ACKED | REC_INLOG)) == REC_ACKED
                                      : !(a->st[s] & (REC_ACKED | REC_FAILED));
                if (hit) {
                    ranges_add(&r, s);
                    n++;
                }
            }
            ranges_flush(&r);
            if (!n)
                continue;
            static const char *const kinds[] = {"produce.lost", "records.lost", "records.unacked"};
            static const char *const what[] = {"delivery failed", "acknowledged (acks=all) but missing from the log",
                                               "no delivery report by the end of the run"};
            sl_rtrace_locked(run, now, kinds[pass], node, NULL, NULL, -1, -1, "%lld records of %s: %s; seq %s",
                             (long long)n, sl_scenario_topic(sc, t)->name, what[pass], list);
        }
        sl_rtrace_locked(run, now, "records.checked", node, NULL, NULL, -1, -1,
                         "%s: produced %lld, acked %lld, failed %lld, unacked %lld, in log %lld, lost %lld, consumed "
                         "%lld, duplicated %lld, unconsumed %lld%s",
                         sl_scenario_topic(sc, t)->name, (long long)tt.produced, (long long)tt.acked, (long long)tt.failed,
                         (long long)tt.unacked, (long long)tt.in_log, (long long)tt.lost, (long long)tt.consumed,
                         (long long)tt.duplicated, (long long)tt.unconsumed,
                         a->verified ? "" : " (log not read back: lost unknown)");
    }
    for (int i = 0; i < run->n_dups; i++) {
        sl_rdup_t *d = &run->dups[i];
        qsort(d->seqs, (size_t)d->n_seqs, sizeof *d->seqs, cmp_i64);
        ranges_t r = {list, sizeof list, 0, 0, 0, 0, 0};
        list[0] = 0;
        for (int k = 0; k < d->n_seqs; k++)
            ranges_add(&r, d->seqs[k]);
        ranges_flush(&r);
        sl_rtrace_locked(run, now, "records.duplicated", d->node, run->groups[d->group].cfg->id, NULL, -1, d->cause,
                         "%lld records of %s processed again by %s; seq %s", (long long)d->count,
                         sl_scenario_topic(sc, d->topic)->name, d->node, list);
    }
}

void sl_racct_verify(sl_rrun_t *run, int timeout_ms) {
    const sl_scenario_t *sc = run->sc;
    char e[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    sl_rconf_set(conf, "bootstrap.servers", run->cluster->bootstrap);
    sl_rconf_set(conf, "group.id", "stormlab-verify");
    sl_rconf_set(conf, "enable.auto.commit", "false");
    sl_rconf_set(conf, "client.id", "stormlab-verify");
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof e);
    if (!rk) {
        sl_rlog(run, "-", 3, "[stormlab] accounting: cannot create the reader: %s", e);
        return;
    }
    rd_kafka_poll_set_consumer(rk);
    int total = 0;
    for (int t = 0; t < sl_scenario_topic_count(sc); t++)
        total += sl_scenario_topic(sc, t)->partitions;
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(total ? total : 1);
    int64_t *hw = calloc((size_t)(total ? total : 1), sizeof *hw);
    int *topic_of = calloc((size_t)(total ? total : 1), sizeof *topic_of);
    int k = 0, remaining = 0;
    for (int t = 0; t < sl_scenario_topic_count(sc) && hw && topic_of; t++) {
        for (int p = 0; p < sl_scenario_topic(sc, t)->partitions; p++, k++) {
            int64_t lo = 0, hi = 0;
            topic_of[k] = t;
            if (rd_kafka_query_watermark_offsets(rk, sl_scenario_topic(sc, t)->name, p, &lo, &hi, 5000)) {
                hi = -1; /* unknown: read what comes in the time there is */
            }
            hw[k] = hi;
            int64_t from = run->acct[t].start_offset[p];
            if (hi < 0 || hi > from)
                remaining++;
            rd_kafka_topic_partition_list_add(parts, sl_scenario_topic(sc, t)->name, p)->offset = from;
        }
    }
    if (hw && topic_of && !rd_kafka_assign(rk, parts)) {
        int64_t deadline = sl_rnow(run) + (int64_t)timeout_ms * 1000;
        unsigned char *done = calloc((size_t)(total ? total : 1), 1);
        for (int i = 0; i < total && done; i++) {
            int t = topic_of[i], p = i;
            for (int j = 0; j < t; j++)
                p -= sl_scenario_topic(sc, j)->partitions;
            done[i] = hw[i] >= 0 && hw[i] <= run->acct[t].start_offset[p];
        }
        while (remaining > 0 && done && sl_rnow(run) < deadline) {
            rd_kafka_message_t *msg = rd_kafka_consumer_poll(rk, 100);
            if (!msg)
                continue;
            if (!msg->err) {
                int topic;
                int64_t seq;
                if (!sl_racct_parse(run, msg->payload, msg->len, &topic, &seq)) {
                    pthread_mutex_lock(&run->mu);
                    sl_racct_t *a = &run->acct[topic];
                    if (seq < a->n && !(a->st[seq] & REC_INLOG)) {
                        a->st[seq] |= REC_INLOG;
                        a->in_log++;
                    }
                    pthread_mutex_unlock(&run->mu);
                }
                /* which partition, and has it reached its high watermark? */
                const char *tn = rd_kafka_topic_name(msg->rkt);
                int base = 0;
                for (int t = 0; t < sl_scenario_topic_count(sc); t++) {
                    if (!strcmp(sl_scenario_topic(sc, t)->name, tn)) {
                        int i = base + msg->partition;
                        if (!done[i] && hw[i] >= 0 && msg->offset + 1 >= hw[i]) {
                            done[i] = 1;
                            remaining--;
                        }
                        break;
                    }
                    base += sl_scenario_topic(sc, t)->partitions;
                }
            }
            rd_kafka_message_destroy(msg);
        }
        int complete = remaining == 0;
        pthread_mutex_lock(&run->mu);
        for (int t = 0; t < sl_scenario_topic_count(sc); t++)
            run->acct[t].verified = complete;
        pthread_mutex_unlock(&run->mu);
        if (!complete)
            sl_rlog(run, "-", 4, "[stormlab] accounting: the log could not be read back in %d ms; lost records unknown",
                    timeout_ms);
        free(done);
    }
    rd_kafka_topic_partition_list_destroy(parts);
    free(hw);
    free(topic_of);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
}
