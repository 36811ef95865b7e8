/*
 * The lint rules, one behaviour each: given a consumer (or broker) file,
 * when it is linted, then the finding names the rule, the line, and a
 * bundled scenario (or why the simulator cannot show it), or the file is clean.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint.h"
#include "../check_main.h"

static sl_props_t *props(const char *name, const char *text) {
    sl_props_t *p = NULL;
    char err[256];
    ck_assert_int_eq(sl_props_parse(name, text, strlen(text), &p, err, sizeof err), SL_OK);
    return p;
}

typedef struct {
    sl_props_t *client, *broker;
    sl_lint_t l;
} run_t;

static run_t *lint(const char *client, const char *broker, sl_lint_client_t kind) {
    run_t *r = calloc(1, sizeof *r);
    sl_lint_opts_t o = {kind, 0, 0};
    if (broker) {
        r->broker = props("server.properties", broker);
        ck_assert_int_eq(sl_lint_broker(&r->l, r->broker), 0);
    }
    if (client) {
        r->client = props("consumer.properties", client);
        ck_assert_int_eq(sl_lint_client(&r->l, r->client, r->broker, &o), 0);
    }
    return r;
}

static void done(run_t *r) {
    sl_lint_free(&r->l);
    sl_props_destroy(r->client);
    sl_props_destroy(r->broker);
    free(r);
}

static const sl_finding_t *find(const run_t *r, const char *rule) {
    for (size_t i = 0; i < r->l.n; i++)
        if (!strcmp(r->l.items[i].rule, rule)) return &r->l.items[i];
    return NULL;
}

/* scenario NULL: the simulator cannot show it, and the finding says why. */
static void expect(const run_t *r, const char *rule, sl_lint_sev_t sev, int line, const char *scenario) {
    const sl_finding_t *f = find(r, rule);
    ck_assert_msg(f != NULL, "expected a %s finding, got %zu others", rule, r->l.n);
    ck_assert_msg(f->sev == sev, "%s: expected severity %s, got %s", rule, sl_lint_sev_name(sev),
                  sl_lint_sev_name(f->sev));
    ck_assert_msg(f->line == line, "%s: expected line %d, got %d", rule, line, f->line);
    if (scenario)
        ck_assert_msg(f->scenario && !strcmp(f->scenario, scenario), "%s: expected scenario %s, got %s", rule,
                      scenario, f->scenario ? f->scenario : "none");
    else
        ck_assert_msg(!f->scenario && f->no_rehearsal && *f->no_rehearsal,
                      "%s: expected no rehearsal and the reason, got scenario %s", rule, f->scenario);
    ck_assert_msg(f->why && *f->why && f->fix && *f->fix, "%s: expected a reason and a fix", rule);
}

#define GOOD_JAVA                                                                                                     \
    "key.deserializer=x\n"                                                                                            \
    "group.id=billing\n"                                                                                              \
    "group.instance.id=billing-1\n"                                                                                   \
    "partition.assignment.strategy=org.apache.kafka.clients.consumer.CooperativeStickyAssignor\n"

START_TEST(a_cooperative_static_java_consumer_with_defaults_is_clean) {
    run_t *r = lint(GOOD_JAVA, NULL, SL_CLIENT_AUTO);
    ck_assert_msg(r->l.n == 0, "expected no finding, got %zu, first %s", r->l.n, r->l.n ? r->l.items[0].rule : "");
    done(r);
}
END_TEST

START_TEST(heartbeat_over_a_third_of_the_session_is_a_warning) {
    run_t *r = lint(GOOD_JAVA "session.timeout.ms=45000\nheartbeat.interval.ms=20000\n", NULL, SL_CLIENT_AUTO);
    expect(r, "heartbeat-over-third", SL_SEV_WARNING, 6, "member-cut-short");
    ck_assert_msg(strstr(find(r, "heartbeat-over-third")->fix, "heartbeat.interval.ms=15000") != NULL,
                  "expected the fix to be a third of the session");
    done(r);
}
END_TEST

