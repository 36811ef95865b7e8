/*
 * `stormlab run`: set-up, the main loop, heal and teardown.
 *
 * The main thread owns the timeline.  SIGINT, SIGTERM and SIGHUP (a closed
 * terminal, an ssh session gone) are blocked in
 * every thread (before any is created, so librdkafka's and the proxy's
 * inherit the mask) and taken by the main loop with sigtimedwait(), which
 * is also its sleep: a signal ends the scenario part of the run at once.
 * Whether the run ends, fails or is interrupted, the same path follows:
 * heal every fault (proxy toxics removed, brokers brought back, members
 * thawed), stop the producers, close every member, read the log back for
 * the accounting, write the outputs (temporary names, then rename), and
 * destroy every client and the cluster, waiting for librdkafka's threads.
 */
#define _GNU_SOURCE /* pthread_timedjoin_np */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cluster/clusterfile.h"
#include "run-internal.h"
#include "stormlab/outputs.h"
#include "stormlab/rng.h"

/* ---- small helpers shared by the run's files ---- */

void sl_rconf_set(rd_kafka_conf_t *conf, const char *k, const char *v) {
    char e[256];
    if (rd_kafka_conf_set(conf, k, v, e, sizeof e) != RD_KAFKA_CONF_OK)
        fprintf(stderr, "stormlab run: librdkafka refused %s=%s: %s\n", k, v, e); /* a bug of ours */
}

