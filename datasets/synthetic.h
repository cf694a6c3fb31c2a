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
// The same samples written straight into a stratified train/test split (testFraction of each
// class), so the matrix is never held twice (65536 x 10000 floats are 2.6 GB).
DataSplit makeMadelonSplit(const MadelonOptions& options, double testFraction);

} // namespace rewire

namespace rewire {

// Two Gaussian blobs per class on the corners of a square: class = XOR of the corner's signs.
Dataset makeXor(std::int64_t samples, double noise, std::uint64_t seed);
// `classes` interleaved Archimedean spirals in the plane, `turns` turns each, Gaussian noise.
Dataset makeSpirals(std::int64_t samples, int classes, double turns, double noise, std::uint64_t seed);

} // namespace rewire
