#pragma once
// NNSTD, the neural network sparse topology distance of Liu et al. 2020 ("Topological insights into
// sparse neural networks"), between two networks of one architecture.
//
// Layer by layer: the distance between neuron j of A and neuron k of B is the Jaccard distance
// 1 - |in_A(j) ∩ in_B(k)| / |in_A(j) ∪ in_B(k)| of their incoming neuron sets, B's inputs first
// relabelled by the previous layer's matching (the inputs themselves are matched to themselves);
// an optimal assignment (solveAssignment) matches A's neurons to B's and relabels the next layer;
// the layer's distance is the assignment's cost / n. Output neurons stand for fixed classes, so they
// are matched to themselves (same index). Two empty sets have distance 0.

#include "graph/network_graph.h"

#include <vector>

namespace rewire {

struct TopologyDistance {
    std::vector<double> perLayer; // in [0, 1]
    double mean = 0;
    std::vector<std::vector<int>> matching; // per layer: A's output j <-> B's output matching[l][j]
};

// Throws std::invalid_argument naming both architectures when they differ.
// Time complexity per layer: O(sum_i degA(i) degB(i) + n^2) for the costs plus the assignment.
TopologyDistance topologyDistance(const NetworkGraph& a, const NetworkGraph& b);

} // namespace rewire