START_TEST(heartbeat_not_below_the_session_is_an_error) {
    run_t *r = lint(GOOD_JAVA "session.timeout.ms=10000\nheartbeat.interval.ms=10000\n", NULL, SL_CLIENT_AUTO);
    expect(r, "heartbeat-not-below-session", SL_SEV_ERROR, 6, NULL);
    ck_assert_ptr_null(find(r, "heartbeat-over-third"));
    done(r);
}
END_TEST

START_TEST(a_session_near_the_broker_minimum_is_a_warning_and_carries_its_value) {
    run_t *r = lint(GOOD_JAVA "session.timeout.ms=10000\nheartbeat.interval.ms=3000\nrequest.timeout.ms=5000\n", NULL,
                    SL_CLIENT_AUTO);
    expect(r, "session-near-broker-min", SL_SEV_WARNING, 5, "member-cut-short");
    const sl_finding_t *f = find(r, "session-near-broker-min");
    int found = 0;
    for (size_t i = 0; i < f->n_sets; i++) found |= !strcmp(f->sets[i], "groups.billing.session_timeout=10s");
    ck_assert_msg(found, "expected --set groups.billing.session_timeout=10s among the rehearsal's overrides");
    done(r);
}
END_TEST

START_TEST(a_session_outside_the_brokers_bounds_is_an_error_against_that_broker) {
    /* given a broker whose maximum is 30 s and a client on the 45 s default */
    run_t *r = lint(GOOD_JAVA, "group.max.session.timeout.ms=30000\n", SL_CLIENT_AUTO);
    /* then the client's default is refused (line 0: not set) and the broker warned */
    expect(r, "session-outside-broker-range", SL_SEV_ERROR, 0, "session-refused");
    expect(r, "broker-rejects-default-session", SL_SEV_WARNING, 1, "session-refused");
    done(r);
}
END_TEST

START_TEST(a_request_timeout_longer_than_the_session_is_a_warning) {
    run_t *r = lint(GOOD_JAVA "session.timeout.ms=20000\nheartbeat.interval.ms=3000\n", NULL, SL_CLIENT_AUTO);
    /* the default request.timeout.ms=30000: the finding points at the session line */
    expect(r, "request-timeout-over-session", SL_SEV_WARNING, 5, NULL); /* no rehearsal: it says why */
    done(r);
}
END_TEST

START_TEST(a_batch_near_max_poll_interval_is_a_warning_with_the_given_processing_time) {
    /* given 500 records of 100 ms = 50 s against a 60 s poll interval */
    sl_props_t *p = props("c.properties", GOOD_JAVA "max.poll.interval.ms=60000\n");
    sl_lint_t l = {0};
    sl_lint_opts_t o = {SL_CLIENT_AUTO, 100, 0};
    sl_lint_client(&l, p, NULL, &o);
    int found = 0;
    for (size_t i = 0; i < l.n; i++)
        if (!strcmp(l.items[i].rule, "poll-budget")) {
            found = 1;
            ck_assert_int_eq(l.items[i].line, 5);
            ck_assert_msg(strstr(l.items[i].message, "500 (the default) x 100 ms") != NULL, "got: %s", l.items[i].message);
        }
    ck_assert_msg(found, "expected a poll-budget finding");
    sl_lint_free(&l);
    /* and with the assumed 10 ms the same file is fine */
    sl_lint_opts_t o2 = {SL_CLIENT_AUTO, 0, 0};
    sl_lint_client(&l, p, NULL, &o2);
    for (size_t i = 0; i < l.n; i++) ck_assert_str_ne(l.items[i].rule, "poll-budget");
    sl_lint_free(&l);
    sl_props_destroy(p);
}
END_TEST

START_TEST(the_java_default_assignor_list_is_eager) {
    run_t *r = lint("key.deserializer=x\ngroup.instance.id=a\n", NULL, SL_CLIENT_AUTO);
    expect(r, "eager-assignor", SL_SEV_WARNING, 0, "rolling-restart-eager");
    done(r);
}
END_TEST

