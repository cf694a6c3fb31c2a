#pragma once
// Truly sparse training kernels over neuron-major activations (see DESIGN.md "Engine layout").
//
// Every activation buffer is neurons x ld floats: row i holds neuron i's values for the batch,
// 64-byte aligned, ld a multiple of 16. Columns at or past the batch size are padding and are kept
// at zero by every kernel, so kernels run whole 16-float vectors without tail loops.

#include "core/activation.h"
#include "core/work_pool.h"
#include "graph/sparse_layer.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace rewire {

class NeuronBuffer {
public:
    NeuronBuffer() = default;
    NeuronBuffer(int neurons, int batchCapacity) { resize(neurons, batchCapacity); }
    // The first `neurons` rows of `storage` (same ld), borrowed: storage must outlive the view and
    // is not freed by it. Throws std::invalid_argument when storage has fewer rows.
    static NeuronBuffer viewOf(NeuronBuffer& storage, int neurons);
    // Contents are zeroed. A view becomes a buffer of its own.
    void resize(int neurons, int batchCapacity);
    void setZero();
    int neurons() const { return m_neurons; }
    int ld() const { return m_ld; }
    float* row(int i) { return m_ptr + static_cast<std::size_t>(i) * m_ld; }
    const float* row(int i) const { return m_ptr + static_cast<std::size_t>(i) * m_ld; }
    float* data() { return m_ptr; }
    const float* data() const { return m_ptr; }

private:
    struct Free {
        void operator()(float* p) const;
    };
    int m_neurons = 0;
    int m_ld = 0;
    std::unique_ptr<float[], Free> m_data; // empty for a view
    float* m_ptr = nullptr;                // m_data's, or the viewed buffer's

};

// The gates G = f'(Z) * mask of a piecewise-linear activation with dropout take three values per
// layer: 0 (dropped or padding), high = 1/keep (z > 0) and low = slope/keep. GateMask stores
// them as two bits per value (one 32-bit word per 16 columns: kept bits low, z > 0 bits high),
// 1/16 of the bytes of a NeuronBuffer of gates; decoding gives exactly the fp32 gate values.
// The forward that writes a GateMask sets high and low.
class GateMask {
public:
    void resize(int neurons, int batchCapacity);
    int neurons() const { return m_neurons; }
    int wordsPerRow() const { return m_words; }
    std::uint32_t* row(int i) { return m_data.data() + static_cast<std::size_t>(i) * m_words; }
    const std::uint32_t* row(int i) const { return m_data.data() + static_cast<std::size_t>(i) * m_words; }
    float high = 1.0f, low = 0.0f;

private:
    int m_neurons = 0, m_words = 0;
    std::vector<std::uint32_t> m_data;
};

// Contiguous neuron ranges with about equal edge counts (SET skews degrees): bounds has parts + 1
// entries. Time complexity: O(parts log n).
std::vector<NeuronIndex> balancedPartition(std::span<const EdgeIndex> ptr, int parts);
// The work units of a layer's kernels on a pool of `threads` (a balancedPartition of ptr): up to 16
// per thread, of at least kMinEdgesPerUnit edges (below that a unit costs more to hand out than
// to run, and a layer of fewer edges is one unit: no job at all). Thread t's home units, which it
// runs first, then cover about the t-th of the edges, as a static partition would. The results of
// every kernel below are the same for any units: each output is computed by one unit.
inline constexpr EdgeIndex kMinEdgesPerUnit = 256;
std::vector<NeuronIndex> workUnits(std::span<const EdgeIndex> ptr, int threads);

struct ForwardEpilogue {
    Activation activation;          // hidden activation, or Linear for the output layer
    float negativeSlope = 0.0f;     // for piecewise-linear activations in this layer
    float keepProbability = 1.0f;   // inverted dropout when < 1
    std::uint64_t dropoutKey = 0;   // seeds the mask; the same key gives the same mask on any thread
    std::uint32_t dropoutColumn = 0; // the batch's first column within its full batch (micro-batches)
};

// bf16 copy of a NeuronBuffer's rows (ld rounded up to 32), for the bf16 forward; each 64-byte
// block pairs columns 32p + q and 32p + 16 + q in one 32-bit word (see Bf16Rows in kernels.cpp).
class Bf16Buffer {
public:
    void resize(int neurons, int ld);
    int neurons() const { return m_neurons; }
    int ld() const { return m_ld; }
    std::uint16_t* row(int i); // 64-byte aligned rows of ld values

private:
    int m_neurons = 0, m_ld = 0;
    std::vector<std::uint16_t> m_data;
};

