#pragma once
// Synthetic classification data in the style of Guyon's Madelon generator (scikit-learn's
// make_classification): Gaussian clusters on the vertices of a hypercube in the informative
// subspace, redundant linear combinations, repeated copies and Gaussian probe features.

#include "datasets/dataset.h"

#include <cstdint>

namespace rewire {

struct MadelonOptions {
    std::int64_t samples = 1000;
    std::int64_t features = 20;
    int informative = 5;
    int redundant = 2;
    int repeated = 0;
    int classes = 2;
    int clustersPerClass = 2;
    double classSep = 1.0;
    double flipY = 0.01;
    std::uint64_t seed = 1;
};

// Throws std::invalid_argument naming the offending option (e.g. informative + redundant +
// repeated > features, or classes * clustersPerClass > 2^informative).
// Time complexity: O(samples * (features + informative^2)).
Dataset makeMadelon(const MadelonOptions& options);

} // namespace rewire
