/*
 * A reader for Java .properties files (java.util.Properties.load rules),
 * which is also how librdkafka tools (kcat -F, kafkacat) and Kafka's
 * server.properties are written.  Each property keeps the line it starts on.
 */
#ifndef SL_PROPS_H
#define SL_PROPS_H

#include <stddef.h>

#include "stormlab/stormlab.h"

#define SL_PROPS_MAX_BYTES (4u << 20) /* 4 MiB, like scenario files */

typedef struct sl_prop_s {
    char *key;    /**< unescaped */
    char *value;  /**< unescaped, leading blanks removed */
    int line;     /**< 1-based line where the entry starts */
    char *written; /**< the key as the file spells it when key is its Kafka name
                        (spring.kafka.consumer.max-poll-records), else NULL */
} sl_prop_t;

typedef struct sl_props_s {
    char *path;          /**< as given, for messages */
    sl_prop_t *items;    /**< in file order; a key may appear twice */
    size_t n;
} sl_props_t;

/**
 * Parses a properties text.  Rules: lines end at \n, \r or \r\n; blank lines
 * and lines whose first non-blank is # or ! are comments; a line ending in an
 * odd number of backslashes continues on the next (its leading blanks
 * dropped); the key ends at the first unescaped '=', ':' or blank, then
 * blanks and one '=' or ':' are skipped; escapes \t \n \r \f \uXXXX and
 * \<c> = c.  A NUL byte is refused (not a text file).
 * @param out  on success a new set the caller frees with sl_props_destroy().
 * @return SL_OK, SL_E_INVAL (not a text file), SL_E_LIMIT, SL_E_NOMEM.
 */
sl_err_t sl_props_parse(const char *path, const char *buf, size_t len, sl_props_t **out, char *err, size_t errsz);
void sl_props_destroy(sl_props_t *p);

/**
 * Reads any config form lint knows (config_forms.c): a .yml/.yaml file is
 * flattened (libyaml) into dotted keys at their lines; then Spring Boot's
 * names (spring.kafka.consumer.max-poll-records, spring.kafka.properties.X,
 * spring.kafka.consumer.properties.X) become Kafka's, in Spring's order of
 * precedence, the written key kept in `written`.  YAML errors are
 * file:line:col, SL_E_INVAL.
 */
/* SL_E_IO when the file cannot be read. */
sl_err_t sl_config_read(const char *path, sl_props_t **out, char *err, size_t errsz);
/** The same over a buffer; yaml selects the YAML reader. */
sl_err_t sl_config_parse(const char *path, const char *buf, size_t len, int yaml, sl_props_t **out, char *err,
                         size_t errsz);
/** Spring Boot's n-th first-class Kafka name (kebab form), NULL past the
 * last; sl_config_spring_kafka() gives the Kafka name of one. */
const char *sl_config_spring_key(size_t n);
const char *sl_config_spring_kafka(const char *spring);
/** The key as the file spells it. */
static inline const char *sl_prop_written(const sl_prop_t *e) { return e->written ? e->written : e->key; }

/** The entry in force for key (the last one, as Properties.load keeps), or NULL. */
const sl_prop_t *sl_props_get(const sl_props_t *p, const char *key);

#endif
