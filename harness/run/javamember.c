/*
 * Java members: a `client: java` group's members are real Apache Kafka
 * Java consumers, one JVM each (harness/java/, the protocol in
 * docs/real-runs.md, "Java members").  The harness writes commands to the
 * JVM's stdin; one thread per member reads its stdout (the events: rebalance
 * callbacks, commits, records consumed) and is the member's thread (joined
 * like a librdkafka member's poll loop); another reads its stderr (the
 * client's own log at INFO), stamps every line into log.txt and turns the
 * group-membership lines into the same trace events librdkafka's lines give.
 *
 * The JVM's connections reach the brokers through the member's own proxy
 * listeners: libstormlab_connect_map.so, preloaded, maps each broker's
 * address to them as librdkafka's connect_cb does (links.c).  A freeze is
 * SIGSTOP of the one process, a hard restart SIGKILL.
 */
#define _GNU_SOURCE /* pipe2 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run-internal.h"

extern char **environ;

#ifndef SL_JAVA_DIR
#define SL_JAVA_DIR "harness/java"
#endif
#ifndef SL_CONNECT_MAP_LIB
#define SL_CONNECT_MAP_LIB "libstormlab_connect_map.so"
#endif

static const char *java_dir(void) {
    const char *d = getenv("STORMLAB_JAVA_DIR");
    return d && *d ? d : SL_JAVA_DIR;
}

static const char *connect_map_lib(void) {
    const char *l = getenv("STORMLAB_CONNECT_MAP_LIB");
    return l && *l ? l : SL_CONNECT_MAP_LIB;
}

