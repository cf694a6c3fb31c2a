#pragma once
// Runs side by side: other run folders opened next to the one shown, for their curves (overlaid,
// with mean ± sd bands over the seeds of a `rewire compare` folder) and for A-vs-B comparisons at
// one epoch (degree distributions, NNSTD, turnover). Only their metrics are read up front; a
// network is loaded when a comparison needs it.

#include "core/trainer.h"
#include "graph/network_graph.h"
#include "run/run_folder.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace rewire::gui {

struct ComparedRun {
    std::string name;  // the run folder's name (a compare folder's runs/<method>-seed<S>)
    std::string group; // runs drawn as one mean ± sd: the method of <method>-seed<S>, else the name
    std::filesystem::path dir;
    std::vector<EpochMetrics> metrics;
    std::vector<SnapshotFile> snapshots; // snapshots/epoch_NNNN.rwm, by epoch
    int finalEpoch = 0;                  // epochs of model.rwm (the last metrics row), 0 without
};

// A run folder gives one run; a `rewire compare` folder (compare.json and runs/*) each of its runs,
// in name order. Throws std::runtime_error naming the path when it is neither, or a file in it is
// unreadable.
std::vector<ComparedRun> loadComparedRuns(const std::filesystem::path& path);

// True for a `rewire compare` folder.
bool isCompareFolder(const std::filesystem::path& path);

// The file of the run's network after `epoch` epochs: its snapshot of that epoch, or model.rwm when
// the run ended there; else the latest one before (`*found` says which epoch; -1 and an empty
// path when none).
std::filesystem::path comparedNetworkFile(const ComparedRun& run, int epoch, int* found);

} // namespace rewire::gui
