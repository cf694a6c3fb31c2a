#pragma once
// Whole-network connectivity through igraph: weak components, the number of edge-disjoint
// input -> output paths (max-flow with unit edge capacities; a bottleneck measure), and per-layer
// degree assortativity.

#include "graph/network_graph.h"

#include <vector>

namespace rewire {

struct Connectivity {
    std::int64_t weakComponents = 0;   // isolated neurons count as components of one
    std::int64_t largestComponent = 0; // neurons in the largest weak component
    double edgeDisjointPaths = 0;      // max-flow from all inputs to all outputs, unit capacities
    // Pearson correlation of source out-degree and target in-degree over each layer's edges
    // (igraph_assortativity_degree, directed); NaN when undefined (a regular layer).
    std::vector<double> assortativity;
};

// Time complexity: O(V + E) for components and assortativity; max-flow is push-relabel on V + 2
// vertices (fast on layered graphs in practice).
Connectivity connectivity(const NetworkGraph& network);

} // namespace rewire
