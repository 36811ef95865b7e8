/*
 * The fast reading of a trace.jsonl line (harness/report/trace_line.c)
 * against the JSON parser (jansson), the oracle: every line stormlab
 * writes reads the same both ways, and a line in any other form is left to
 * the parser.
 */
#include <check.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/trace_line.h"
#include "stormlab/outputs.h"
#include "../check_main.h"

/* What jansson reads: the fields as runfiles.c takes them. */
static void read_with_jansson(const char *line, sl_rf_event_t *e) {
    json_error_t jerr;
    json_t *o = json_loads(line, 0, &jerr);
    ck_assert_msg(o != NULL, "jansson cannot read %s: %s", line, jerr.text);
    e->t_us = json_integer_value(json_object_get(o, "t_us"));
    e->seq = json_integer_value(json_object_get(o, "seq"));
    json_t *c = json_object_get(o, "cause"), *g = json_object_get(o, "generation");
    e->cause = json_is_null(c) ? -1 : json_integer_value(c);
    e->generation = json_is_null(g) ? -1 : (int)json_integer_value(g);
    const char *keys[] = {"kind", "node", "group", "member", "detail"};
    char **dst[] = {&e->kind, &e->node, &e->group, &e->member, &e->detail};
    for (int i = 0; i < 5; i++) {
        json_t *v = json_object_get(o, keys[i]);
        *dst[i] = json_is_string(v) ? strdup(json_string_value(v)) : NULL;
    }
    json_decref(o);
}

static void free_strings(sl_rf_event_t *e) {
    free(e->kind);
    free(e->node);
    free(e->group);
    free(e->member);
    free(e->detail);
}

static void same_string(const char *a, const char *b, const char *what, const char *line) {
    ck_assert_msg((!a && !b) || (a && b && !strcmp(a, b)), "%s differs on %s: %s vs %s", what, line, a ? a : "null",
                  b ? b : "null");
}

/* Writes one line as stormlab does, then checks both readings agree, or
 * that the fast one declined (*declined counts those). */
static void round_trip(int64_t t_us, int64_t seq, const char *kind, const char *node, const char *group,
                       const char *member, int generation, int64_t cause, const char *detail, int *declined) {
    char *line = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&line, &len);
    sl_json_trace_line(f, t_us, seq, kind, node, group, member, generation, cause, detail);
    fclose(f);
    sl_rf_event_t fast = {0}, slow = {0};
    read_with_jansson(line, &slow);
    if (sl_trace_line_parse(line, &fast) != 0) {
        (*declined)++;
    } else {
        ck_assert_msg(fast.t_us == slow.t_us && fast.seq == slow.seq && fast.cause == slow.cause &&
                          fast.generation == slow.generation,
                      "numbers differ on %s", line);
        same_string(fast.kind, slow.kind, "kind", line);
        same_string(fast.node, slow.node, "node", line);
        same_string(fast.group, slow.group, "group", line);
        same_string(fast.member, slow.member, "member", line);
        same_string(fast.detail, slow.detail, "detail", line);
        free_strings(&fast);
    }
    free_strings(&slow);
    free(line);
}

START_TEST(every_line_stormlab_writes_reads_as_the_json_parser_reads_it) {
    /* given strings with everything the writer escapes, and nulls */
    const char *texts[] = {NULL,
                           "",
                           "billing/1",
                           "consumer-billing-1-4519dc63-bde0-4aa0-9480-231ca75576da",
                           "say \"hi\" \\ back",
                           "tab\there\nnewline\rreturn",
                           "bell\a esc\x1b del\x7f",
                           "slash / stays",
                           "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                           "bad \xff utf-8 \xc3",
                           "{\"json\": [1, 2]}"};
    int n = (int)(sizeof texts / sizeof *texts), declined = 0, lines = 0;
    int64_t numbers[] = {-1, 0, 7, 1234567890123LL};
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++)
            for (int k = 0; k < 4; k++) {
                /* when each is written in every field and read both ways */
                round_trip(numbers[(k + 1) % 4], k, "member.join", texts[a], texts[b], texts[(a + b) % n],
                           k % 2 ? -1 : 3 * k, numbers[k], texts[(a * 3 + b) % n], &declined);
                lines++;
            }
    /* then both agree on every line, and the fast reading took every one */
    ck_assert_msg(declined == 0, "the fast reading declined %d of %d lines", declined, lines);
}
END_TEST

