#pragma once
// How a network's topology changes between snapshots of one run: mask turnover per layer, and the
// per-snapshot rows `rewire train --snapshot-every` and `rewire analyze RUN_DIR` write.

#include "graph/network_graph.h"

#include <map>
#include <string>
#include <utility>
#include <functional>
#include <vector>

namespace rewire {

struct LayerTurnover {
    EdgeIndex common = 0, added = 0, removed = 0; // added: in b, not in a
    double jaccardDistance = 0;                   // 1 - |E_a ∩ E_b| / |E_a ∪ E_b|
    int sampleShift = 0; // > 0: estimated on a 2^-shift sample of the positions (sampledTurnover)
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
// The same over the positions `keep(layer, from, to)` accepts only (the others are skipped, in a
// and in b alike).
std::vector<LayerTurnover> maskTurnover(const NetworkGraph& a, const NetworkGraph& b, std::vector<LayerEdgeChanges>* changes,
                                        const std::function<bool(int, NeuronIndex, NeuronIndex)>& keep);

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
    // The exploration rate (Liu et al. 2021): positions that ever held an edge since training
    // began, when the network tracks them (a training run's live network; see
    // graph/explored_positions.h), as a count, a share of inputs x outputs, and the count's relative
    // standard error (0: exact; 0.0041: the sketch of a layer of more than 2^27 positions).
    bool hasExploration = false;
    double explored = 0, explorationRate = 0, explorationError = 0;
};

// A network's exploration rate from the rows of one snapshot (topologyRows, or a run's
// topology.csv through applyExploration): Σ explored / Σ positions, and each layer's rate.
// `tracked` is false when a row has no exploration figures (a model loaded without its history).
struct NetworkExploration {
    bool tracked = false, estimated = false; // estimated: some layer is a HyperLogLog sketch
    double rate = 0;
    std::vector<double> perLayer;
};
NetworkExploration networkExploration(const std::vector<TopologyRow>& rows, const NetworkGraph& network);
// The rows' exploration figures only, from the network's own tracking (no degree statistics):
// cheap enough for the end of a 100M-edge run.
std::vector<TopologyRow> explorationRows(int epoch, const NetworkGraph& network);

std::vector<TopologyRow> topologyRows(int epoch, const NetworkGraph& network, const NetworkGraph* previous);
std::string topologyCsvHeader();
std::string topologyCsvRow(const TopologyRow& row);
// The exploration columns of a topology.csv (topologyCsvHeader's layout) by (epoch, layer), read
// once; empty for a table without them (an older run). Throws std::invalid_argument naming `what`
// and the line for a malformed table. applyExploration copies them into the rows of the same
// epoch and layer.
struct ExplorationFigures {
    double explored = 0, rate = 0, error = 0;
};
using ExplorationTable = std::map<std::pair<int, int>, ExplorationFigures>;
ExplorationTable readExplorationTable(const std::string& csv, const std::string& what);
void applyExploration(const ExplorationTable& table, std::vector<TopologyRow>& rows);
// "epoch,layer,side,degree,count" rows of one snapshot, for plotting the degree distributions over time.
std::string snapshotDegreeRows(int epoch, const NetworkGraph& network);

} // namespace rewire
