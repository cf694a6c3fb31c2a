#pragma once
// MlpEngine: forward/backward passes over a NetworkGraph in place (no copy of the weights).

#include "core/activation.h"
#include "core/kernels.h"
#include "graph/network_graph.h"

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace rewire {

enum class Loss { CrossEntropy, Mse };
Loss parseLoss(const std::string& text);
std::string toString(Loss loss);

struct BatchResult {
    double lossSum = 0.0;  // summed over the batch's samples
    int correct = 0;
    bool finite = true;    // false when the loss or an output is NaN/Inf
};

// Owns the activation buffers for one network; its optimiser state lives in the network, as edge
// and neuron properties (optimizerStateNames: "velocity" and "bias_velocity" for momentum SGD,
// "opt_adam_m"/"opt_adam_v" and the bias pair for Adam), so topology edits keep it aligned,
// checkpoints carry it and an engine built over a loaded checkpoint continues where the saved one
// stopped. Hidden layers use `activation`; the output layer is linear followed by the loss
// (softmax + cross-entropy, or MSE on the linear outputs). Each layer runs through the kernels
// kernelFor() picks (Eigen GEMM, narrow or sparse) on the engine's WorkPool; work units follow
// topology edits by watching SparseLayer::topologyVersion(). A batch is ten pool jobs for the
// reference network (input, four forwards with the narrow output layer's two, four backwards:
// each hidden layer's update phase shares a job with the next layer's gradient phase). Results
// do not depend on the thread count. Every public call runs with subnormals flushed to zero.
class MlpEngine {
public:
    // Throws std::invalid_argument for batchCapacity < 1, threads < 1 or an empty network.
    // `network` is referenced and must outlive the engine.
    // `sharedDeltas` starts with in-place deltas (setSharedDeltas) without ever holding one buffer
    // per set: at 50M neurons those would be 6.4 GB more at the peak of construction.
    MlpEngine(NetworkGraph& network, Activation activation, Loss loss, int batchCapacity, int threads,
              Optimizer optimizer = Optimizer::MomentumSgd, bool sharedDeltas = false);
    MlpEngine(const MlpEngine&) = delete;
    MlpEngine& operator=(const MlpEngine&) = delete;

    // Input batch: features x ld; fill columns [0, batch) and leave the rest zero (fillInput does).
    NeuronBuffer& input() { return m_act.front(); }
    // Copies samples rows[0..batch) of a row-major feature matrix into input(), zero padding.
    void fillInput(const float* features, std::int64_t featureCount, std::span<const std::int64_t> rows);

    // Forward (dropout with keepProbability < 1), loss, backward and momentum-SGD update.
    // With `capture`: the same step, bit for bit, with the batch's gradients (of the mean loss, with
    // dropout) kept in capture->weights[l] (aligned with layer l's edges) and capture->biases[l]:
    // the backward runs in gradient mode and the policy is applied afterwards, edge by edge (the
    // scalar step is the vector kernels' bits).
    struct Gradients {
        std::vector<std::vector<float>> weights, biases;
    };
    BatchResult trainBatch(int batch, std::span<const std::int32_t> labels, const UpdatePolicy& step,
                           float keepProbability, std::uint64_t dropoutKey, Gradients* capture = nullptr);
    // Micro-batches: one part of a batch of `fullBatch` samples, whose first sample is column
    // `column0` of that batch. The forward draws the full batch's dropout masks, and the gradients
    // of the full batch's mean loss are added into `sum` (the caller zeroes it, e.g. with
    // zeroGradients, before the first part); applyGradients then takes the one step. Together:
    // trainBatch's step on the full batch, up to the order of the sums, with buffers for only
    // `batch` columns. Throws std::invalid_argument with SReLU (its parameter gradients are not
    // accumulated yet).
    BatchResult accumulateBatch(int batch, std::span<const std::int32_t> labels, float keepProbability,
                                std::uint64_t dropoutKey, int column0, int fullBatch, Gradients& sum);
    void zeroGradients(Gradients& sum) const;
    // A whole batch's gradients in parts of `part` samples: `sum` zeroed, then accumulateBatch over
    // the parts (features: a row-major matrix of featureCount columns; rows and labels: the batch).
    // Stops at the first part whose loss is not finite.
    BatchResult batchGradients(const float* features, std::int64_t featureCount, std::span<const std::int64_t> rows,
                               std::span<const std::int32_t> labels, float keepProbability, std::uint64_t dropoutKey,
                               int part, Gradients& sum);
    void applyGradients(const Gradients& sum, const UpdatePolicy& step);

    // Wall seconds per layer and phase, summed since resetTimes(), when timing is on (off by
    // default: two clock reads per job). forward[l]: layer l's forward (kernel, epilogue, SReLU);
    // backward[l]: its bias step and gradient phase (dX, and the update too for the narrow and
    // GEMM kernels, which fuse them); update[l]: a sparse layer's update phase. With timing on, a
    // sparse layer's update phase runs as a job of its own instead of beside the next layer's
    // gradient phase, so that the phases separate; the results do not change.
    struct Times {
        std::vector<double> forward, backward, update;
        double input = 0.0, loss = 0.0;
    };
    void setTiming(bool on);
    bool timing() const { return m_timing; }
    const Times& times() const { return m_times; }
    void resetTimes();

    // Forward without dropout; loss and accuracy only.
    BatchResult evaluateBatch(int batch, std::span<const std::int32_t> labels);
    // Gradients of the mean batch loss without dropout and without updating (for checks and
    // gradient-based methods): weightGrads[l] aligned with layer l's edges, biasGrads[l] per output.
    BatchResult gradients(int batch, std::span<const std::int32_t> labels, std::vector<std::vector<float>>& weightGrads,
                          std::vector<std::vector<float>>& biasGrads);

    // With SReLU: the gradients of its parameters from the last gradients() call, per hidden set
    // k = 1..L-1 at index k - 1, each {t_l, a_l, t_r, a_r} x neurons (for checks).
    const std::vector<std::array<std::vector<float>, 4>>& activationGrads() const { return m_sreluGrads; }

    // Neuron set k's activations (k = 0: the input batch) and, for k ≥ 1, its dL/dz from the last
    // backward (training or gradients()): neurons x ld. Layer l reads set l and writes set l + 1.
    const NeuronBuffer& activations(int set) const { return m_act[static_cast<std::size_t>(set)]; }
    // With shared deltas (below), a hidden set's deltas are not kept: std::logic_error.
    const NeuronBuffer& deltas(int set) const;
    // Network outputs (linear, before softmax) of the last forward pass: outputs x ld.
    const NeuronBuffer& outputs() const { return m_act.back(); }
    int threads() const { return m_threads; }
    WorkPool& pool() { return *m_pool; }
    // bf16 storage of the activations the sparse forward gathers (fp32 accumulation, fp32
    // gradients and weights). Off by default: exact fp32 throughout.
    void setBf16Activations(bool on) { m_bf16 = on; }
    bool bf16Activations() const { return m_bf16; }
    int batchCapacity() const { return m_capacity; }
    // In-place deltas: the hidden sets' dL/dz live in two buffers, set k in buffer k % 2 (each as
    // wide as the widest set of its parity), instead of one buffer per set. A backward needs only
    // two at a time: layer l reads set l + 1's and writes set l's, and the update phase that runs
    // beside the next gradient phase reads neither. Results are the same bit for bit; the memory
    // for deltas drops from the sum of the hidden widths to two of them (bench/RESULTS.md, "Scale").
    // deltas(k) of a hidden set is then unavailable, so methods that read them (gradient-based
    // regrowth) need it off. Off by default; the trainer turns it on when its method allows.
    void setSharedDeltas(bool on);
    bool sharedDeltas() const { return m_sharedDeltas; }
    // The optimiser whose state the engine keeps (the constructor's from the start): its state
    // arrays become properties of every layer, for weights, biases and SReLU's parameters (zero
    // where new, kept where a checkpoint brought them). trainBatch's policy must name the same
    // optimiser.
    void setOptimizer(Optimizer optimizer);
    Optimizer optimizer() const { return m_optimizer; }

private:
    struct LayerState {
        std::vector<int> weightState, biasState; // the optimiser's edge and neuron property ids
        std::vector<NeuronIndex> rowUnits, colUnits; // workUnits of rowPtr and colPtr
        std::vector<float> gradCsc; // per-edge gradient in CSC order, reused every batch
        std::vector<float> biasGrad; // this layer's bias gradient, when the next layer's backward summed it
        std::uint64_t version = ~0ULL;
    };
    void refreshUnits();
    ParamState weightState(int l);
    ParamState biasState(int l);
    Optimizer m_optimizer = Optimizer::MomentumSgd;
    // Whether hidden neuron set k keeps its gates as a GateMask: piecewise-linear activations,
    // written by the sparse forward and read by the sparse or narrow backward.
    bool gateBits(int set) const;
    void forward(int batch, float keepProbability, std::uint64_t dropoutKey, bool keepGates, int column0 = 0);
    // The loss gradient is of the mean over `normalizer` samples (0: over `batch`).
    BatchResult lossAndGradient(int batch, std::span<const std::int32_t> labels, bool wantGradient, int normalizer = 0);
    void backward(int batch, const UpdatePolicy& step, std::vector<std::vector<float>>* weightGrads,
                  std::vector<std::vector<float>>* biasGrads);

    NetworkGraph& m_net;
    Activation m_activation;
    Loss m_loss;
    int m_capacity;
    int m_threads;
    std::unique_ptr<WorkPool> m_pool;
    std::vector<NeuronBuffer> m_act;   // m_act[k]: neuron set k (k = 0 input)
    std::vector<NeuronBuffer> m_gate;  // f'(z) * dropout scale for hidden sets (allocated when used)
    std::vector<GateMask> m_gateBits;  // the same as two bits per value, where gateBits(set)
    std::vector<NeuronBuffer> m_delta; // dL/dz per non-input set (views of m_deltaShared when shared)
    NeuronBuffer m_deltaShared[2];     // with shared deltas: the hidden sets' storage, by parity
    bool m_sharedDeltas = false;
    std::vector<Bf16Buffer> m_act16;   // bf16 copies of m_act[l] for layer l's forward (when m_bf16)
    bool m_bf16 = false;
    std::vector<LayerState> m_state;
    // SReLU, per neuron set k (index k; hidden sets only): the pre-activations of the training
    // forward, its epilogue (the dropout mask to replay), property ids of the parameters and their
    // velocities on layer k - 1, and the parameter gradients of the last backward.
    bool srelu() const { return m_activation.kind == ActivationKind::SRelu; }
    SreluParams sreluParams(int set) const;
    void sreluStep(int set, int batch, const UpdatePolicy& step, bool update);
    void sreluUpdate(int set, const UpdatePolicy& step); // one policy step from m_sreluGrads
    std::vector<NeuronBuffer> m_pre;
    std::vector<ForwardEpilogue> m_sreluEpi;
    std::vector<std::array<int, 4>> m_sreluParam;
    std::vector<std::array<std::vector<int>, 4>> m_sreluState; // the optimiser's property ids
    std::vector<std::array<std::vector<float>, 4>> m_sreluGrads;
    std::vector<float> m_scratch;
    Gradients m_part; // one micro-batch's gradients, before they are added up
    bool m_timing = false;
    Times m_times;
    std::vector<float> m_lossScratch;
};

} // namespace rewire
