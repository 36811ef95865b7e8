/* The processing-time model of stormlab/rng.h, one implementation for the
 * simulator and real librdkafka members (the Java member program draws from
 * the same distribution with the same constant; docs/model.md "Consumers"). */
#include <math.h>

#include "stormlab/rng.h"

/* z of the standard normal's 99th percentile: p99 = median * exp(sigma * z99) */
#define Z99 2.3263478740408408

int64_t sl_processing_us(sl_rng_t *r, int64_t median_us, int64_t p99_us, int n) {
    double med = (double)median_us, p99 = (double)p99_us;
    if (n <= 0)
        return 0;
    if (p99 <= med)
        return (int64_t)(med * n);
    double sigma = log(p99 / med) / Z99, mu = log(med);
    if (n <= 16) {
        double sum = 0;
        for (int i = 0; i < n; i++)
            sum += exp(mu + sigma * sl_rng_normal(r));
        return (int64_t)sum;
    }
    double mean = exp(mu + sigma * sigma / 2), var = (exp(sigma * sigma) - 1) * exp(2 * mu + sigma * sigma);
    double t = n * mean + sqrt(n * var) * sl_rng_normal(r);
    double floor_t = n * med * 0.25;
    return (int64_t)(t < floor_t ? floor_t : t);
}

double sl_processing_mean_us(int64_t median_us, int64_t p99_us) {
    double med = (double)median_us, p99 = (double)p99_us;
    if (p99 <= med)
        return med;
    double sigma = log(p99 / med) / Z99;
    return exp(log(med) + sigma * sigma / 2);
}
