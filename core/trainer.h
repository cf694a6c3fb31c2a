#pragma once
// Trainer: builds a network from a TrainConfig and trains it epoch by epoch, reporting through a
// TrainingObserver (the CLI and the GUI use the same calls).

#include "core/config.h"
#include "core/evolution.h"
#include "core/methods/registry.h"
#include "core/network.h"
#include "datasets/dataset.h"
#include "datasets/registry.h"

#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>

namespace rewire {

struct EpochMetrics {
    int epoch = 0;              // 1-based
    bool complete = true;       // false when a stop request cut the epoch short (then only the
                                // training figures are set, and the epoch does not count)
    double trainLoss = 0.0;     // mean over the epoch's batches, with dropout active
    double trainAccuracy = 0.0; // same batches, same caveat
    bool hasValidation = false;
    double validationLoss = 0.0;
    double validationAccuracy = 0.0;
    double testLoss = 0.0;
    double testAccuracy = 0.0;
    // With Trainer::setProfiling(true): the training pass's seconds per layer and phase.
    std::optional<MlpEngine::Times> passTimes;
    EdgeIndex connections = 0;  // after this epoch's topology step
    EdgeIndex trainedConnections = 0; // of the network the epoch trained and evaluated (before the step)
    std::vector<EdgeIndex> connectionsPerLayer;
    EdgeIndex pruned = 0;
    EdgeIndex regrown = 0;
    // Seed 004 Fig. 3: the training loss on a fixed sample of the training data (--induced-loss-
    // samples) just before and just after this epoch's topology step; NaN when no step changed
    // the network.
    double lossBeforeStep = std::numeric_limits<double>::quiet_NaN();
    double lossAfterStep = std::numeric_limits<double>::quiet_NaN();
    // Cost so far, this epoch included (seed 000, eqs. 1-6): weight updates = Σ over trained
    // batches of the edges updated (biases not counted, as the equations); training FLOPs ≈
    // 6 · edges per sample (forward 2, backward 4) plus the topology steps' own work (a
    // gradient method's batch and its tiled dense scores: 2 · inputs · outputs · batch per layer).
    std::int64_t weightUpdates = 0;
    double trainFlops = 0.0;
    double epochSeconds = 0.0;     // forward + backward + update over the training set
    double evolutionSeconds = 0.0; // topology step
    double evalSeconds = 0.0;      // test (and validation) evaluation
    double measureSeconds = 0.0;   // the induced-loss passes before and after the topology step
};

// NaN loss and accuracy for an empty split: shown as "n/a" (metrics.csv, the progress line),
// null in JSON, left out of the app's curves.
struct Evaluation {
    double loss = 0.0;
    double accuracy = 0.0;
};

// Training diverged (NaN/Inf loss); the message names the epoch and batch.
class TrainingDiverged : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Called on the training thread; must not block for long. No exception may escape.
class TrainingObserver {
public:
    virtual ~TrainingObserver() = default;
    virtual void onBatch(int /*epoch*/, int /*batch*/, int /*batchCount*/) {}
    // After the epoch's training and evaluation, before its topology step: the network that the
    // epoch's test figures describe. `metrics` has the losses and accuracies, not yet the
    // connection counts or evolution figures.
    virtual void onTrained(const EpochMetrics& /*metrics*/, const NetworkGraph& /*network*/) {}
    virtual void onEpoch(const EpochMetrics& /*metrics*/, const NetworkGraph& /*network*/) {}
    // Polled between batches; true ends the current epoch early and stops training.
    virtual bool stopRequested() { return false; }
};

// Observers that compose: each call goes to every member in order (a progress printer, then the
// run writer, then whatever the front end adds); a stop is requested when any member asks.
class ObserverList : public TrainingObserver {
public:
    ObserverList() = default;
    ObserverList(std::initializer_list<TrainingObserver*> members);
    void add(TrainingObserver* member);
    void onBatch(int epoch, int batch, int batchCount) override;
    void onTrained(const EpochMetrics& metrics, const NetworkGraph& network) override;
    void onEpoch(const EpochMetrics& metrics, const NetworkGraph& network) override;
    bool stopRequested() override;

private:
    std::vector<TrainingObserver*> m_members;
};

class Trainer;

// An epoch's training pass run by someone else: parallel training (core/parallel/) feeds the
// trainer gradients its workers computed, or replaces its network by the average of theirs. The
// trainer still evaluates, runs its topology step (when topologyStep() says so), reports to the
// observers and counts epochs.
class TrainingPass {
public:
    struct Figures {
        double lossSum = 0.0;     // summed over the samples
        std::int64_t correct = 0;
        std::int64_t samples = 0;
        bool stopped = false;     // a stop request cut the pass short
    };
    virtual ~TrainingPass() = default;
    virtual Figures run(Trainer& trainer, int epoch, TrainingObserver* observer) = 0;
    // Whether the trainer's topology step follows epoch `epoch` (as usual, not after the last).
    virtual bool topologyStep(int /*epoch*/) const { return true; }
};

class Trainer {
public:
    // Validates the config against the data (architecture vs features/classes) and builds the
    // initial network. Throws ConfigError naming the key. `data` is referenced, not copied: it
    // must outlive the Trainer.
    Trainer(TrainConfig config, const DataSplit& data);
    // Continues a run from a checkpoint: `checkpoint` is the network after `epochsDone` epochs
    // (their topology steps included) with its optimiser state (the "velocity" edge and
    // "bias_velocity" neuron properties), `config` the run's, with the lr and zeta of its last
    // epoch. Every random draw is derived from (seed, epoch, batch), so the remaining epochs equal
    // those of the uninterrupted run, bit for bit. Throws ConfigError as above, and when the
    // checkpoint's architecture is not config's.
    Trainer(TrainConfig config, const DataSplit& data, NetworkGraph checkpoint, int epochsDone);
    // The engine refers to this object's network, so a Trainer stays where it was built.
    Trainer(const Trainer&) = delete;
    Trainer& operator=(const Trainer&) = delete;

