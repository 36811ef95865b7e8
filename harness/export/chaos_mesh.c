/*
 * stormlab export --to chaos-mesh (docs/export.md): each fault of the
 * scenario as a Chaos Mesh resource (chaos.yaml: NetworkChaos for
 * partitions, one-way cuts and degradations, PodChaos for restarts and
 * kills) and one Workflow replaying the timeline (workflow.yaml: a Parallel
 * of Serial steps, each a Suspend until the event's time, then the chaos for
 * its duration).  Selectors become pod names (broker/2, billing/3) or label
 * selectors (broker/ *, billing/ *, producer/orders) through the labels map.
 * The fields written are those of Chaos Mesh's v1alpha1 CRDs, which
 * tests/export validates against (tests/data/chaos-mesh/).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "export-internal.h"
#include "labels-internal.h"

/* A side of a fault as Chaos Mesh selects it: either pod names (pods[],
 * n_pods > 0) or one label selector (label). */
typedef struct unit_s {
    const sl_selector_t *label;
    sl_selector_t *pods;
    int n_pods;
} unit_t;

typedef struct cm_s {
    const sl_scenario_t *sc;
    const sl_export_labels_t *lb;
    FILE *wf_steps;    /* workflow templates, after the entry */
    FILE *chaos;       /* chaos.yaml */
    FILE *notes;
    char base[48];     /* resource name prefix: the scenario's name as a DNS label */
    int n_specs;
    char (*step_names)[64];
    int cap_steps;
} cm_t;

static void q(FILE *f, const char *s) { sl_json_str(f, s); } /* a YAML double-quoted scalar */

static void units_free(unit_t *u, int n) {
    for (int i = 0; i < n; i++)
        free(u[i].pods);
    free(u);
}

/* Pod-name selectors of a side gathered into one unit, each label selector
 * its own: a side needs as many resources as it has units. */
static unit_t *side_units(const sl_scenario_t *sc, const sl_selector_t *sels, int n, int *n_units) {
    unit_t *u = calloc((size_t)n + 1, sizeof *u);
    if (!u)
        abort();
    int k = 0, pods = -1;
    for (int i = 0; i < n; i++) {
        const sl_selector_t *s = &sels[i];
        if (s->kind == SL_SEL_BROKER || s->kind == SL_SEL_MEMBER) {
            if (pods < 0)
                pods = k++;
            unit_t *p = &u[pods];
            p->pods = realloc(p->pods, (size_t)(p->n_pods + 1) * sizeof *p->pods);
            if (!p->pods)
                abort();
            p->pods[p->n_pods++] = *s;
        } else {
            u[k++].label = s;
        }
    }
    (void)sc;
    *n_units = k;
    return u;
}

static const sl_label_map_t *override_or(const sl_label_override_t *o, int n, const char *name,
                                         const sl_label_map_t *dflt) {
    for (int i = 0; i < n; i++)
        if (!strcmp(o[i].name, name))
            return &o[i].map;
    return dflt;
}

static void pod_name(const cm_t *c, const sl_selector_t *s, char *out, size_t n) {
    if (s->kind == SL_SEL_BROKER)
        sl_label_expand(c->lb->broker_pod, NULL, NULL, s->index, out, n);
    else
        sl_label_expand(c->lb->member_pod, sl_scenario_group(c->sc, s->group)->id, NULL, s->index, out, n);
}

/* A PodSelectorSpec at indent ind (its fields; the caller wrote "selector:"). */
static void emit_selector(const cm_t *c, FILE *f, int ind, const unit_t *u) {
    const sl_export_labels_t *lb = c->lb;
    if (u->n_pods) {
        fprintf(f, "%*spods:\n%*s", ind, "", ind + 2, "");
        q(f, lb->namespace_);
        fputs(":\n", f);
        for (int i = 0; i < u->n_pods; i++) {
            char name[256];
            pod_name(c, &u->pods[i], name, sizeof name);
            fprintf(f, "%*s- ", ind + 4, "");
            q(f, name);
            fputc('\n', f);
        }
        return;
    }
    fprintf(f, "%*snamespaces:\n%*s- ", ind, "", ind + 2, "");
    q(f, lb->namespace_);
    fputc('\n', f);
    const sl_selector_t *s = u->label;
    const sl_label_map_t *m = NULL;
    const char *group = NULL, *topic = NULL;
    switch (s->kind) {
    case SL_SEL_ALL: return; /* every pod of the namespace */
    case SL_SEL_BROKER_ALL: m = &lb->brokers; break;
    case SL_SEL_GROUP_ALL:
        group = sl_scenario_group(c->sc, s->group)->id;
        m = override_or(lb->groups, lb->n_groups, group, &lb->group);
        break;
    case SL_SEL_PRODUCER:
        topic = sl_scenario_topic(c->sc, s->topic)->name;
        m = override_or(lb->producers, lb->n_producers, topic, &lb->producer);
        break;
    case SL_SEL_COORDINATOR:
        group = sl_scenario_group(c->sc, s->group)->id;
        m = &lb->coordinator;
        break;
    default: abort(); /* pod kinds are gathered into pods units */
    }
    fprintf(f, "%*slabelSelectors:\n", ind, "");
    for (int i = 0; i < m->n; i++) {
        char v[256];
        sl_label_expand(m->values[i], group, topic, 0, v, sizeof v);
        fprintf(f, "%*s", ind + 2, "");
        q(f, m->keys[i]);
        fputs(": ", f);
        q(f, v);
        fputc('\n', f);
    }
}

