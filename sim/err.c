/* One enum, one string table (librdkafka's rd_kafka_err_descs pattern). */
#include "stormlab/stormlab.h"

static const char *const sl_err_descs[SL_E__COUNT] = {
    [0] = "success",
    [-SL_E_INVAL] = "invalid input",
    [-SL_E_NOMEM] = "out of memory",
    [-SL_E_IO] = "input/output error",
    [-SL_E_LIMIT] = "input exceeds a limit",
    [-SL_E_STATE] = "invalid state for this call",
};

const char *sl_strerror(sl_err_t err) {
    int i = -(int)err;
    if (i < 0 || i >= SL_E__COUNT || !sl_err_descs[i])
        return "unknown error";
    return sl_err_descs[i];
}