START_TEST(librdkafka_refuses_mixed_eager_and_cooperative_assignors) {
    run_t *r = lint("metadata.broker.list=b:9092\ngroup.instance.id=a\npartition.assignment.strategy=range,cooperative-sticky\n",
                    NULL, SL_CLIENT_AUTO);
    expect(r, "mixed-assignor-protocols", SL_SEV_ERROR, 3, NULL);
    ck_assert_ptr_null(find(r, "eager-assignor"));
    done(r);
}
END_TEST

START_TEST(a_short_assignor_name_in_a_java_file_is_unknown) {
    run_t *r = lint("group.instance.id=a\npartition.assignment.strategy=range\n", NULL, SL_CLIENT_JAVA);
    expect(r, "unknown-assignor", SL_SEV_ERROR, 2, NULL);
    done(r);
}
END_TEST

START_TEST(static_membership_missing_is_a_note_unless_the_consumer_is_stateful) {
    run_t *r = lint("key.deserializer=x\npartition.assignment.strategy=org.apache.kafka.clients.consumer.CooperativeStickyAssignor\n",
                    NULL, SL_CLIENT_AUTO);
    expect(r, "no-static-membership", SL_SEV_NOTE, 0, "rolling-restart-eager");
    done(r);
    /* a Kafka Streams application.id makes it a warning */
    r = lint("application.id=app\npartition.assignment.strategy=org.apache.kafka.clients.consumer.CooperativeStickyAssignor\n",
             NULL, SL_CLIENT_AUTO);
    expect(r, "no-static-membership", SL_SEV_WARNING, 0, "rolling-restart-eager");
    done(r);
}
END_TEST

START_TEST(streams_prefixed_settings_are_the_consumers) {
    /* given Kafka Streams' main.consumer. prefix */
    run_t *r = lint(GOOD_JAVA "main.consumer.heartbeat.interval.ms=20000\n", NULL, SL_CLIENT_AUTO);
    expect(r, "heartbeat-over-third", SL_SEV_WARNING, 5, "member-cut-short");
    done(r);
}
END_TEST

START_TEST(classic_settings_under_the_consumer_protocol_are_refused_by_java) {
    run_t *r = lint(GOOD_JAVA "group.protocol=consumer\n", NULL, SL_CLIENT_AUTO);
    expect(r, "classic-setting-with-consumer-protocol", SL_SEV_ERROR, 4, NULL);
    done(r);
}
END_TEST

START_TEST(a_mistyped_key_names_the_key_it_meant) {
    run_t *r = lint(GOOD_JAVA "session.timeout.mss=10000\n", NULL, SL_CLIENT_AUTO);
    expect(r, "unknown-key", SL_SEV_WARNING, 5, NULL);
    ck_assert_msg(strstr(find(r, "unknown-key")->message, "did you mean session.timeout.ms?") != NULL, "got %s",
                  find(r, "unknown-key")->message);
    done(r);
    /* librdkafka refuses unknown properties: an error */
    r = lint("metadata.broker.list=b\ngroup.instance.id=a\npartition.assignment.strategy=cooperative-sticky\n"
             "heartbeat.intervall.ms=1000\n", NULL, SL_CLIENT_AUTO);
    expect(r, "unknown-key", SL_SEV_ERROR, 4, NULL);
    done(r);
}
END_TEST

START_TEST(a_value_that_is_not_a_number_is_an_error_and_skips_its_rules) {
    run_t *r = lint(GOOD_JAVA "session.timeout.ms=45s\n", NULL, SL_CLIENT_AUTO);
    expect(r, "bad-value", SL_SEV_ERROR, 5, NULL);
    ck_assert_ptr_null(find(r, "session-near-broker-min"));
    ck_assert_ptr_null(find(r, "heartbeat-over-third"));
    done(r);
}
END_TEST

START_TEST(a_placeholder_is_noted_not_judged) {
    run_t *r = lint(GOOD_JAVA "session.timeout.ms=${SESSION_MS}\n", NULL, SL_CLIENT_AUTO);
    expect(r, "placeholder", SL_SEV_NOTE, 5, NULL);
    ck_assert_ptr_null(find(r, "bad-value"));
    done(r);
}
END_TEST

