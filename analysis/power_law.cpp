#include "analysis/power_law.h"

#include "graph/igraph_bridge.h"

#include <algorithm>
#include <cstdlib>
#include <cmath>
#include <limits>
#include <mutex>
#include <vector>

namespace rewire {

PowerLawFit fitPowerLaw(std::span<const double> values, bool discrete, std::uint64_t seed, double precision)
{
    installIgraphErrorHandler();
    PowerLawFit f;
    f.discrete = discrete;
    f.pValue = std::numeric_limits<double>::quiet_NaN();
    std::vector<double> positive;
    for (double v : values)
        if (v > 0 && std::isfinite(v))
            positive.push_back(v);
    f.n = static_cast<std::int64_t>(positive.size());
    std::size_t distinct = 0;
    {
        std::vector<double> s = positive;
        std::sort(s.begin(), s.end());
        distinct = static_cast<std::size_t>(std::unique(s.begin(), s.end()) - s.begin());
    }
    if (positive.size() < 10 || distinct < 3) {
        f.verdict = "no fit: " + std::to_string(positive.size()) + " positive values, " + std::to_string(distinct) +
                    " distinct (need 10 and 3)";
        return f;
    }
    // igraph's RNG is global: one fit at a time keeps seeded results reproducible.
    static std::mutex mutex;
    std::lock_guard<std::mutex> lock(mutex);
    igraph_vector_t v;
    igraph_vector_view(&v, positive.data(), static_cast<igraph_integer_t>(positive.size()));
    igraph_plfit_result_t r;
    igraphCheck(igraph_power_law_fit(&v, &r, -1, !discrete), "igraph_power_law_fit");
    f.fitted = true;
    f.discrete = !r.continuous;
    f.alpha = r.alpha;
    f.xmin = r.xmin;
    f.ksDistance = r.D;
    f.logLikelihood = r.L;
    for (double x : positive)
        f.tailSize += x >= r.xmin;
    if (precision > 0) {
        igraph_rng_seed(igraph_rng_default(), static_cast<igraph_uint_t>(seed));
        std::srand(static_cast<unsigned>(seed)); // Debian's libplfit seeds its generator from rand()
        igraph_real_t p = 0;
        igraphCheck(igraph_plfit_result_calculate_p_value(&r, &p, precision), "igraph_plfit_result_calculate_p_value");
        f.pValue = p;
        f.bootstrapSamples = static_cast<int>(std::ceil(0.25 / (precision * precision)));
        f.verdict = p >= 0.1 ? "plausible (p >= 0.1)" : "rejected (p < 0.1)";
    } else {
        f.verdict = "not tested (no bootstrap)";
    }
    return f;
}

} // namespace rewire
