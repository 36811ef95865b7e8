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
/** Reads and parses a file; SL_E_IO when it cannot be read. */
sl_err_t sl_props_read(const char *path, sl_props_t **out, char *err, size_t errsz);
void sl_props_destroy(sl_props_t *p);

/** The entry in force for key (the last one, as Properties.load keeps), or NULL. */
const sl_prop_t *sl_props_get(const sl_props_t *p, const char *key);

#endif