START_TEST(broker_rules_name_their_scenarios) {
    run_t *r = lint(NULL, "group.initial.rebalance.delay.ms=0\noffsets.topic.replication.factor=1\n"
                          "group.min.session.timeout.ms=60000\ngroup.max.session.timeout.ms=30000\n",
                    SL_CLIENT_AUTO);
    expect(r, "no-initial-rebalance-delay", SL_SEV_WARNING, 1, "group-cold-start");
    expect(r, "offsets-replication-one", SL_SEV_WARNING, 2, "coordinator-killed");
    expect(r, "broker-session-range", SL_SEV_ERROR, 3, NULL);
    done(r);
}
END_TEST

START_TEST(members_of_one_group_with_no_common_assignor_cannot_join) {
    sl_props_t *a = props("a.properties", "group.id=g\npartition.assignment.strategy=org.apache.kafka.clients.consumer.CooperativeStickyAssignor\n");
    sl_props_t *b = props("b.properties", "group.id=g\npartition.assignment.strategy=org.apache.kafka.clients.consumer.RangeAssignor\n");
    sl_props_t *c = props("c.properties", "group.id=g\npartition.assignment.strategy=org.apache.kafka.clients.consumer.RangeAssignor,org.apache.kafka.clients.consumer.CooperativeStickyAssignor\n");
    const sl_props_t *ab[] = {a, b}, *ac[] = {a, c};
    sl_lint_opts_t o = {SL_CLIENT_AUTO, 0, 0};
    sl_lint_t l = {0};
    sl_lint_groups(&l, ab, 2, &o);
    ck_assert_int_eq(l.n, 1);
    ck_assert_str_eq(l.items[0].rule, "no-common-assignor");
    ck_assert_str_eq(l.items[0].file, "b.properties");
    sl_lint_free(&l);
    /* the upgrade path (both listed) shares one */
    sl_lint_groups(&l, ac, 2, &o);
    ck_assert_int_eq(l.n, 0);
    sl_lint_free(&l);
    sl_props_destroy(a);
    sl_props_destroy(b);
    sl_props_destroy(c);
}
END_TEST

START_TEST(the_client_is_detected_by_keys_only_one_client_knows) {
    const char *m = NULL;
    sl_props_t *p = props("x", "metadata.broker.list=b\nsession.timeout.ms=1\n");
    ck_assert_int_eq(sl_lint_detect(p, &m), SL_CLIENT_LIBRDKAFKA);
    ck_assert_str_eq(m, "metadata.broker.list");
    sl_props_destroy(p);
    p = props("x", "group.id=g\n");
    ck_assert_int_eq(sl_lint_detect(p, &m), SL_CLIENT_JAVA);
    ck_assert_ptr_null(m);
    sl_props_destroy(p);
}
END_TEST

/* ---- the five wrong outputs of issue 20, one test each ---- */

static int has_set(const sl_finding_t *f, const char *set) {
    for (size_t i = 0; i < f->n_sets; i++)
        if (!strcmp(f->sets[i], set)) return 1;
    return 0;
}

START_TEST(a_misspelt_key_beside_the_real_one_is_dead_weight_not_a_default) {
    /* given session.timeout.ms=10000 on line 8 and sesion.timeout.ms on line 15 */
    run_t *r = lint("key.deserializer=x\ngroup.id=billing\ngroup.instance.id=a\n"
                    "partition.assignment.strategy=org.apache.kafka.clients.consumer.CooperativeStickyAssignor\n"
                    "#\n#\n#\nsession.timeout.ms=10000\n#\n#\n#\n#\n#\n#\nsesion.timeout.ms=30000\n",
                    NULL, SL_CLIENT_AUTO);
    /* when linted, then the typo names line 8 as the value in force, and the fix deletes line 15 */
    expect(r, "unknown-key", SL_SEV_WARNING, 15, NULL);
    const sl_finding_t *f = find(r, "unknown-key");
    ck_assert_msg(strstr(f->message, "did you mean session.timeout.ms?"), "got: %s", f->message);
    ck_assert_msg(!strstr(f->why, "default"), "expected no claim of a default, got: %s", f->why);
    ck_assert_msg(strstr(f->why, "session.timeout.ms=10000 on line 8"), "expected line 8 in force, got: %s", f->why);
    ck_assert_msg(strstr(f->fix, "delete line 15") && !strstr(f->fix, "session.timeout.ms=30000"),
                  "expected to delete line 15, not a second key, got: %s", f->fix);
    done(r);
}
END_TEST

