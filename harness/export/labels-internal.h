/* The labels map of stormlab export (labels.c), read by the exporters. */
#ifndef SL_EXPORT_LABELS_INTERNAL_H
#define SL_EXPORT_LABELS_INTERNAL_H

#include <stdio.h>

#include "export.h"

/* A label selector: n key/value pairs; values may hold {group}, {topic},
 * {n} (a broker id or member number) and {i} (that minus one: a
 * StatefulSet ordinal). */
typedef struct sl_label_map_s {
    char **keys, **values;
    int n;
} sl_label_map_t;

typedef struct sl_label_override_s {
    char *name;          /* group id or topic name */
    sl_label_map_t map;
} sl_label_override_t;

struct sl_export_labels_s {
    char *namespace_;          /* "default" */
    sl_label_map_t brokers;    /* every broker pod */
    char *broker_pod;          /* broker/N's pod name ("kafka-{i}") */
    sl_label_map_t group;      /* every member pod of a group, unless groups: names it */
    sl_label_override_t *groups;
    int n_groups;
    char *member_pod;          /* member N's pod name ("{group}-{i}") */
    sl_label_map_t producer;   /* a topic's producer pods, unless producers: names it */
    sl_label_override_t *producers;
    int n_producers;
    sl_label_map_t coordinator; /* the broker coordinating {group}: a label the user sets */
};

/* tmpl with {group}, {topic}, {n}, {i} replaced into out (cut at size). */
void sl_label_expand(const char *tmpl, const char *group, const char *topic, int n, char *out, size_t size);

#endif
