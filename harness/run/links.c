/*
 * The network between clients and brokers: one fault-proxy listener per
 * (client, broker) pair, named "billing/1>broker/2", so a partition cuts
 * exactly the links the scenario names and no other.  Each client handle's
 * connect_cb sends its connection for broker N to its own listener for N;
 * the proxy forwards it to the broker's real address.  Broker<->broker and
 * client<->client links are not proxied (the mock has no inter-broker
 * traffic; a real cluster's replication is not ours to cut).
 *
 * Scenario -> proxy toxics (docs/proxy.md):
 *   links.latency/jitter/loss  latency / loss toxics on every link ("base-*")
 *   partition                  cut, per direction ("ev<i>-cut-up", "ev<i>-cut-down"):
 *                              healed on TCP's retransmission schedule (rto 200 ms)
 *   degrade                    latency and loss, both directions
 *   pause (a member)           cut both ways on all its links ("pause-*"), rto 0:
 *                              released at once on thaw
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "run-internal.h"

/* File descriptors one (client, broker) link costs at most: the proxy's
 * listener, its two ends of a connection, the client's socket, and
 * librdkafka's wake-up pipe for that broker's thread (two ends). */
#define FDS_PER_LINK 6
/* The rest of a run: the mock cluster's listeners, the control API,
 * outputs, the journal, librdkafka's own handles. */
#define FDS_RESERVED 256