/* Threads of this process now (/proc/self/task), -1 when unknown. */
int sl_rthreads_now(void) {
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* ---- what real runs cannot do (exit 2 before anything runs) ---- */

static int check_supported(const sl_scenario_t *sc, const sl_run_opts_t *o, char *err, size_t errsz) {
    int mock = !strcmp(o->cluster, "mock");
    for (int g = 0; g < sl_scenario_group_count(sc); g++) {
        const sl_group_cfg_t *c = sl_scenario_group(sc, g);
        int java = c->client == SL_CLIENT_JAVA;
        if (java && mock) {
            snprintf(err, errsz,
                     "%s:%d:%d: groups.%s: client: java groups run on a real Kafka only (--cluster kafka): the mock "
                     "cluster's group coordinator (librdkafka %s) is not Kafka's, and the Java client's timers are "
                     "what such a run measures; run it with --cluster kafka or `stormlab sim`",
                     sl_scenario_file(sc), c->line, c->col, c->id, rd_kafka_version_str());
            return -1;
        }
        if (c->protocol == SL_PROTO_CONSUMER && !java) {
            snprintf(err, errsz,
                     "%s:%d:%d: groups.%s: protocol: consumer (KIP-848) runs with Java consumers only (client: java, "
                     "--cluster kafka): librdkafka %s has no KIP-848 consumer (it came in librdkafka 2.4+); run it "
                     "with `stormlab sim`",
                     sl_scenario_file(sc), c->line, c->col, c->id, rd_kafka_version_str());
            return -1;
        }
        if (c->assignor == SL_ASSIGN_STICKY && !java) {
            snprintf(err, errsz,
                     "%s:%d:%d: groups.%s: assignor: sticky (eager) does not exist in librdkafka; use "
                     "cooperative-sticky, range or roundrobin, or client: java",
                     sl_scenario_file(sc), c->line, c->col, c->id);
            return -1;
        }
        if (mock && c->static_membership) {
            snprintf(err, errsz,
                     "%s:%d:%d: groups.%s: static: true (KIP-345) is not implemented by librdkafka %s's mock "
                     "cluster; use --cluster kafka or `stormlab sim`",
                     sl_scenario_file(sc), c->line, c->col, c->id, rd_kafka_version_str());
            return -1;
        }
    }
    for (int e = 0; e < sl_scenario_event_count(sc); e++) {
        const sl_event_cfg_t *ev = sl_scenario_event(sc, e);
        if (ev->kind == SL_EV_SET && ((ev->set_mask & SL_GF_PROTOCOL) && ev->set_values.protocol == SL_PROTO_CONSUMER)) {
            snprintf(err, errsz, "%s:%d:%d: events[%d]: set protocol: consumer (a migration to KIP-848) is not played "
                     "by real runs; run it with `stormlab sim`",
                     sl_scenario_file(sc), ev->line, ev->col, e);
            return -1;
        }
        if (ev->kind == SL_EV_SET && (ev->set_mask & SL_GF_ASSIGNOR) && ev->set_values.assignor == SL_ASSIGN_STICKY) {
            snprintf(err, errsz, "%s:%d:%d: events[%d]: assignor: sticky (eager) does not exist in librdkafka",
                     sl_scenario_file(sc), ev->line, ev->col, e);
            return -1;
        }
        if (mock && ev->kind == SL_EV_SET && (ev->set_mask & SL_GF_STATIC) && ev->set_values.static_membership) {
            snprintf(err, errsz, "%s:%d:%d: events[%d]: static: true is not implemented by the mock cluster",
                     sl_scenario_file(sc), ev->line, ev->col, e);
            return -1;
        }
    }
    return 0;
}

/* ---- outputs ---- */

static void cluster_log(void *opaque, const char *node, int level, const char *fac, const char *msg) {
    sl_rrun_t *run = opaque;
    if (!strcmp(fac, "MOCK")) {
        sl_rgroups_cluster_line(run, level, fac, msg);
        return;
    }
    if (!strcmp(node, "-") && level >= 5 && strncmp(fac, "[stormlab]", 10))
        return; /* the mock's own handle: start-up chatter */
    sl_rlog(run, node, level, "%s%s%s", fac[0] ? fac : "", fac[0] ? ": " : "", msg);
}

static void progress(sl_rrun_t *run, int64_t now) {
    char next[128], line[512];
    sl_rtimeline_next(run, now, next, sizeof next);
    long long s = now / 1000000, d = sl_scenario_duration_us(run->sc) / 1000000;
    int used = snprintf(line, sizeof line, "\r[%02lld:%02lld:%02lld / %02lld:%02lld:%02lld] %s", s / 3600, s / 60 % 60,
                        s % 60, d / 3600, d / 60 % 60, d % 60, next);
    pthread_mutex_lock(&run->mu);
    for (int g = 0; g < run->n_groups && used < (int)sizeof line - 80; g++) {
        sl_rgroup_t *gr = &run->groups[g];
        used += snprintf(line + used, sizeof line - (size_t)used, " | %s %s gen %d, %d rebalances%s", gr->cfg->id,
                         gr->state, gr->generation, gr->rebalances, gr->meter.settled ? "" : " (unsettled)");
    }
    pthread_mutex_unlock(&run->mu);
    fprintf(stderr, "%s\033[K", line);
    fflush(stderr);
}

/* ---- dry run ---- */

static sl_err_t dry_run(const sl_scenario_t *sc, const sl_run_opts_t *o) {
    sl_clusterfile_t *cf = NULL;
    char err[2048] = "";
    int kafka = !strcmp(o->cluster, "kafka");
    if (kafka) {
        if (!o->cluster_file) {
            fprintf(stderr, "stormlab run: --cluster kafka needs --cluster-file F (docs/real-runs.md)\n");
            return SL_E_INVAL;
        }
        if (sl_clusterfile_load(o->cluster_file, &cf, err, sizeof err) < 0) {
            fprintf(stderr, "stormlab: %s\n", err);
            return SL_E_INVAL;
        }
        /* A dry run asks the cluster nothing: hosts and ports the file does
         * not give (a real run reads them from the metadata) are shown by
         * name. */
        for (int b = 1; b <= sl_scenario_cluster(sc)->brokers; b++) {
            char host[32];
            snprintf(host, sizeof host, "BROKER%d_HOST", b);
            sl_clusterfile_set_address(cf, b, host, 0);
        }
    }
    printf("stormlab run --dry-run: %s on %s (seed %" PRIu64 "), %lld s; nothing is touched\n", sl_scenario_name(sc),
           kafka ? "an existing Kafka cluster" : "the embedded mock cluster", sl_scenario_seed(sc),
           (long long)(sl_scenario_duration_us(sc) / 1000000));
    if (kafka)
        printf("  broker hosts and ports the cluster file does not give come from the cluster's metadata at run "
               "time: shown as BROKERn_HOST and 0\n");
    for (int g = 0; g < sl_scenario_group_count(sc); g++)
        printf("  group %s: %d librdkafka consumers, session.timeout.ms=%lld, heartbeat.interval.ms=%lld\n",
               sl_scenario_group(sc, g)->id, sl_scenario_group(sc, g)->members, (long long)(sl_scenario_group(sc, g)->session_timeout_us / 1000),
               (long long)(sl_scenario_group(sc, g)->heartbeat_interval_us / 1000));
    for (int e = 0; e < sl_scenario_event_count(sc); e++) {
        const sl_event_cfg_t *ev = sl_scenario_event(sc, e);
        printf("  %8.3f s  events[%d] %s%s\n", (double)ev->at_us / 1e6, e, sl_event_kind_name(ev->kind),
               ev->for_us >= 0 ? "" : " (to the end of the run)");
        if (ev->kind != SL_EV_RESTART)
            continue;
        for (int k = 0; k < ev->n_targets; k++) {
            const sl_selector_t *s = &ev->targets[k];
            int lo = 0, hi = -1;
            if (s->kind == SL_SEL_BROKER)
                lo = hi = s->index;
            else if (s->kind == SL_SEL_BROKER_ALL || s->kind == SL_SEL_ALL)
                lo = 1, hi = sl_scenario_cluster(sc)->brokers;
            else if (s->kind == SL_SEL_COORDINATOR)
                printf("             coordinator/%s: resolved when the event fires\n", sl_scenario_group(sc, s->group)->id);
            for (int b = lo; b <= hi; b++) {
                if (!kafka) {
                    printf("             mock broker %d: %s\n", b,
                           ev->mode == SL_RESTART_PAUSE ? "RTT 1 h, then 0" : "set down, then up");
                    continue;
                }
                const char *acts[2] = {ev->mode == SL_RESTART_HARD ? "kill" : ev->mode == SL_RESTART_PAUSE ? "pause" : "stop",
                                       ev->mode == SL_RESTART_PAUSE ? "resume" : "start"};
                for (int a = 0; a < 2; a++) {
                    char *line = sl_clusterfile_describe(cf, acts[a], b, err, sizeof err);
                    if (!line) {
                        fprintf(stderr, "stormlab: %s\n", err);
                        sl_clusterfile_destroy(cf);
                        return SL_E_INVAL;
                    }
                    printf("             broker %d %s: %s\n", b, acts[a], line);
                    free(line);
                }
            }
        }
    }
    sl_clusterfile_destroy(cf);
    return SL_OK;
}

/* ---- the run ---- */

static int heal_leftovers(const char *state_dir, int dry) {
    sl_heal_stats_t st;
    char err[1024] = "";
    int rc = sl_heal_leftovers(state_dir, dry, stderr, &st, err, sizeof err);
    if (err[0])
        fprintf(stderr, "stormlab run: %s\n", err);
    if (rc < 0 && !dry)
        fprintf(stderr, "stormlab run: a previous run left faults that could not be undone (above); not starting "
                        "on a cluster in an unknown state.  Fix them, then run `stormlab heal`.\n");
    else if (st.runs && !dry)
        fprintf(stderr, "stormlab run: healed what %d earlier run%s left behind; starting\n", st.runs,
                st.runs == 1 ? "" : "s");
    return rc;
}

/* How far in the future t0 lies while the groups form: every stamp is 0. */
#define FORMING_T0_AHEAD_NS (1000000000LL * 86400 * 365)
/* How long the groups may take to form before the clock starts anyway: a
 * JVM on the loaded 2-core machine took 26 s to its first JoinGroup. */
#define FORMING_LIMIT_S 180

/* Waits until every group that has members at the start has settled (every
 * member holds its first generation's assignment, every partition owned), so
 * run time 0's first fault meets a stable group, however late a member (a
 * JVM on a loaded machine) joined.  0 when formed; 1 when the limit passed
 * (logged: the clock starts anyway, the scenario may keep a group from
 * forming), the run failed or a signal came (run->interrupted). */
static int wait_groups_formed(sl_rrun_t *run, const sigset_t *sigs, int show_progress) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    time_t limit = ts.tv_sec + FORMING_LIMIT_S;
    for (;;) {
        int forming = 0;
        char waiting[256] = "";
        pthread_mutex_lock(&run->mu);
        for (int g = 0; g < run->n_groups; g++)
            if (run->groups[g].target > 0 && run->groups[g].meter.first_settled_us < 0) {
                forming++;
                snprintf(waiting, sizeof waiting, "%s", run->groups[g].cfg->id);
            }
        int failed = run->failed;
        pthread_mutex_unlock(&run->mu);
        if (failed)
            return 1;
        if (!forming)
            return 0;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        if (ts.tv_sec >= limit) {
            sl_rlog(run, "-", 4, "[stormlab] %d group(s) not settled %d s after their members started (%s): run time 0 "
                    "starts anyway", forming, FORMING_LIMIT_S, waiting);
            return 1;
        }
        if (show_progress)
            fprintf(stderr, "\r\033[Kforming: %d group(s) not settled yet (%s)", forming, waiting);
        struct timespec to = {0, 100 * 1000000L};
        int sig = sigtimedwait(sigs, NULL, &to);
        if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
            run->interrupted = 1;
            sl_rlog(run, "-", 4, "[stormlab] %s received while the groups formed: stopping",
                    sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP");
            return 1;
        }
    }
}