// As sparseForward, but the input rows are first rounded to bf16 into x16 (to nearest even) and
// gathered from there, halving the bytes each edge reads; accumulation stays fp32. Pays on wide
// layers whose inputs do not fit in L2 (bench/RESULTS.md, "gather_probe").
void sparseForwardBf16(WorkPool& pool, const SparseLayer& layer, const NeuronBuffer& x, Bf16Buffer& x16,
                       NeuronBuffer& a, NeuronBuffer* gate, int batch, const ForwardEpilogue& epi,
                       const std::vector<NeuronIndex>& rowUnits, GateMask* gateBits = nullptr);
// Z = W X + b, then A = f(Z) * mask and, when gate != nullptr, G = f'(Z) * mask (mask = dropout
// scale, zero in padding columns); one pool job, a unit per range of output neurons in rowUnits
// (workUnits of rowPtr). x: inputs x ld; a, gate: outputs x ld. Time complexity: O(E * ld).
// gateBits (instead of gate, piecewise-linear activations only): the gates as a GateMask.
void sparseForward(WorkPool& pool, const SparseLayer& layer, const NeuronBuffer& x, NeuronBuffer& a, NeuronBuffer* gate,
                   int batch, const ForwardEpilogue& epi, const std::vector<NeuronIndex>& rowUnits,
                   GateMask* gateBits = nullptr);

// Optimisers are update policies (DESIGN.md, "Methods"): the step each parameter takes from its
// gradient, and the state arrays the step keeps. The state lives in the graph, as edge properties
// (weights) and neuron properties (biases) named by optimizerStateNames, so every topology edit
// keeps it aligned, new edges start at zero, and checkpoints carry it. The kernels apply the
// policy where they hold a gradient (fused: the first and narrow layers keep no gradient buffer);
// a new optimiser is a new Optimizer value and a case of applyUpdate / updateEdges in
// kernels.cpp, not a new kernel.
enum class Optimizer {
    MomentumSgd, // v ← μv − η·g; w ← w + v − λw (the SET reference code's)
    Adam         // Kingma & Ba with PyTorch's conventions (L2 decay added to g; see adamPolicy)
};
struct UpdatePolicy {
    float learningRate = 0.01f;
    float momentum = 0.9f;
    float weightDecay = 0.0f;
    Optimizer optimizer = Optimizer::MomentumSgd;
    // Adam: β1, β2, ε, and the bias corrections of the current step (adamPolicy sets them).
    float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;
    float oneMinusBeta1 = 0.1f, oneMinusBeta2 = 0.001f;
    float adamStep = 0.0f;  // η / (1 − β1^t)
    float adamScale = 1.0f; // 1 / √(1 − β2^t)
};
// Adam's policy for step t ≥ 1 (t counts the batches trained so far, this one included):
//   g ← g + λw;  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;
//   w ← w − η/(1 − β1^t) · m / (√v / √(1 − β2^t) + ε)
// as torch.optim.Adam computes it. A new edge starts at m = v = 0 under the run's t, as a masked
// dense Adam would treat a position that had seen zero gradients.
UpdatePolicy adamPolicy(double learningRate, double beta1, double beta2, double epsilon, double weightDecay,
                        std::int64_t t);
// The names of an optimiser's state properties for the parameters named `param`: "" for the
// weights (edge properties), "bias" for the biases and the SReLU parameter names for those
// (neuron properties). Momentum SGD keeps {"velocity"}, {"bias_velocity"}, {"srelu_tl_velocity"};
// Adam {"opt_adam_m", "opt_adam_v"}, {"opt_adam_bias_m", "opt_adam_bias_v"}, ... (isOptimiserState
// recognises both).
std::vector<std::string> optimizerStateNames(Optimizer optimizer, const std::string& param = "");
// "sgd" (momentum SGD; "momentum-sgd" is accepted) or "adam"; throws std::invalid_argument.
Optimizer parseOptimizer(const std::string& text);

