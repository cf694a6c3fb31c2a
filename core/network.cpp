#include "core/network.h"

#include "core/rng.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>

namespace rewire {

Loss parseLoss(const std::string& text)
{
    if (text == "cross-entropy" || text == "ce")
        return Loss::CrossEntropy;
    if (text == "mse")
        return Loss::Mse;
    throw std::invalid_argument("--loss " + text + ": unknown (expected cross-entropy or mse)");
}

std::string toString(Loss loss) { return loss == Loss::CrossEntropy ? "cross-entropy" : "mse"; }

namespace {

typedef float v16 __attribute__((vector_size(64), aligned(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4), may_alias)); // an unaligned load

// In-register transpose of a 16 x 16 float block: r[i][j] becomes r[j][i]. Portable vector code
// (GCC emits the AVX-512 unpack and 128-bit-lane shuffles, or their AVX2 pairs).
void transpose16(v16* r)
{
    v16 t[16];
    for (int i = 0; i < 16; i += 2) { // interleave 32-bit lanes within 128-bit quarters
        t[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25, 12, 28, 13, 29);
        t[i + 1] = __builtin_shufflevector(r[i], r[i + 1], 2, 18, 3, 19, 6, 22, 7, 23, 10, 26, 11, 27, 14, 30, 15, 31);
    }
    for (int i = 0; i < 16; i += 4) { // interleave 64-bit pairs within quarters
        for (int k = 0; k < 2; ++k) {
            const v16 lo = t[i + k], hi = t[i + k + 2];
            r[i + 2 * k] = __builtin_shufflevector(lo, hi, 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);
            r[i + 2 * k + 1] = __builtin_shufflevector(lo, hi, 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);
        }
    }
    // Now quarter q of r[4g + c] holds column 4q + c of rows 4g..4g+3: a 4 x 4 transpose of
    // quarters across registers finishes the job ([a.q0, a.q2, b.q0, b.q2] and [a.q1, a.q3, b.q1, b.q3]).
    const auto even = [](v16 a, v16 b) {
        return __builtin_shufflevector(a, b, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
    };
    const auto odd = [](v16 a, v16 b) {
        return __builtin_shufflevector(a, b, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
    };
    for (int i = 0; i < 4; ++i) {
        t[i] = even(r[i], r[i + 4]);
        t[i + 4] = odd(r[i], r[i + 4]);
        t[i + 8] = even(r[i + 8], r[i + 12]);
        t[i + 12] = odd(r[i + 8], r[i + 12]);
    }
    for (int i = 0; i < 4; ++i) {
        r[i] = even(t[i], t[i + 8]);
        r[i + 8] = odd(t[i], t[i + 8]);
        r[i + 4] = even(t[i + 4], t[i + 12]);
        r[i + 12] = odd(t[i + 4], t[i + 12]);
    }
}

} // namespace

namespace {

double secondsBetween(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b)
{
    return std::chrono::duration<double>(b - a).count();
}

} // namespace

void MlpEngine::setTiming(bool on)
{
    m_timing = on;
    resetTimes();
}

void MlpEngine::resetTimes()
{
    const auto L = static_cast<std::size_t>(m_net.layerCount());
    m_times = Times{};
    m_times.forward.assign(L, 0.0);
    m_times.backward.assign(L, 0.0);
    m_times.update.assign(L, 0.0);
}

MlpEngine::MlpEngine(NetworkGraph& network, Activation activation, Loss loss, int batchCapacity, int threads,
                     Optimizer optimizer, bool sharedDeltas)
    : m_net(network), m_activation(activation), m_loss(loss), m_capacity(batchCapacity), m_threads(threads)
{
    if (network.layerCount() < 1)
        throw std::invalid_argument("MlpEngine: the network has no layers");
    if (batchCapacity < 1)
        throw std::invalid_argument("MlpEngine: batch size must be >= 1, got " + std::to_string(batchCapacity));
    if (threads < 1)
        throw std::invalid_argument("MlpEngine: threads must be >= 1, got " + std::to_string(threads));
    const auto arch = network.architecture();
    for (std::size_t k = 0; k < arch.size(); ++k) {
        m_act.emplace_back(arch[k], batchCapacity);
        const bool hidden = k > 0 && k + 1 < arch.size();
        m_gate.emplace_back();
        m_gateBits.emplace_back();
        if (hidden)
            m_gateBits.back().resize(arch[k], batchCapacity);
        // With shared deltas from the start, the hidden sets' own buffers are never allocated.
        const bool own = k > 0 && !(hidden && sharedDeltas);
        m_delta.emplace_back(own ? arch[k] : 0, own ? batchCapacity : 0);
    }
    if (sharedDeltas)
        setSharedDeltas(true);
    m_state.resize(static_cast<std::size_t>(network.layerCount()));
    if (srelu()) {
        const int sets = static_cast<int>(arch.size());
        m_pre.resize(static_cast<std::size_t>(sets));
        m_sreluEpi.resize(static_cast<std::size_t>(sets));
        m_sreluParam.assign(static_cast<std::size_t>(sets), {-1, -1, -1, -1});
        m_sreluState.resize(static_cast<std::size_t>(sets));
        m_sreluGrads.resize(static_cast<std::size_t>(sets > 2 ? sets - 2 : 0));
        for (int k = 1; k + 1 < sets; ++k) {
            SparseLayer& feeding = network.layer(k - 1);
            for (int q = 0; q < 4; ++q) {
                const int id = feeding.findNeuronProperty(kSreluParams[q]);
                if (id < 0)
                    throw std::invalid_argument("MlpEngine: --activation srelu, but layer " + std::to_string(k) +
                                                " has no neuron property " + kSreluParams[q] +
                                                " (a network built for another activation)");
                m_sreluParam[static_cast<std::size_t>(k)][static_cast<std::size_t>(q)] = id;
                m_sreluGrads[static_cast<std::size_t>(k - 1)][static_cast<std::size_t>(q)].assign(
                    static_cast<std::size_t>(arch[static_cast<std::size_t>(k)]), 0.0f);
            }
        }
    }
    setOptimizer(optimizer);
    m_pool = std::make_unique<WorkPool>(threads);
    refreshUnits();
}

const NeuronBuffer& MlpEngine::deltas(int set) const
{
    if (m_sharedDeltas && set > 0 && set + 1 < static_cast<int>(m_delta.size()))
        throw std::logic_error("MlpEngine: hidden set " + std::to_string(set) +
                               "'s deltas are not kept with shared deltas (setSharedDeltas(false) keeps them)");
    return m_delta[static_cast<std::size_t>(set)];
}

void MlpEngine::setSharedDeltas(bool on)
{
    if (on == m_sharedDeltas)
        return;
    const int sets = static_cast<int>(m_delta.size());
    if (on) {
        int widest[2] = {0, 0};
        for (int k = 1; k + 1 < sets; ++k) {
            widest[k % 2] = std::max(widest[k % 2], m_act[static_cast<std::size_t>(k)].neurons());
            m_delta[static_cast<std::size_t>(k)] = NeuronBuffer(); // freed before the shared ones exist
        }
        for (int p = 0; p < 2; ++p)
            if (widest[p] > 0)
                m_deltaShared[p].resize(widest[p], m_capacity);
        for (int k = 1; k + 1 < sets; ++k)
            m_delta[static_cast<std::size_t>(k)] =
                NeuronBuffer::viewOf(m_deltaShared[k % 2], m_act[static_cast<std::size_t>(k)].neurons());
    } else {
        for (int k = 1; k + 1 < sets; ++k)
            m_delta[static_cast<std::size_t>(k)].resize(m_act[static_cast<std::size_t>(k)].neurons(), m_capacity);
        for (NeuronBuffer& b : m_deltaShared)
            b = NeuronBuffer();
    }
    m_sharedDeltas = on;
}

void MlpEngine::setOptimizer(Optimizer optimizer)
{
    // The policy's state arrays as properties of every layer: created at zero where absent (a new
    // run), kept where present (a loaded checkpoint continues with its state).
    m_optimizer = optimizer;
    for (int l = 0; l < m_net.layerCount(); ++l) {
        LayerState& s = m_state[static_cast<std::size_t>(l)];
        s.weightState.clear();
        s.biasState.clear();
        for (const std::string& name : optimizerStateNames(optimizer))
            s.weightState.push_back(m_net.layer(l).addEdgeProperty(name));
        for (const std::string& name : optimizerStateNames(optimizer, "bias"))
            s.biasState.push_back(m_net.layer(l).addNeuronProperty(name));
    }
    for (std::size_t k = 1; k + 1 < m_sreluState.size(); ++k)
        for (int q = 0; q < 4; ++q) {
            auto& ids = m_sreluState[k][static_cast<std::size_t>(q)];
            ids.clear();
            for (const std::string& name : optimizerStateNames(optimizer, kSreluParams[q]))
                ids.push_back(m_net.layer(static_cast<int>(k) - 1).addNeuronProperty(name));
        }
}

ParamState MlpEngine::weightState(int l)
{
    const auto& ids = m_state[static_cast<std::size_t>(l)].weightState;
    SparseLayer& layer = m_net.layer(l);
    return {ids.size() > 0 ? layer.edgeProperty(ids[0]) : std::span<float>(),
            ids.size() > 1 ? layer.edgeProperty(ids[1]) : std::span<float>()};
}

ParamState MlpEngine::biasState(int l)
{
    const auto& ids = m_state[static_cast<std::size_t>(l)].biasState;
    SparseLayer& layer = m_net.layer(l);
    return {ids.size() > 0 ? layer.neuronProperty(ids[0]) : std::span<float>(),
            ids.size() > 1 ? layer.neuronProperty(ids[1]) : std::span<float>()};
}

SreluParams MlpEngine::sreluParams(int set) const
{
    const SparseLayer& feeding = m_net.layer(set - 1);
    const auto& id = m_sreluParam[static_cast<std::size_t>(set)];
    return {feeding.neuronProperty(id[0]), feeding.neuronProperty(id[1]), feeding.neuronProperty(id[2]),
            feeding.neuronProperty(id[3])};
}

// The SReLU backward of hidden set `set`: m_delta[set] holds dL/dA (the layer above ran without
// gates); afterwards dL/dZ, and the parameters' gradients are in m_sreluGrads. `update`: one
// step of the optimiser on the parameters (no weight decay: they are not weights).
void MlpEngine::sreluStep(int set, int batch, const UpdatePolicy& step, bool update)
{
    auto& g = m_sreluGrads[static_cast<std::size_t>(set - 1)];
    sreluBackward(*m_pool, m_delta[static_cast<std::size_t>(set)], m_pre[static_cast<std::size_t>(set)], batch,
                  m_sreluEpi[static_cast<std::size_t>(set)], sreluParams(set), {g[0], g[1], g[2], g[3]});
    if (update)
        sreluUpdate(set, step);
}

void MlpEngine::sreluUpdate(int set, const UpdatePolicy& step)
{
    SparseLayer& feeding = m_net.layer(set - 1);
    UpdatePolicy policy = step;
    policy.weightDecay = 0.0f;
    for (int q = 0; q < 4; ++q) {
        const auto& ids = m_sreluState[static_cast<std::size_t>(set)][static_cast<std::size_t>(q)];
        const ParamState state{ids.size() > 0 ? feeding.neuronProperty(ids[0]) : std::span<float>(),
                               ids.size() > 1 ? feeding.neuronProperty(ids[1]) : std::span<float>()};
        updateParams(feeding.neuronProperty(m_sreluParam[static_cast<std::size_t>(set)][static_cast<std::size_t>(q)]),
                     state, m_sreluGrads[static_cast<std::size_t>(set - 1)][static_cast<std::size_t>(q)], policy);
    }
}

void MlpEngine::refreshUnits()
{
    for (int l = 0; l < m_net.layerCount(); ++l) {
        const SparseLayer& layer = m_net.layer(l);
        LayerState& s = m_state[l];
        if (s.version == layer.topologyVersion() && !s.rowUnits.empty())
            continue;
        s.rowUnits = workUnits(layer.rowPtr(), m_threads);
        s.colUnits = workUnits(layer.colPtr(), m_threads);
        s.version = layer.topologyVersion();
    }
}

void MlpEngine::fillInput(const float* features, std::int64_t featureCount, std::span<const std::int64_t> rows)
{
    const auto start = m_timing ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    struct AddTime { // on every way out
        bool on;
        double& total;
        std::chrono::steady_clock::time_point start;
        ~AddTime()
        {
            if (on)
                total += secondsBetween(start, std::chrono::steady_clock::now());
        }
    } addTime{m_timing, m_times.input, start};
    NeuronBuffer& in = input();
    if (featureCount != in.neurons())
        throw std::invalid_argument("MlpEngine: samples have " + std::to_string(featureCount) +
                                    " features, the network expects " + std::to_string(in.neurons()));
    if (static_cast<int>(rows.size()) > m_capacity)
        throw std::invalid_argument("MlpEngine: batch of " + std::to_string(rows.size()) + " exceeds capacity " +
                                    std::to_string(m_capacity));
    const int batch = static_cast<int>(rows.size());
    const int width = (batch + 15) / 16 * 16;
    // Transpose through blocks of 16 samples: a block writes exactly one cache line per feature
    // row, so units working on different blocks never share a line.
    m_pool->run(width / 16, [&](int block) {
        const int b0 = block * 16;
        const float* src[16];
        for (int q = 0; q < 16; ++q)
            src[q] = b0 + q < batch ? features + rows[static_cast<std::size_t>(b0 + q)] * featureCount : nullptr;
        std::int64_t f = 0;
        // 16 features x 16 samples at a time, transposed in registers.
        for (; f + 16 <= featureCount; f += 16) {
            v16 r[16];
            for (int q = 0; q < 16; ++q)
                r[q] = src[q] ? v16(*reinterpret_cast<const v16u*>(src[q] + f)) : v16{};
            transpose16(r);
            for (int q = 0; q < 16; ++q)
                *reinterpret_cast<v16*>(in.row(static_cast<int>(f + q)) + b0) = r[q];
        }
        for (; f < featureCount; ++f) {
            float* dst = in.row(static_cast<int>(f)) + b0;
            for (int q = 0; q < 16; ++q)
                dst[q] = src[q] ? src[q][f] : 0.0f;
        }
    });
}

bool MlpEngine::gateBits(int set) const
{
    if (!m_activation.piecewiseLinear() || set < 1 || set >= m_net.layerCount())
        return false;
    return kernelFor(m_net.layer(set - 1)) == LayerKernel::Sparse && kernelFor(m_net.layer(set)) != LayerKernel::Gemm;
}

void MlpEngine::forward(int batch, float keepProbability, std::uint64_t dropoutKey, bool keepGates, int column0)
{
    refreshUnits();
    const int L = m_net.layerCount();
    for (int l = 0; l < L; ++l) {
        const auto layerStart = m_timing ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
        const SparseLayer& layer = m_net.layer(l);
        const bool last = l == L - 1;
        ForwardEpilogue epi;
        if (last) {
            epi.activation.kind = ActivationKind::Linear;
            epi.negativeSlope = 1.0f;
        } else {
            epi.activation = m_activation;
            epi.negativeSlope = m_activation.negativeSlope(l + 1);
            epi.keepProbability = keepProbability;
            epi.dropoutKey = hashCounter(dropoutKey, static_cast<std::uint64_t>(l));
            epi.dropoutColumn = static_cast<std::uint32_t>(column0);
        }
        const bool srel = !last && srelu();
        ForwardEpilogue kernelEpi = epi;
        if (srel) { // the kernel writes z; the SReLU pass below applies f and the dropout mask
            kernelEpi.activation.kind = ActivationKind::Linear;
            kernelEpi.negativeSlope = 1.0f;
            kernelEpi.keepProbability = 1.0f;
        }
        const bool bits = !last && keepGates && gateBits(l + 1);
        NeuronBuffer* gate = nullptr;
        if (!last && keepGates && !bits && !srel) {
            gate = &m_gate[l + 1];
            if (gate->neurons() != m_act[l + 1].neurons())
                gate->resize(m_act[l + 1].neurons(), m_capacity);
        }
        GateMask* gateMask = bits ? &m_gateBits[l + 1] : nullptr;
        const LayerKernel kernel = kernelFor(layer);
        if (kernel == LayerKernel::Gemm) {
            denseForward(*m_pool, layer, m_act[l], m_act[l + 1], gate, batch, kernelEpi);
        } else if (kernel == LayerKernel::Narrow) {
            narrowForward(*m_pool, layer, m_act[l], m_act[l + 1], gate, batch, kernelEpi);
        } else if (m_bf16) {
            m_act16.resize(static_cast<std::size_t>(L));
            sparseForwardBf16(*m_pool, layer, m_act[l], m_act16[l], m_act[l + 1], gate, batch, kernelEpi,
                              m_state[l].rowUnits, gateMask);
        } else {
            sparseForward(*m_pool, layer, m_act[l], m_act[l + 1], gate, batch, kernelEpi, m_state[l].rowUnits,
                          gateMask);
        }
        if (srel) {
            NeuronBuffer* pre = nullptr;
            if (keepGates) {
                pre = &m_pre[static_cast<std::size_t>(l + 1)];
                if (pre->neurons() != m_act[l + 1].neurons())
                    pre->resize(m_act[l + 1].neurons(), m_capacity);
            }
            m_sreluEpi[static_cast<std::size_t>(l + 1)] = epi;
            sreluForward(*m_pool, m_act[l + 1], pre, batch, epi, sreluParams(l + 1));
        }
        if (m_timing)
            m_times.forward[static_cast<std::size_t>(l)] += secondsBetween(layerStart, std::chrono::steady_clock::now());
    }
}

BatchResult MlpEngine::lossAndGradient(int batch, std::span<const std::int32_t> labels, bool wantGradient,
                                       int normalizer)
{
    BatchResult r;
    const NeuronBuffer& z = m_act.back();
    NeuronBuffer& dz = m_delta.back();
    const int classes = z.neurons();
    const int width = (batch + 15) / 16 * 16;
    const float invB = 1.0f / static_cast<float>(normalizer > 0 ? normalizer : batch);
    for (int b = 0; b < batch; ++b) {
        const int y = labels[static_cast<std::size_t>(b)];
        if (y < 0 || y >= classes)
            throw std::invalid_argument("label " + std::to_string(y) + " outside the network's " +
                                        std::to_string(classes) + " outputs");
    }
    // Column-wise over the batch so each pass over the classes is a vectorisable row loop.
    std::vector<float>& best = m_lossScratch;
    best.assign(static_cast<std::size_t>(3 * width), 0.0f);
    float* sum = best.data() + width;
    int* arg = reinterpret_cast<int*>(best.data() + 2 * width);
    for (int b = 0; b < width; ++b) {
        best[b] = z.row(0)[b];
        arg[b] = 0;
    }
    for (int j = 1; j < classes; ++j) {
        const float* zr = z.row(j);
        for (int b = 0; b < width; ++b)
            if (zr[b] > best[b]) {
                best[b] = zr[b];
                arg[b] = j;
            }
    }
    for (int b = 0; b < batch; ++b) {
        r.correct += arg[b] == labels[static_cast<std::size_t>(b)];
        if (!std::isfinite(best[b]))
            r.finite = false;
    }
    if (m_loss == Loss::CrossEntropy) {
        // dz temporarily holds exp(z - max); one exp per logit.
        for (int j = 0; j < classes; ++j) {
            const float* zr = z.row(j);
            float* e = dz.row(j);
            for (int b = 0; b < width; ++b) {
                e[b] = std::exp(zr[b] - best[b]);
                sum[b] += e[b];
            }
        }
        for (int b = 0; b < batch; ++b) {
            const int y = labels[static_cast<std::size_t>(b)];
            r.lossSum += std::log(static_cast<double>(sum[b])) - (z.row(y)[b] - best[b]);
        }
        if (wantGradient)
            for (int j = 0; j < classes; ++j) {
                float* d = dz.row(j);
                for (int b = 0; b < batch; ++b)
                    d[b] = (d[b] / sum[b] - (labels[static_cast<std::size_t>(b)] == j ? 1.0f : 0.0f)) * invB;
            }
    } else {
        for (int j = 0; j < classes; ++j) {
            const float* zr = z.row(j);
            float* d = dz.row(j);
            for (int b = 0; b < batch; ++b) {
                const float diff = zr[b] - (labels[static_cast<std::size_t>(b)] == j ? 1.0f : 0.0f);
                r.lossSum += 0.5 * static_cast<double>(diff) * diff;
                if (wantGradient)
                    d[b] = diff * invB;
            }
        }
    }
    if (wantGradient)
        for (int j = 0; j < classes; ++j)
            std::fill(dz.row(j) + batch, dz.row(j) + width, 0.0f);
    if (!std::isfinite(r.lossSum))
        r.finite = false;
    return r;
}

void MlpEngine::backward(int batch, const UpdatePolicy& step, std::vector<std::vector<float>>* weightGrads,
                         std::vector<std::vector<float>>* biasGrads)
{
    bool haveBiasGrad = false; // layer l's bias gradient came with layer l + 1's dX
    // A sparse layer's update phase waits for the next job: it runs beside the layer below's
    // gradient phase (they touch different layers), which saves a job per hidden layer.
    std::optional<SparseBackward> sparse[2];
    WorkPart pending;
    int pendingLayer = -1;
    using Clock = std::chrono::steady_clock;
    const auto runPending = [&] { // alone, timed as its layer's update phase
        const auto t = Clock::now();
        m_pool->run({pending});
        if (pendingLayer >= 0)
            m_times.update[static_cast<std::size_t>(pendingLayer)] += secondsBetween(t, Clock::now());
        pending = {};
        pendingLayer = -1;
    };
    for (int l = m_net.layerCount() - 1; l >= 0; --l) {
        const auto layerStart = m_timing ? Clock::now() : Clock::time_point{};
        SparseLayer& layer = m_net.layer(l);
        LayerState& s = m_state[l];
        std::span<float> wg, bg;
        if (weightGrads) {
            (*weightGrads)[l].assign(static_cast<std::size_t>(layer.edgeCount()), 0.0f);
            (*biasGrads)[l].assign(static_cast<std::size_t>(layer.outputs()), 0.0f);
            wg = (*weightGrads)[l];
            bg = (*biasGrads)[l];
        }
        if (haveBiasGrad)
            biasUpdate(layer, biasState(l), s.biasGrad, step, bg);
        else
            biasStep(*m_pool, layer, biasState(l), m_delta[l + 1], batch, step, bg);
        NeuronBuffer* dxPrev = l > 0 ? &m_delta[l] : nullptr;
        const bool bits = l > 0 && gateBits(l);
        const bool srel = l > 0 && srelu(); // dX stays ungated: sreluStep gates it
        const NeuronBuffer* gatePrev = l > 0 && !bits && !srel ? &m_gate[l] : nullptr;
        const GateMask* gateMaskPrev = bits ? &m_gateBits[l] : nullptr;
        const ParamState velocity = weightState(l);
        const LayerKernel kernel = kernelFor(layer);
        std::span<float> rowSums; // the narrow and sparse kernels sum dX's rows on the way
        if (l > 0 && kernel != LayerKernel::Gemm && !srel) {
            m_state[l - 1].biasGrad.resize(static_cast<std::size_t>(layer.inputs()));
            rowSums = m_state[l - 1].biasGrad;
        }
        if (kernel == LayerKernel::Sparse) {
            SparseBackward& job = sparse[l % 2].emplace(layer, velocity, m_act[l], m_delta[l + 1], gatePrev, dxPrev,
                                                        batch, step, wg, s.gradCsc, s.colUnits, s.rowUnits, rowSums,
                                                        gateMaskPrev);
            if (m_timing) {
                const auto beforePending = Clock::now();
                runPending();
                const double pendingSeconds = secondsBetween(beforePending, Clock::now());
                m_pool->run({job.gradients()});
                m_times.backward[static_cast<std::size_t>(l)] -= pendingSeconds; // counted as an update
            } else {
                m_pool->run({pending, job.gradients()});
            }
            pending = job.updates();
            pendingLayer = l;
        } else {
            if (m_timing) {
                const auto beforePending = Clock::now();
                runPending();
                m_times.backward[static_cast<std::size_t>(l)] -= secondsBetween(beforePending, Clock::now());
            } else {
                m_pool->run({pending});
                pending = {};
            }
            if (kernel == LayerKernel::Gemm)
                denseBackward(*m_pool, layer, velocity, m_act[l], m_delta[l + 1], gatePrev, dxPrev, batch, step, wg,
                              m_scratch);
            else
                narrowBackward(*m_pool, layer, velocity, m_act[l], m_delta[l + 1], gatePrev, dxPrev, batch, step, wg,
                               rowSums, gateMaskPrev);
        }
        if (srel)
            sreluStep(l, batch, step, weightGrads == nullptr);
        haveBiasGrad = !rowSums.empty();
        if (m_timing)
            m_times.backward[static_cast<std::size_t>(l)] += secondsBetween(layerStart, Clock::now());
    }
    if (m_timing)
        runPending();
    else
        m_pool->run({pending});
}

BatchResult MlpEngine::trainBatch(int batch, std::span<const std::int32_t> labels, const UpdatePolicy& step,
                                  float keepProbability, std::uint64_t dropoutKey, Gradients* capture)
{
    if (step.optimizer != m_optimizer)
        throw std::invalid_argument("MlpEngine: the update policy's optimiser is not the one the engine keeps state for");
    FlushDenormals flush;
    forward(batch, keepProbability, dropoutKey, true);
    const auto lossStart = m_timing ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    BatchResult r = lossAndGradient(batch, labels, true);
    if (m_timing)
        m_times.loss += secondsBetween(lossStart, std::chrono::steady_clock::now());
    if (!r.finite)
        return r;
    if (!capture) {
        backward(batch, step, nullptr, nullptr);
        return r;
    }
    const int L = m_net.layerCount();
    capture->weights.resize(static_cast<std::size_t>(L));
    capture->biases.resize(static_cast<std::size_t>(L));
    backward(batch, step, &capture->weights, &capture->biases);
    for (int l = 0; l < L; ++l) {
        SparseLayer& layer = m_net.layer(l);
        updateParams(layer.weights(), weightState(l), capture->weights[static_cast<std::size_t>(l)], step);
        updateParams(layer.bias(), biasState(l), capture->biases[static_cast<std::size_t>(l)], step);
    }
    if (srelu()) // sreluStep kept the parameters' gradients (no later pass reads the parameters)
        for (int k = 1; k < L; ++k)
            sreluUpdate(k, step);
    return r;
}

BatchResult MlpEngine::accumulateBatch(int batch, std::span<const std::int32_t> labels, float keepProbability,
                                       std::uint64_t dropoutKey, int column0, int fullBatch, Gradients& sum)
{
    if (srelu())
        throw std::invalid_argument("micro-batches do not support srelu yet (its parameters' gradients are not summed)");
    if (column0 < 0 || batch < 1 || column0 + batch > fullBatch)
        throw std::invalid_argument("MlpEngine::accumulateBatch: columns [" + std::to_string(column0) + ", " +
                                    std::to_string(column0 + batch) + ") outside a batch of " + std::to_string(fullBatch));
    FlushDenormals flush;
    forward(batch, keepProbability, dropoutKey, true, column0);
    BatchResult r = lossAndGradient(batch, labels, true, fullBatch);
    if (!r.finite)
        return r;
    const int L = m_net.layerCount();
    m_part.weights.resize(static_cast<std::size_t>(L));
    m_part.biases.resize(static_cast<std::size_t>(L));
    backward(batch, UpdatePolicy{}, &m_part.weights, &m_part.biases);
    sum.weights.resize(static_cast<std::size_t>(L));
    sum.biases.resize(static_cast<std::size_t>(L));
    for (int l = 0; l < L; ++l) {
        const auto add = [&](std::vector<float>& to, const std::vector<float>& from) {
            if (to.size() != from.size())
                to.assign(from.size(), 0.0f);
            const std::size_t n = from.size(), units = std::clamp<std::size_t>(n / 65536, 1, 256);
            m_pool->run(static_cast<int>(units), [&](int u) {
                const std::size_t e0 = n * static_cast<std::size_t>(u) / units, e1 = n * (static_cast<std::size_t>(u) + 1) / units;
                for (std::size_t e = e0; e < e1; ++e)
                    to[e] += from[e];
            });
        };
        add(sum.weights[static_cast<std::size_t>(l)], m_part.weights[static_cast<std::size_t>(l)]);
        add(sum.biases[static_cast<std::size_t>(l)], m_part.biases[static_cast<std::size_t>(l)]);
    }
    return r;
}

void MlpEngine::zeroGradients(Gradients& sum) const
{
    const int L = m_net.layerCount();
    sum.weights.resize(static_cast<std::size_t>(L));
    sum.biases.resize(static_cast<std::size_t>(L));
    for (int l = 0; l < L; ++l) {
        sum.weights[static_cast<std::size_t>(l)].assign(static_cast<std::size_t>(m_net.layer(l).edgeCount()), 0.0f);
        sum.biases[static_cast<std::size_t>(l)].assign(static_cast<std::size_t>(m_net.layer(l).outputs()), 0.0f);
    }
}

BatchResult MlpEngine::batchGradients(const float* features, std::int64_t featureCount, std::span<const std::int64_t> rows,
                                      std::span<const std::int32_t> labels, float keepProbability, std::uint64_t dropoutKey,
                                      int part, Gradients& sum)
{
    zeroGradients(sum);
    const int b = static_cast<int>(rows.size());
    BatchResult r;
    for (int c0 = 0; c0 < b && r.finite; c0 += part) {
        const int m = std::min(part, b - c0);
        fillInput(features, featureCount, rows.subspan(static_cast<std::size_t>(c0), static_cast<std::size_t>(m)));
        const BatchResult p = accumulateBatch(m, labels.subspan(static_cast<std::size_t>(c0), static_cast<std::size_t>(m)),
                                              keepProbability, dropoutKey, c0, b, sum);
        r.lossSum += p.lossSum;
        r.correct += p.correct;
        r.finite = r.finite && p.finite;
    }
    return r;
}

void MlpEngine::applyGradients(const Gradients& sum, const UpdatePolicy& step)
{
    if (step.optimizer != m_optimizer)
        throw std::invalid_argument("MlpEngine: the update policy's optimiser is not the one the engine keeps state for");
    FlushDenormals flush;
    for (int l = 0; l < m_net.layerCount(); ++l) {
        SparseLayer& layer = m_net.layer(l);
        const ParamState state = weightState(l);
        const std::span<const float> g = sum.weights.at(static_cast<std::size_t>(l));
        const std::size_t n = g.size(), units = std::clamp<std::size_t>(n / 65536, 1, 256);
        m_pool->run(static_cast<int>(units), [&](int u) { // each parameter's step is its own: any split gives the same bits
            const std::size_t e0 = n * static_cast<std::size_t>(u) / units, e1 = n * (static_cast<std::size_t>(u) + 1) / units;
            const auto part = [&](std::span<float> a) { return a.empty() ? a : a.subspan(e0, e1 - e0); };
            updateParams(layer.weights().subspan(e0, e1 - e0), ParamState(part(state.first), part(state.second)),
                         g.subspan(e0, e1 - e0), step);
        });
        updateParams(layer.bias(), biasState(l), sum.biases.at(static_cast<std::size_t>(l)), step);
    }
}

BatchResult MlpEngine::evaluateBatch(int batch, std::span<const std::int32_t> labels)
{
    FlushDenormals flush;
    forward(batch, 1.0f, 0, false);
    return lossAndGradient(batch, labels, false);
}

BatchResult MlpEngine::gradients(int batch, std::span<const std::int32_t> labels,
                                 std::vector<std::vector<float>>& weightGrads, std::vector<std::vector<float>>& biasGrads)
{
    FlushDenormals flush;
    forward(batch, 1.0f, 0, true);
    BatchResult r = lossAndGradient(batch, labels, true);
    weightGrads.resize(static_cast<std::size_t>(m_net.layerCount()));
    biasGrads.resize(static_cast<std::size_t>(m_net.layerCount()));
    backward(batch, UpdatePolicy{}, &weightGrads, &biasGrads);
    return r;
}

} // namespace rewire
