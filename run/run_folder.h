#pragma once
// The run folder that `rewire train` and the desktop app write, and the readers that browse one:
//   config.json     resolved options (usable with --config)
//   metrics.csv     one row per epoch, flushed as each epoch ends
//   snapshots/      epoch_NNNN.rwm at epoch 0, every K epochs and the last (when K > 0), with
//   topology.csv    per snapshot and layer: degrees, turnover against the previous snapshot, and
//   topology_degrees.csv  the degree distributions per snapshot
//   model.rwm       the final model (absent after divergence)
//   checkpoint.rwm  the newest checkpoint (with --checkpoint-every; removed once the run completes):
//                   the network with its optimiser state after epoch N, and as attributes
//                   checkpoint.* the epoch count, the config of its last epoch, metrics.csv and
//                   changes.csv up to it and the lengths of the topology tables
//   summary.json    status ("running" from the start), final figures, timings, peak memory
//   changes.csv     hyper-parameters changed during the run (the desktop app's lr and zeta), if any
// While a RunWriter lives it holds a lock (flock) on the folder: a second writer (--force,
// --resume, the app) is refused, and the lock goes with the process however it ends.
// Not Qt and not the engine's business: both front ends link this library (run/).

#include "core/trainer.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rewire {

// A row of changes.csv: `key` (lr or zeta) took `value` from epoch `epoch` on.
struct RecordedChange {
    int epoch = 0;
    std::string key, value;
};

// The rows of a run folder's changes.csv (empty when it has none); rows that do not parse are left out.
std::vector<RecordedChange> readChanges(const std::filesystem::path& file);

// What `rewire train --resume` continues from: read from a run folder by RunWriter::loadResume.
struct ResumePoint {
    TrainConfig config;                  // the run's, with the lr and zeta of its last checkpointed epoch
    int epochs = 0;                      // epochs the checkpoint holds
    std::optional<NetworkGraph> network; // absent: no checkpoint, the run starts again from its seed
    std::string status;                  // summary.json's status (running for a killed run)
    std::string metrics, changes;        // metrics.csv and changes.csv up to `epochs`
    std::uint64_t topologyBytes = 0, topologyDegreesBytes = 0;
    double trainSeconds = 0.0;
    std::vector<double> wallSeconds;
    std::vector<RecordedChange> laterChanges; // changes.csv rows after `epochs`: replayed on resume
};

// A TrainingObserver: onTrained writes the snapshot that is due, onEpoch the metrics row and the
// checkpoint that is due. Compose it with a progress printer in an ObserverList.
class RunWriter : public TrainingObserver {
public:
    // Throws std::invalid_argument naming the folder when it is a file, or already holds a run
    // (metrics.csv) and `force` is false. Writes config.json and the metrics.csv header; with
    // config.snapshotEvery > 0 also the epoch-0 snapshot of `initial`.
    RunWriter(std::filesystem::path dir, const TrainConfig& config, const NetworkGraph& initial, bool hasValidation,
              bool force);
    // Continues the run in `dir` from `resumed` (RunWriter::loadResume): removes orphaned
    // temporary files, the stale model.rwm, snapshots past the checkpoint and table rows written
    // after it, and restores metrics.csv and changes.csv to the checkpoint's.
    RunWriter(std::filesystem::path dir, const ResumePoint& resumed);
    ~RunWriter();
    RunWriter(const RunWriter&) = delete;
    RunWriter& operator=(const RunWriter&) = delete;
    // Throws the same errors RunWriter's constructor would, without writing anything.
    static void check(const std::filesystem::path& dir, bool force);
    // The resume point of the run folder `dir`: its checkpoint.rwm, or none (start again from the
    // seed with config.json). Throws std::invalid_argument naming the folder or file when there is
    // no run, it completed or diverged, or a process is still writing it; ModelFileError for a
    // damaged checkpoint.
    static ResumePoint loadResume(const std::filesystem::path& dir);

