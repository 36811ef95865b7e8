/*
 * stormlab export: a scenario's timeline as another tool's input, so a
 * rehearsed incident can be replayed on a staging cluster (docs/export.md).
 *
 *   chaos-mesh  workflow.yaml (a Chaos Mesh Workflow replaying the timeline)
 *               and chaos.yaml (each fault as its own NetworkChaos/PodChaos)
 *   toxiproxy   toxiproxy.json (POST /populate: a proxy per broker) and
 *               timeline.sh (the toxics over the timeline, with curl)
 *
 * What a target cannot express (a member's poll-loop stall, a config
 * rollout) is listed in not-exported.txt and returned, never dropped.
 */
#ifndef SL_EXPORT_H
#define SL_EXPORT_H

#include <stddef.h>
#include <stdio.h>

#include "stormlab/stormlab.h"

/* How stormlab's selectors map onto Kubernetes pods (--labels FILE). */
typedef struct sl_export_labels_s sl_export_labels_t;

/*
 * Reads a labels file (docs/export.md), or the defaults when path is NULL.
 * SL_OK with *out (freed by sl_export_labels_destroy), else SL_E_INVAL
 * (err: "file:line:col: what, expected ..."), SL_E_IO, SL_E_LIMIT or
 * SL_E_NOMEM.
 */
sl_err_t sl_export_labels_load(const char *path, sl_export_labels_t **out, char *err, size_t errsz);
void sl_export_labels_destroy(sl_export_labels_t *labels);

/*
 * Writes the Chaos Mesh export of sc into dir (created if needed; each
 * file written under a temporary name and renamed when complete).  Every
 * event or part of one that is approximated or not exported gets a line in
 * dir/not-exported.txt and in *notes (malloc'd, freed by the caller; ""
 * when everything exported).  SL_OK, or SL_E_IO with err.
 */
sl_err_t sl_export_chaos_mesh(const sl_scenario_t *sc, const sl_export_labels_t *labels, const char *dir,
                              char **notes, char *err, size_t errsz);

/* Where the Toxiproxy export's proxies listen and forward to. */
typedef struct sl_export_toxiproxy_opts_s {
    const char *listen_host; /* broker N's proxy listens on listen_host:(listen_port + N - 1) */
    int listen_port;
    const char *upstream;    /* broker N's address, each "{id}" replaced by N */
} sl_export_toxiproxy_opts_t;

/*
 * Writes the Toxiproxy export of sc into dir: toxiproxy.json (the body of
 * POST /populate: one proxy per broker), timeline.sh (the toxics added and
 * removed over the timeline with curl) and not-exported.txt, as
 * sl_export_chaos_mesh() does.  SL_OK, or SL_E_IO with err.
 */
sl_err_t sl_export_toxiproxy(const sl_scenario_t *sc, const sl_export_toxiproxy_opts_t *o, const char *dir,
                             char **notes, char *err, size_t errsz);

#endif
