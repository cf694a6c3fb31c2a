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

namespace rewire::parallel {

enum class Algorithm { Wasap, Wassp };
// "wasap" | "wassp"; throws ConfigError naming --parallel.
Algorithm parseAlgorithm(const std::string& text);

// The epochs of phase 1: epochs − local epochs (--local-epochs; auto: a tenth of the run, at
// least 1 when the run has 2 epochs or more).
int phase1Epochs(const TrainConfig& config);

// Worker k's training samples: a seeded partition of the training set into K near-equal parts.
std::vector<std::int64_t> shardRows(std::int64_t samples, int workers, int k, std::uint64_t seed);

// Engine threads of each worker: --threads, or for auto a share of the cores (threaded workers).
int workerThreads(const TrainConfig& config, int workersInProcess);

// The parameter server: trains `trainer` (the global model) for its remaining epochs with the
// transport's workers, reporting to `observer` as Trainer::run does, then tells every worker to
// stop (also when it throws). Throws WorkerLost naming a worker that failed, TrainingDiverged when
// a worker's gradients are not finite.
void serve(Trainer& trainer, Transport& transport, TrainingObserver* observer);

// Worker k, until the server says stop. `data` is the run's data (the worker uses its shard of the
// training set); `threads`: its engine's. Throws what its training throws (the caller reports it
// to the server as a Failure message).
void work(int k, const TrainConfig& config, const DataSplit& data, Transport& transport, int threads);

// serve() with config.workers workers as threads of this process.
void trainThreaded(Trainer& trainer, const DataSplit& data, TrainingObserver* observer);

} // namespace rewire::parallel
