#pragma once
// Interop exports of a whole network, one graph with global vertex ids (NetworkGraph::vertexOffset):
//   GraphML (through igraph)  vertex attributes "layer" (neuron set) and "index" (local id);
//                             edge attributes "weight" (signed w), "abs_weight" and "layer"
//   GEXF 1.3 (own writer)     the same attributes; Gephi's edge weight is |w|, the sign in "w"
//   edge list CSV             source,target,layer,weight
//   Matrix Market             one coordinate file per layer, outputs x inputs, 1-based
// Every file is written to a temporary name and renamed.

#include "graph/network_graph.h"

#include <filesystem>
#include <string>
#include <vector>

namespace rewire {

enum class ExportFormat { GraphMl, Gexf, EdgeList, MatrixMarket };
// Parses "graphml", "gexf", "edgelist", "mtx"; throws std::invalid_argument.
ExportFormat parseExportFormat(const std::string& text);

// Returns the files written (Matrix Market: PATH with "_layerN" before the extension, per layer).
// Time complexity: O(V + E).
std::vector<std::filesystem::path> exportNetwork(const NetworkGraph& network, ExportFormat format,
                                                 const std::filesystem::path& path);

} // namespace rewire