// A parameter array's optimiser state: up to two arrays aligned with it (empty when unused).
// A single span converts, for the one-array optimisers.
struct ParamState {
    std::span<float> first, second;
    ParamState() = default;
    ParamState(std::span<float> a, std::span<float> b = {}) : first(a), second(b) {}
};

// The sparse backward pass, two phases (two pool jobs; SparseBackward hands them out as parts, so
// the engine can run one layer's phase 2 in the same job as the next layer's phase 1):
//  1. CSC order, a unit per range of input neurons in colUnits:
//       gradCsc[k] = sum_b X[i][b] dZ[j_k][b]            (dZ already carries the 1/B of the loss)
//       dXprev[i]  = gatePrev[i] * sum_k w_k dZ[j_k]      (old weights; the gates from gatePrev,
//                    or from gateBitsPrev, or 1 when both are null)
//  2. CSR order, a unit per range of output neurons in rowUnits, for every edge e with
//     g = gradCsc[cscIndex[e]]: the policy's step (momentum SGD: v_e = momentum v_e - lr g;
//     w_e += v_e - weightDecay w_e)
//     or, when gradOut is not empty, gradOut[e] = g and no update (checks, gradient methods).
// Why not one fused CSC pass: the update would write w and v at canonical positions scattered over
// the whole array, and two threads then fight over the same cache lines (measured 1.3x slower on
// 2 threads than on 1). Split, every thread writes only its own contiguous ranges. Keeping the
// weights and velocity in CSC order instead (fused update, no second phase) measured no faster:
// the forward then gathers each row's weights through cscIndex (bench/RESULTS.md).
// state: the policy's per-edge state (momentum SGD: the velocity), aligned with the weights;
// gradCsc is resized as needed.
// dxRowSums (optional, one per input, needs dXprev): sum_b dXprev[i][b], which is the previous
// layer's bias gradient, summed while the row is still in registers (saves biasStep a pass).
// Without dXprev (the first layer) there is nothing to sum in CSC order: each unit of rowUnits
// computes its rows' in-edge gradients in CSR order (dZ[j] held in registers) and updates them at
// once, in one phase; colUnits and gradCsc are then not used.
// Time complexity: O(E * ld).
void sparseBackward(WorkPool& pool, SparseLayer& layer, ParamState state, const NeuronBuffer& x,
                    const NeuronBuffer& dz, const NeuronBuffer* gatePrev, NeuronBuffer* dxPrev, int batch,
                    const UpdatePolicy& step, std::span<float> gradOut, std::vector<float>& gradCsc,
                    const std::vector<NeuronIndex>& colUnits, const std::vector<NeuronIndex>& rowUnits,
                    std::span<float> dxRowSums = {}, const GateMask* gateBitsPrev = nullptr);

// sparseBackward's two phases as parts of pool jobs: run gradients() in one job, then updates()
// in a later one (it is empty without dX). The constructor checks the arguments (as
// sparseBackward) and sizes gradCsc; everything referenced must outlive the jobs.
class SparseBackward {
public:
    SparseBackward(SparseLayer& layer, ParamState state, const NeuronBuffer& x, const NeuronBuffer& dz,
                   const NeuronBuffer* gatePrev, NeuronBuffer* dxPrev, int batch, const UpdatePolicy& step,
                   std::span<float> gradOut, std::vector<float>& gradCsc, const std::vector<NeuronIndex>& colUnits,
                   const std::vector<NeuronIndex>& rowUnits, std::span<float> dxRowSums = {},
                   const GateMask* gateBitsPrev = nullptr);
    WorkPart gradients();
    WorkPart updates();

private:
    SparseLayer& m_layer;
    ParamState m_state;
    const NeuronBuffer& m_x;
    const NeuronBuffer& m_dz;
    const NeuronBuffer* m_gatePrev;
    NeuronBuffer* m_dxPrev;
    int m_batch;
    UpdatePolicy m_step;
    std::span<float> m_gradOut;
    std::vector<float>& m_gradCsc;
    const std::vector<NeuronIndex>& m_colUnits;
    const std::vector<NeuronIndex>& m_rowUnits;
    std::span<float> m_dxRowSums;
    const GateMask* m_gateBitsPrev;
};

