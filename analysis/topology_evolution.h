#pragma once
// How a network's topology changes between snapshots of one run: mask turnover per layer, and the
// per-snapshot rows `rewire train --snapshot-every` and `rewire analyze RUN_DIR` write.

#include "graph/network_graph.h"

#include <string>
#include <vector>

namespace rewire {

struct LayerTurnover {
    EdgeIndex common = 0, added = 0, removed = 0; // added: in b, not in a
    double jaccardDistance = 0;                   // 1 - |E_a ∩ E_b| / |E_a ∪ E_b|
};

struct ChangedEdge {
    NeuronIndex from = 0, to = 0; // input-side and output-side neuron of the layer
    float weight = 0;             // in b for an added edge, in a for a removed one
};
struct LayerEdgeChanges {
    std::vector<ChangedEdge> added, removed;
};

// Per layer, from snapshot a to snapshot b; with `changes`, also the added and removed edges
// themselves. Throws std::invalid_argument naming both architectures when they differ.
// Time complexity: O(E_a + E_b).
std::vector<LayerTurnover> maskTurnover(const NetworkGraph& a, const NetworkGraph& b,
                                        std::vector<LayerEdgeChanges>* changes = nullptr);

struct TopologyRow {
    int epoch = 0, layer = 0;
    EdgeIndex edges = 0;
    double density = 0;
    std::int64_t maxInDegree = 0, maxOutDegree = 0;
    double sdInDegree = 0, sdOutDegree = 0;
    std::int64_t isolatedInputs = 0, isolatedOutputs = 0;
    double meanAbsWeight = 0;
    bool hasPrevious = false;
    LayerTurnover turnover; // against the previous snapshot, when there is one
};

std::vector<TopologyRow> topologyRows(int epoch, const NetworkGraph& network, const NetworkGraph* previous);
std::string topologyCsvHeader();
std::string topologyCsvRow(const TopologyRow& row);
// "epoch,layer,side,degree,count" rows of one snapshot, for plotting the degree distributions over time.
std::string snapshotDegreeRows(int epoch, const NetworkGraph& network);

} // namespace rewire