static void query_start_offsets(sl_rrun_t *run) {
    char e[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    sl_rconf_set(conf, "bootstrap.servers", run->cluster->bootstrap);
    sl_rconf_set(conf, "client.id", "stormlab-offsets");
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof e);
    if (!rk)
        return;
    for (int t = 0; t < sl_scenario_topic_count(run->sc); t++)
        for (int p = 0; p < sl_scenario_topic(run->sc, t)->partitions; p++) {
            int64_t lo = 0, hi = 0;
            if (!rd_kafka_query_watermark_offsets(rk, sl_scenario_topic(run->sc, t)->name, p, &lo, &hi, 5000))
                run->acct[t].start_offset[p] = run->acct[t].end_offset[p] = hi;
        }
    rd_kafka_destroy(rk);
}

/* The state of one sl_realrun() through its stages: validate, heal what
 * earlier runs left, set up, execute, tear down (which also writes the
 * outputs and fills the outcome), free. */
typedef struct realrun_s {
    const sl_scenario_t *sc;
    const sl_run_opts_t *o;
    sl_run_outcome_t *oc;
    char err[2048];
    char state_dir[4096];
    char **java_cmd;              /* the Java member command, owned by run once set up */
    sigset_t sigs, old;           /* SIGINT, SIGTERM, SIGHUP; the mask before */
    sl_rrun_t *run;
    char tmp[SL_OUT__N][4096], fin[SL_OUT__N][4096];
    FILE *f[SL_OUT__N];
    int started;                  /* clients may have run: outputs are written */
    sl_err_t rc;
} realrun_t;

