#pragma once
// Interop exports of a whole network, one graph with global vertex ids (NetworkGraph::vertexOffset):
//   GraphML                   vertex attributes "layer" (neuron set) and "index" (local id), both
//                             int; edge attributes "weight" (signed w), "abs_weight" (double) and
//                             "layer" (int); nodes "n<id>"
//   GEXF 1.2draft             the same attributes; Gephi's edge weight is |w|, the sign in "w"
//                             (networkx's read_gexf and Gephi read this version)
//   edge list CSV             source,target,layer,weight
//   Matrix Market             one coordinate file per layer, outputs x inputs, 1-based
//   npz                       one scipy.sparse CSR matrix per layer, outputs x inputs, as
//                             scipy.sparse.save_npz writes it (scipy.sparse.load_npz reads it)
// Every file is written to a temporary name and renamed.

#include "graph/network_graph.h"

#include <filesystem>
#include <string>
#include <vector>

namespace rewire {

enum class ExportFormat { GraphMl, Gexf, EdgeList, MatrixMarket, Npz };
// Parses "graphml", "gexf", "edgelist", "mtx", "npz"; throws std::invalid_argument.
ExportFormat parseExportFormat(const std::string& text);

// Returns the files written. Matrix Market and npz write one file per layer: PATH's stem with
// "_layerN" and the format's extension (".mtx", ".npz", whatever extension PATH had).
// Time complexity: O(V + E).
std::vector<std::filesystem::path> exportNetwork(const NetworkGraph& network, ExportFormat format,
                                                 const std::filesystem::path& path);

} // namespace rewire
