#pragma once
// Whole-network connectivity, computed on the network's own CSR/CSC arrays (no graph copy, so it
// runs on 10M-neuron networks in O(V) extra memory): weak components, the number of edge-disjoint
// input -> output paths (max-flow with unit edge capacities; a bottleneck measure), and per-layer
// degree assortativity. tests/analysis/test_connectivity.cpp checks each against igraph.

#include "graph/network_graph.h"

#include <vector>

namespace rewire {

struct Connectivity {
    std::int64_t weakComponents = 0;   // isolated neurons count as components of one
    std::int64_t largestComponent = 0; // neurons in the largest weak component
    double edgeDisjointPaths = 0;      // max-flow from all inputs to all outputs, unit capacities
    // Pearson correlation of source out-degree and target in-degree over each layer's edges (as
    // igraph_assortativity_degree, directed); NaN when undefined (a regular layer).
    std::vector<double> assortativity;
};

// Components: union-find, O(E α(V)). Max-flow: Dinic's algorithm on the residual graph of the
// layers (every input a source, every output a sink), O(E sqrt(E)) worst case, a few phases on
// sparse layered networks in practice; one flow byte per edge. Assortativity: O(E).
Connectivity connectivity(const NetworkGraph& network);

} // namespace rewire
