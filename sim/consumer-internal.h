/*
 * Shared by the consumer client's files: consumer.c (the classic protocol
 * and everything common) and consumer_848.c (the KIP-848 protocol).
 */
#ifndef SL_CONSUMER_INTERNAL_H
#define SL_CONSUMER_INTERNAL_H

#include "model-internal.h"

/* Java client log lines.  librdkafka logs none of these at its default
 * level; its own warnings go through LOGK. */
#define LOGM(s, m, level, fmt, ...)                                                                          \
    do {                                                                                                     \
        if ((m)->cfg.client == SL_CLIENT_JAVA)                                                               \
            sl_log(s, (m)->node, level, "[Consumer clientId=%s, groupId=%s] " fmt, (m)->client_id,           \
                   (m)->g->cfg->id, __VA_ARGS__);                                                            \
    } while (0)
/* librdkafka's log line: %<syslog level>|<facility>|rdkafka#consumer-N| [thrd:main]: text.
 * Only librdkafka members print them: a Java service's log never holds them. */
#define LOGK(s, m, sev, fac, fmt, ...)                                                                       \
    do {                                                                                                     \
        if ((m)->cfg.client == SL_CLIENT_LIBRDKAFKA)                                                         \
            sl_log(s, (m)->node, (sev) <= 3 ? "ERROR" : "WARN", "%%%d|%s|rdkafka#consumer-%d| [thrd:main]: " fmt, \
                   sev, fac, (m)->index, __VA_ARGS__);                                                       \
    } while (0)

/* A frozen process defers t to its thaw; true when it did. */
bool sl_c_defer_if_frozen(sl_sim_t *s, sl_member_t *m, sl_timer_t *t);
sl_msg_t *sl_c_new_req(sl_sim_t *s, sl_member_t *m, sl_msg_kind_t kind, int broker, int64_t cause);
/* Sends req in request slot `slot` with a timeout; returns its id. */
uint32_t sl_c_send_req(sl_sim_t *s, sl_member_t *m, int slot, sl_msg_t *req, int broker, int64_t timeout_us);
void sl_c_clear_inflight(sl_sim_t *s, sl_member_t *m, int slot);
/* Gives up every partition held: revoked (committed) or lost. */
void sl_c_release(sl_sim_t *s, sl_member_t *m, bool lost, int64_t cause);
void sl_c_ensure_find(sl_sim_t *s, sl_member_t *m);
void sl_c_mark_unknown(sl_sim_t *s, sl_member_t *m, const char *why, bool disconnected, int64_t cause);
void sl_c_send_commit(sl_sim_t *s, sl_member_t *m, int64_t cause);
/* A commit whose answer the member waits for: always a request on the
 * wire.  False when none can be in flight (no coordinator, nothing owned). */
bool sl_c_send_commit_awaited(sl_sim_t *s, sl_member_t *m, int64_t cause);
int64_t sl_c_backoff_us(sl_member_t *m, int attempts);
/* One poll's fetch and processing; arms the poll timer for the batch end. */
void sl_c_fetch_and_process(sl_sim_t *s, sl_member_t *m);

/* ---- consumer_848.c: the KIP-848 client ---- */
bool sl_c848(const sl_member_t *m);
void sl_c848_start(sl_sim_t *s, sl_member_t *m);
void sl_c848_coordinator_found(sl_sim_t *s, sl_member_t *m);
void sl_c848_hb_tick(sl_sim_t *s, sl_member_t *m);
void sl_c848_on_heartbeat(sl_sim_t *s, sl_member_t *m, sl_msg_t *r);
/* Inside poll(): runs pending reconciliation; false when poll must wait. */
bool sl_c848_poll(sl_sim_t *s, sl_member_t *m);
void sl_c848_leave(sl_sim_t *s, sl_member_t *m, int64_t cause);
void sl_c848_revoke_done(sl_sim_t *s, sl_member_t *m);
void sl_c848_commit_answered(sl_sim_t *s, sl_member_t *m);

#endif
