#pragma once
// The one interface between the parameter server and its K workers (seed 003, Figure 2), with two
// transports: threads in one process (messages are moved, nothing is copied) and MPI ranks
// (core/parallel/mpi_transport.h: messages are encoded and sent in chunks below 2^31 bytes).

#include "core/parallel/model_image.h"

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

namespace rewire::parallel {

enum class Kind : std::uint8_t {
    Model = 1,    // server → worker: the model to compute the next gradient on (phase 1)
    Gradient = 2, // worker → server: a batch's gradients and the topology version they belong to
    Local = 3,    // server → worker: train one local epoch (phase 2); the first carries the model
    Replica = 4,  // worker → server: the replica after its local epoch
    Stop = 5,     // server → worker: the run is over
    Failure = 6,  // either way: the sender failed; `text` says why
};

struct Message {
    Kind kind = Kind::Stop;
    int worker = 0;
    std::uint64_t version = 0;   // the server's topology version the model or gradients belong to
    double lossSum = 0.0;        // Gradient, Replica: the training loss summed over the samples
    std::int64_t correct = 0;
    std::int64_t samples = 0;
    MlpEngine::Gradients gradients; // Gradient: of the batch's mean loss, aligned with that topology
    ModelImage model;               // Model, Local, Replica
    std::string text;               // Failure
    bool diverged = false;          // Failure: the worker's training diverged (TrainingDiverged)
    double lr = 0.0, zeta = -1.0;   // Local: the run's lr and zeta for this epoch (they may change)
};

// Throws the error a Failure message stands for: TrainingDiverged, or WorkerLost naming `who`.
[[noreturn]] void throwFailure(const Message& failure, const std::string& who);

std::vector<std::byte> encode(const Message& message);
Message decode(std::span<const std::byte> bytes); // throws std::runtime_error

// A worker (or rank) that failed, vanished or went silent; the message names it.
class WorkerLost : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Transport {
public:
    virtual ~Transport() = default;
    virtual int workers() const = 0;
    // What a worker is called in messages: "worker 2", "rank 2 (host)".
    virtual std::string workerName(int k) const = 0;
    // Server side. receive blocks until worker k's next message; it throws WorkerLost when worker
    // k cannot send any more (it failed, or its rank died).
    virtual void sendToWorker(int k, Message message) = 0;
    virtual Message receiveFromWorker(int k) = 0;
    // Worker side (worker k).
    virtual void sendToServer(int k, Message message) = 0;
    virtual Message receiveFromServer(int k) = 0;
};

// K workers as threads of this process: one mailbox each way per worker.
std::unique_ptr<Transport> makeThreadTransport(int workers);

} // namespace rewire::parallel
