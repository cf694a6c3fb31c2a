#pragma once
// Snapshot: an immutable picture of a network at one point of a run, with everything the views
// draw precomputed off the GUI thread. The worker builds one after each epoch (or every K batches)
// and hands it over by shared_ptr<const Snapshot>; nothing in it changes after publication.

#include "analysis/layer_summary.h"
#include "analysis/network_sketch.h"
#include "analysis/neuron_table.h"
#include "analysis/topology_evolution.h"
#include "core/trainer.h"
#include "graph/network_graph.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace rewire::gui {

struct TurnoverPoint {
    int epoch = 0;
    double jaccardDistance = 0; // over all evolving edges, against the previous snapshot
};

// A hyper-parameter changed during the run (the app's lr and zeta): `key` took `value` from epoch
// `epoch` on (the run folder's changes.csv).
struct ParameterChange {
    int epoch = 0;
    std::string key, value;
};

struct Snapshot {
    std::uint64_t generation = 0; // a Reset starts a new generation; older ones are stale
    int epoch = 0;                // epochs completed (0 = the initial network)
    int batch = 0;                // > 0: a mid-epoch snapshot, `batch` of `batchCount` batches into epoch+1
    int batchCount = 0;
    int totalEpochs = 0;
    std::string source;           // what it shows ("live run", a run folder, a model file)
    double analyseSeconds = 0;    // what making it cost the worker (the copy or sketch, and the analysis)

    // NetworkGraph::topologyCopy() of the trained network; for a live run too large to copy at every
    // snapshot (TrainingWorker::Options::sketchAboveEdges), the sketch's graph: the strongest edges of
    // each layer and a hash sample of them (then `sketch` is set, and the degrees, strengths, dead
    // neurons, layer summaries and block counts below are still the whole network's).
    std::shared_ptr<const NetworkGraph> network;
    std::shared_ptr<const NetworkSketch> sketch;
    std::filesystem::path file; // with a sketch: the model file holding the whole network (empty: live)
    std::vector<EpochMetrics> metrics;           // every completed epoch up to this snapshot
    std::vector<TurnoverPoint> turnoverHistory;  // one point per earlier snapshot pair (estimates with a sketch)
    std::vector<ParameterChange> parameterChanges; // made up to this snapshot

    std::vector<NeuronRow> neurons;  // NeuronTable rows, neuron sets in order
    std::vector<std::size_t> setStart; // first row of each neuron set in `neurons`
    std::vector<int> rank;           // 1 = most important in its set (importance; inputs: out-strength)
    std::vector<int> rankChange;     // previous rank - rank (up is positive); 0 without a previous snapshot
    std::vector<LayerSummary> layers;
    bool hasPrevious = false;
    int previousEpoch = 0, previousBatch = 0;  // the snapshot rankChange, turnover and changes compare with
    std::vector<LayerTurnover> turnover;       // per layer, against the previous snapshot
    std::vector<LayerEdgeChanges> changes;     // per layer: edges added and removed since the previous snapshot
                                               // (with a sketch: those at its sampled positions)
    std::pair<int, int> inputGrid{1, 1};       // rows, cols of the input image

    const NeuronRow& neuron(int set, NeuronIndex index) const
    {
        return neurons[setStart[static_cast<std::size_t>(set)] + static_cast<std::size_t>(index)];
    }
    // Edges of the whole network (not of a sketch's graph).
    EdgeIndex edgeCount() const;
    // The in- (or out-) degree of every neuron of a set, from the neuron rows (the whole network's).
    std::vector<std::int64_t> degrees(int set, bool in) const;
    std::int64_t key() const { return (static_cast<std::int64_t>(epoch) << 32) | batch; }
    // Position on the run's time axis in epochs (mid-epoch snapshots in between).
    double position() const { return epoch + (batch > 0 && batchCount > 0 ? double(batch) / batchCount : 0.0); }
    // Heap bytes held by this snapshot: its network copy (CSR, CSC view, weights) and its analysis.
    std::size_t memoryBytes() const;
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

// The app's default: a network with more edges than this is held as a sketch (rewire-gui
// --sketch-above, TrainingWorker::Options::sketchAboveEdges, loadRun).
constexpr EdgeIndex kSketchAboveEdges = EdgeIndex{1} << 24;

// Fixes a run's sample rates from `network` (sampleShifts) unless they are fixed for its layers
// already: every sketch of the run then samples the same positions.
void fixSampleRates(SketchOptions& options, const NetworkGraph& network);

// Everything but generation/metrics/source (epoch and batch set first): the analysis of
// `network`, and the changes against `previous` when given (same architecture).
// Time complexity: O(V log V + E).
void analyseSnapshot(Snapshot& snapshot, std::shared_ptr<const NetworkGraph> network, const Snapshot* previous);
// The same for a network that is not copied (the trainer's own, between batches): the analysis
// from it, and its sketch (sketchNetwork) for the views; turnover and changes against a previous
// sketched snapshot are estimated on the common sample (sampledTurnover).
void analyseSketched(Snapshot& snapshot, const NetworkGraph& network, const SketchOptions& options, const Snapshot* previous);

// Keeps a timeline within a memory budget: while the snapshots' memoryBytes() add up to more than
// budgetBytes, drops the snapshot from the middle whose removal leaves the smallest gap between its
// neighbours (the oldest on ties), so what stays is spread evenly over the run. The first and the
// last snapshot, and history[*keep] when keep points at an index >= 0, always stay; *keep follows
// its snapshot. Returns how many were dropped. Time complexity: O(n^2) for n snapshots.
int thinSnapshots(std::vector<SnapshotPtr>& history, std::size_t budgetBytes, int* keep = nullptr);

} // namespace rewire::gui
