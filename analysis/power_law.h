#pragma once
// Power-law fits of degree or strength distributions (igraph's plfit: Clauset, Shalizi & Newman
// 2009). A fit is always reported with its caveats: xmin, the tail it covers, the
// Kolmogorov-Smirnov distance and a bootstrap p-value; p < 0.1 rejects the power law.

#include <cstdint>
#include <span>
#include <string>

namespace rewire {

struct PowerLawFit {
    bool fitted = false;      // false when there are too few positive values (see note)
    bool discrete = true;
    std::int64_t n = 0;       // positive values given to the fit (zeros are dropped)
    double alpha = 0, xmin = 0, ksDistance = 0, logLikelihood = 0;
    std::int64_t tailSize = 0; // values >= xmin
    double pValue = 0;        // NaN when not computed
    int bootstrapSamples = 0;
    std::string verdict;      // "plausible (p >= 0.1)", "rejected (p < 0.1)" or why there is no fit
};

// Discrete for integer data (degrees), continuous for strengths. The p-value uses
// ceil(0.25 / precision^2) bootstrap samples from igraph's RNG seeded with `seed`; precision 0
// skips it. Time complexity: O(samples * n log n).
PowerLawFit fitPowerLaw(std::span<const double> values, bool discrete, std::uint64_t seed, double precision = 0.05);

} // namespace rewire
