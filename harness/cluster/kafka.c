/*
 * An existing Apache Kafka cluster (`stormlab run --cluster kafka`).
 *
 * Safety first (docs/real-runs.md): a bootstrap or an advertised broker address
 * that is not loopback is refused unless the cluster file says
 * `allow_remote: true` and names the cluster id it expects, and the
 * cluster's id must then match.  Brokers are stopped, started, killed,
 * paused and resumed only through the cluster file's command templates
 * (clusterfile.c); the cluster's own controller moves leaders and
 * coordinators, so set_fenced is NULL.  Topics the scenario names are
 * created with the admin API when absent.  Scenario broker N is the
 * Kafka node with id N when there is one, else the N-th by id.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "cluster.h"
#include "clusterfile.h"
#include "stormlab/proxy.h" /* sl_proxy_addr_is_loopback */

typedef struct kafka_s {
    sl_cluster_t c; /* first */
    const sl_scenario_t *sc;
    sl_clusterfile_t *cf;
    rd_kafka_t *admin;
    int *node_id; /* [scenario id - 1] -> Kafka node id */
} kafka_t;

/* h (a name or an address, [::1] with brackets too) resolves, and to
 * loopback addresses only: every address getaddrinfo() gives must be
 * 127.0.0.0/8 or ::1 (sl_proxy_addr_is_loopback), so "127.evil.example" or a
 * name with one remote address among loopback ones is not loopback.  A
 * name that does not resolve is not loopback either. */
static int is_loopback_host(const char *h) {
    char host[256];
    size_t n = strlen(h);
    if (n >= sizeof host)
        return 0;
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']')
        snprintf(host, sizeof host, "%.*s", (int)(n - 2), h + 1);
    else
        snprintf(host, sizeof host, "%s", h);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    if (!host[0] || getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
        return 0;
    int all = 1;
    for (const struct addrinfo *a = res; a; a = a->ai_next)
        if (!sl_proxy_addr_is_loopback(a->ai_addr))
            all = 0;
    freeaddrinfo(res);
    return all;
}

/* Every host in "h1:p1,h2:p2" is loopback. */
static int all_loopback(const char *list) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", list);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        char *colon = strrchr(tok, ':');
        if (colon && tok[0] != '[')
            *colon = 0;
        else if (tok[0] == '[') {
            char *rb = strchr(tok, ']');
            if (rb)
                rb[1] = 0;
        }
        if (!is_loopback_host(tok))
            return 0;
    }
    return 1;
}

static void cmd_log(void *opaque, int level, const char *line) {
    kafka_t *k = opaque;
    if (k->c.log)
        k->c.log(k->c.log_opaque, "-", level, "[stormlab] command", line);
}

static int run_action(kafka_t *k, const char *action, int id, char *err, size_t errsz) {
    char **argv = NULL;
    if (sl_clusterfile_argv(k->cf, action, id, &argv, err, errsz) < 0)
        return -1;
    char *line = sl_clusterfile_quote(argv);
    if (k->c.log) {
        char what[64];
        snprintf(what, sizeof what, "[stormlab] broker/%d %s", id, action);
        k->c.log(k->c.log_opaque, "-", 6, what, line ? line : "(out of memory)");
    }
    free(line);
    int rc = sl_clusterfile_run(argv, sl_clusterfile_timeout_us(k->cf), cmd_log, k, err, errsz);
    sl_clusterfile_argv_free(argv);
    return rc;
}

static int kafka_broker_stop(sl_cluster_t *c, int id, sl_restart_mode_t mode, char *err, size_t errsz) {
    return run_action((kafka_t *)c, mode == SL_RESTART_HARD ? "kill" : mode == SL_RESTART_PAUSE ? "pause" : "stop", id,
                      err, errsz);
}

static int kafka_broker_start(sl_cluster_t *c, int id, sl_restart_mode_t mode, char *err, size_t errsz) {
    return run_action((kafka_t *)c, mode == SL_RESTART_PAUSE ? "resume" : "start", id, err, errsz);
}

static char **kafka_undo_argv(sl_cluster_t *c, int id, sl_restart_mode_t mode, int64_t *timeout_us) {
    kafka_t *k = (kafka_t *)c;
    char **argv = NULL, err[256];
    if (sl_clusterfile_argv(k->cf, mode == SL_RESTART_PAUSE ? "resume" : "start", id, &argv, err, sizeof err) < 0)
        return NULL;
    *timeout_us = sl_clusterfile_timeout_us(k->cf);
    return argv;
}