    // Runs the remaining epochs. Throws TrainingDiverged.
    void run(TrainingObserver* observer = nullptr);
    // One epoch: training pass, evaluation of the trained network, then the topology step (not
    // after the last epoch). An epoch a stop request cuts short returns early (complete = false)
    // and does not count.
    EpochMetrics trainEpoch(TrainingObserver* observer = nullptr);
    Evaluation evaluate(const Dataset& data);

    int epochsDone() const { return m_epochsDone; }
    // After a stop request cut an epoch short: how many of its batchesPerEpoch() batches ran (the
    // network holds them); 0 otherwise.
    int partialBatches() const { return m_partialBatches; }
    int batchesPerEpoch() const { return m_batchesPerEpoch; }
    bool finished() const { return m_epochsDone >= m_config.epochs; }
    const TrainConfig& config() const { return m_config; }
    // The engine's threads: config().threads, or what auto (0) resolved to.
    int threads() const { return m_engine->threads(); }
    // Times every training pass per layer and phase (MlpEngine::setTiming) into
    // EpochMetrics::passTimes. Off by default.
    void setProfiling(bool on) { m_engine->setTiming(on); }
    // In-place deltas (MlpEngine::setSharedDeltas): on from the start unless a method reads the
    // deltas; for tests and measurements, which turn it off to compare.
    void setSharedDeltas(bool on) { m_engine->setSharedDeltas(on); }
    bool sharedDeltas() const { return m_engine->sharedDeltas(); }
    // Parallel training: epochs run `pass` instead of the trainer's own batches (nullptr: its own).
    void setTrainingPass(TrainingPass* pass) { m_pass = pass; }
    // Applies gradients computed elsewhere (of a mean batch loss, aligned with network()'s edges)
    // with this run's momentum-SGD step at lr × lrScale, and counts `samples` samples of training
    // work over the current edges.
    void applyGradients(const MlpEngine::Gradients& gradients, int samples, double lrScale = 1.0);
    std::int64_t trainingSamples() const { return m_data.train.samples(); }
    // The weight initialisation in use (--init auto resolved).
    WeightInit init() const { return m_init; }
    // Samples per forward/backward pass: --micro-batch when it splits the batch, else --batch.
    int microBatch() const
    {
        return m_config.microBatch > 0 && m_config.microBatch < m_config.batch ? m_config.microBatch : m_config.batch;
    }
    // lr and zeta may change between epochs.
    void setLearningRate(double lr);
    void setZeta(double zeta);
    NetworkGraph& network() { return m_network; }
    const NetworkGraph& network() const { return m_network; }
    // Whether the method's topology step changes layer l (an evolving method, a layer that is not
    // fully connected, and one --evolve-layers selects).
    bool layerEvolves(int l) const;
    // Whether --evolve-layers lets topology steps touch layer l (all, or not the output layer).
    bool layerSelected(int l) const;
    // The methods' state: per-layer edge targets and the epochs' figures (saved with checkpoints).
    const TopologyState& topologyState() const { return m_topology; }


private:
    Trainer(TrainConfig config, const DataSplit& data, std::optional<NetworkGraph> checkpoint, int epochsDone);

    TrainConfig m_config;
    const DataSplit& m_data;
    const MethodSpec* m_spec = nullptr;
    std::vector<std::unique_ptr<TopologyMethod>> m_methods; // Importance Pruning (when on), then the method
    TopologyState m_topology;
    WeightInit m_init;
    MlpEngine::Gradients m_microSum; // a batch's summed gradients, with --micro-batch
    NetworkGraph m_network;
    std::unique_ptr<MlpEngine> m_engine;
    int m_epochsDone = 0;
    TrainingPass* m_pass = nullptr;
    int m_partialBatches = 0, m_batchesPerEpoch = 0;
    std::uint64_t m_dropoutBase = 0; // per-run key; each batch hashes it with (epoch, batch)
    std::int64_t m_weightUpdates = 0; // cumulative (saved as the attribute cost.weight_updates)
    double m_trainFlops = 0.0;         // cumulative (cost.train_flops)
    std::vector<std::int64_t> m_inducedRows; // the training samples the induced loss is measured on
    int m_captureBatches = 0;                // the epoch's last batches whose gradients are kept (second-order methods)
    std::vector<MlpEngine::Gradients> m_captured;
    double lossOn(const Dataset& data, std::span<const std::int64_t> rows);
    // Every method's step after `epoch` (0: the steps before training); the changes summed.
    LayerChange topologySteps(int epoch, GradientProbe& probe);
};

// The thread count of a run: `requested`, or for 0 (auto) every core this process may use. While
// other processes keep cores busy the engine's pool runs on fewer (WorkPool). Results do not
// depend on either.
int resolveThreads(int requested);

// The data a config asks for: --dataset, --test-dataset, --test-fraction, --validation,
// --validation-dataset, --scale and --seed (for the seeded splits).
DatasetRequest datasetRequest(const TrainConfig& config);

// Builds the initial network of a config: Erdős–Rényi layers (dense where p reaches 1; equal
// in-degree layers for --init uniform-fanin), or all dense for a dense method. Deterministic in config.seed.
NetworkGraph buildNetwork(const TrainConfig& config);

} // namespace rewire
