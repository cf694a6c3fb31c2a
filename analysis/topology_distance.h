#pragma once
// NNSTD, the neural network sparse topology distance of Liu et al. 2020 ("Topological insights into
// sparse neural networks"), between two networks of one architecture.
//
// Layer by layer: the distance between neuron j of A and neuron k of B is the Jaccard distance
// 1 - |in_A(j) ∩ in_B(k)| / |in_A(j) ∪ in_B(k)| of their incoming neuron sets, B's inputs first
// relabelled by the previous layer's matching (the inputs themselves are matched to themselves);
// an optimal assignment (solveAssignment) matches A's neurons to B's and relabels the next layer;
// the layer's distance is the assignment's cost / n. Two empty sets have distance 0.
//
// Conventions, made explicit (README, "NNSTD"):
// - Output neurons: assigned like every other layer, as the reference implementation does
//   (default), or matched by index (they stand for fixed classes).
// - `mean` averages every layer, the reference's figure; `hiddenMean` only the layers that end in
//   hidden neurons, which the output convention does not touch.
// - Ties: sparse layers have many optimal assignments, and the one chosen relabels every later
//   layer. The canonical tie-break adds ε·h({j, k}) to the cost of pairing A's j with B's k, with h
//   a hash of the unordered index pair (and the layer) in [0, 1) and ε = 1e-9 / n: among the optimal
//   assignments it picks one by a rule that does not depend on which network is A, so
//   d(A, B) = d(B, A). With `tieBreaks` = K, the distance is also computed under K seeded random
//   tie-breaks in each direction, and the smallest and largest values found are reported: an inner
//   bound of the range over all tie-breaks.

#include "graph/network_graph.h"

#include <cstdint>
#include <vector>

namespace rewire {

enum class OutputMatching { Assign, Index };

struct NnstdOptions {
    OutputMatching outputs = OutputMatching::Assign; // the reference's
    int tieBreaks = 0;                               // K random tie-breaks per direction for the range
    std::uint64_t seed = 1;
};

struct TopologyDistance {
    std::vector<double> perLayer; // in [0, 1]
    double mean = 0;              // over every layer
    double hiddenMean = 0;        // over the layers ending in hidden neurons; NaN without any
    std::vector<std::vector<int>> matching; // per layer: A's output j <-> B's output matching[l][j]
    // With tieBreaks > 0: the smallest and largest values over the canonical and the sampled
    // tie-breaks, both directions (else equal to the canonical values).
    std::vector<double> perLayerMin, perLayerMax;
    double meanMin = 0, meanMax = 0, hiddenMeanMin = 0, hiddenMeanMax = 0;
    int tieBreaksTried = 0; // assignments runs per direction, the canonical one included
};

// Throws std::invalid_argument naming both architectures when they differ.
// Time complexity per layer: O(sum_i degA(i) degB(i) + n^2) for the costs plus the assignment,
// times 2K + 1 with tie-breaks.
TopologyDistance topologyDistance(const NetworkGraph& a, const NetworkGraph& b, const NnstdOptions& options = {});

} // namespace rewire
