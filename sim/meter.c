/* The one metric integration of stormlab/meter.h, for both engines. */
#include "stormlab/meter.h"

void sl_meter_init(sl_meter_t *m, int unowned) {
    *m = (sl_meter_t){.unowned = unowned, .first_settled_us = -1, .settled_since_us = -1, .left_settled_us = -1};
}

void sl_meter_unowned(sl_meter_t *m, int64_t now_us, int unowned) {
    if (now_us > m->since_us) {
        double dt = (double)(now_us - m->since_us);
        m->unowned_us += m->unowned * dt;
        if (m->first_settled_us >= 0)
            m->unowned_after_us += m->unowned * dt;
    }
    m->since_us = now_us;
    m->unowned = unowned;
}

int sl_meter_settle(sl_meter_t *m, int64_t now_us, int settled) {
    settled = settled != 0;
    if (settled == m->settled)
        return 0;
    m->settled = settled;
    if (!settled) {
        m->left_settled_us = now_us;
        return -1;
    }
    m->settled_since_us = now_us;
    if (m->first_settled_us < 0)
        m->first_settled_us = now_us;
    else
        m->out_of_settled_us += now_us - m->left_settled_us;
    return 1;
}

void sl_meter_finish(sl_meter_t *m, int64_t end_us) {
    sl_meter_unowned(m, end_us, m->unowned);
    if (!m->settled && m->first_settled_us >= 0)
        m->out_of_settled_us += end_us - m->left_settled_us;
}

void sl_meter_results(const sl_meter_t *m, sl_group_result_t *r) {
    r->rebalance_s = (double)m->out_of_settled_us / 1e6;
    r->unowned_partition_s = (m->first_settled_us >= 0 ? m->unowned_after_us : m->unowned_us) / 1e6;
    r->first_stable_s = m->first_settled_us >= 0 ? (double)m->first_settled_us / 1e6 : -1;
    r->stable_from_s = m->settled ? (double)m->settled_since_us / 1e6 : -1;
}