START_TEST(a_line_in_any_other_form_is_left_to_the_json_parser) {
    const char *others[] = {
        /* spaces, key order, an extra key, a float, a leading zero, trailing text, a missing key */
        "{\"t_us\": 1,\"seq\":0,\"kind\":\"k\",\"node\":null,\"group\":null,\"member\":null,\"generation\":null,"
        "\"cause\":null,\"detail\":null}\n",
        "{\"seq\":0,\"t_us\":1,\"kind\":\"k\",\"node\":null,\"group\":null,\"member\":null,\"generation\":null,"
        "\"cause\":null,\"detail\":null}\n",
        "{\"t_us\":1,\"seq\":0,\"kind\":\"k\",\"node\":null,\"group\":null,\"member\":null,\"generation\":null,"
        "\"cause\":null,\"detail\":null,\"x\":1}\n",
        "{\"t_us\":1.5,\"seq\":0,\"kind\":\"k\",\"node\":null,\"group\":null,\"member\":null,\"generation\":null,"
        "\"cause\":null,\"detail\":null}\n",
        "{\"t_us\":01,\"seq\":0,\"kind\":\"k\",\"node\":null,\"group\":null,\"member\":null,\"generation\":null,"
        "\"cause\":null,\"detail\":null}\n",
        "{\"t_us\":1,\"seq\":0,\"kind\":\"k\",\"node\":null,\"group\":null,\"member\":null,\"generation\":null,"
        "\"cause\":null,\"detail\":null} x\n",
        "{\"t_us\":1,\"seq\":0,\"kind\":\"k\",\"node\":null,\"group\":null,\"member\":null,\"generation\":null,"
        "\"detail\":null}\n",
        /* a number too long for 18 digits */
        "{\"t_us\":12345678901234567890123,\"seq\":0,\"kind\":\"k\",\"node\":null,\"group\":null,\"member\":null,"
        "\"generation\":null,\"cause\":null,\"detail\":null}\n",
        /* a kind that is null, a string with a NUL escape, a raw control byte, invalid UTF-8 */
        "{\"t_us\":1,\"seq\":0,\"kind\":null,\"node\":null,\"group\":null,\"member\":null,\"generation\":null,"
        "\"cause\":null,\"detail\":null}\n",
        "{\"t_us\":1,\"seq\":0,\"kind\":\"k\",\"node\":\"a\\u0000b\",\"group\":null,\"member\":null,"
        "\"generation\":null,\"cause\":null,\"detail\":null}\n",
        "{\"t_us\":1,\"seq\":0,\"kind\":\"k\",\"node\":\"a\tb\",\"group\":null,\"member\":null,\"generation\":null,"
        "\"cause\":null,\"detail\":null}\n",
        "{\"t_us\":1,\"seq\":0,\"kind\":\"k\",\"node\":\"a\xff\",\"group\":null,\"member\":null,\"generation\":null,"
        "\"cause\":null,\"detail\":null}\n",
        "{\"t_us\":1,\"seq\":0,\"kind\":\"k\",\"node\":\"\\ud83d\\ude00\",\"group\":null,\"member\":null,"
        "\"generation\":null,\"cause\":null,\"detail\":null}\n",
    };
    for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
        sl_rf_event_t e = {0};
        ck_assert_msg(sl_trace_line_parse(others[i], &e) == -1, "read fast: %s", others[i]);
        ck_assert_ptr_null(e.kind);
    }
}
END_TEST

int main(void) {
    Suite *s = suite_create("trace_line");
    TCase *tc = tcase_create("fast reading");
    tcase_add_test(tc, every_line_stormlab_writes_reads_as_the_json_parser_reads_it);
    tcase_add_test(tc, a_line_in_any_other_form_is_left_to_the_json_parser);
    suite_add_tcase(s, tc);
    return t_run_suite(s);
}
