/*
 * What the exporters share: durations, resource names, the nodes a rolling
 * event walks, and writing a finished file into the output directory.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export-internal.h"

void sl_export_duration(int64_t us, char *out, size_t size) {
    if (us == 0)
        snprintf(out, size, "0s");
    else
        sl_format_duration(us, out, size);
}

void sl_export_dns_name(const char *name, char *out, size_t size) {
    size_t n = 0, cap = size - 1 < 40 ? size - 1 : 40;
    for (const char *p = name; *p && n < cap; p++) {
        char ch = (char)tolower((unsigned char)*p);
        if (!isalnum((unsigned char)ch) || (unsigned char)*p >= 0x80)
            ch = '-';
        if (ch == '-' && (n == 0 || out[n - 1] == '-'))
            continue;
        out[n++] = ch;
    }
    while (n > 0 && out[n - 1] == '-')
        n--;
    out[n] = 0;
    if (n == 0)
        snprintf(out, size, "scenario");
}

/* Members group gi has when event ev fires: its start, then each earlier scale. */
static int members_at(const sl_scenario_t *sc, int gi, int ev) {
    int m = sl_scenario_group(sc, gi)->members;
    for (int i = 0; i < ev; i++)
        if (sl_scenario_event(sc, i)->kind == SL_EV_SCALE && sl_scenario_event(sc, i)->group == gi)
            m = sl_scenario_event(sc, i)->members;
    return m;
}

static void push(sl_selector_t **out, int *n, sl_selector_t s) {
    for (int i = 0; i < *n; i++)
        if (!memcmp(&(*out)[i], &s, sizeof s))
            return;
    sl_selector_t *o = realloc(*out, (size_t)(*n + 1) * sizeof *o);
    if (!o)
        abort();
    *out = o;
    o[(*n)++] = s;
}

int sl_export_rolling(const sl_scenario_t *sc, int ev, sl_selector_t **out) {
    const sl_event_cfg_t *e = sl_scenario_event(sc, ev);
    int n = 0;
    *out = NULL;
    for (int t = 0; t < e->n_targets; t++) {
        const sl_selector_t *s = &e->targets[t];
        sl_selector_t one = {0};
        switch (s->kind) {
        case SL_SEL_ALL:
        case SL_SEL_BROKER_ALL:
            for (int b = 1; b <= sl_scenario_cluster(sc)->brokers; b++)
                one = (sl_selector_t){.kind = SL_SEL_BROKER, .index = b}, push(out, &n, one);
            if (s->kind == SL_SEL_BROKER_ALL)
                break;
            for (int g = 0; g < sl_scenario_group_count(sc); g++)
                for (int m = 1; m <= members_at(sc, g, ev); m++)
                    one = (sl_selector_t){.kind = SL_SEL_MEMBER, .group = g, .index = m}, push(out, &n, one);
            for (int tp = 0; tp < sl_scenario_topic_count(sc); tp++)
                one = (sl_selector_t){.kind = SL_SEL_PRODUCER, .topic = tp}, push(out, &n, one);
            break;
        case SL_SEL_GROUP_ALL:
            for (int m = 1; m <= members_at(sc, s->group, ev); m++)
                one = (sl_selector_t){.kind = SL_SEL_MEMBER, .group = s->group, .index = m}, push(out, &n, one);
            break;
        default: push(out, &n, *s); break;
        }
    }
    return n;
}

sl_err_t sl_export_write_file(const char *dir, const char *name, const char *buf, size_t len, char *err,
                              size_t errsz) {
    char tmp[4096], path[4096];
    if (sl_out_mkdir_p(dir) < 0) {
        snprintf(err, errsz, "cannot create %s: %s", dir, strerror(errno));
        return SL_E_IO;
    }
    snprintf(tmp, sizeof tmp, "%s/.%s.partial", dir, name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = sl_output_create(tmp);
    if (!f) {
        snprintf(err, errsz, "cannot create %s: %s", tmp, strerror(errno));
        return SL_E_IO;
    }
    int bad = len && fwrite(buf, 1, len, f) != len;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        snprintf(err, errsz, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return SL_E_IO;
    }
    return SL_OK;
}

const char *sl_export_rollout_note(sl_event_kind_t kind) {
    return kind == SL_EV_SET ? "not exported: a configuration change is a rollout (change the consumers' config and "
                               "restart them as the event's rolling: says), not a fault"
                             : "not exported: scaling is an operator action (start or stop consumers to the event's "
                               "members: kubectl scale on Kubernetes)";
}

void sl_export_note(FILE *notes, const sl_scenario_t *sc, int ev, const char *what) {
    char line[1024], d[32];
    sl_scenario_event_line(sc, ev, line, sizeof line);
    sl_export_duration(sl_scenario_event(sc, ev)->at_us, d, sizeof d);
    fprintf(notes, "events[%d] at %s: %s: %s\n", ev, d, line, what);
}

int64_t sl_export_fault_dur(const sl_scenario_t *sc, const sl_event_cfg_t *e) {
    return e->for_us >= 0 ? e->for_us : sl_scenario_duration_us(sc) - e->at_us;
}