static sl_err_t fail_setup(realrun_t *rr, sl_err_t rc, const char *what) {
    fprintf(stderr, "stormlab run: %s%s%s\n", what, what[0] && rr->err[0] ? ": " : "", rr->err);
    return rr->rc = rc;
}

/* Nothing runs on a request that cannot be carried out here. */
static sl_err_t validate(realrun_t *rr) {
    if (strcmp(rr->o->cluster, "mock") && strcmp(rr->o->cluster, "kafka")) {
        fprintf(stderr, "stormlab run: --cluster '%s': expected mock or kafka\n", rr->o->cluster);
        return SL_E_INVAL;
    }
    if (check_supported(rr->sc, rr->o, rr->err, sizeof rr->err) < 0 ||
        sl_rlinks_check_size(rr->sc, rr->err, sizeof rr->err) < 0) {
        fprintf(stderr, "stormlab: %s\n", rr->err);
        return SL_E_INVAL;
    }
    return SL_OK;
}

/* What a killed run left behind is undone before anything else runs: a
 * broker it stopped would skew this run. */
static sl_err_t heal_earlier_runs(realrun_t *rr) {
    if (sl_heal_state_dir(rr->o->state_dir, rr->state_dir, sizeof rr->state_dir, rr->err, sizeof rr->err) < 0) {
        fprintf(stderr, "stormlab: %s\n", rr->err);
        return SL_E_IO;
    }
    if (heal_leftovers(rr->state_dir, rr->o->dry_run) < 0 && !rr->o->dry_run)
        return SL_E_IO;
    return SL_OK;
}

/* The run's state, its output files, the heal journal, the cluster, the
 * proxy and its links.  rr->run exists on return unless out of memory;
 * rr->rc says whether the rest is in place (tear_down() undoes any part). */