// SReLU (Jin et al. 2016; the alternative to All-ReLU in seed 003), four trainable parameters per
// neuron: f(z) = t_r + a_r (z − t_r) for z ≥ t_r, else t_l + a_l (z − t_l) for z ≤ t_l, else z.
struct SreluParams {
    std::span<const float> tl, al, tr, ar; // one per neuron of the set
};
struct SreluGrads {
    std::span<float> tl, al, tr, ar;
};
// In place over a layer's linear outputs: `a` holds z on entry and f(z) * m on return (m the
// inverted-dropout scale of epi, 0 in padding columns); `pre`, when not null, keeps z for the
// backward. One pool job, a unit per block of neurons. Time complexity: O(neurons * ld).
void sreluForward(WorkPool& pool, NeuronBuffer& a, NeuronBuffer* pre, int batch, const ForwardEpilogue& epi,
                  const SreluParams& params);
// `delta` holds dL/dA on entry and dL/dZ = dL/dA * m * f'(z) on return; `grads` receive the sums
// over the batch of dL/dA * m * ∂f/∂θ for each parameter θ. `epi` must be the forward's (the same
// dropout mask). Each neuron by one unit, in batch order: the same bits on any thread count.
void sreluBackward(WorkPool& pool, NeuronBuffer& delta, const NeuronBuffer& pre, int batch, const ForwardEpilogue& epi,
                   const SreluParams& params, const SreluGrads& grads);

// Dense twins through Eigen GEMM for fully connected layers (weights row-major outputs x inputs,
// which is exactly a dense SparseLayer's CSR weight array): single-threaded GEMMs on blocks of 64
// outputs (or inputs, for dX) run as pool units, so the results do not depend on the thread count.
void denseForward(WorkPool& pool, const SparseLayer& layer, const NeuronBuffer& x, NeuronBuffer& a, NeuronBuffer* gate,
                  int batch, const ForwardEpilogue& epi);
void denseBackward(WorkPool& pool, SparseLayer& layer, ParamState state, const NeuronBuffer& x,
                   const NeuronBuffer& dz, const NeuronBuffer* gatePrev, NeuronBuffer* dxPrev, int batch,
                   const UpdatePolicy& step, std::span<float> gradOut, std::vector<float>& scratch);

// Which kernels train a layer: Eigen GEMM for fully connected layers with both sides of 64 neurons
// or more (a full layer with a narrow side runs faster through the kernels below), the narrow
// kernels for fully connected layers of 1-12 outputs, the sparse kernels for everything else.
enum class LayerKernel { Gemm, Narrow, Sparse };
LayerKernel kernelFor(const SparseLayer& layer);

// Fully connected layers with 1-12 outputs (typically the output layer): all outputs accumulated
// at once, so each input row is read once per batch instead of once per output neuron; the
// backward updates each input's weights in place (no gradient buffer, no second pass). Same
// contract as sparseForward / sparseBackward; units split input chunks, then batch columns
// (forward, two jobs) and blocks of 16 input neurons (backward).
bool narrowKernelFits(const SparseLayer& layer);
void narrowForward(WorkPool& pool, const SparseLayer& layer, const NeuronBuffer& x, NeuronBuffer& a, NeuronBuffer* gate,
                   int batch, const ForwardEpilogue& epi);
void narrowBackward(WorkPool& pool, SparseLayer& layer, ParamState state, const NeuronBuffer& x,
                    const NeuronBuffer& dz, const NeuronBuffer* gatePrev, NeuronBuffer* dxPrev, int batch,
                    const UpdatePolicy& step, std::span<float> gradOut, std::span<float> dxRowSums = {},
                    const GateMask* gateBitsPrev = nullptr);

// Bias gradient sum_b dZ[j][b] and the same policy step as the weights (the reference code
// decays biases too). gradOut, when not empty, receives the gradient instead of the update.
// The same step from a gradient already summed (the row sums a backward kernel returned).
void biasUpdate(SparseLayer& layer, ParamState biasState, std::span<const float> grad, const UpdatePolicy& step,
                std::span<float> gradOut);
void biasStep(WorkPool& pool, SparseLayer& layer, ParamState biasState, const NeuronBuffer& dz, int batch,
              const UpdatePolicy& step, std::span<float> gradOut);
// The policy's step of every parameter of `params` (state aligned with it) from `grads`: for
// small per-neuron arrays (SReLU's parameters).
void updateParams(std::span<float> params, ParamState state, std::span<const float> grads, const UpdatePolicy& step);

} // namespace rewire
