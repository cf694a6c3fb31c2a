#pragma once
// Writes the analysis tables of one network into a folder, as `rewire analyze` does:
//   layers.csv               one row per layer (sizes, density, degrees, isolated and dead neurons, weights)
//   neurons.csv              one row per neuron (set, index, degrees, strengths, importance, dead flag)
//   degree_distribution.csv  layer, side, degree, count, ccdf
//   features.csv             input features ranked by strength (QuickSelection)
//   input_map.csv / .png     out-degree and strength of the inputs in the data's image shape

#include "graph/network_graph.h"

#include <filesystem>
#include <string>
#include <vector>

namespace rewire {

// Returns the names of the files written. Time complexity: O(V log V + E).
std::vector<std::string> writeAnalysis(const NetworkGraph& network, const std::filesystem::path& dir);

} // namespace rewire