static void set_up(realrun_t *rr) {
    const sl_scenario_t *sc = rr->sc;
    const sl_run_opts_t *o = rr->o;
    sl_rrun_t *run = rr->run = calloc(1, sizeof *run);
    if (!run) {
        sl_rjava_free(rr->java_cmd);
        fail_setup(rr, SL_E_NOMEM, "out of memory");
        return;
    }
    run->sc = sc;
    run->java_cmd = rr->java_cmd;
    run->opts = o;
    pthread_mutex_init(&run->mu, NULL);
    pthread_cond_init(&run->cv, NULL);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    run->t0_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t nx = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ ((uint64_t)getpid() << 40);
    run->run_nonce = sl_rng_splitmix64(&nx);

    sl_out_paths(o->out, rr->fin, rr->tmp); /* first: the teardown unlinks tmp[] */
    if (sl_out_mkdir_p(o->out) < 0) {
        fprintf(stderr, "stormlab run: cannot create output directory %s: %s\n", o->out, strerror(errno));
        rr->rc = SL_E_IO;
        return;
    }
    const char *partials[SL_OUT__N];
    for (int i = 0; i < SL_OUT__N; i++)
        partials[i] = rr->tmp[i];
    sl_heal_run_info_t hi = {sl_scenario_name(sc), o->cluster, o->out, partials, SL_OUT__N};
    if (sl_heal_journal_open(rr->state_dir, &hi, &run->journal, rr->err, sizeof rr->err) < 0) {
        fail_setup(rr, SL_E_IO, "");
        return;
    }
    for (int i = 0; i < SL_OUT__N; i++) {
        if (!(rr->f[i] = sl_output_create(rr->tmp[i]))) {
            fprintf(stderr, "stormlab run: cannot write %s: %s\n", rr->tmp[i], strerror(errno));
            rr->rc = SL_E_IO;
            return;
        }
    }
    run->trace = rr->f[SL_OUT_TRACE];
    run->series = rr->f[SL_OUT_SERIES];
    run->log = rr->f[SL_OUT_LOG];
    sl_scenario_write_resolved(sc, rr->f[SL_OUT_RESOLVED]);
    fprintf(run->log, "# stormlab real-run log: scenario %s, seed %llu, cluster %s, librdkafka %s (times are run time)\n",
            sl_scenario_name(sc), (unsigned long long)sl_scenario_seed(sc), o->cluster, rd_kafka_version_str());

    sl_cluster_opts_t co = {sc, o->bootstrap, o->cluster_file, 0, cluster_log, run};
    int crc = !strcmp(o->cluster, "mock") ? sl_cluster_mock_new(&co, &run->cluster, rr->err, sizeof rr->err)
                                          : sl_cluster_kafka_new(&co, &run->cluster, rr->err, sizeof rr->err);
    if (crc != SL_CLUSTER_OK) {
        fprintf(stderr, "stormlab: %s\n", rr->err);
        rr->rc = crc == SL_CLUSTER_BAD_INPUT ? SL_E_INVAL : SL_E_IO;
        return;
    }
    if (sl_proxy_server_new(sl_scenario_seed(sc), &run->proxy, rr->err, sizeof rr->err) != SL_OK ||
        sl_proxy_server_start(run->proxy, rr->err, sizeof rr->err) != SL_OK) {
        fail_setup(rr, SL_E_IO, "fault proxy");
        return;
    }
    run->producers = calloc((size_t)(sl_scenario_topic_count(sc) ? sl_scenario_topic_count(sc) : 1),
                            sizeof *run->producers);
    if (!run->producers || sl_rgroups_init(run) < 0 || sl_racct_init(run) < 0 || sl_rtimeline_init(run) < 0) {
        rr->err[0] = 0;
        fail_setup(rr, SL_E_NOMEM, "out of memory");
        return;
    }
    for (int t = 0; t < sl_scenario_topic_count(sc); t++) {
        run->producers[t].cl.run = run;
        run->producers[t].topic = t;
        run->producers[t].blame = -1;
        snprintf(run->producers[t].cl.node, sizeof run->producers[t].cl.node, "producer/%s",
                 sl_scenario_topic(sc, t)->name);
    }
    if (sl_rlinks_init(run, rr->err, sizeof rr->err) < 0) {
        fail_setup(rr, SL_E_IO, "fault proxy links");
        return;
    }
    query_start_offsets(run);
    sl_rseries_header(run);
    /* Java members' JVMs start first and load their classes, then join with
     * the rest (a restart later pays its JVM start, as a restarted
     * application does). */
    for (int g = 0; g < run->n_groups && !run->failed; g++)
        for (int i = 0; i < run->groups[g].target && run->java_cmd; i++)
            if (run->groups[g].members[i].cfg.client == SL_CLIENT_JAVA &&
                sl_rjava_spawn(run, &run->groups[g].members[i], rr->err, sizeof rr->err) < 0) {
                run->failed = 1;
                snprintf(run->fail_reason, sizeof run->fail_reason, "%.500s", rr->err);
            }
    if (!run->failed && run->java_cmd && sl_rjava_wait_ready(run, 180, rr->err, sizeof rr->err) < 0) {
        run->failed = 1;
        snprintf(run->fail_reason, sizeof run->fail_reason, "%.500s", rr->err);
    }
    rr->started = 1;
}

/* The clients start and their groups form; from run time 0 the timeline
 * runs to the scenario's duration, a fatal error or a signal. */