START_TEST(session_rehearsals_carry_the_brokers_bound_they_flag) {
    /* given a broker whose max session is 30 s and a client at 45 s */
    run_t *r = lint(GOOD_JAVA "session.timeout.ms=45000\n", "group.max.session.timeout.ms=30000\n", SL_CLIENT_AUTO);
    /* then both findings rehearse with the broker's 30 s bound and roll the refused 45 s out */
    const char *rules[] = {"session-outside-broker-range", "broker-rejects-default-session"};
    for (int i = 0; i < 2; i++) {
        const sl_finding_t *f = find(r, rules[i]);
        ck_assert_msg(f != NULL, "expected %s", rules[i]);
        ck_assert_msg(has_set(f, "cluster.group_max_session_timeout=30s"), "%s: expected the broker bound", rules[i]);
        ck_assert_msg(has_set(f, "events.0.set.session_timeout=45s"), "%s: expected the refused value", rules[i]);
    }
    done(r);
}
END_TEST

START_TEST(no_initial_rebalance_delay_rehearses_members_arriving_one_by_one) {
    run_t *r = lint(NULL, "group.initial.rebalance.delay.ms=0\n", SL_CLIENT_AUTO);
    expect(r, "no-initial-rebalance-delay", SL_SEV_WARNING, 1, "group-cold-start");
    const sl_finding_t *f = find(r, "no-initial-rebalance-delay");
    ck_assert_msg(has_set(f, "cluster.group_initial_rebalance_delay=0ms") ||
                  has_set(f, "cluster.group_initial_rebalance_delay=0s") ||
                  has_set(f, "cluster.group_initial_rebalance_delay=0"), "expected the delay carried, got %zu sets",
                  f->n_sets);
    ck_assert_msg(!strstr(f->why, "N rebalances"), "expected no invented count, got: %s", f->why);
    done(r);
}
END_TEST

START_TEST(a_streams_config_is_not_told_about_eager_assignors) {
    /* given a Kafka Streams config, partition.assignment.strategy unset */
    run_t *r = lint("application.id=enricher\nbootstrap.servers=b:9092\ngroup.instance.id=e-1\n"
                    "num.standby.replicas=1\n", NULL, SL_CLIENT_AUTO);
    ck_assert_msg(find(r, "eager-assignor") == NULL, "Streams uses its own assignor: no eager-assignor expected");
    ck_assert_msg(r->l.n == 0, "expected a clean Streams config, got %s", r->l.n ? r->l.items[0].rule : "");
    done(r);
}
END_TEST

START_TEST(spring_boot_max_poll_records_counts_in_the_poll_budget) {
    /* given Spring Boot's own names: 1000 records x 50 ms = 50 s against 30 s */
    const char *text = "spring.kafka.consumer.group-id=billing\n"
                       "spring.kafka.consumer.max-poll-records=1000\n"
                       "spring.kafka.properties.max.poll.interval.ms=30000\n";
    sl_props_t *p = NULL;
    char err[256];
    ck_assert_int_eq(sl_config_parse("application.properties", text, strlen(text), 0, &p, err, sizeof err), SL_OK);
    sl_lint_t l = {0};
    sl_lint_opts_t o = {SL_CLIENT_AUTO, 50, 0};
    ck_assert_int_eq(sl_lint_client(&l, p, NULL, &o), 0);
    const sl_finding_t *f = NULL;
    for (size_t i = 0; i < l.n; i++)
        if (!strcmp(l.items[i].rule, "poll-budget")) f = &l.items[i];
    ck_assert_msg(f != NULL, "expected a poll-budget finding");
    /* then the batch takes longer than the interval: an error, at the interval's line */
    ck_assert_msg(f->sev == SL_SEV_ERROR && f->line == 3, "expected an error on line 3, got %s on %d",
                  sl_lint_sev_name(f->sev), f->line);
    ck_assert_msg(strstr(f->message, "max.poll.records=1000 x 50 ms") && strstr(f->message, "= 50000 ms"),
                  "got: %s", f->message);
    ck_assert_msg(has_set(f, "groups.billing.max_poll_records=1000") && has_set(f, "groups.billing.max_poll_interval=30s"),
                  "expected the file's values in the rehearsal");
    sl_lint_free(&l);
    sl_props_destroy(p);
}
END_TEST

