#pragma once
// Opens a saved run folder (its snapshots and metrics.csv) or a single model file as snapshots the
// views can browse without training.

#include "gui/snapshot.h"

#include <filesystem>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace rewire::gui {

struct LoadedRun {
    std::vector<SnapshotPtr> snapshots; // by epoch
    std::string description;
    std::filesystem::path runDir;      // empty for a lone model file
    std::string configJson;            // the run folder's config.json, when it has one
    int thinned = 0;                   // snapshots dropped to stay within the memory budget
};

// A run folder: snapshots/epoch_NNNN.rwm (else model.rwm) with the metrics of each epoch up to it.
// A model file: one snapshot. `progress(done, total)` is called after each snapshot. The
// snapshots are thinned as they load (thinSnapshots) to stay within budgetBytes.
// A network with more than `sketchAboveEdges` edges is kept as a sketch (analyseSketched, its
// sample rates fixed by the first one), with the file it came from in Snapshot::file.
// Throws std::runtime_error naming the file on anything unreadable.
LoadedRun loadRun(const std::filesystem::path& path, std::uint64_t generation,
                  const std::function<void(int, int)>& progress = {},
                  std::size_t budgetBytes = static_cast<std::size_t>(-1),
                  EdgeIndex sketchAboveEdges = std::numeric_limits<EdgeIndex>::max()); // (the app passes kSketchAboveEdges)

// A sketched snapshot's whole network, read from its file (Snapshot::file). Throws
// std::runtime_error naming the file when it is unreadable or no longer holds the snapshot's epoch
// (a run still training, or trained again, into its folder).
NetworkGraph loadSnapshotNetwork(const Snapshot& snapshot);
// Throws that error when `network` (read from the snapshot's file earlier) is not of its epoch.
void checkSnapshotNetwork(const Snapshot& snapshot, const NetworkGraph& network);

} // namespace rewire::gui