static void execute(realrun_t *rr) {
    const sl_scenario_t *sc = rr->sc;
    const sl_run_opts_t *o = rr->o;
    sl_rrun_t *run = rr->run;
    struct timespec ts;

    /* The members start first; run time 0 is when every group has settled
     * with its first members (docs/real-runs.md, "Run time 0").  Until then
     * the clock stands at 0: t0 lies in the future, so every stamp is 0. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    struct timespec forming_since = ts;
    pthread_mutex_lock(&run->mu);
    run->t0_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec + FORMING_T0_AHEAD_NS;
    run->last_us = 0;
    pthread_mutex_unlock(&run->mu);
    sl_rlog(run, "-", 6, "[stormlab] run started: cluster %s (id %s), bootstrap %s, every client->broker link "
            "through the fault proxy", o->cluster, run->cluster->cluster_id, run->cluster->bootstrap);
    for (int g = 0; g < run->n_groups; g++)
        if (sl_scenario_group(sc, g)->client == SL_CLIENT_JAVA)
            sl_rlog(run, "-", 6, "[stormlab] group %s: Apache Kafka Java consumers, one JVM per member (%s)",
                    sl_scenario_group(sc, g)->id, run->java_cmd[0]);
    for (int g = 0; g < run->n_groups && !run->failed; g++)
        for (int i = 0; i < run->groups[g].target; i++) {
            run->groups[g].members[i].exists = 1;
            if (sl_rmember_start(run, &run->groups[g].members[i], -1, rr->err, sizeof rr->err) < 0) {
                run->failed = 1;
                snprintf(run->fail_reason, sizeof run->fail_reason, "%.500s", rr->err);
                break;
            }
        }
    if (!run->failed && wait_groups_formed(run, &rr->sigs, o->progress) == 0) {
        /* Run time 0: the groups are stable, the timeline begins. */
        clock_gettime(CLOCK_MONOTONIC, &ts);
        pthread_mutex_lock(&run->mu);
        double formed_s = (double)(ts.tv_sec - forming_since.tv_sec) + (ts.tv_nsec - forming_since.tv_nsec) / 1e9;
        run->t0_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
        run->last_us = 0;
        pthread_mutex_unlock(&run->mu);
        sl_rlog(run, "-", 6, "[stormlab] every group settled %.1f s after its members started: run time 0, the "
                "timeline and the producers start", formed_s);
    }
    if (!run->failed && !run->interrupted && sl_rproducers_start(run, rr->err, sizeof rr->err) < 0) {
        run->failed = 1;
        snprintf(run->fail_reason, sizeof run->fail_reason, "%.500s", rr->err);
    }

    const int64_t duration = sl_scenario_duration_us(sc), sample = sl_scenario_sample_us(sc);
    int64_t next_sample = 0, next_progress = 0;
    while (!run->failed && !run->interrupted) {
        int64_t now = sl_rnow(run);
        if (now >= duration)
            break;
        int64_t next = sl_rtimeline_run_due(run, now);
        now = sl_rnow(run);
        if (now >= next_sample) {
            sl_rsample(run);
            next_sample += sample;
            if (next_sample <= now) /* fell behind: skip, never burst */
                next_sample = now - now % sample + sample;
        }
        if (o->progress && now >= next_progress) {
            progress(run, now);
            next_progress = now + 250000;
        }
        int64_t wake = next_sample;
        if (next >= 0 && next < wake)
            wake = next;
        if (o->progress && next_progress < wake)
            wake = next_progress;
        if (duration < wake)
            wake = duration;
        int64_t wait = wake - sl_rnow(run);
        if (wait < 0)
            wait = 0;
        struct timespec to = {wait / 1000000, (long)(wait % 1000000) * 1000};
        int sig = sigtimedwait(&rr->sigs, NULL, &to);
        if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
            run->interrupted = 1;
            sl_rlog(run, "-", 4, "[stormlab] %s received: healing every fault and stopping",
                    sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP");
            break;
        }
    }
    if (o->progress)
        fputs("\r\033[K", stderr);
    run->end_us = sl_rnow(run);
    if (run->end_us < 0) /* stopped while the groups formed */
        run->end_us = 0;
    if (run->end_us > duration)
        run->end_us = duration;
    if (!run->interrupted && !run->failed)
        sl_rsample(run); /* the last sample, at the duration */
    pthread_mutex_lock(&run->mu);
    sl_rgroups_finish_locked(run);
    run->unavailable_us += (double)run->n_offline * (double)(sl_rstamp_locked(run) - run->offline_since_us);
    run->frozen = 1;
    run->end_seq = sl_rtrace_locked(run, sl_rstamp_locked(run), "run.end", NULL, NULL, NULL, -1, -1, "%s",
                     run->interrupted ? "interrupted by a signal: healing and stopping"
                     : run->failed    ? "failed: healing and stopping"
                                      : "scenario duration reached: healing and stopping");
    pthread_mutex_unlock(&run->mu);
}

