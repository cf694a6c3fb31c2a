#pragma once
// Per-layer summary of a network: sizes, density, degree extremes, isolated neurons, weights.

#include "graph/network_graph.h"

#include <vector>

namespace rewire {

struct LayerSummary {
    int layer = 0;
    NeuronIndex inputs = 0;
    NeuronIndex outputs = 0;
    EdgeIndex edges = 0;
    double density = 0.0;
    double meanInDegree = 0.0;
    NeuronIndex maxInDegree = 0;
    NeuronIndex maxOutDegree = 0;
    NeuronIndex isolatedInputs = 0;  // input-side neurons with no outgoing edge in this layer
    NeuronIndex isolatedOutputs = 0; // output-side neurons with no incoming edge
    double meanAbsWeight = 0.0;
    double positiveFraction = 0.0;   // share of weights >= 0
};

// Time complexity: O(V + E).
std::vector<LayerSummary> summarizeLayers(const NetworkGraph& network);

} // namespace rewire