static int kafka_coordinator(sl_cluster_t *c, const char *group) {
    kafka_t *k = (kafka_t *)c;
    int found = 0;
    const char *groups[1] = {group};
    rd_kafka_queue_t *q = rd_kafka_queue_new(k->admin);
    rd_kafka_AdminOptions_t *ao = rd_kafka_AdminOptions_new(k->admin, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS);
    rd_kafka_AdminOptions_set_request_timeout(ao, 5000, NULL, 0);
    rd_kafka_DescribeConsumerGroups(k->admin, groups, 1, ao, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 6000);
    if (ev && !rd_kafka_event_error(ev)) {
        const rd_kafka_DescribeConsumerGroups_result_t *res = rd_kafka_event_DescribeConsumerGroups_result(ev);
        size_t n = 0;
        const rd_kafka_ConsumerGroupDescription_t **d = rd_kafka_DescribeConsumerGroups_result_groups(res, &n);
        if (n == 1 && !rd_kafka_ConsumerGroupDescription_error(d[0])) {
            const rd_kafka_Node_t *node = rd_kafka_ConsumerGroupDescription_coordinator(d[0]);
            int nid = node ? rd_kafka_Node_id(node) : -1;
            for (int i = 0; i < c->n_brokers; i++)
                if (k->node_id[i] == nid)
                    found = i + 1;
        }
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_queue_destroy(q);
    return found;
}

static void kafka_destroy(sl_cluster_t *c) {
    kafka_t *k = (kafka_t *)c;
    if (k->admin)
        rd_kafka_destroy(k->admin);
    sl_clusterfile_destroy(k->cf);
    free(k->node_id);
    free(k->c.broker_addr);
    free(k->c.broker_sa);
    free(k);
}

static const sl_cluster_ops_t kafka_ops = {
    .name = "kafka",
    .broker_stop = kafka_broker_stop,
    .broker_start = kafka_broker_start,
    .undo_argv = kafka_undo_argv,
    .set_fenced = NULL,
    .coordinator = kafka_coordinator,
    .destroy = kafka_destroy,
};

static int cmp_broker(const void *a, const void *b) {
    return ((const rd_kafka_metadata_broker_t *)a)->id - ((const rd_kafka_metadata_broker_t *)b)->id;
}

static int create_topics(kafka_t *k, const rd_kafka_metadata_t *md, char *err, size_t errsz) {
    const sl_scenario_t *sc = k->sc;
    rd_kafka_NewTopic_t **nt = calloc((size_t)(sl_scenario_topic_count(sc) ? sl_scenario_topic_count(sc) : 1), sizeof *nt);
    int n = 0;
    for (int t = 0; nt && t < sl_scenario_topic_count(sc); t++) {
        int exists = 0;
        for (int i = 0; i < md->topic_cnt; i++)
            if (!strcmp(md->topics[i].topic, sl_scenario_topic(sc, t)->name) && !md->topics[i].err) {
                exists = 1;
                if (md->topics[i].partition_cnt < sl_scenario_topic(sc, t)->partitions) {
                    snprintf(err, errsz, "topic %s exists with %d partitions; the scenario needs %d",
                             sl_scenario_topic(sc, t)->name, md->topics[i].partition_cnt, sl_scenario_topic(sc, t)->partitions);
                    goto bad;
                }
            }
        if (!exists)
            nt[n++] = rd_kafka_NewTopic_new(sl_scenario_topic(sc, t)->name, sl_scenario_topic(sc, t)->partitions, sl_scenario_topic(sc, t)->replication,
                                            NULL, 0);
    }
    if (n) {
        rd_kafka_queue_t *q = rd_kafka_queue_new(k->admin);
        rd_kafka_CreateTopics(k->admin, nt, (size_t)n, NULL, q);
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
        int bad = !ev || rd_kafka_event_error(ev);
        if (!bad) {
            size_t cnt = 0;
            const rd_kafka_topic_result_t **tr =
                rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &cnt);
            for (size_t i = 0; i < cnt && !bad; i++)
                if (rd_kafka_topic_result_error(tr[i]) &&
                    rd_kafka_topic_result_error(tr[i]) != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
                    snprintf(err, errsz, "cannot create topic %s: %s", rd_kafka_topic_result_name(tr[i]),
                             rd_kafka_topic_result_error_string(tr[i]));
                    bad = 1;
                }
        } else {
            snprintf(err, errsz, "cannot create topics: %s", ev ? rd_kafka_event_error_string(ev) : "timed out");
        }
        if (ev)
            rd_kafka_event_destroy(ev);
        rd_kafka_queue_destroy(q);
        if (bad)
            goto bad;
    }
    rd_kafka_NewTopic_destroy_array(nt, (size_t)n);
    free(nt);
    return 0;
bad:
    if (nt)
        rd_kafka_NewTopic_destroy_array(nt, (size_t)n);
    free(nt);
    return -1;
}