/* The outcome's record accounting, one entry per topic (mu). */
static int fill_records_locked(sl_rrun_t *run, sl_run_outcome_t *oc) {
    int n = sl_scenario_topic_count(run->sc);
    oc->records = calloc((size_t)(n ? n : 1), sizeof *oc->records);
    if (!oc->records)
        return -1;
    oc->n_records = n;
    for (int t = 0; t < n; t++) {
        sl_racct_totals_t tt;
        sl_racct_totals_locked(run, t, &tt);
        oc->records[t] = (sl_run_records_t){sl_scenario_topic(run->sc, t)->name, tt.produced, tt.acked, tt.failed,
                                            tt.unacked, tt.in_log, tt.lost, tt.consumed, tt.duplicated,
                                            tt.unconsumed, run->acct[t].verified};
    }
    return 0;
}

/* Heal, stop, account, write: whatever happened before.  The outputs are
 * renamed into place only when every one was written whole. */
static void tear_down(realrun_t *rr) {
    const sl_scenario_t *sc = rr->sc;
    const sl_run_opts_t *o = rr->o;
    sl_rrun_t *run = rr->run;
    sl_run_outcome_t *oc = rr->oc;
    if (run->cluster && run->broker_down)
        sl_rtimeline_heal(run);
    else if (run->proxy)
        sl_rlinks_heal_all(run);
    if (run->producers)
        sl_rproducers_stop(run, run->interrupted ? 2000 : 10000);
    for (int g = 0; g < run->n_groups; g++)
        for (int i = 0; i < run->groups[g].n_slots; i++)
            sl_rmember_stop(run, &run->groups[g].members[i], 0, run->end_seq > 0 ? run->end_seq : -1);
    for (int g = 0; g < run->n_groups; g++)
        for (int i = 0; i < run->groups[g].n_slots; i++)
            if (run->groups[g].members[i].thread_alive) {
                sl_rmember_t *m = &run->groups[g].members[i];
                if (m->java) { /* consumer.close() waits at most 30 s; a JVM that hangs longer is killed */
                    struct timespec dl;
                    clock_gettime(CLOCK_REALTIME, &dl);
                    dl.tv_sec += 40;
                    if (pthread_timedjoin_np(m->thread, NULL, &dl) == 0) {
                        m->thread_alive = 0;
                        continue;
                    }
                    pthread_mutex_lock(&run->mu);
                    if (m->pid > 0)
                        kill(m->pid, SIGKILL);
                    pthread_mutex_unlock(&run->mu);
                }
                pthread_join(m->thread, NULL);
                m->thread_alive = 0;
            }
    if (rr->started) {
        sl_racct_verify(run, run->interrupted ? 3000 : 10000);
        pthread_mutex_lock(&run->mu);
        sl_racct_trace_locked(run);
        pthread_mutex_unlock(&run->mu);
    }
    /* What is still in place after the heal, by the run's own books. */
    int brokers_down = 0, members_frozen = 0, toxics_left = 0;
    for (int b = 0; run->broker_down && b < sl_scenario_cluster(sc)->brokers; b++)
        brokers_down += run->broker_down[b] != 0;
    for (int g = 0; g < run->n_groups; g++)
        for (int i = 0; i < run->groups[g].n_slots; i++)
            members_frozen += run->groups[g].members[i].paused || run->groups[g].members[i].stalled;
    for (int e = 0; run->faults && e < sl_scenario_event_count(sc); e++)
        toxics_left += run->faults[e].n_toxics;
    const char *kind = run->cluster ? run->cluster->ops->name : o->cluster;
    if (run->proxy) {
        sl_proxy_server_destroy(run->proxy);
        run->proxy = NULL;
    }
    if (run->cluster) {
        sl_cluster_destroy(run->cluster);
        run->cluster = NULL;
    }
    /* Every librdkafka handle is gone: its threads are joined. */
    if (rd_kafka_wait_destroyed(10000) != 0)
        fprintf(stderr, "stormlab run: librdkafka threads still running after 10 s\n");
    int threads_left = sl_rthreads_now() - 1;
    if (rr->started) {
        oc->end = run->interrupted ? SL_RUN_INTERRUPTED : run->failed ? SL_RUN_FAILED : SL_RUN_COMPLETE;
        snprintf(oc->failure, sizeof oc->failure, "%s", run->failed ? run->fail_reason : "");
        sl_rwrite_summary(run, rr->f[SL_OUT_SUMMARY], kind, brokers_down, members_frozen, toxics_left, threads_left);
        pthread_mutex_lock(&run->mu);
        if (sl_rfill_results_locked(run, &oc->results) < 0 || fill_records_locked(run, oc) < 0)
            rr->rc = SL_E_NOMEM;
        pthread_mutex_unlock(&run->mu);
        fprintf(run->log, "# stormlab: run %s after %.1f s; after the heal: %d brokers down, %d members frozen, %d "
                          "toxics, %d threads besides the main one\n",
                run->interrupted ? "interrupted" : run->failed ? "failed" : "complete", (double)run->end_us / 1e6,
                brokers_down, members_frozen, toxics_left, threads_left);
    }
    int write_ok = rr->started;
    for (int i = 0; i < SL_OUT__N; i++) {
        if (!rr->f[i])
            continue;
        int bad = ferror(rr->f[i]) | fclose(rr->f[i]);
        rr->f[i] = NULL;
        if (bad)
            write_ok = 0;
    }
    for (int i = 0; write_ok && i < SL_OUT__N; i++)
        if (rename(rr->tmp[i], rr->fin[i]) < 0)
            write_ok = 0;
    if (!write_ok)
        for (int i = 0; i < SL_OUT__N; i++)
            unlink(rr->tmp[i]);
    oc->written = write_ok;
    if (rr->started && !write_ok)
        fprintf(stderr, "stormlab run: cannot write the outputs in %s\n", o->out);
    if (rr->started && (!write_ok || oc->end != SL_RUN_COMPLETE) && rr->rc == SL_OK)
        rr->rc = SL_E_IO;
    /* Last: the outputs are whole and every fault is undone, or the
     * state file keeps what is not for `stormlab heal`. */
    char journal_path[4096];
    snprintf(journal_path, sizeof journal_path, "%s", sl_heal_journal_path(run->journal));
    if (run->journal && sl_heal_journal_close(run->journal)) {
        fprintf(stderr, "stormlab run: some faults could not be undone; %s keeps them: run `stormlab heal` once "
                        "the cause is fixed\n", journal_path);
        rr->rc = SL_E_IO;
    }
    run->journal = NULL;
}

