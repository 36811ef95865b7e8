/*
 * The JSON string escaper of every output, and the trace line and summary
 * pieces both backends write (see include/stormlab/outputs.h).
 */
#include "stormlab/outputs.h"

#include <string.h>

#include "fmt-internal.h"

int sl_utf8_len(const unsigned char *s, uint32_t *cp) {
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    int n;
    uint32_t c, min;
    if ((s[0] & 0xe0) == 0xc0)
        n = 2, c = s[0] & 0x1f, min = 0x80;
    else if ((s[0] & 0xf0) == 0xe0)
        n = 3, c = s[0] & 0x0f, min = 0x800;
    else if ((s[0] & 0xf8) == 0xf0)
        n = 4, c = s[0] & 0x07, min = 0x10000;
    else
        return 0;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0; /* also the terminating NUL */
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

void sl_json_str(FILE *f, const char *s) {
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        const unsigned char *plain = p; /* printable ASCII goes out as is, a run at a time */
        while (*plain >= 0x20 && *plain < 0x7f && *plain != '"' && *plain != '\\')
            plain++;
        if (plain > p) {
            fwrite(p, 1, (size_t)(plain - p), f);
            p = plain;
            continue;
        }
        uint32_t cp;
        int n = sl_utf8_len(p, &cp);
        if (n == 0) {
            fputs("\\ufffd", f);
            p++;
            continue;
        }
        if (n > 1) {
            fwrite(p, 1, (size_t)n, f);
            p += n;
            continue;
        }
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
        p++;
    }
    fputc('"', f);
}

void sl_json_num(FILE *f, double v) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.3f", v);
    char *dot = strchr(buf, '.');
    if (dot) {
        char *end = buf + strlen(buf) - 1;
        while (end > dot + 1 && *end == '0')
            *end-- = 0;
    }
    fputs(buf, f);
}

void sl_json_num_or_null(FILE *f, double v) {
    if (v < 0)
        fputs("null", f);
    else
        sl_json_num(f, v);
}

/* "%lld" of v, formatted by hand (fmt-internal.h): a trace line has up to four. */
static void put_i64(FILE *f, int64_t v) {
    char num[24];
    fwrite(num, 1, (size_t)(sl_fmt_i64(num, v) - num), f);
}

void sl_json_trace_line(FILE *f, int64_t t_us, int64_t seq, const char *kind, const char *node, const char *group,
                        const char *member, int generation, int64_t cause, const char *detail) {
    fputs("{\"t_us\":", f);
    put_i64(f, t_us);
    fputs(",\"seq\":", f);
    put_i64(f, seq);
    fputs(",\"kind\":\"", f);
    fputs(kind, f);
    fputs("\",\"node\":", f);
    sl_json_str(f, node);
    fputs(",\"group\":", f);
    sl_json_str(f, group);
    fputs(",\"member\":", f);
    sl_json_str(f, member);
    if (generation >= 0) {
        fputs(",\"generation\":", f);
        put_i64(f, generation);
    } else {
        fputs(",\"generation\":null", f);
    }
    if (cause >= 0) {
        fputs(",\"cause\":", f);
        put_i64(f, cause);
    } else
        fputs(",\"cause\":null", f);
    fputs(",\"detail\":", f);
    sl_json_str(f, detail);
    fputs("}\n", f);
}

void sl_json_summary_groups(FILE *f, int n, sl_json_group_fn get, const void *ctx) {
    for (int i = 0; i < n; i++) {
        sl_group_result_t r;
        const char *owner;
        get(ctx, i, &r, &owner);
        fprintf(f, "%s\n  ", i ? "," : "");
        sl_json_str(f, r.group);
        fputs(": {\"owner\": ", f);
        sl_json_str(f, owner);
        fprintf(f, ", \"rebalances\": %d, \"generation\": %d, \"rebalance_s\": ", r.rebalances, r.generation);
        sl_json_num(f, r.rebalance_s);
        fputs(", \"unowned_partition_s\": ", f);
        sl_json_num(f, r.unowned_partition_s);
        fprintf(f, ", \"max_lag\": %lld, \"duplicates\": %lld, \"first_stable_s\": ", (long long)r.max_lag,
                (long long)r.duplicates);
        sl_json_num_or_null(f, r.first_stable_s);
        fputs(", \"stable_from_s\": ", f);
        sl_json_num_or_null(f, r.stable_from_s);
        fputs(", \"rebalance_latency_s\": ", f);
        sl_json_num_or_null(f, r.rebalance_latency_s);
        fputs("}", f);
    }
}

static const char *owner_or_none(sl_json_group_fn get, const void *ctx, int i) {
    sl_group_result_t r;
    const char *owner;
    get(ctx, i, &r, &owner);
    return owner[0] ? owner : "(none)";
}

void sl_json_summary_owners(FILE *f, int n, sl_json_group_fn get, const void *ctx) {
    int written = 0;
    for (int i = 0; i < n; i++) {
        const char *owner = owner_or_none(get, ctx, i);
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = !strcmp(owner_or_none(get, ctx, j), owner);
        if (seen)
            continue;
        int reb = 0;
        double unowned = 0;
        int64_t lag = 0, dup = 0;
        for (int j = i; j < n; j++) {
            sl_group_result_t r;
            const char *o;
            get(ctx, j, &r, &o);
            if (strcmp(o[0] ? o : "(none)", owner))
                continue;
            reb += r.rebalances;
            unowned += r.unowned_partition_s;
            if (r.max_lag > lag)
                lag = r.max_lag;
            dup += r.duplicates;
        }
        fprintf(f, "%s\n  ", written++ ? "," : "");
        sl_json_str(f, owner);
        fprintf(f, ": {\"rebalances\": %d, \"unowned_partition_s\": ", reb);
        sl_json_num(f, unowned);
        fprintf(f, ", \"max_lag\": %lld, \"duplicates\": %lld}", (long long)lag, (long long)dup);
    }
}
