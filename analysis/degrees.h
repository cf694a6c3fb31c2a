#pragma once
// Degrees and strengths of a layer's neurons, and their distributions.

#include "graph/network_graph.h"

#include <cstdint>
#include <span>
#include <vector>

namespace rewire {

// In: the layer's output neurons (incoming edges); Out: its input neurons (outgoing edges).
enum class Side { In, Out };
const char* toString(Side side);

// Time complexity: O(neurons) for degrees, O(E) for strengths.
std::vector<std::int64_t> degreeSequence(const SparseLayer& layer, Side side);
// Strength s = sum of |w| over the side's edges. For Side::In this is neuron importance
// I_j = sum_i |w_ij| (seed 003 eq. 4).
std::vector<double> strengthSequence(const SparseLayer& layer, Side side);

struct LogBin {
    double lower = 0, upper = 0; // [lower, upper)
    std::int64_t count = 0;
    double density = 0;          // count / (n * width): comparable across bin widths
};

struct DegreeDistribution {
    std::vector<std::int64_t> degree; // distinct values, ascending
    std::vector<std::int64_t> count;  // neurons with that degree
    std::vector<double> ccdf;         // P(D >= degree)
    std::vector<LogBin> logBins;      // bins [2^k, 2^(k+1)) over positive values; zeros are counted in `count` only
    std::int64_t zeros = 0;
    double mean = 0;
    std::int64_t max = 0;
};

// Time complexity: O(n log n).
DegreeDistribution degreeDistribution(std::span<const std::int64_t> values);

} // namespace rewire