static void free_run(sl_rrun_t *run) {
    if (run->groups)
        sl_rgroups_free(run);
    sl_racct_free(run);
    if (run->broker_down || run->faults)
        sl_rtimeline_free(run);
    if (run->producers) {
        for (int t = 0; t < sl_scenario_topic_count(run->sc); t++)
            free(run->producers[t].cl.via);
        free(run->producers);
    }
    sl_rjava_free(run->java_cmd);
    pthread_cond_destroy(&run->cv);
    pthread_mutex_destroy(&run->mu);
    free(run);
}

void sl_run_outcome_free(sl_run_outcome_t *oc) {
    sl_run_results_free(&oc->results);
    free(oc->records);
    oc->records = NULL;
    oc->n_records = 0;
}

sl_err_t sl_realrun(const sl_scenario_t *sc, const sl_run_opts_t *o, sl_run_outcome_t *oc) {
    realrun_t rr = {.sc = sc, .o = o, .oc = oc, .rc = SL_OK};
    memset(oc, 0, sizeof *oc);
    sl_err_t rc = validate(&rr);
    if (rc == SL_OK)
        rc = heal_earlier_runs(&rr);
    if (rc != SL_OK)
        return rc;
    if (o->dry_run)
        return dry_run(sc, o);
    if (sl_rjava_prepare(sc, &rr.java_cmd, rr.err, sizeof rr.err) < 0) {
        fprintf(stderr, "stormlab run: %s\n", rr.err);
        return SL_E_INVAL;
    }

    /* Signals first, so every thread created from here on has them blocked. */
    sigemptyset(&rr.sigs);
    sigaddset(&rr.sigs, SIGINT);
    sigaddset(&rr.sigs, SIGTERM);
    sigaddset(&rr.sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &rr.sigs, &rr.old);
    set_up(&rr);
    if (rr.run) {
        if (rr.rc == SL_OK)
            execute(&rr);
        tear_down(&rr);
        free_run(rr.run);
    }
    /* A second signal that came during the teardown has done its job (the
     * teardown is what it asks for): taken here, not delivered when the
     * mask is restored, so the run exits with its own code, not 143. */
    struct timespec now0 = {0, 0};
    while (sigtimedwait(&rr.sigs, NULL, &now0) > 0)
        ;
    pthread_sigmask(SIG_SETMASK, &rr.old, NULL);
    return rr.rc;
}
