/*
 * `stormlab lint` rules: storm-prone Kafka consumer and broker settings.
 * Pure functions over parsed properties (props.h), so each rule is stated by
 * a unit test (tests/harness/check_lint.c).  Rule ids, severities, reasons,
 * fixes and the scenario that rehearses each: docs/ci.md#lint.
 */
#ifndef SL_LINT_H
#define SL_LINT_H

#include <stddef.h>
#include <stdint.h>

#include "props.h"

typedef enum { SL_SEV_NOTE, SL_SEV_WARNING, SL_SEV_ERROR } sl_lint_sev_t;
typedef enum { SL_CLIENT_AUTO, SL_CLIENT_JAVA, SL_CLIENT_LIBRDKAFKA } sl_lint_client_t;

/** The group every bundled scenario names, which --set overrides target. */
#define SL_LINT_GROUP "billing"

typedef struct sl_finding_s {
    const char *file;      /**< the props' path (borrowed) */
    int line;              /**< 1-based; 0 when the setting is absent and a default is meant */
    sl_lint_sev_t sev;
    const char *rule;      /**< static id, e.g. "heartbeat-over-third" */
    char *key;             /**< the property concerned (as written, or its canonical name) */
    char *value;           /**< its value, or the default meant; may be NULL */
    char *message;         /**< what is wrong, one line */
    char *why;             /**< what it does to a group */
    char *fix;             /**< what to write instead */
    const char *scenario;  /**< bundled scenario that rehearses it (static), e.g. "member-cut-short";
                                NULL when the simulator cannot show the effect */
    const char *no_rehearsal; /**< why there is no rehearsal (static), when scenario is NULL */
    char **sets;           /**< --set PATH=VALUE carrying the file's own values into the scenario */
    size_t n_sets;
} sl_finding_t;

typedef struct sl_lint_s {
    sl_finding_t *items;
    size_t n, cap;
} sl_lint_t;

typedef struct sl_lint_opts_s {
    sl_lint_client_t client;     /**< AUTO: detected per file */
    double processing_ms;   /**< typical time to process one record; <= 0: not given */
    int stateful;           /**< the consumers keep local state (--stateful) */
} sl_lint_opts_t;

/** Which client a file configures: AUTO is resolved from keys and values
 * only one client knows; *marker (may be NULL) gets the deciding key, or
 * NULL when nothing decided (Java, the default). */
sl_lint_client_t sl_lint_detect(const sl_props_t *p, const char **marker);
const char *sl_lint_client_name(sl_lint_client_t c);
/** A Kafka Streams config (application.id set): its consumer is Streams'. */
int sl_lint_is_streams(const sl_props_t *p);
const char *sl_lint_sev_name(sl_lint_sev_t s);

/** Lints one consumer file, against broker (may be NULL: Kafka's defaults). */
int sl_lint_client(sl_lint_t *out, const sl_props_t *client, const sl_props_t *broker, const sl_lint_opts_t *o);
/** Lints a broker's server.properties. */
int sl_lint_broker(sl_lint_t *out, const sl_props_t *broker);
/** Rules across files: members of one group.id that cannot agree. */
int sl_lint_groups(sl_lint_t *out, const sl_props_t *const *clients, size_t n, const sl_lint_opts_t *o);

/** The n-th rule id, NULL past the last; its one-line summary (NULL for
 * an id that is not a rule). */
const char *sl_lint_rule_id(size_t n);
const char *sl_lint_rule_summary(const char *id);

/** Counts findings of severity sev. */
size_t sl_lint_count(const sl_lint_t *l, sl_lint_sev_t sev);
void sl_lint_free(sl_lint_t *l);

#endif
