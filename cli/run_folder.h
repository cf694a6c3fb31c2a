#pragma once
// The run folder that `rewire train` and the desktop app write, and the readers that browse one:
//   config.json     resolved options (usable with --config)
//   metrics.csv     one row per epoch, flushed as each epoch ends
//   snapshots/      epoch_NNNN.rwm at epoch 0, every K epochs and the last (when K > 0), with
//   topology.csv    per snapshot and layer: degrees, turnover against the previous snapshot, and
//   topology_degrees.csv  the degree distributions per snapshot
//   model.rwm       the final model (absent after divergence)
//   summary.json    status, final figures, timings, peak memory
//   changes.csv     hyper-parameters changed during the run (the desktop app's lr and zeta), if any
// Not Qt and not the engine's business: both front ends link this small library.

#include "core/trainer.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace rewire {

class RunWriter {
public:
    // Throws std::invalid_argument naming the folder when it is a file, or already holds a run
    // (metrics.csv) and `force` is false. Writes config.json and the metrics.csv header; with
    // config.snapshotEvery > 0 also the epoch-0 snapshot of `initial`.
    RunWriter(std::filesystem::path dir, const TrainConfig& config, const NetworkGraph& initial, bool hasValidation,
              bool force);
    // Throws the same errors RunWriter's constructor would, without writing anything.
    static void check(const std::filesystem::path& dir, bool force);

    // After an epoch's training (TrainingObserver::onTrained): the snapshot, when one is due.
    // `topology`, when the caller already made network.topologyCopy(), is kept for the next
    // snapshot's turnover instead of a second copy.
    void trained(const EpochMetrics& metrics, const NetworkGraph& network,
                 std::shared_ptr<const NetworkGraph> topology = nullptr);
    // After the epoch's topology step (TrainingObserver::onEpoch): the metrics row.
    void epoch(const EpochMetrics& metrics);
    // A hyper-parameter changed before epoch `fromEpoch` (1-based) started: appended to changes.csv
    // (epoch,key,value), so the run folder says which settings trained which epochs.
    void recordChange(int fromEpoch, const std::string& key, const std::string& value);
    // status: completed | interrupted | stopped | diverged (summary.json says "running", with the
    // epochs completed, from the constructor on). Saves model.rwm unless diverged.
    void finish(const std::string& status, const std::string& error, int epochsDone, const NetworkGraph& network,
                const std::string& datasetDescription);

    // The threads the run trains on (what --threads auto resolved to), for summary.json.
    void setThreads(int threads) { m_threads = threads; }

    const std::filesystem::path& dir() const { return m_dir; }
    // Wall time of each epoch from the end of the previous one (training, evaluation, topology
    // step and whatever the observers did): what a user waits per epoch.
    const std::vector<double>& epochWallSeconds() const { return m_wall; }
    double trainSeconds() const { return m_trainSeconds; }
    const EpochMetrics& last() const { return m_last; }

private:
    std::filesystem::path m_dir;
    TrainConfig m_config;
    std::ofstream m_metrics, m_topology, m_topologyDegrees;
    std::shared_ptr<const NetworkGraph> m_previous; // topology of the last snapshot, for turnover
    EpochMetrics m_last;
    double m_trainSeconds = 0.0;
    int m_threads = 0;
    std::vector<double> m_wall;
    std::chrono::steady_clock::time_point m_lastEpochEnd, m_lastRunningWrite;

    void snapshot(int epoch, const NetworkGraph& network, std::shared_ptr<const NetworkGraph> topology);
    void writeRunning();
};

// "runs/<prefix>-YYYYmmdd-HHMMSS".
std::string defaultRunDir(const std::string& prefix);
double peakRssMiB();
// A loss or accuracy printed with `format` (a printf format of one double, after `scale`), or
// "n/a" for a split with no samples (NaN): metrics.csv and the console say the same.
std::string formatMeasured(double x, const char* format, double scale = 1.0);
double currentRssMiB();
double median(std::vector<double> values);

std::string metricsCsvHeader(int layers, bool validation);
std::string metricsCsvRow(const EpochMetrics& metrics);
// Reads a metrics.csv written by RunWriter. Throws std::runtime_error naming the file and line.
std::vector<EpochMetrics> readMetricsCsv(const std::filesystem::path& file);

struct SnapshotFile {
    int epoch = 0;
    std::filesystem::path path;
};
// A run folder's snapshots/epoch_NNNN.rwm files, by epoch.
std::vector<SnapshotFile> listSnapshots(const std::filesystem::path& runDir);

} // namespace rewire