int sl_rlinks_check_size(const sl_scenario_t *sc, char *err, size_t errsz) {
    long clients = sl_scenario_topic_count(sc); /* one producer per topic */
    int big = 0, n_groups = sl_scenario_group_count(sc), brokers = sl_scenario_cluster(sc)->brokers;
    for (int g = 0; g < n_groups; g++) {
        clients += sl_scenario_max_members(sc, g);
        if (sl_scenario_max_members(sc, g) > sl_scenario_max_members(sc, big))
            big = g;
    }
    long links = clients * brokers;
    const sl_group_cfg_t *gc = n_groups ? sl_scenario_group(sc, big) : NULL;
    const char *file = sl_scenario_file(sc);
    if (links > SL_PROXY_MAX_PROXIES) {
        snprintf(err, errsz,
                 "%s:%d:%d: a real run of this scenario needs %ld fault-proxy links (%ld clients x %d brokers: one "
                 "per member and producer for each broker), more than the proxy's %d; run fewer members here "
                 "(largest group: %s) or use `stormlab sim`",
                 file, gc ? gc->line : 1, gc ? gc->col : 1, links, clients, brokers, SL_PROXY_MAX_PROXIES,
                 gc ? gc->id : "-");
        return -1;
    }
    /* Raise the soft limit to the hard one (what a shell's `ulimit -n
     * hard` would do); refuse now rather than fail mid-run with EMFILE. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        if (rl.rlim_cur < rl.rlim_max) {
            rl.rlim_cur = rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
            getrlimit(RLIMIT_NOFILE, &rl);
        }
        long need = links * FDS_PER_LINK + FDS_RESERVED;
        if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)need > rl.rlim_cur) {
            snprintf(err, errsz,
                     "%s:%d:%d: a real run of this scenario needs about %ld file descriptors (%ld links x %d + %d), "
                     "more than this process may open (%llu: raise the hard limit, `ulimit -Hn`, or run fewer "
                     "members)",
                     file, gc ? gc->line : 1, gc ? gc->col : 1, need, links, FDS_PER_LINK, FDS_RESERVED,
                     (unsigned long long)rl.rlim_cur);
            return -1;
        }
    }
    return 0;
}

static void proxy_name(const sl_rclient_t *cl, int broker, char *buf, size_t n) {
    snprintf(buf, n, "%s>broker/%d", cl->node, broker);
}

static int client_links(sl_rrun_t *run, sl_rclient_t *cl, char *err, size_t errsz) {
    int nb = run->cluster->n_brokers;
    cl->via = calloc((size_t)nb, sizeof *cl->via);
    if (!cl->via) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    const sl_link_cfg_t *base = sl_scenario_links(run->sc);
    for (int b = 1; b <= nb; b++) {
        char name[160], addr[64];
        proxy_name(cl, b, name, sizeof name);
        sl_err_t rc = sl_proxy_create(run->proxy, name, "127.0.0.1:0", run->cluster->broker_addr[b - 1], 1, err, errsz);
        if (rc == SL_OK)
            rc = sl_proxy_listen_address(run->proxy, name, addr, sizeof addr);
        if (rc != SL_OK) {
            if (!err[0])
                snprintf(err, errsz, "proxy %s: %s", name, sl_strerror(rc));
            return -1;
        }
        char *colon = strrchr(addr, ':');
        if (!colon)
            return -1;
        *colon = 0;
        cl->via[b - 1].sin_family = AF_INET;
        cl->via[b - 1].sin_port = htons((uint16_t)atoi(colon + 1));
        inet_pton(AF_INET, addr, &cl->via[b - 1].sin_addr);
        for (int d = 0; d < 2; d++) {
            sl_proxy_toxic_opts_t o = SL_PROXY_TOXIC_OPTS_INIT;
            o.stream = d ? SL_PROXY_DOWNSTREAM : SL_PROXY_UPSTREAM;
            char tn[32];
            if (base->latency_us >= 1000 || base->jitter_us >= 1000) {
                snprintf(tn, sizeof tn, "base-latency-%s", d ? "down" : "up");
                o.name = tn;
                sl_proxy_set_latency(run->proxy, name, &o, base->latency_us / 1000, base->jitter_us / 1000);
            }
            if (base->loss > 0) {
                snprintf(tn, sizeof tn, "base-loss-%s", d ? "down" : "up");
                o.name = tn;
                sl_proxy_set_loss(run->proxy, name, &o, base->loss, 200);
            }
        }
    }
    return 0;
}

int sl_rlinks_init(sl_rrun_t *run, char *err, size_t errsz) {
    for (int gi = 0; gi < run->n_groups; gi++)
        for (int i = 0; i < run->groups[gi].n_slots; i++)
            if (client_links(run, &run->groups[gi].members[i].cl, err, errsz) < 0)
                return -1;
    for (int t = 0; t < sl_scenario_topic_count(run->sc); t++)
        if (client_links(run, &run->producers[t].cl, err, errsz) < 0)
            return -1;
    return 0;
}

int sl_rlinks_connect_cb(int sockfd, const struct sockaddr *addr, int addrlen, const char *id, void *opaque) {
    (void)id;
    sl_rclient_t *cl = opaque;
    const struct sockaddr *to = addr;
    socklen_t len = (socklen_t)addrlen;
    if (cl && cl->via && addr->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
        sl_cluster_t *c = cl->run->cluster;
        for (int b = 0; b < c->n_brokers; b++) {
            if (c->broker_sa[b].sin_port == in->sin_port && c->broker_sa[b].sin_addr.s_addr == in->sin_addr.s_addr) {
                to = (const struct sockaddr *)&cl->via[b];
                len = sizeof cl->via[b];
                break;
            }
        }
    }
    if (connect(sockfd, to, len) < 0 && errno != EINPROGRESS)
        return errno;
    return 0;
}

static sl_rclient_t *client_of(sl_rrun_t *run, const sl_rnode_t *nd) {
    if (nd->kind == SL_PLAN_MEMBER)
        return &run->groups[nd->a].members[nd->b - 1].cl;
    if (nd->kind == SL_PLAN_PRODUCER)
        return &run->producers[nd->a].cl;
    return NULL;
}

static void fault_add(sl_rfault_t *f, const char *proxy, const char *toxic) {
    if (f->n_toxics == f->cap_toxics) {
        int cap = f->cap_toxics ? f->cap_toxics * 2 : 16;
        void *n = realloc(f->toxics, (size_t)cap * sizeof *f->toxics);
        if (!n)
            return;
        f->toxics = n;
        f->cap_toxics = cap;
    }
    snprintf(f->toxics[f->n_toxics][0], sizeof f->toxics[0][0], "%s", proxy);
    snprintf(f->toxics[f->n_toxics][1], sizeof f->toxics[0][1], "%s", toxic);
    f->n_toxics++;
}

static void blame(sl_rrun_t *run, const sl_rnode_t *nd, int64_t seq) {
    pthread_mutex_lock(&run->mu);
    if (nd->kind == SL_PLAN_MEMBER)
        run->groups[nd->a].members[nd->b - 1].blame = seq;
    else if (nd->kind == SL_PLAN_PRODUCER)
        run->producers[nd->a].blame = seq;
    pthread_mutex_unlock(&run->mu);
}

/* One direction of one client<->broker pair: client->broker is upstream. */
static void toxics_on(sl_rrun_t *run, int event, sl_rfault_t *f, const sl_rclient_t *cl, int broker, int upstream) {
    const sl_event_cfg_t *ev = sl_scenario_event(run->sc, event);
    char proxy[160], tn[64];
    proxy_name(cl, broker, proxy, sizeof proxy);
    sl_proxy_toxic_opts_t o = SL_PROXY_TOXIC_OPTS_INIT;
    o.stream = upstream ? SL_PROXY_UPSTREAM : SL_PROXY_DOWNSTREAM;
    o.name = tn;
    const char *dir = upstream ? "up" : "down";
    if (ev->kind == SL_EV_PARTITION) {
        snprintf(tn, sizeof tn, "ev%d-cut-%s", event, dir);
        if (sl_proxy_set_cut(run->proxy, proxy, &o) == SL_OK)
            fault_add(f, proxy, tn);
        return;
    }
    if (ev->latency_us >= 1000 || ev->jitter_us >= 1000) {
        snprintf(tn, sizeof tn, "ev%d-latency-%s", event, dir);
        if (sl_proxy_set_latency(run->proxy, proxy, &o, ev->latency_us / 1000, ev->jitter_us / 1000) == SL_OK)
            fault_add(f, proxy, tn);
    }
    if (ev->loss > 0) {
        snprintf(tn, sizeof tn, "ev%d-loss-%s", event, dir);
        if (sl_proxy_set_loss(run->proxy, proxy, &o, ev->loss, 200) == SL_OK)
            fault_add(f, proxy, tn);
    }
}

void sl_rlinks_apply_event(sl_rrun_t *run, int event, const sl_plan_event_t *pe, int64_t seq) {
    sl_rfault_t *f = &run->faults[event];
    const sl_event_cfg_t *ev = sl_scenario_event(run->sc, event);
    if (!pe) {
        for (int i = 0; i < f->n_toxics; i++)
            sl_proxy_toxic_remove(run->proxy, f->toxics[i][0], f->toxics[i][1]);
        f->n_toxics = 0;
        f->active = 0;
        sl_heal_journal_healed(run->journal, f->journal);
        f->journal = 0;
        return;
    }
    char what[96];
    snprintf(what, sizeof what, "events[%d] %s (fault proxy toxics)", event, sl_event_kind_name(ev->kind));
    f->journal = sl_heal_journal_inject(run->journal, what, NULL, 0);
    const sl_rnode_t *from = pe->from, *to = pe->to;
    int nf = pe->n_from, nt = pe->n_to, skipped = 0;
    int both = ev->kind == SL_EV_DEGRADE || !ev->oneway;
    f->active = 1;
    f->seq = seq;
    for (int i = 0; i < nf; i++) {
        for (int j = 0; j < nt; j++) {
            const sl_rnode_t *x = &from[i], *y = &to[j];
            const sl_rclient_t *cl;
            int broker, x_is_client;
            if (x->kind != SL_PLAN_BROKER && y->kind == SL_PLAN_BROKER) {
                cl = client_of(run, x), broker = y->a, x_is_client = 1;
            } else if (x->kind == SL_PLAN_BROKER && y->kind != SL_PLAN_BROKER) {
                cl = client_of(run, y), broker = x->a, x_is_client = 0;
            } else {
                skipped++;
                continue;
            }
            /* from -> to, and back when both ways */
            toxics_on(run, event, f, cl, broker, x_is_client);
            if (both)
                toxics_on(run, event, f, cl, broker, !x_is_client);
        }
    }
    for (int i = 0; i < nf; i++)
        blame(run, &from[i], seq);
    for (int j = 0; j < nt; j++)
        blame(run, &to[j], seq);
    if (skipped)
        sl_rlog(run, "-", 4,
                "[stormlab] events[%d]: %d broker<->broker or client<->client link(s) named; only client<->broker "
                "links go through the proxy, those are left alone",
                event, skipped);
}

void sl_rlinks_pause_member(sl_rrun_t *run, sl_rmember_t *m, int on) {
    if (on && !m->pause_journal) {
        char what[160];
        snprintf(what, sizeof what, "%s paused (its links cut on the fault proxy)", m->cl.node);
        m->pause_journal = sl_heal_journal_inject(run->journal, what, NULL, 0);
    } else if (!on) {
        sl_heal_journal_healed(run->journal, m->pause_journal);
        m->pause_journal = 0;
    }
    for (int b = 1; b <= run->cluster->n_brokers; b++) {
        char proxy[160];
        proxy_name(&m->cl, b, proxy, sizeof proxy);
        for (int d = 0; d < 2; d++) {
            const char *tn = d ? "pause-down" : "pause-up";
            if (on) {
                sl_proxy_toxic_opts_t o = SL_PROXY_TOXIC_OPTS_INIT;
                o.stream = d ? SL_PROXY_DOWNSTREAM : SL_PROXY_UPSTREAM;
                o.name = tn;
                /* A frozen process, not a broken network: its kernel kept
                 * the connection, so on thaw nothing waits for a
                 * retransmission (rto 0), as the simulator's pause. */
                sl_proxy_set_cut_rto(run->proxy, proxy, &o, 0);
            } else {
                sl_proxy_toxic_remove(run->proxy, proxy, tn);
            }
        }
    }
}

void sl_rlinks_heal_all(sl_rrun_t *run) {
    if (run->proxy)
        sl_proxy_reset_all(run->proxy);
    for (int e = 0; run->faults && e < sl_scenario_event_count(run->sc); e++) {
        run->faults[e].n_toxics = 0;
        run->faults[e].active = 0;
        sl_heal_journal_healed(run->journal, run->faults[e].journal);
        run->faults[e].journal = 0;
    }
    for (int g = 0; g < run->n_groups; g++)
        for (int i = 0; i < run->groups[g].n_slots; i++) {
            sl_heal_journal_healed(run->journal, run->groups[g].members[i].pause_journal);
            run->groups[g].members[i].pause_journal = 0;
        }
}
