/*
 * trace.jsonl and log.txt writers.  Every trace event gets the next seq;
 * its cause is the seq of the event that made it happen, so any event can
 * be walked back to the injected fault or operator action at its root.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "stormlab/outputs.h"
#include "fmt-internal.h"
#include "model-internal.h"

void sl_node_name(const sl_sim_t *s, int node, char *buf, size_t size) {
    if (node < 0) {
        snprintf(buf, size, "-");
    } else if (node < s->n_brokers) {
        snprintf(buf, size, "broker/%d", node + 1);
    } else if (node < s->first_producer_node) {
        const sl_member_t *m = s->node_member[node];
        snprintf(buf, size, "%s/%d", m->g->cfg->id, m->index);
    } else {
        snprintf(buf, size, "producer/%s", s->sc->topics[node - s->first_producer_node].name);
    }
}

void sl_member_id_str(const sl_sim_t *s, const sl_group_t *g, sl_mid_t id, char *buf, size_t size) {
    (void)s;
    /* Kafka: clientId + "-" + UUID.  The UUID is a hash of the id, so the
     * same run prints the same ids. */
    uint64_t h = id * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(g->index + 1) * 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 29;
    uint64_t h2 = h * 0x94d049bb133111ebULL + id;
    h2 ^= h2 >> 31;
    snprintf(buf, size, "consumer-%s-%d-%08x-%04x-4%03x-%04x-%012llx", g->cfg->id, sl_mid_client(id) + 1,
             (unsigned)(h >> 32), (unsigned)(h >> 16) & 0xffff, (unsigned)h & 0xfff,
             (unsigned)(0x8000 | (h2 >> 48 & 0x3fff)), (unsigned long long)(h2 & 0xffffffffffffULL));
}

int64_t sl_trace(sl_sim_t *s, const char *kind, int node, int group, sl_mid_t member_id,
                 int generation, int64_t cause, const char *fmt, ...) {
    int64_t seq = s->out.next_seq++;
    FILE *f = s->out.trace;
    if (!f)
        return seq;
    char node_name[160], member_name[160], detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (node >= 0)
        sl_node_name(s, node, node_name, sizeof node_name);
    if (member_id && group >= 0)
        sl_member_id_str(s, &s->groups[group], member_id, member_name, sizeof member_name);
    sl_json_trace_line(f, sl_now(s), seq, kind, node >= 0 ? node_name : NULL,
                       group >= 0 ? s->groups[group].cfg->id : NULL, member_id && group >= 0 ? member_name : NULL,
                       generation, cause, detail);
    return seq;
}

void sl_log(sl_sim_t *s, int node, const char *level, const char *fmt, ...) {
    FILE *f = s->out.log;
    if (!f)
        return;
    int64_t t = sl_now(s);
    long long ms = t / 1000;
    char name[160];
    sl_node_name(s, node, name, sizeof name);
    /* "[%02lld:%02lld:%02lld.%03lld] %-5s %s ", formatted by hand (fmt-internal.h) */
    char head[64], *p = head;
    *p++ = '[';
    p = sl_fmt_u_width(p, (uint64_t)(ms / 3600000), 2);
    *p++ = ':';
    p = sl_fmt_u_width(p, (uint64_t)(ms / 60000 % 60), 2);
    *p++ = ':';
    p = sl_fmt_u_width(p, (uint64_t)(ms / 1000 % 60), 2);
    *p++ = '.';
    p = sl_fmt_u_width(p, (uint64_t)(ms % 1000), 3);
    *p++ = ']';
    *p++ = ' ';
    char *lv = p;
    for (int i = 0; level[i] && i < 16; i++) /* INFO, WARN, ERROR: the model's own words */
        *p++ = level[i];
    while (p - lv < 5) /* %-5s */
        *p++ = ' ';
    *p++ = ' ';
    fwrite(head, 1, (size_t)(p - head), f);
    fputs(name, f);
    fputc(' ', f);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
}