/* One fault's spec fields at indent ind.  kind: "NetworkChaos" or "PodChaos". */
typedef struct spec_s {
    const char *kind;       /* NetworkChaos | PodChaos */
    const char *action;     /* partition, delay, loss, netem | pod-kill, pod-failure */
    const unit_t *sel, *target;
    const char *direction;  /* NetworkChaos */
    int64_t latency_us, jitter_us;
    double loss;
    int grace_s;            /* pod-kill: -1 leaves Chaos Mesh's default */
    int64_t dur_us;         /* -1: instantaneous (pod-kill) */
} spec_t;

static void emit_spec(const cm_t *c, FILE *f, int ind, const spec_t *s, int with_duration) {
    char d[32];
    fprintf(f, "%*saction: %s\n%*smode: all\n%*sselector:\n", ind, "", s->action, ind, "", ind, "");
    emit_selector(c, f, ind + 2, s->sel);
    if (!strcmp(s->kind, "NetworkChaos")) {
        fprintf(f, "%*sdirection: %s\n", ind, "", s->direction);
        if (s->target) {
            fprintf(f, "%*starget:\n%*smode: all\n%*sselector:\n", ind, "", ind + 2, "", ind + 2, "");
            emit_selector(c, f, ind + 4, s->target);
        }
        if (s->latency_us || s->jitter_us) {
            sl_export_duration(s->latency_us, d, sizeof d);
            fprintf(f, "%*sdelay:\n%*slatency: \"%s\"\n", ind, "", ind + 2, "", d);
            sl_export_duration(s->jitter_us, d, sizeof d);
            fprintf(f, "%*sjitter: \"%s\"\n", ind + 2, "", d);
        }
        if (s->loss > 0) {
            fprintf(f, "%*sloss:\n%*sloss: \"", ind, "", ind + 2, "");
            sl_json_num(f, s->loss * 100);
            fputs("\"\n", f);
        }
    } else if (s->grace_s >= 0) {
        fprintf(f, "%*sgracePeriod: %d\n", ind, "", s->grace_s);
    }
    if (with_duration && s->dur_us >= 0) {
        sl_export_duration(s->dur_us, d, sizeof d);
        fprintf(f, "%*sduration: \"%s\"\n", ind, "", d);
    }
}

/* The spec as a standalone resource in chaos.yaml and as a Suspend+chaos
 * step of the workflow. */
static void add_spec(cm_t *c, int ev, int64_t at_us, const spec_t *s) {
    char name[96], d[32];
    c->n_specs++;
    snprintf(name, sizeof name, "%s-%03d-%s", c->base, c->n_specs, s->action);
    sl_export_duration(at_us, d, sizeof d);
    fprintf(c->chaos,
            "---\napiVersion: chaos-mesh.org/v1alpha1\nkind: %s\nmetadata:\n  name: %s\n  namespace: ", s->kind,
            name);
    q(c->chaos, c->lb->namespace_);
    fprintf(c->chaos, "\n  annotations:\n    stormlab.io/at: \"%s\"\n    stormlab.io/event: \"events[%d]\"\nspec:\n",
            d, ev);
    emit_spec(c, c->chaos, 2, s, 1);

    if (c->n_specs > c->cap_steps) {
        c->cap_steps = c->cap_steps ? c->cap_steps * 2 : 32;
        c->step_names = realloc(c->step_names, (size_t)c->cap_steps * sizeof *c->step_names);
        if (!c->step_names)
            abort();
    }
    char *step = c->step_names[c->n_specs - 1];
    snprintf(step, 64, "step-%03d-%s", c->n_specs, s->action);
    FILE *f = c->wf_steps;
    fprintf(f, "    - name: %s\n      templateType: Serial\n      children:\n", step);
    if (at_us > 0)
        fprintf(f, "        - %s-wait\n", step);
    fprintf(f, "        - %s-chaos\n", step);
    if (at_us > 0)
        fprintf(f, "    - name: %s-wait\n      templateType: Suspend\n      deadline: \"%s\"\n", step, d);
    /* pod-kill is instantaneous; its node only needs to outlive the kill */
    sl_export_duration(s->dur_us >= 0 ? s->dur_us : 1000000, d, sizeof d);
    fprintf(f, "    - name: %s-chaos\n      templateType: %s\n      deadline: \"%s\"\n      %s:\n", step, s->kind, d,
            !strcmp(s->kind, "NetworkChaos") ? "networkChaos" : "podChaos");
    emit_spec(c, f, 8, s, 0);
}

