/*
 * Memory per member and per partition: heap in use (mallinfo2) after a
 * 10-minute run with no sinks, for scenarios that differ only in members
 * or only in partitions; the slope between two sizes is the cost of one
 * more member (with its share of the coordinator's state) or one more
 * partition (log, leader, replicas, the group's view of it).
 *
 *   build/tests/bench/bench_memory
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "stormlab/stormlab.h"

/* groups x members, each group on its own topic of `parts` partitions. */
static long heap_after_run(int groups, int members, int parts) {
    char path[] = "/tmp/stormlab-bench-mem-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f)
        return -1;
    fprintf(f, "name: mem\nseed: 1\nduration: 10m\ncluster:\n  brokers: 30\ntopics:\n");
    for (int g = 0; g < groups; g++)
        fprintf(f, "  - {name: t%d, partitions: %d, replication: 3, produce_rate: 100/s}\n", g, parts);
    fprintf(f, "groups:\n");
    for (int g = 0; g < groups; g++)
        fprintf(f, "  - {id: g%d, topics: [t%d], members: %d}\n", g, g, members);
    fclose(f);
    char err[2048];
    sl_scenario_t *sc = NULL;
    sl_sim_t *sim = NULL;
    long used = -1;
    if (sl_scenario_load_file(path, NULL, 0, &sc, err, sizeof err) == SL_OK) {
        struct mallinfo2 before = mallinfo2();
        if (sl_sim_new(sc, NULL, &sim, err, sizeof err) == SL_OK && sl_sim_run(sim) == SL_OK)
            used = (long)(mallinfo2().uordblks - before.uordblks);
        else
            fprintf(stderr, "bench_memory: %s\n", err);
        sl_sim_destroy(sim);
        sl_scenario_destroy(sc);
    } else {
        fprintf(stderr, "bench_memory: %s\n", err);
    }
    unlink(path);
    return used;
}

int main(void) {
    /* 200 groups throughout: members 25 -> 50 per group, partitions 30 -> 60 per topic. */
    long base = heap_after_run(200, 25, 30), more_members = heap_after_run(200, 50, 30),
         more_parts = heap_after_run(200, 25, 60);
    if (base < 0 || more_members < 0 || more_parts < 0)
        return 1;
    printf("heap in use after a 10-minute run, no sinks (200 groups, 30 brokers)\n");
    printf("%-44s %12s\n", "scenario", "heap KiB");
    printf("%-44s %12.0f\n", "5,000 members, 6,000 partitions", base / 1024.0);
    printf("%-44s %12.0f\n", "10,000 members, 6,000 partitions", more_members / 1024.0);
    printf("%-44s %12.0f\n", "5,000 members, 12,000 partitions", more_parts / 1024.0);
    printf("per member: %.0f bytes; per partition: %.0f bytes\n", (more_members - base) / 5000.0,
           (more_parts - base) / 6000.0);
    printf("rerun: cmake --build build --target bench_memory && build/tests/bench/bench_memory\n");
    return 0;
}
