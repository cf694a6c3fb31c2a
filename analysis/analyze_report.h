#pragma once
// Writes the analysis tables of one network into a folder, as `rewire analyze` does:
//   layers.csv               one row per layer (sizes, density, degrees, isolated and dead neurons,
//                            weights, degree assortativity)
//   network.csv              weak components, largest component, edge-disjoint input->output paths
//   neurons.csv              one row per neuron (layer: 0 = inputs; index, degrees, strengths,
//                            importance, dead flag)
//   degree_distribution.csv  layer, side, degree, count, ccdf
//   degree_logbins.csv       layer, side, bin [lower, upper) with power-of-two edges, count, density
//   powerlaw.csv             power-law fit of each layer's degrees and strengths, with xmin, tail
//                            size, KS distance, bootstrap p-value and a verdict
//   features.csv             input features ranked by strength (QuickSelection)
//   input_map.csv / .png     out-degree and strength of the inputs in the data's image shape

#include "graph/network_graph.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace rewire {

struct AnalysisOptions {
    std::uint64_t seed = 1;          // bootstrap p-values of the power-law fits
    double powerLawPrecision = 0.1; // p-value precision (25 bootstrap samples); 0 skips the bootstrap
    // Called before each power-law fit (the slow part: 0.25 / precision^2 bootstrap samples each)
    // with the fits done and their total, and what the next one fits ("layer 2 in-degree").
    std::function<void(int done, int total, const std::string& what)> progress;
};

// Returns the names of the files written. Time complexity: O(V log V + E) plus the bootstrap.
std::vector<std::string> writeAnalysis(const NetworkGraph& network, const std::filesystem::path& dir,
                                       const AnalysisOptions& options = {});

} // namespace rewire
