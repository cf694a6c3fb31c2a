#pragma once
// WASAP-SGD and WASSP-SGD (seed 003, Algorithm 1) over a Transport.
//
// Phase 1 (epochs 1 .. E − local epochs): each worker computes the gradients of one batch of its
// shard on the model the server last sent it and pushes them; the server (a Trainer: its network is
// the global model) moves gradients computed on an older topology onto the current one (retain
// valid updates), applies them with momentum SGD, sends the worker the updated model, and after
// every n/B gradients ends an epoch: evaluation, the method's topology step, checkpoints, reports.
//   wasap: the server applies one worker's gradients per step, in a fixed cyclic order (worker 0,
//          1, …, K−1, 0, …): each gradient is K−1 updates stale, as when K equally fast workers
//          run asynchronously, and the run is the same whatever the timing (same seed, same
//          result). The seed's server takes whichever worker is ready; this order is that
//          schedule made deterministic.
//   wassp: the server waits for all K workers' gradients of the same model, averages them and
//          steps with lr × K (Goyal et al.'s linear scaling, warmed up linearly over the first
//          epoch), n/(B·K) steps per epoch.
// Phase 2 (the last --local-epochs epochs): each worker trains its own replica on its shard and
// evolves it with the run's method; after each local epoch the server averages the replicas over
// the union of their topologies and prunes each layer back to its edge target by magnitude
// (eq. 2, line 37), and evaluates and reports that model. The last one is the result.

#include "core/parallel/transport.h"
#include "core/trainer.h"

#include <memory>
#include <thread>
#include <vector>

namespace rewire::parallel {

enum class Algorithm { Wasap, Wassp };
// "wasap" | "wassp"; throws ConfigError naming --parallel.
Algorithm parseAlgorithm(const std::string& text);

// The epochs of phase 1: epochs − local epochs (--local-epochs; auto: a tenth of the run, at
// least 1 when the run has 2 epochs or more).
int phase1Epochs(const TrainConfig& config);

// Worker k's training samples: a seeded partition of the training set into K near-equal parts.
std::vector<std::int64_t> shardRows(std::int64_t samples, int workers, int k, std::uint64_t seed);

// The Failure message for worker k's exception (diverged when it is a TrainingDiverged).
Message failureMessage(int k, const std::exception& e);

// Engine threads of each worker: --threads, or for auto a share of the cores (threaded workers).
int workerThreads(const TrainConfig& config, int workersInProcess);

class ServerPass;

// The parameter server: while it lives, `trainer`'s epochs (Trainer::trainEpoch, run) train
// `trainer`'s network (the global model) with the transport's workers; evaluation, phase 1's
// topology steps, checkpoints and reports stay the trainer's. An epoch throws WorkerLost naming a
// worker that failed, TrainingDiverged when a worker's loss is not finite.
class ParameterServer {
public:
    ParameterServer(Trainer& trainer, Transport& transport);
    ~ParameterServer(); // detaches from the trainer
    ParameterServer(const ParameterServer&) = delete;
    ParameterServer& operator=(const ParameterServer&) = delete;
    // After the last epoch: collects the gradients still in flight and tells every worker to stop.
    void finish();
    // Gradients of edges pruned while they were computed, dropped so far (retain valid updates).
    EdgeIndex droppedGradients() const;

private:
    Trainer& m_trainer;
    std::unique_ptr<ServerPass> m_pass;
};

// Trains `trainer`'s remaining epochs through a ParameterServer, reporting to `observer` as
// Trainer::run does, then stops the workers.
void serve(Trainer& trainer, Transport& transport, TrainingObserver* observer);

// Worker k, until the server says stop. `data` is the run's data (the worker uses its shard of the
// training set); `threads`: its engine's. Throws what its training throws (the caller reports it
// to the server as a Failure message).
void work(int k, const TrainConfig& config, const DataSplit& data, Transport& transport, int threads);

// config.workers workers as threads of this process, with their server: while it lives,
// `trainer`'s epochs train in parallel (the desktop app steps them one by one). finish() after the
// last epoch stops the workers; the destructor stops them in any case (a failed epoch, a stop).
class ThreadedWorkers {
public:
    ThreadedWorkers(Trainer& trainer, const DataSplit& data);
    ~ThreadedWorkers();
    ThreadedWorkers(const ThreadedWorkers&) = delete;
    ThreadedWorkers& operator=(const ThreadedWorkers&) = delete;
    void finish();
    EdgeIndex droppedGradients() const;

private:
    std::unique_ptr<Transport> m_transport;
    std::unique_ptr<ParameterServer> m_server;
    std::vector<std::thread> m_threads;
    void stopAndJoin();
};

// Trainer::run with ThreadedWorkers.
void trainThreaded(Trainer& trainer, const DataSplit& data, TrainingObserver* observer);

} // namespace rewire::parallel