START_TEST(a_yaml_key_path_too_long_to_hold_is_refused_not_cut) {
    /* given an application.yml whose nested keys make a path of over 511 characters */
    char text[4096] = "";
    size_t n = 0;
    for (int d = 0; d < 16; d++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%*s%s%02d:\n", 2 * d, "",
                              "a-rather-long-spring-property-segment-", d);
    snprintf(text + n, sizeof text - n, "%*sx: 1\n", 32, "");
    sl_props_t *p = NULL;
    char err[256] = "";
    /* when it is read, then it is refused with file:line:col naming the limit: a cut path would be
     * another key, and a finding about it a wrong one */
    ck_assert_int_eq(sl_config_parse("application.yml", text, strlen(text), 1, &p, err, sizeof err), SL_E_LIMIT);
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(err, "application.yml:") == err && strstr(err, "a key path longer than"), "got: %s", err);
}
END_TEST

int main(void) {
    Suite *s = suite_create("lint");
    TCase *client = tcase_create("client rules");
    tcase_add_test(client, a_cooperative_static_java_consumer_with_defaults_is_clean);
    tcase_add_test(client, heartbeat_over_a_third_of_the_session_is_a_warning);
    tcase_add_test(client, heartbeat_not_below_the_session_is_an_error);
    tcase_add_test(client, a_session_near_the_broker_minimum_is_a_warning_and_carries_its_value);
    tcase_add_test(client, a_session_outside_the_brokers_bounds_is_an_error_against_that_broker);
    tcase_add_test(client, a_request_timeout_longer_than_the_session_is_a_warning);
    tcase_add_test(client, a_batch_near_max_poll_interval_is_a_warning_with_the_given_processing_time);
    tcase_add_test(client, the_java_default_assignor_list_is_eager);
    tcase_add_test(client, librdkafka_refuses_mixed_eager_and_cooperative_assignors);
    tcase_add_test(client, a_short_assignor_name_in_a_java_file_is_unknown);
    tcase_add_test(client, static_membership_missing_is_a_note_unless_the_consumer_is_stateful);
    tcase_add_test(client, streams_prefixed_settings_are_the_consumers);
    tcase_add_test(client, classic_settings_under_the_consumer_protocol_are_refused_by_java);
    tcase_add_test(client, a_mistyped_key_names_the_key_it_meant);
    tcase_add_test(client, a_value_that_is_not_a_number_is_an_error_and_skips_its_rules);
    tcase_add_test(client, a_placeholder_is_noted_not_judged);
    tcase_add_test(client, the_client_is_detected_by_keys_only_one_client_knows);
    suite_add_tcase(s, client);
    TCase *broker = tcase_create("broker and cross-file rules");
    tcase_add_test(broker, broker_rules_name_their_scenarios);
    tcase_add_test(broker, members_of_one_group_with_no_common_assignor_cannot_join);
    suite_add_tcase(s, broker);
    TCase *wrong = tcase_create("issue 20: the five wrong outputs");
    tcase_add_test(wrong, a_misspelt_key_beside_the_real_one_is_dead_weight_not_a_default);
    tcase_add_test(wrong, session_rehearsals_carry_the_brokers_bound_they_flag);
    tcase_add_test(wrong, no_initial_rebalance_delay_rehearses_members_arriving_one_by_one);
    tcase_add_test(wrong, a_streams_config_is_not_told_about_eager_assignors);
    tcase_add_test(wrong, spring_boot_max_poll_records_counts_in_the_poll_budget);
    tcase_add_test(wrong, a_yaml_key_path_too_long_to_hold_is_refused_not_cut);
    suite_add_tcase(s, wrong);
    return t_run_suite(s);
}