/* Every link from each unit of one side to each of the other. */
static void links_fault(cm_t *c, int ev, spec_t *tmpl) {
    const sl_event_cfg_t *e = sl_scenario_event(c->sc, ev);
    int nf, nt;
    unit_t *from = side_units(c->sc, e->from, e->n_from, &nf);
    unit_t *to = side_units(c->sc, e->to, e->n_to, &nt);
    for (int i = 0; i < nf; i++)
        for (int j = 0; j < nt; j++) {
            spec_t s = *tmpl;
            s.sel = &from[i];
            s.target = &to[j];
            add_spec(c, ev, e->at_us, &s);
        }
    units_free(from, nf);
    units_free(to, nt);
}

/* The nodes of a restart, pause or stall, one step each when rolling
 * (sl_export_rolling), and the spec each gets. */
static void node_fault(cm_t *c, int ev, spec_t *tmpl) {
    const sl_event_cfg_t *e = sl_scenario_event(c->sc, ev);
    sl_selector_t *nodes = NULL;
    int n = 0;
    if (e->rolling_us >= 0)
        n = sl_export_rolling(c->sc, ev, &nodes);
    if (n > 0) {
        for (int i = 0; i < n; i++) {
            unit_t u = {0};
            if (nodes[i].kind == SL_SEL_BROKER || nodes[i].kind == SL_SEL_MEMBER)
                u.pods = &nodes[i], u.n_pods = 1;
            else
                u.label = &nodes[i];
            spec_t s = *tmpl;
            s.sel = &u;
            add_spec(c, ev, e->at_us + (int64_t)i * e->rolling_us, &s);
        }
        free(nodes);
        return;
    }
    free(nodes);
    int nu;
    unit_t *u = side_units(c->sc, e->targets, e->n_targets, &nu);
    for (int i = 0; i < nu; i++) {
        spec_t s = *tmpl;
        s.sel = &u[i];
        add_spec(c, ev, e->at_us, &s);
    }
    units_free(u, nu);
}

static void note(cm_t *c, int ev, const char *what) { sl_export_note(c->notes, c->sc, ev, what); }

static int has_coordinator(const sl_selector_t *s, int n) {
    for (int i = 0; i < n; i++)
        if (s[i].kind == SL_SEL_COORDINATOR)
            return 1;
    return 0;
}

/* A frozen broker (restart mode: pause) or consumer (pause): Chaos Mesh
 * cannot SIGSTOP a pod, so the pod is cut off from every pod of the
 * namespace instead, which clients see the same way (sockets stay open,
 * nothing is answered). */
static void freeze(cm_t *c, int ev) {
    sl_selector_t all = {.kind = SL_SEL_ALL};
    unit_t everyone = {.label = &all};
    spec_t s = {.kind = "NetworkChaos", .action = "partition", .direction = "both", .target = &everyone,
                .grace_s = -1, .dur_us = sl_export_fault_dur(c->sc, sl_scenario_event(c->sc, ev))};
    note(c, ev,
         "approximated: Chaos Mesh cannot freeze a process (SIGSTOP, a GC pause); exported as a network "
         "partition of the pod from every pod of the namespace (sockets stay open, nothing is answered)");
    node_fault(c, ev, &s);
}