    // After an epoch's training (TrainingObserver::onTrained): the snapshot, when one is due.
    // `topology`, when the caller already made network.topologyCopy(), is kept for the next
    // snapshot's turnover instead of a second copy.
    void trained(const EpochMetrics& metrics, const NetworkGraph& network,
                 std::shared_ptr<const NetworkGraph> topology = nullptr);
    // After the epoch's topology step (TrainingObserver::onEpoch): the metrics row, then the
    // checkpoint when one is due (config.checkpointEvery; never for an epoch cut short).
    // `network` is the trainer's, with its optimiser state.
    void epoch(const EpochMetrics& metrics, const NetworkGraph& network);
    void onTrained(const EpochMetrics& metrics, const NetworkGraph& network) override
    {
        trained(metrics, network, std::move(m_offeredTopology));
    }
    void onEpoch(const EpochMetrics& metrics, const NetworkGraph& network) override { epoch(metrics, network); }
    // A topology copy of the trained network that an observer before this one already made
    // (the app's): the next onTrained keeps it for turnover instead of copying again.
    void offerTopology(std::shared_ptr<const NetworkGraph> topology) { m_offeredTopology = std::move(topology); }
    // A hyper-parameter changed before epoch `fromEpoch` (1-based) started: appended to changes.csv
    // (epoch,key,value), so the run folder says which settings trained which epochs.
    void recordChange(int fromEpoch, const std::string& key, const std::string& value);
    // status: completed | interrupted | stopped | diverged (summary.json says "running", with the
    // epochs completed, from the constructor on). Saves model.rwm unless diverged; a completed run
    // drops its checkpoint.
    void finish(const std::string& status, const std::string& error, int epochsDone, const NetworkGraph& network,
                const std::string& datasetDescription);

    // The threads the run trains on (what --threads auto resolved to), for summary.json.
    void setThreads(int threads) { m_threads = threads; }
    // A sentence for summary.json ("note"): what an interrupted run's model holds.
    void setNote(std::string note) { m_note = std::move(note); }

    const std::filesystem::path& dir() const { return m_dir; }
    // Wall time of each epoch from the end of the previous one (training, evaluation, topology
    // step and whatever the observers did): what a user waits per epoch.
    const std::vector<double>& epochWallSeconds() const { return m_wall; }
    double trainSeconds() const { return m_trainSeconds; }
    const EpochMetrics& last() const { return m_last; }

private:
    std::filesystem::path m_dir;
    TrainConfig m_config; // with the changes recorded so far
    struct FolderLock { // flock'ed descriptor of m_dir, released however the writer ends
        int fd = -1;
        FolderLock() = default;
        FolderLock(const FolderLock&) = delete;
        FolderLock& operator=(const FolderLock&) = delete;
        ~FolderLock();
    } m_lock;
    std::ofstream m_metrics, m_topology, m_topologyDegrees;
    std::string m_metricsText, m_changesText; // what metrics.csv and changes.csv hold, for checkpoints
    int m_checkpointEpoch = -1; // of the newest checkpoint written or resumed from
    int m_resumedFrom = -1;
    std::string m_note;
    std::shared_ptr<const NetworkGraph> m_previous; // topology of the last snapshot, for turnover
    std::shared_ptr<const NetworkGraph> m_offeredTopology;
    EpochMetrics m_last;
    double m_trainSeconds = 0.0;
    int m_threads = 0;
    std::vector<double> m_wall;
    std::chrono::steady_clock::time_point m_lastEpochEnd, m_lastRunningWrite;

    void lock();
    void openTables(std::ios::openmode mode);
    void snapshot(int epoch, const NetworkGraph& network, std::shared_ptr<const NetworkGraph> topology);
    void checkpoint(int epochs, const NetworkGraph& network);
    void writeRunning();
};

// "runs/<prefix>-YYYYmmdd-HHMMSS".
std::string defaultRunDir(const std::string& prefix);
double peakRssMiB();
// A loss or accuracy (times `scale`) with `decimals` digits after the point, whatever the locale,
// or "n/a" for a split with no samples (NaN): metrics.csv and the console say the same.
std::string formatMeasured(double x, int decimals, double scale = 1.0);
double currentRssMiB();
double median(std::vector<double> values);

std::string metricsCsvHeader(int layers, bool validation);
std::string metricsCsvRow(const EpochMetrics& metrics);
// Reads a metrics.csv written by RunWriter. Throws std::runtime_error naming the file and line.
std::vector<EpochMetrics> readMetricsCsv(const std::filesystem::path& file);
// The same from its text; `source` names it in messages.
std::vector<EpochMetrics> parseMetricsCsv(const std::string& text, const std::string& source);

// The model a run folder stands for: model.rwm, else (a killed or running run) its checkpoint,
// else its newest snapshot. `note` says which, when it is not model.rwm. Throws
// std::runtime_error when the folder has none of them; ModelFileError for a damaged file.
struct RunModel {
    std::filesystem::path path;
    std::string note;
};
RunModel findRunModel(const std::filesystem::path& runDir);
// loadModel without the checkpoint.* attributes and the optimiser state: the network alone.
NetworkGraph loadNetworkOnly(const std::filesystem::path& modelFile);

struct SnapshotFile {
    int epoch = 0;
    std::filesystem::path path;
};
// A run folder's snapshots/epoch_NNNN.rwm files, by epoch.
std::vector<SnapshotFile> listSnapshots(const std::filesystem::path& runDir);

} // namespace rewire