int sl_cluster_kafka_new(const sl_cluster_opts_t *o, sl_cluster_t **out, char *err, size_t errsz) {
    const sl_scenario_t *sc = o->sc;
    if (!o->cluster_file) {
        snprintf(err, errsz, "--cluster kafka needs --cluster-file F: the commands that stop and start brokers and "
                             "the cluster to expect (docs/real-runs.md)");
        return SL_CLUSTER_BAD_INPUT;
    }
    kafka_t *k = calloc(1, sizeof *k);
    if (!k) {
        snprintf(err, errsz, "out of memory");
        return SL_CLUSTER_UNREACHABLE;
    }
    k->sc = sc;
    k->c.ops = &kafka_ops;
    k->c.n_brokers = sl_scenario_cluster(sc)->brokers;
    k->c.log = o->log;
    k->c.log_opaque = o->log_opaque;
    int rc = SL_CLUSTER_BAD_INPUT;
    rd_kafka_metadata_t *md = NULL;
    if (sl_clusterfile_load(o->cluster_file, &k->cf, err, errsz) < 0)
        goto fail;
    const char *bootstrap = o->bootstrap ? o->bootstrap : sl_clusterfile_bootstrap(k->cf);
    if (!bootstrap) {
        snprintf(err, errsz, "no bootstrap: give --bootstrap HOST:PORT,... or bootstrap: in %s", o->cluster_file);
        goto fail;
    }
    snprintf(k->c.bootstrap, sizeof k->c.bootstrap, "%s", bootstrap);
    int remote_ok = sl_clusterfile_allow_remote(k->cf) && sl_clusterfile_cluster_id(k->cf);
    if (!all_loopback(bootstrap) && !remote_ok) {
        snprintf(err, errsz,
                 "refusing the non-loopback bootstrap %s: the cluster file must say allow_remote: true and name the "
                 "cluster_id it expects",
                 bootstrap);
        goto fail;
    }
    /* Every broker action the scenario will need has a template. */
    for (int e = 0; e < sl_scenario_event_count(sc); e++) {
        const sl_event_cfg_t *ev = sl_scenario_event(sc, e);
        if (ev->kind != SL_EV_RESTART)
            continue;
        for (int t = 0; t < ev->n_targets; t++) {
            const sl_selector_t *s = &ev->targets[t];
            if (s->kind == SL_SEL_GROUP_ALL || s->kind == SL_SEL_MEMBER || s->kind == SL_SEL_PRODUCER)
                continue;
            int lo = s->kind == SL_SEL_BROKER ? s->index : 1, hi = s->kind == SL_SEL_BROKER ? s->index : sl_scenario_cluster(sc)->brokers;
            const char *need[2] = {ev->mode == SL_RESTART_HARD ? "kill" : ev->mode == SL_RESTART_PAUSE ? "pause" : "stop",
                                   ev->mode == SL_RESTART_PAUSE ? "resume" : "start"};
            for (int b = lo; b <= hi; b++)
                for (int a = 0; a < 2; a++)
                    if (!sl_clusterfile_has(k->cf, need[a], b)) {
                        snprintf(err, errsz,
                                 "%s:%d:%d: events[%d] restarts broker %d (mode %s): %s has no '%s' command for it",
                                 sl_scenario_file(sc), ev->line, ev->col, e, b, sl_restart_mode_name(ev->mode), o->cluster_file,
                                 need[a]);
                        goto fail;
                    }
        }
    }
    char e2[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, e2, sizeof e2) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "client.id", "stormlab-admin", e2, sizeof e2) != RD_KAFKA_CONF_OK) {
        snprintf(err, errsz, "bootstrap %s: %s", bootstrap, e2);
        rd_kafka_conf_destroy(conf);
        goto fail;
    }
    if (!(k->admin = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e2, sizeof e2))) {
        snprintf(err, errsz, "cannot create an admin client: %s", e2);
        goto fail;
    }
    rc = SL_CLUSTER_UNREACHABLE;
    rd_kafka_resp_err_t me = rd_kafka_metadata(k->admin, 1, NULL, (const rd_kafka_metadata_t **)&md, 10000);
    if (me) {
        snprintf(err, errsz, "cannot reach the cluster at %s: %s", bootstrap, rd_kafka_err2str(me));
        md = NULL;
        goto fail;
    }
    char *id = rd_kafka_clusterid(k->admin, 5000);
    snprintf(k->c.cluster_id, sizeof k->c.cluster_id, "%s", id ? id : "(unknown)");
    if (id)
        rd_kafka_mem_free(k->admin, id);
    const char *want = sl_clusterfile_cluster_id(k->cf);
    if (want && strcmp(want, k->c.cluster_id)) {
        snprintf(err, errsz, "refusing: the cluster at %s has id %s, the cluster file expects %s", bootstrap,
                 k->c.cluster_id, want);
        rc = SL_CLUSTER_BAD_INPUT;
        goto fail;
    }
    if (md->broker_cnt < sl_scenario_cluster(sc)->brokers) {
        snprintf(err, errsz, "the scenario has %d brokers, the cluster at %s %d", sl_scenario_cluster(sc)->brokers, bootstrap,
                 md->broker_cnt);
        rc = SL_CLUSTER_BAD_INPUT;
        goto fail;
    }
    rd_kafka_metadata_broker_t *bs = calloc((size_t)md->broker_cnt, sizeof *bs);
    k->node_id = calloc((size_t)sl_scenario_cluster(sc)->brokers, sizeof *k->node_id);
    k->c.broker_addr = calloc((size_t)sl_scenario_cluster(sc)->brokers, sizeof *k->c.broker_addr);
    k->c.broker_sa = calloc((size_t)sl_scenario_cluster(sc)->brokers, sizeof *k->c.broker_sa);
    if (!bs || !k->node_id || !k->c.broker_addr || !k->c.broker_sa) {
        free(bs);
        snprintf(err, errsz, "out of memory");
        goto fail;
    }
    memcpy(bs, md->brokers, (size_t)md->broker_cnt * sizeof *bs);
    qsort(bs, (size_t)md->broker_cnt, sizeof *bs, cmp_broker);
    for (int i = 0; i < sl_scenario_cluster(sc)->brokers; i++) {
        const rd_kafka_metadata_broker_t *b = &bs[i];
        for (int j = 0; j < md->broker_cnt; j++)
            if (bs[j].id == i + 1)
                b = &bs[j];
        if (!is_loopback_host(b->host) && !remote_ok) {
            snprintf(err, errsz,
                     "refusing: broker %d advertises %s:%d, not loopback; the cluster file must say allow_remote: "
                     "true and name the cluster_id",
                     b->id, b->host, b->port);
            free(bs);
            rc = SL_CLUSTER_BAD_INPUT;
            goto fail;
        }
        k->node_id[i] = b->id;
        struct addrinfo hints = {0}, *ai = NULL;
        hints.ai_family = AF_INET;
        hints.ai_socktype = SOCK_STREAM;
        char port[16];
        snprintf(port, sizeof port, "%d", b->port);
        if (getaddrinfo(b->host, port, &hints, &ai) != 0 || !ai) {
            snprintf(err, errsz, "cannot resolve broker %d's address %s (IPv4)", b->id, b->host);
            free(bs);
            goto fail;
        }
        k->c.broker_sa[i] = *(struct sockaddr_in *)ai->ai_addr;
        freeaddrinfo(ai);
        char ip[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &k->c.broker_sa[i].sin_addr, ip, sizeof ip);
        snprintf(k->c.broker_addr[i], SL_CLUSTER_ADDR, "%s:%d", ip, b->port);
        sl_clusterfile_set_address(k->cf, i + 1, b->host, b->port);
    }
    free(bs);
    if (create_topics(k, md, err, errsz) < 0)
        goto fail;
    rd_kafka_metadata_destroy(md);
    *out = &k->c;
    return SL_CLUSTER_OK;
fail:
    if (md)
        rd_kafka_metadata_destroy(md);
    kafka_destroy(&k->c);
    return rc;
}