static void export_event(cm_t *c, int ev) {
    const sl_event_cfg_t *e = sl_scenario_event(c->sc, ev);
    spec_t s = {.grace_s = -1, .dur_us = -1, .direction = "both"};
    switch (e->kind) {
    case SL_EV_PARTITION:
        s.kind = "NetworkChaos", s.action = "partition", s.direction = e->oneway ? "to" : "both";
        s.dur_us = sl_export_fault_dur(c->sc, e);
        links_fault(c, ev, &s);
        return;
    case SL_EV_DEGRADE:
        if (!e->latency_us && !e->jitter_us && e->loss <= 0) {
            note(c, ev, "not exported: it adds nothing to the links");
            return;
        }
        s.kind = "NetworkChaos", s.direction = "to"; /* from -> to only, as the simulator applies it */
        s.latency_us = e->latency_us, s.jitter_us = e->jitter_us, s.loss = e->loss;
        s.action = (e->latency_us || e->jitter_us) ? (e->loss > 0 ? "netem" : "delay") : "loss";
        s.dur_us = sl_export_fault_dur(c->sc, e);
        links_fault(c, ev, &s);
        return;
    case SL_EV_RESTART:
        if (has_coordinator(e->targets, e->n_targets))
            note(c, ev,
                 "approximated: the coordinator is known only at run time; label its pod first "
                 "(kafka-consumer-groups.sh --describe --state names it), see the coordinator selector in "
                 "docs/export.md");
        if (e->mode == SL_RESTART_PAUSE) {
            freeze(c, ev);
            return;
        }
        s.kind = "PodChaos";
        if (e->for_us > 0) {
            s.action = "pod-failure", s.dur_us = e->for_us;
            if (e->mode == SL_RESTART_CONTROLLED)
                note(c, ev, "approximated: pod-failure, which is not a controlled shutdown, keeps the "
                            "pod down for the event's for:");
        } else {
            s.action = "pod-kill";
            s.grace_s = e->mode == SL_RESTART_CONTROLLED ? 30 : 0; /* SIGTERM: controlled shutdown */
        }
        node_fault(c, ev, &s);
        return;
    case SL_EV_PAUSE: freeze(c, ev); return;
    case SL_EV_STALL:
        note(c, ev,
             "not exported: Chaos Mesh cannot block a consumer's poll loop while its heartbeat thread goes on "
             "(a JVMChaos latency rule on the application's record handler comes closest)");
        return;
    case SL_EV_SET:
    case SL_EV_SCALE: note(c, ev, sl_export_rollout_note(e->kind)); return;
    }
}

sl_err_t sl_export_chaos_mesh(const sl_scenario_t *sc, const sl_export_labels_t *lb, const char *dir, char **notes,
                              char *err, size_t errsz) {
    cm_t c = {.sc = sc, .lb = lb};
    char *steps = NULL, *chaos = NULL;
    size_t steps_len = 0, chaos_len = 0, notes_len = 0;
    *notes = NULL;
    c.wf_steps = open_memstream(&steps, &steps_len);
    c.chaos = open_memstream(&chaos, &chaos_len);
    c.notes = open_memstream(notes, &notes_len);
    if (!c.wf_steps || !c.chaos || !c.notes)
        abort();
    sl_export_dns_name(sl_scenario_name(sc), c.base, sizeof c.base);
    for (int i = 0; i < sl_scenario_event_count(sc); i++)
        export_event(&c, i);
    fclose(c.wf_steps);
    fclose(c.chaos);
    fclose(c.notes);

    char *wf = NULL;
    size_t wf_len = 0;
    FILE *f = open_memstream(&wf, &wf_len);
    if (!f)
        abort();
    fputs("# stormlab export --to chaos-mesh: the timeline of scenario ", f);
    q(f, sl_scenario_name(sc));
    fprintf(f, "\n# (docs/export.md).  Apply with kubectl apply -f workflow.yaml; not-exported.txt lists what\n"
               "# is approximated or left out.\n"
               "apiVersion: chaos-mesh.org/v1alpha1\nkind: Workflow\nmetadata:\n  name: %s\n  namespace: ",
            c.base);
    q(f, lb->namespace_);
    fputs("\nspec:\n  entry: timeline\n  templates:\n    - name: timeline\n      templateType: Parallel\n", f);
    if (c.n_specs) {
        fputs("      children:\n", f);
        for (int i = 0; i < c.n_specs; i++)
            fprintf(f, "        - %s\n", c.step_names[i]);
    } else {
        fputs("      children: []\n", f);
    }
    fputs(steps, f);
    fclose(f);

    sl_err_t rc = sl_export_write_file(dir, "workflow.yaml", wf, wf_len, err, errsz);
    if (rc == SL_OK)
        rc = sl_export_write_file(dir, "chaos.yaml", chaos, chaos_len, err, errsz);
    if (rc == SL_OK)
        rc = sl_export_write_file(dir, "not-exported.txt", *notes, notes_len, err, errsz);
    free(wf);
    free(steps);
    free(chaos);
    free(c.step_names);
    return rc;
}
