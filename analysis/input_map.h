#pragma once
// Input-feature connectivity (QuickSelection, seed 001): out-degree and strength of every input
// neuron in the first layer, the top-k ranking by strength, and the map in the data's image shape.

#include "graph/network_graph.h"

#include <string>
#include <vector>

namespace rewire {

struct InputFeature {
    NeuronIndex feature = 0;
    std::int64_t degree = 0;
    double strength = 0; // sum of |w| of its outgoing edges
};

// All inputs ordered by strength (descending; ties by lower index). Time complexity: O(E + n log n).
std::vector<InputFeature> rankInputFeatures(const NetworkGraph& network);

// Image shape of the inputs from the model's "input_shape" attribute ("28x28", "3x32x32"),
// as {rows, cols} with channels folded into rows; {1, n} when unknown.
std::pair<int, int> inputGrid(const NetworkGraph& network);

} // namespace rewire
