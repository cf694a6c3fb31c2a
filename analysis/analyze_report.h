#pragma once
// Writes the analysis tables of one network into a folder, as `rewire analyze` does:
//   layers.csv               one row per layer (sizes, density, degrees, isolated and dead neurons,
//                            weights, degree assortativity)
//   network.csv              weak components, largest component, edge-disjoint input->output paths
//   neurons.csv              one row per neuron (layer: 0 = inputs; index, degrees, strengths,
//                            importance, dead flag)
//   degree_distribution.csv  layer, side, degree, count, ccdf
//   degree_logbins.csv       layer, side, bin [lower, upper) with power-of-two edges, count, density
//   powerlaw.csv             power-law fit of each layer's degrees and strengths (analysis/power_law.h):
//                            xmin, alpha, tail size, KS distance, bootstrap p-value and its standard
//                            error, and a verdict worded from the tests
//   powerlaw_comparisons.csv each fit's likelihood-ratio test against every alternative
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
    std::uint64_t seed = 1;     // bootstrap of the power-law fits (fit k of layer l: seed + l)
    int bootstrapSamples = 1000; // per power-law fit (0: no goodness-of-fit p-value)
    std::int64_t minTail = 50;   // power-law tails smaller than this get no verdict
    int threads = 0;             // bootstrap threads; 0 = every core
    // Called before each power-law fit and while its bootstrap runs (the slow part) with the fits
    // done, their total, and what runs ("layer 2 in-degree, bootstrap 300/1000").
    std::function<void(int done, int total, const std::string& what)> progress;
};

// Returns the names of the files written. Time complexity: O(V log V + E) plus the bootstrap.
std::vector<std::string> writeAnalysis(const NetworkGraph& network, const std::filesystem::path& dir,
                                       const AnalysisOptions& options = {});

} // namespace rewire