/* Reads a whole fd into a malloc'd string. */
static char *slurp(int fd) {
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    for (ssize_t r; buf;) {
        if (len + 1024 > cap) {
            char *n = realloc(buf, cap *= 2);
            if (!n) {
                free(buf);
                return NULL;
            }
            buf = n;
        }
        r = read(fd, buf + len, cap - len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    if (buf)
        buf[len] = 0;
    return buf;
}

int sl_rjava_prepare(const sl_scenario_t *sc, char ***cmd_out, char *err, size_t errsz) {
    *cmd_out = NULL;
    int need = 0;
    for (int g = 0; g < sl_scenario_group_count(sc); g++)
        need |= sl_scenario_group(sc, g)->client == SL_CLIENT_JAVA;
    if (!need)
        return 0;
    const char *lib = connect_map_lib();
    if (access(lib, R_OK) != 0) {
        snprintf(err, errsz, "client: java groups need %s (built beside stormlab; STORMLAB_CONNECT_MAP_LIB): %s", lib,
                 strerror(errno));
        return -1;
    }
    char script[4096];
    snprintf(script, sizeof script, "%s/member.sh", java_dir());
    int out[2], errp[2];
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
        snprintf(err, errsz, "pipe: %s", strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
    char *argv[] = {"bash", script, "prepare", NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, "bash", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    close(errp[1]);
    if (rc != 0) {
        close(out[0]);
        close(errp[0]);
        snprintf(err, errsz, "cannot run %s: %s", script, strerror(rc));
        return -1;
    }
    char *text = slurp(out[0]), *msg = slurp(errp[0]);
    close(out[0]);
    close(errp[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0 && text && text[0];
    if (!ok) {
        /* member.sh's last line says what is missing */
        const char *why = "no output";
        if (msg) {
            size_t n = strlen(msg);
            while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
                msg[--n] = 0;
            char *nl = strrchr(msg, '\n');
            why = nl ? nl + 1 : msg;
        }
        snprintf(err, errsz, "client: java groups need the Java member and it could not be prepared: %.400s", why);
        free(text);
        free(msg);
        return -1;
    }
    if (msg && msg[0]) /* the one-time build says so */
        fprintf(stderr, "%s", msg);
    free(msg);
    int n = 0;
    for (char *p = text; *p; p++)
        n += *p == '\n';
    char **cmd = calloc((size_t)n + 2, sizeof *cmd);
    int k = 0;
    for (char *save = NULL, *w = strtok_r(text, "\n", &save); w && cmd; w = strtok_r(NULL, "\n", &save))
        cmd[k++] = strdup(w);
    free(text);
    if (!cmd || k < 2) {
        snprintf(err, errsz, "%s prepare printed no command", script);
        sl_rjava_free(cmd);
        return -1;
    }
    *cmd_out = cmd;
    return 0;
}

void sl_rjava_free(char **cmd) {
    for (int i = 0; cmd && cmd[i]; i++)
        free(cmd[i]);
    free(cmd);
}

void sl_rjava_send_locked(sl_rmember_t *m, const char *line) {
    if (m->java_in < 0)
        return;
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "%s\n", line);
    if (n <= 0 || (size_t)n >= sizeof buf)
        return;
    for (int off = 0; off < n;) { /* a pipe write this small is atomic; EPIPE: the JVM is gone */
        ssize_t w = write(m->java_in, buf + off, (size_t)(n - off));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        off += (int)w;
    }
}

/* ---- the member's stdout: events ---- */

/* "t-0,t-1" -> group partition indexes (n), "-" none. */
static int *parse_parts(sl_rrun_t *run, sl_rmember_t *m, char *list, int *n) {
    int cap = 1;
    for (char *p = list; *p; p++)
        cap += *p == ',';
    int *parts = calloc((size_t)cap, sizeof *parts);
    *n = 0;
    if (!parts || !strcmp(list, "-"))
        return parts;
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", list);
    for (char *save = NULL, *tp = strtok_r(copy, ",", &save); tp; tp = strtok_r(NULL, ",", &save)) {
        char *dash = strrchr(tp, '-');
        if (!dash)
            continue;
        *dash = 0;
        parts[(*n)++] = sl_rgroup_part(run, &run->groups[m->group], tp, atoi(dash + 1));
    }
    return parts;
}

/* A generation (classic) or member epoch (KIP-848) the member holds now:
 * the group view counts generations from it (caller holds mu). */
static void saw_generation_locked(sl_rrun_t *run, sl_rmember_t *m, int gen, const char *id, const char *how) {
    sl_rgroup_t *g = &run->groups[m->group];
    if (id && strcmp(id, "-") && strcmp(m->member_id, id)) {
        sl_rmember_forget_id(m);
        snprintf(m->member_id, sizeof m->member_id, "%s", id);
    }
    if (gen < 0 || gen == m->joined_gen)
        return;
    m->joined_gen = gen;
    m->last_seq = sl_rtrace_locked(run, sl_rstamp_locked(run), "member.joined", m->cl.node, g->cfg->id, m->member_id,
                                   gen, m->last_seq, "%s", how);
    sl_rgroup_member_generation_locked(run, g, gen, m->last_seq);
}

static void on_event(sl_rrun_t *run, sl_rmember_t *m, char *line) {
    sl_rgroup_t *g = &run->groups[m->group];
    char *save = NULL, *verb = strtok_r(line, " ", &save);
    if (!verb)
        return;
    if (!strcmp(verb, "ready")) {
        pthread_mutex_lock(&run->mu);
        m->java_ready = 1;
        pthread_cond_broadcast(&run->cv);
        pthread_mutex_unlock(&run->mu);
    } else if (!strcmp(verb, "started")) {
        pthread_mutex_lock(&run->mu);
        m->java_started = 1;
        pthread_mutex_unlock(&run->mu);
    } else if (!strcmp(verb, "assigned") || !strcmp(verb, "revoked") || !strcmp(verb, "lost")) {
        char *gen = strtok_r(NULL, " ", &save), *id = strtok_r(NULL, " ", &save), *list = strtok_r(NULL, " ", &save);
        if (!gen || !id || !list)
            return;
        int n;
        int *parts = parse_parts(run, m, list, &n);
        pthread_mutex_lock(&run->mu);
        if (verb[0] == 'a') {
            /* KIP-848: the epoch the listener sees can be the one before;
             * the membership lines give the coordinator's (client_line_locked) */
            if (m->cfg.protocol != SL_PROTO_CONSUMER)
                saw_generation_locked(run, m, atoi(gen), id, "generation of its assignment");
            sl_rmember_assigned_locked(run, m, parts, n, list, NULL);
        } else {
            sl_rmember_revoked_locked(run, m, verb[0] == 'l', parts, n, list, NULL);
        }
        pthread_mutex_unlock(&run->mu);
        free(parts);
    } else if (!strcmp(verb, "epoch")) {
        /* The epoch the consumer holds after a poll (Member.java): a KIP-848
         * member whose new epoch changes none of its partitions logs no
         * transition, so this is how its move is seen; it holds that epoch's
         * assignment when its last transition was to STABLE. */
        char *word = strtok_r(NULL, " ", &save), *id = strtok_r(NULL, " ", &save);
        if (!word || !id || m->cfg.protocol != SL_PROTO_CONSUMER)
            return;
        int epoch = atoi(word);
        pthread_mutex_lock(&run->mu);
        saw_generation_locked(run, m, epoch, id, "member epoch the consumer holds after a poll (KIP-848)");
        if (m->kip_stable && epoch > m->assigned_gen) {
            m->assigned_gen = epoch;
            m->rejoining = 0;
        }
        sl_rgroup_changed_locked(run, g, m->last_seq);
        pthread_mutex_unlock(&run->mu);
    } else if (!strcmp(verb, "committed")) {
        pthread_mutex_lock(&run->mu);
        for (char *w; (w = strtok_r(NULL, " ", &save));) {
            char *eq = strrchr(w, '='), *dash;
            if (!eq)
                continue;
            *eq = 0;
            if (!(dash = strrchr(w, '-')))
                continue;
            *dash = 0;
            int p = sl_rgroup_part(run, g, w, atoi(dash + 1));
            if (p >= 0)
                g->committed[p] = strtoll(eq + 1, NULL, 10);
        }
        pthread_mutex_unlock(&run->mu);
    } else if (!strcmp(verb, "consumed")) {
        pthread_mutex_lock(&run->mu);
        for (char *w; (w = strtok_r(NULL, " ", &save));) {
            char *hex = strrchr(w, ':');
            unsigned char payload[24];
            if (!hex || strlen(hex + 1) != 2 * sizeof payload)
                continue; /* not a record of this run */
            for (size_t i = 0; i < sizeof payload; i++) {
                unsigned int b;
                sscanf(hex + 1 + 2 * i, "%2x", &b);
                payload[i] = (unsigned char)b;
            }
            int topic;
            int64_t seq;
            if (!sl_racct_parse(run, payload, sizeof payload, &topic, &seq))
                sl_racct_consumed_locked(run, m, topic, seq);
        }
        pthread_mutex_unlock(&run->mu);
    } else if (!strcmp(verb, "group_config")) {
        sl_rlog(run, m->cl.node, 6, "[stormlab] group %s on the broker (KIP-848 group configs): %s", g->cfg->id,
                save ? save : "");
    } else if (!strcmp(verb, "error")) {
        sl_rlog(run, m->cl.node, 3, "[stormlab] Java member: error %s", save ? save : "");
    }
}

/* ---- the member's stderr: the client's own log ---- */

static int level_of(const char *word) {
    if (!strcmp(word, "ERROR"))
        return 3;
    if (!strcmp(word, "WARN"))
        return 4;
    if (!strcmp(word, "INFO"))
        return 6;
    if (!strcmp(word, "DEBUG") || !strcmp(word, "TRACE"))
        return 7;
    return -1;
}

/* The Java client's group-membership lines as trace events, as member.c
 * reads librdkafka's (caller holds mu). */
static void client_line_locked(sl_rrun_t *run, sl_rmember_t *m, const char *msg) {
    sl_rgroup_t *g = &run->groups[m->group];
    int64_t now = sl_rstamp_locked(run);
    const char *p;
    int gen;
    char id[128], from[32], to[32];
    if (strstr(msg, "(Re-)joining group")) {
        m->last_seq = g->member_join_seq =
            sl_rtrace_locked(run, now, "member.join", m->cl.node, g->cfg->id, m->member_id, m->joined_gen, m->last_seq,
                             "JoinGroup sent%s", m->member_id[0] ? "" : " (no member id yet)");
    } else if ((p = strstr(msg, "Successfully joined group with generation Generation{generationId=")) &&
               sscanf(p, "Successfully joined group with generation Generation{generationId=%d, memberId='%127[^']'",
                      &gen, id) == 2) {
        saw_generation_locked(run, m, gen, id, "JoinGroup answered");
    } else if (strstr(msg, "Attempt to heartbeat failed since group is rebalancing")) {
        int64_t cause = g->rebalance_seq >= 0 && g->rebalancing ? g->rebalance_seq : m->last_seq;
        m->last_seq = sl_rtrace_locked(run, now, "member.rejoin_needed", m->cl.node, g->cfg->id, m->member_id,
                                       m->joined_gen, cause, "heartbeat answered REBALANCE_IN_PROGRESS");
        sl_rgroup_member_rebalance_locked(run, g, m->last_seq, "heartbeat answered REBALANCE_IN_PROGRESS");
    } else if (strstr(msg, "Attempt to heartbeat failed") && (strstr(msg, "is not valid") || strstr(msg, "generation"))) {
        m->last_seq = sl_rtrace_locked(run, now, "member.fenced", m->cl.node, g->cfg->id, m->member_id, m->joined_gen,
                                       m->last_seq, "heartbeat answered %s",
                                       strstr(msg, "is not valid") ? "UNKNOWN_MEMBER_ID" : "ILLEGAL_GENERATION");
        m->rejoining = 1;
        sl_rgroup_member_rebalance_locked(run, g, m->last_seq, "a member was fenced");
    } else if ((p = strstr(msg, "] Member ")) &&
               sscanf(p, "] Member %127s with epoch %d transitioned from %31s to %31[A-Z_]", id, &gen, from, to) == 4) {
        /* KIP-848: the member epoch is the coordinator's, in its heartbeat
         * answer; STABLE means the member holds that epoch's assignment */
        if (!strcmp(to, "JOINING") && strcmp(from, "UNSUBSCRIBED") && strcmp(from, "JOINING"))
            m->last_seq = g->member_join_seq =
                sl_rtrace_locked(run, now, "member.join", m->cl.node, g->cfg->id, id, gen, m->last_seq,
                                 "rejoining with epoch 0 (from %s)", from);
        else if (!strcmp(to, "UNSUBSCRIBED") && !strcmp(from, "UNSUBSCRIBED"))
            return;
        if (!strcmp(to, "FENCED")) {
            m->last_seq = sl_rtrace_locked(run, now, "member.fenced", m->cl.node, g->cfg->id, id, gen, m->last_seq,
                                           "heartbeat answered FENCED_MEMBER_EPOCH or UNKNOWN_MEMBER_ID (KIP-848)");
            m->rejoining = 1;
            sl_rgroup_member_rebalance_locked(run, g, m->last_seq, "a member was fenced");
        }
        if (gen > 0)
            saw_generation_locked(run, m, gen, id, "member epoch from the coordinator's heartbeat answer (KIP-848)");
        m->kip_stable = !strcmp(to, "STABLE");
        if (!strcmp(to, "STABLE") && gen > 0) {
            m->assigned_gen = gen;
            m->rejoining = 0;
            sl_rgroup_changed_locked(run, g, m->last_seq);
        }
    } else if (strstr(msg, "consumer poll timeout has expired")) {
        m->last_seq = sl_rtrace_locked(run, now, "member.poll_timeout", m->cl.node, g->cfg->id, m->member_id,
                                       m->joined_gen, m->blame >= 0 ? m->blame : m->last_seq,
                                       "max.poll.interval.ms passed without a poll(); leaving the group");
        m->rejoining = 1;
    } else {
        return;
    }
    sl_rgroup_changed_locked(run, g, m->last_seq);
}

typedef struct jthread_s {
    sl_rrun_t *run;
    sl_rmember_t *m;
    int fd;
} jthread_t;

/* Calls fn with each line of the thread's pipe, without its line break,
 * until the JVM closes it. */
static void each_line(jthread_t *jt, void (*fn)(sl_rrun_t *run, sl_rmember_t *m, char *line)) {
    FILE *f = fdopen(jt->fd, "r");
    char *line = NULL;
    size_t cap = 0;
    for (ssize_t n; f && (n = getline(&line, &cap, f)) >= 0;) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = 0;
        if (n)
            fn(jt->run, jt->m, line);
    }
    free(line);
    if (f)
        fclose(f);
    else
        close(jt->fd);
}

/* slf4j-simple: "LEVEL Logger - [Consumer clientId=..., groupId=...] message";
 * other lines (a stack trace, a banner) go on at INFO.  DEBUG and TRACE
 * come only when asked for (a logger's level in JAVA_TOOL_OPTIONS,
 * docs/real-runs.md) and are kept. */
static void on_log_line(sl_rrun_t *run, sl_rmember_t *m, char *line) {
    char word[8] = "";
    sscanf(line, "%7s", word);
    int level = level_of(word);
    const char *msg = level >= 0 ? line + strlen(word) + 1 : line;
    pthread_mutex_lock(&run->mu);
    snprintf(m->java_tail[m->java_tail_n++ % 3], sizeof m->java_tail[0], "%s", line);
    sl_rlog_locked(run, sl_rstamp_locked(run), m->cl.node, level >= 0 ? level : 6, "%s", msg);
    client_line_locked(run, m, msg);
    pthread_mutex_unlock(&run->mu);
}

static void *stderr_main(void *arg) {
    each_line(arg, on_log_line);
    free(arg);
    return NULL;
}

/* The member's thread: its events until the JVM exits, then the end. */
static void *stdout_main(void *arg) {
    jthread_t *jt = arg;
    sl_rrun_t *run = jt->run;
    sl_rmember_t *m = jt->m;
    each_line(jt, on_event);
    free(jt);
    pthread_join(m->err_thread, NULL); /* its log, whole, before the end */
    pthread_mutex_lock(&run->mu);
    pid_t pid = m->pid;
    pthread_mutex_unlock(&run->mu);
    int st = 0;
    while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    pthread_mutex_lock(&run->mu);
    m->pid = 0;
    if (m->java_in >= 0)
        close(m->java_in);
    m->java_in = -1;
    char how[256];
    if (m->stop_req && m->stop_hard)
        snprintf(how, sizeof how, "process killed: no LeaveGroup, no commit");
    else if (m->stop_req && WIFEXITED(st) && WEXITSTATUS(st) == 0)
        snprintf(how, sizeof how, "consumer closed (LeaveGroup)");
    else if (WIFSIGNALED(st))
        snprintf(how, sizeof how, "Java member died of signal %d", WTERMSIG(st));
    else
        snprintf(how, sizeof how, "Java member exited with status %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    if (!m->stop_req && !m->java_started && !run->failed) { /* before `ready`, or before `started` */
        /* a member that could not start is the run's error, with its log */
        run->failed = 1;
        snprintf(run->fail_reason, sizeof run->fail_reason, "%.60s: the Java member did not start (%.60s); its last lines: %.90s | %.90s | %.90s",
                 m->cl.node, how, m->java_tail[0], m->java_tail[1], m->java_tail[2]);
    }
    if (m->java_subscribed)
        sl_rmember_ended_locked(run, m, how);
    m->java_subscribed = 0;
    pthread_cond_broadcast(&run->cv);
    pthread_mutex_unlock(&run->mu);
    return NULL;
}

static const char *assignor_class(sl_assignor_t a) {
    switch (a) {
    case SL_ASSIGN_ROUNDROBIN: return "org.apache.kafka.clients.consumer.RoundRobinAssignor";
    case SL_ASSIGN_COOPERATIVE_STICKY: return "org.apache.kafka.clients.consumer.CooperativeStickyAssignor";
    case SL_ASSIGN_STICKY: return "org.apache.kafka.clients.consumer.StickyAssignor";
    default: return "org.apache.kafka.clients.consumer.RangeAssignor";
    }
}

/* The commands that configure and subscribe a member, one per line. */
static void config_lines(sl_rrun_t *run, sl_rmember_t *m, char *buf, size_t n) {
    const sl_group_cfg_t *c = &m->cfg;
    sl_rgroup_t *g = &run->groups[m->group];
    size_t used = 0;
#define LINE(...) used += (size_t)snprintf(buf + used, used < n ? n - used : 0, __VA_ARGS__)
    LINE("config bootstrap.servers=%s\n", run->cluster->bootstrap);
    LINE("config group.id=%s\nconfig client.id=stormlab-%s-%d\n", g->cfg->id, g->cfg->id, m->index);
    if (c->protocol == SL_PROTO_CONSUMER) {
        /* KIP-848: the coordinator assigns and times sessions; the client
         * refuses the classic protocol's settings, so the group's own are
         * set on the broker (its bounds, group.consumer.min/max.*, apply),
         * once, by the first member's first start: a restarted member is an
         * application starting again, not one configuring the cluster */
        LINE("config group.protocol=consumer\n");
        if (m->index == 1 && m->incarnation == 0) {
            LINE("group_config consumer.session.timeout.ms=%lld\n", (long long)(g->cfg->session_timeout_us / 1000));
            LINE("group_config consumer.heartbeat.interval.ms=%lld\n", (long long)(g->cfg->heartbeat_interval_us / 1000));
        }
    } else {
        LINE("config session.timeout.ms=%lld\n", (long long)(c->session_timeout_us / 1000));
        LINE("config heartbeat.interval.ms=%lld\n", (long long)(c->heartbeat_interval_us / 1000));
        LINE("config partition.assignment.strategy=%s\n", assignor_class(c->assignor));
    }
    LINE("config max.poll.interval.ms=%lld\n", (long long)(c->max_poll_interval_us / 1000));
    if (c->static_membership)
        LINE("config group.instance.id=%s-%d\n", g->cfg->id, m->index);
    LINE("config auto.commit.interval.ms=%lld\n", (long long)(c->auto_commit_interval_us / 1000));
    LINE("config request.timeout.ms=%lld\n", (long long)(c->request_timeout_us / 1000));
    LINE("config fetch.max.wait.ms=%lld\n", (long long)(c->fetch_max_wait_us / 1000));
    if (c->max_poll_records > 0)
        LINE("config max.poll.records=%d\n", c->max_poll_records);
    LINE("config auto.offset.reset=earliest\n");
    LINE("processing %lld %lld %llu\n", (long long)c->processing_median_us, (long long)c->processing_p99_us,
         (unsigned long long)(sl_rng_next(&m->rng) >> 1));
    LINE("commit %s\non_revoke %lld\n", c->commit == SL_COMMIT_SYNC_PER_BATCH ? "sync" : "auto",
         (long long)c->on_revoke_us);
#undef LINE
}

static int start_reader(sl_rrun_t *run, sl_rmember_t *m, int fd, void *(*fn)(void *), pthread_t *t) {
    jthread_t *jt = malloc(sizeof *jt);
    if (!jt)
        return -1;
    *jt = (jthread_t){run, m, fd};
    if (pthread_create(t, NULL, fn, jt) != 0) {
        free(jt);
        return -1;
    }
    return 0;
}

int sl_rjava_spawn(sl_rrun_t *run, sl_rmember_t *m, char *err, size_t errsz) {
    if (m->thread_alive) { /* the previous incarnation must be gone */
        pthread_join(m->thread, NULL);
        m->thread_alive = 0;
    }
    /* the environment: the caller's, with the connect map preloaded */
    char map[2048] = "", preload[4200];
    size_t used = 0;
    sl_cluster_t *c = run->cluster;
    for (int b = 0; b < c->n_brokers && used < sizeof map; b++) {
        char from[INET_ADDRSTRLEN], to[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &c->broker_sa[b].sin_addr, from, sizeof from);
        inet_ntop(AF_INET, &m->cl.via[b].sin_addr, to, sizeof to);
        used += (size_t)snprintf(map + used, sizeof map - used, "%s%s:%d=%s:%d", b ? "," : "", from,
                                 ntohs(c->broker_sa[b].sin_port), to, ntohs(m->cl.via[b].sin_port));
    }
    const char *old = getenv("LD_PRELOAD");
    snprintf(preload, sizeof preload, "LD_PRELOAD=%s%s%s", connect_map_lib(), old && *old ? " " : "", old ? old : "");
    int ne = 0;
    while (environ[ne])
        ne++;
    char **env = calloc((size_t)ne + 3, sizeof *env), mapvar[2100];
    if (!env) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    snprintf(mapvar, sizeof mapvar, "STORMLAB_CONNECT_MAP=%s", map);
    int k = 0;
    for (int i = 0; i < ne; i++)
        if (strncmp(environ[i], "LD_PRELOAD=", 11) && strncmp(environ[i], "STORMLAB_CONNECT_MAP=", 21))
            env[k++] = environ[i];
    env[k++] = preload;
    env[k++] = mapvar;

    int in[2], out[2], errp[2];
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
        free(env);
        snprintf(err, errsz, "pipe: %s", strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP); /* a terminal's ^C is stormlab's to handle */
    posix_spawnattr_setpgroup(&at, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, run->java_cmd[0], &fa, &at, run->java_cmd, env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    free(env);
    close(in[0]);
    close(out[1]);
    close(errp[1]);
    if (rc != 0) {
        close(in[1]);
        close(out[0]);
        close(errp[0]);
        snprintf(err, errsz, "%s: cannot start %s: %s", m->cl.node, run->java_cmd[0], strerror(rc));
        return -1;
    }
    char conf[4096];
    config_lines(run, m, conf, sizeof conf);
    pthread_mutex_lock(&run->mu);
    m->java = 1;
    m->pid = pid;
    m->java_in = in[1];
    m->java_ready = m->java_started = m->java_subscribed = 0;
    memset(m->java_tail, 0, sizeof m->java_tail);
    m->java_tail_n = 0;
    m->stop_req = m->stop_hard = 0;
    for (char *save = NULL, *l = strtok_r(conf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        sl_rjava_send_locked(m, l);
    pthread_mutex_unlock(&run->mu);
    if (start_reader(run, m, errp[0], stderr_main, &m->err_thread) < 0) {
        close(errp[0]);
        close(out[0]);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        snprintf(err, errsz, "%s: no thread for its log", m->cl.node);
        return -1;
    }
    if (start_reader(run, m, out[0], stdout_main, &m->thread) < 0) {
        close(out[0]);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        pthread_join(m->err_thread, NULL);
        snprintf(err, errsz, "%s: no thread for its events", m->cl.node);
        return -1;
    }
    m->thread_alive = 1;
    return 0;
}

void sl_rjava_subscribe(sl_rrun_t *run, sl_rmember_t *m, int64_t cause) {
    sl_rgroup_t *g = &run->groups[m->group];
    char line[1024] = "subscribe ";
    size_t used = strlen(line);
    for (int k = 0; k < g->cfg->n_topics && used < sizeof line; k++)
        used += (size_t)snprintf(line + used, sizeof line - used, "%s%s", k ? "," : "",
                                 sl_scenario_topic(run->sc, g->cfg->topics[k])->name);
    pthread_mutex_lock(&run->mu);
    m->java_subscribed = 1;
    m->running = 1;
    m->rejoining = 0;
    m->joined_gen = m->assigned_gen = -1;
    sl_rmember_forget_id(m);
    m->incarnation++;
    m->last_seq = sl_rtrace_locked(run, sl_rstamp_locked(run), "member.start", m->cl.node, g->cfg->id, NULL, -1, cause,
                                   "Java consumer started (pid %d, %s, %s)", (int)m->pid,
                                   m->cfg.protocol == SL_PROTO_CONSUMER ? "group.protocol=consumer" : "classic protocol",
                                   m->cfg.protocol == SL_PROTO_CONSUMER ? "broker-side assignor"
                                                                        : strrchr(assignor_class(m->cfg.assignor), '.') + 1);
    sl_rjava_send_locked(m, line);
    pthread_mutex_unlock(&run->mu);
}

int sl_rjava_start(sl_rrun_t *run, sl_rmember_t *m, int64_t cause, char *err, size_t errsz) {
    pthread_mutex_lock(&run->mu);
    int spawned = m->java && m->pid > 0 && !m->java_subscribed && !m->stop_req;
    pthread_mutex_unlock(&run->mu);
    if (!spawned && sl_rjava_spawn(run, m, err, errsz) < 0)
        return -1;
    sl_rjava_subscribe(run, m, cause);
    return 0;
}

int sl_rjava_wait_ready(sl_rrun_t *run, int timeout_s, char *err, size_t errsz) {
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += timeout_s;
    pthread_mutex_lock(&run->mu);
    for (;;) {
        sl_rmember_t *late = NULL;
        for (int g = 0; g < run->n_groups && !late; g++)
            for (int i = 0; i < run->groups[g].n_slots && !late; i++) {
                sl_rmember_t *m = &run->groups[g].members[i];
                if (m->java && !m->java_subscribed && m->pid > 0 && !m->java_ready)
                    late = m;
            }
        if (!late || run->failed || run->interrupted)
            break;
        if (pthread_cond_timedwait(&run->cv, &run->mu, &dl) == ETIMEDOUT) {
            snprintf(err, errsz, "%s: the Java member was not ready after %d s; its last lines: %.90s | %.90s | %.90s",
                     late->cl.node, timeout_s, late->java_tail[0], late->java_tail[1], late->java_tail[2]);
            pthread_mutex_unlock(&run->mu);
            return -1;
        }
    }
    int failed = run->failed;
    if (failed)
        snprintf(err, errsz, "%s", run->fail_reason);
    pthread_mutex_unlock(&run->mu);
    return failed ? -1 : 0;
}
