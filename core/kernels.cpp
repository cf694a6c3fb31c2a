#include "core/kernels.h"

#include "core/rng.h"

#include <Eigen/Core>
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sys/mman.h>
#include <system_error>
#include <thread>
#include <new>
#include <stdexcept>
#include <type_traits>

namespace rewire {

namespace {

// Small helpers of the inner loops: inlined whatever GCC's size heuristics say (hsum8 and the gate
// decoding were left as calls, with their vectors passed through memory: 12 % slower backward).
#define REWIRE_ALWAYS_INLINE inline __attribute__((always_inline))

// 16 floats: one zmm register with AVX-512, two ymm otherwise.
typedef float v16 __attribute__((vector_size(64), aligned(64)));
constexpr int kLanes = 16;

int roundUp16(int n) { return (n + kLanes - 1) / kLanes * kLanes; }

// Calls f(std::integral_constant<int, n>{}) for a run-time n in [1, N] (nothing otherwise): the
// callee is compiled once per n, with n known to the compiler.
template <int N, class F>
inline void withConstant(int n, F&& f)
{
    [&]<int... K>(std::integer_sequence<int, K...>) {
        (void)((n == K + 1 && (f(std::integral_constant<int, K + 1>{}), true)) || ...);
    }(std::make_integer_sequence<int, N>{});
}

// Calls f(std::integral_constant<int, V>{}, t0) for the batch columns [0, width) in tiles of up to
// 8 vectors (128 columns, kept in registers), so every tile has a compile-time width.
template <class F>
inline void forEachTile(int width, F&& f)
{
    int t0 = 0;
    for (; t0 + 8 * kLanes <= width; t0 += 8 * kLanes)
        f(std::integral_constant<int, 8>{}, t0);
    withConstant<7>((width - t0) / kLanes, [&](auto vectors) { f(vectors, t0); });
}

inline v16 splat(float x)
{
    // Not v16{} + x: that costs an add (for -0.0) and a register broadcast on the shuffle port.
    return v16{x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x};
}

typedef float v8 __attribute__((vector_size(32)));
typedef float v4 __attribute__((vector_size(16)));
typedef std::uint32_t u16x __attribute__((vector_size(64)));

// Horizontal sum as a shuffle tree (4 adds) rather than a 16-add serial chain.
inline float hsum(v16 v)
{
    const v8 a = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
                 __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
    const v4 b = __builtin_shufflevector(a, a, 0, 1, 2, 3) + __builtin_shufflevector(a, a, 4, 5, 6, 7);
    return (b[0] + b[2]) + (b[1] + b[3]);
}

// The inverted-dropout scale of kept activations.
float dropoutScale(const ForwardEpilogue& epi) { return epi.keepProbability >= 1.0f ? 1.0f : 1.0f / epi.keepProbability; }

// Dropout for one neuron: each column's keep bit comes from a 32-bit integer hash of (neuron key,
// column), computed 16 lanes at a time, so the mask does not depend on which thread draws it.
struct DropoutMask {
    v16 scale;               // 1 / keep
    std::uint32_t key;       // hash of (dropout key, neuron)
    std::uint32_t threshold; // keep when the top 24 hash bits fall below keep * 2^24
    std::uint32_t batch;
    std::uint32_t column0; // a micro-batch's columns are columns column0 + b of its full batch
    bool dropout;

    DropoutMask(const ForwardEpilogue& epi, int batchSize, NeuronIndex neuron)
        : scale(splat(dropoutScale(epi))),
          key(static_cast<std::uint32_t>(hashCounter(epi.dropoutKey, static_cast<std::uint64_t>(neuron)))),
          threshold(static_cast<std::uint32_t>(static_cast<double>(epi.keepProbability) * 16777216.0)),
          batch(static_cast<std::uint32_t>(batchSize)), column0(epi.dropoutColumn), dropout(epi.keepProbability < 1.0f)
    {
    }
    // The scale (kept) or 0 (dropped, or a padding column) for columns [b, b + 16).
    v16 at(int b) const
    {
        const u16x col = u16x{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15} + static_cast<std::uint32_t>(b);
        auto keep = col < batch;
        if (dropout) {
            u16x x = (col + column0) * 0x9E3779B9u + key;
            x ^= x >> 16;
            x *= 0x7feb352du;
            x ^= x >> 15;
            x *= 0x846ca68bu;
            x ^= x >> 16;
            keep &= (x >> 8) < threshold;
        }
        return keep ? scale : v16{};
    }
};

// a = f(z) * m and g = f'(z) * m for the piecewise-linear activations (slope 1 above zero,
// `slope` below) on one vector of a neuron's batch.
inline void epilogueLinear(v16 z, v16 m, v16 slope, v16* aOut, v16* gOut)
{
    *aOut = (z > 0.0f ? z : slope * z) * m;
    if (gOut)
        *gOut = (z > 0.0f ? splat(1.0f) : slope) * m;
}

// As epilogueLinear for any activation (sigmoid and tanh lane by lane).
inline void epilogueVec(v16 z, v16 m, const ForwardEpilogue& epi, float* aOut, float* gOut)
{
    v16 a, d;
    switch (epi.activation.kind) {
    case ActivationKind::Sigmoid:
        for (int k = 0; k < kLanes; ++k) {
            a[k] = 1.0f / (1.0f + std::exp(-z[k]));
            d[k] = a[k] * (1.0f - a[k]);
        }
        break;
    case ActivationKind::Tanh:
        for (int k = 0; k < kLanes; ++k) {
            a[k] = std::tanh(z[k]);
            d[k] = 1.0f - a[k] * a[k];
        }
        break;
    default:
        epilogueLinear(z, m, splat(epi.negativeSlope), reinterpret_cast<v16*>(aOut), reinterpret_cast<v16*>(gOut));
        return;
    }
    *reinterpret_cast<v16*>(aOut) = a * m;
    if (gOut)
        *reinterpret_cast<v16*>(gOut) = d * m;
}

// Two bits per gate value (see GateMask): kept (mask != 0) in the low half, z > 0 in the high half.
inline std::uint32_t packGate(v16 z, v16 m)
{
#ifdef __AVX512F__
    const __mmask16 kept = _mm512_cmp_ps_mask(m, _mm512_setzero_ps(), _CMP_NEQ_OQ);
    const __mmask16 positive = _mm512_cmp_ps_mask(z, _mm512_setzero_ps(), _CMP_GT_OQ);
    return static_cast<std::uint32_t>(kept) | (static_cast<std::uint32_t>(positive) << 16);
#else
    std::uint32_t word = 0;
    for (int k = 0; k < kLanes; ++k)
        word |= (m[k] != 0.0f ? 1u << k : 0u) | (z[k] > 0.0f ? 1u << (16 + k) : 0u);
    return word;
#endif
}

REWIRE_ALWAYS_INLINE v16 unpackGate(std::uint32_t word, v16 high, v16 low)
{
#ifdef __AVX512F__
    return _mm512_maskz_mov_ps(static_cast<__mmask16>(word),
                               _mm512_mask_blend_ps(static_cast<__mmask16>(word >> 16), low, high));
#else
    v16 g;
    for (int k = 0; k < kLanes; ++k)
        g[k] = (word >> k) & 1u ? ((word >> (16 + k)) & 1u ? high[k] : low[k]) : 0.0f;
    return g;
#endif
}

// The gates of one row of the previous layer for the backward: fp32 values, or a GateMask row.
struct GateRow {
    const float* full = nullptr;
    const std::uint32_t* bits = nullptr;
    float high = 1.0f, low = 0.0f;
    bool any() const { return full || bits; }
    GateRow at(int t0) const
    {
        return {full ? full + t0 : nullptr, bits ? bits + t0 / kLanes : nullptr, high, low};
    }
    REWIRE_ALWAYS_INLINE v16 operator[](int v) const
    {
        return full ? reinterpret_cast<const v16*>(full)[v] : unpackGate(bits[v], splat(high), splat(low));
    }
};

GateRow gateRow(const NeuronBuffer* full, const GateMask* bits, int i)
{
    if (full)
        return {full->row(i), nullptr, 1.0f, 0.0f};
    if (bits)
        return {nullptr, bits->row(i), bits->high, bits->low};
    return {};
}

// Where a forward tile reads its input rows: fp32 rows, or bf16 rows widened to fp32 in registers
// (fp32 accumulation either way).
struct Fp32Rows {
    const float* base;
    std::size_t ld;
    const v16* row(NeuronIndex i, int t0) const
    {
        return reinterpret_cast<const v16*>(base + static_cast<std::size_t>(i) * ld + t0);
    }
    static v16 at(const v16* r, int v) { return r[v]; }
};
// bf16 rows in pairs of vectors: the 32-bit word q of a 64-byte block holds column 32p + q in its
// low half and column 32p + 16 + q in its high half, so one load and one shift or mask per vector
// widen them to fp32 (no cross-lane conversion on the shuffle port).
struct Bf16Rows {
    const std::uint16_t* base;
    std::size_t ld;
    const u16x* row(NeuronIndex i, int t0) const
    {
        return reinterpret_cast<const u16x*>(base + static_cast<std::size_t>(i) * ld + t0);
    }
    static v16 at(const u16x* r, int v)
    {
        const u16x word = r[v / 2];
        return __builtin_bit_cast(v16, v % 2 == 0 ? word << 16 : word & 0xffff0000u);
    }
};

template <int V, class Rows>
inline void forwardTile(const NeuronIndex* cols, const float* w, EdgeIndex n, const Rows& x, int t0, v16* acc)
{
    for (int v = 0; v < V; ++v)
        acc[v] = v16{};
    if constexpr (V <= 4) {
        // Two accumulator sets hide FMA latency when one tile has few vectors.
        v16 acc2[V] = {};
        EdgeIndex e = 0;
        for (; e + 1 < n; e += 2) {
            const auto* x0 = x.row(cols[e], t0);
            const auto* x1 = x.row(cols[e + 1], t0);
            const v16 w0 = splat(w[e]), w1 = splat(w[e + 1]);
            for (int v = 0; v < V; ++v) {
                acc[v] += w0 * Rows::at(x0, v);
                acc2[v] += w1 * Rows::at(x1, v);
            }
        }
        for (; e < n; ++e) {
            const auto* x0 = x.row(cols[e], t0);
            const v16 w0 = splat(w[e]);
            for (int v = 0; v < V; ++v)
                acc[v] += w0 * Rows::at(x0, v);
        }
        for (int v = 0; v < V; ++v)
            acc[v] += acc2[v];
    } else {
        for (EdgeIndex e = 0; e < n; ++e) {
            const auto* xr = x.row(cols[e], t0);
            const v16 wv = splat(w[e]);
            for (int v = 0; v < V; ++v)
                acc[v] += wv * Rows::at(xr, v);
        }
    }
}

// Output neuron j's columns [t0, t0 + 16 V): accumulate in registers, then bias, activation,
// dropout and the stores of A (and the gate G) straight from the registers. Linear: the
// piecewise-linear activations (slope 1 above zero, negativeSlope below); otherwise epilogueVec.
template <int V, bool Linear, class Rows>
void forwardRowTile(const SparseLayer& layer, const Rows& x, NeuronBuffer& a, NeuronBuffer* gate,
                    const ForwardEpilogue& epi, NeuronIndex j, int t0, const DropoutMask& mask, GateMask* bits)
{
    const EdgeIndex e0 = layer.rowPtr()[j], e1 = layer.rowPtr()[j + 1];
    v16 acc[V];
    forwardTile<V>(layer.colIdx().data() + e0, layer.weights().data() + e0, e1 - e0, x, t0, acc);
    const v16 bias = splat(layer.bias()[j]);
    v16* aRow = reinterpret_cast<v16*>(a.row(j) + t0);
    v16* gRow = gate ? reinterpret_cast<v16*>(gate->row(j) + t0) : nullptr;
    if constexpr (Linear) {
        const v16 slope = splat(epi.negativeSlope);
        std::uint32_t* words = bits ? bits->row(j) + t0 / kLanes : nullptr;
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v) {
            const v16 z = acc[v] + bias, m = mask.at(t0 + v * kLanes);
            epilogueLinear(z, m, slope, aRow + v, gRow ? gRow + v : nullptr);
            if (words)
                words[v] = packGate(z, m);
        }
    } else {
        for (int v = 0; v < V; ++v)
            epilogueVec(acc[v] + bias, mask.at(t0 + v * kLanes), epi, reinterpret_cast<float*>(aRow + v),
                        gRow ? reinterpret_cast<float*>(gRow + v) : nullptr);
    }
}

// Horizontal sums of eight vectors: out[e] = sum of d[e]'s 16 lanes. A transposing tree of 24
// shuffles and adds instead of eight separate 16-lane reductions (~9 operations each, mostly on
// the shuffle port that the FMAs also need).
REWIRE_ALWAYS_INLINE void hsum8(const v16* d, float* out, bool accumulate)
{
    // [a.q0 + a.q2, a.q1 + a.q3, b.q0 + b.q2, b.q1 + b.q3] (q: 128-bit quarters)
    const auto pair = [](v16 a, v16 b) {
        return __builtin_shufflevector(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23) +
               __builtin_shufflevector(a, b, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
    };
    // Quarter q of the result: four partial sums of the q-th of the four vectors summed in pairs.
    const auto quarters = [](v16 a, v16 b) {
        return __builtin_shufflevector(a, b, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27) +
               __builtin_shufflevector(a, b, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
    };
    const v16 t0123 = quarters(pair(d[0], d[1]), pair(d[2], d[3]));
    const v16 t4567 = quarters(pair(d[4], d[5]), pair(d[6], d[7]));
    // Interleave within quarters and add: quarter q holds [d[q], d[q + 4]] twice, half summed.
    const v16 r = __builtin_shufflevector(t0123, t4567, 0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25, 12, 28, 13, 29) +
                  __builtin_shufflevector(t0123, t4567, 2, 18, 3, 19, 6, 22, 7, 23, 10, 26, 11, 27, 14, 30, 15, 31);
    const v16 full = r + __builtin_shufflevector(r, r, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
    v8 sums = __builtin_shufflevector(full, full, 0, 4, 8, 12, 1, 5, 9, 13);
    if (accumulate) {
        v8 old;
        std::memcpy(&old, out, sizeof old);
        sums += old;
    }
    std::memcpy(out, &sums, sizeof sums);
}

// One tile of V vectors of batch columns for input neuron i: each outgoing edge's
// dot(X[i], dZ[j]) goes to grad[k] (stored, or added when accumulate: later tiles of a batch wider
// than 128) and, when DX, dX[i] = gate * sum_k w_k dZ[j_k].
// rows/wl: the neuron's CSC output rows and its gathered weights (contiguous, length deg; not
// read without DX). Edges go eight at a time: eight independent dot products in flight, reduced
// together by hsum8. Without DX it is just "dot products of one row held in registers with
// gathered rows", which the CSR first-layer pass also uses with the roles of X and dZ swapped.
template <int V, bool DX>
void backwardTile(const NeuronIndex* rows, const float* wl, EdgeIndex deg, const float* xRow, const float* dzBase,
                  std::size_t ld, GateRow gp, float* dxRow, float* grad, bool accumulate, float* rowSum)
{
    const v16* xi = reinterpret_cast<const v16*>(xRow);
    v16 xv[V], dx[V];
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) {
        xv[v] = xi[v];
        dx[v] = v16{};
    }
    EdgeIndex k = 0;
    for (; k + 8 <= deg; k += 8) {
        v16 dot[8];
#pragma GCC unroll 8
        for (int q = 0; q < 8; ++q) {
            const v16* d = reinterpret_cast<const v16*>(dzBase + static_cast<std::size_t>(rows[k + q]) * ld);
            [[maybe_unused]] const v16 wv = DX ? splat(wl[k + q]) : v16{}; // wl unused without DX
            dot[q] = xv[0] * d[0];
            if constexpr (DX)
                dx[0] += wv * d[0];
#pragma GCC unroll 8
            for (int v = 1; v < V; ++v) {
                const v16 dv = d[v];
                dot[q] += xv[v] * dv;
                if constexpr (DX)
                    dx[v] += wv * dv;
            }
        }
        hsum8(dot, grad + k, accumulate);
    }
    for (; k < deg; ++k) {
        const v16* d = reinterpret_cast<const v16*>(dzBase + static_cast<std::size_t>(rows[k]) * ld);
        [[maybe_unused]] const v16 wv = DX ? splat(wl[k]) : v16{};
        v16 dot0 = v16{}, dot1 = v16{};
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v) {
            const v16 dv = d[v];
            if constexpr (DX)
                dx[v] += wv * dv;
            if (v % 2 == 0)
                dot0 += xv[v] * dv;
            else
                dot1 += xv[v] * dv;
        }
        const float g = hsum(dot0 + dot1);
        grad[k] = accumulate ? grad[k] + g : g;
    }
    if constexpr (DX) {
        v16* out = reinterpret_cast<v16*>(dxRow);
        v16 sum = v16{};
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v) {
            out[v] = gp.any() ? dx[v] * gp[v] : dx[v];
            sum += out[v];
        }
        // The previous layer's bias gradient, sum_b dZprev[i][b], in biasStep's order.
        if (rowSum)
            *rowSum = accumulate ? *rowSum + hsum(sum) : hsum(sum);
    }
}

// Input neuron i's whole batch, tile by tile: its out-edges' gradients, dX[i] and its row sum.
void backwardNeuron(const NeuronIndex* rows, const float* wl, EdgeIndex deg, const float* xRow, const float* dzBase,
                    std::size_t ld, GateRow gpRow, float* dxRow, float* grad, int width, float* rowSum)
{
    forEachTile(width, [&](auto vectors, int t0) {
        backwardTile<decltype(vectors)::value, true>(rows, wl, deg, xRow + t0, dzBase + t0, ld, gpRow.at(t0), dxRow + t0,
                                                     grad, t0 > 0, rowSum);
    });
}

void requireNarrow(const SparseLayer& layer, const char* who)
{
    if (!narrowKernelFits(layer))
        throw std::invalid_argument(std::string(who) + ": needs a fully connected layer of 1-12 outputs, got " +
                                    std::to_string(layer.edgeCount()) + " edges to " +
                                    std::to_string(layer.outputs()) + " outputs");
}

void checkVelocity(const SparseLayer& layer, const ParamState& state, std::span<float> gradOut, const UpdatePolicy& step,
                   const char* who)
{
    const auto edges = static_cast<std::size_t>(layer.edgeCount());
    if (gradOut.empty() && (state.first.size() != edges || (step.optimizer == Optimizer::Adam && state.second.size() != edges)))
        throw std::invalid_argument(std::string(who) + ": the optimiser state has " + std::to_string(state.first.size()) +
                                    " and " + std::to_string(state.second.size()) + " entries for " +
                                    std::to_string(layer.edgeCount()) + " edges");
}

void checkRowSums(const SparseLayer& layer, const NeuronBuffer* dxPrev, std::span<float> rowSums, const char* who)
{
    if (!rowSums.empty() && (!dxPrev || rowSums.size() != static_cast<std::size_t>(layer.inputs())))
        throw std::invalid_argument(std::string(who) + ": row sums need dX and one entry per input");
}

int unitCount(const std::vector<NeuronIndex>& units) { return std::max(0, static_cast<int>(units.size()) - 1); }

// Unit bounds must start at 0, end at n and never decrease.
void requireUnits(const std::vector<NeuronIndex>& units, NeuronIndex n, const char* who)
{
    if (units.size() < 2 || units.front() != 0 || units.back() != n || !std::is_sorted(units.begin(), units.end()))
        throw std::invalid_argument(std::string(who) + ": work units must split [0, " + std::to_string(n) +
                                    ") in order, got " + std::to_string(units.size()) + " bounds");
}

void checkBuffers(const SparseLayer& layer, const NeuronBuffer& in, const NeuronBuffer& out, int batch, const char* who)
{
    if (in.neurons() != layer.inputs() || out.neurons() != layer.outputs())
        throw std::invalid_argument(std::string(who) + ": buffers of " + std::to_string(in.neurons()) + " and " +
                                    std::to_string(out.neurons()) + " neurons for a layer of " +
                                    std::to_string(layer.inputs()) + " inputs x " + std::to_string(layer.outputs()) +
                                    " outputs");
    if (batch < 0 || roundUp16(batch) > in.ld() || roundUp16(batch) > out.ld())
        throw std::invalid_argument(std::string(who) + ": batch " + std::to_string(batch) + " exceeds buffer capacity " +
                                    std::to_string(std::min(in.ld(), out.ld())));
}

// Per-thread scratch: up to 4096 floats in the thread's own static storage (no allocation, ever:
// units go to whichever thread is free, so a worker may first need scratch in the middle of
// training), beyond that a vector that grows geometrically.
alignas(64) thread_local float t_small[4096];
thread_local std::vector<float, std::allocator<float>> t_scratch;

float* alignedScratch(std::size_t floats)
{
    if (floats <= std::size(t_small))
        return t_small;
    if (t_scratch.size() < floats + kLanes)
        t_scratch.resize(std::max<std::size_t>(floats + kLanes, 2 * t_scratch.size()));
    auto p = reinterpret_cast<std::uintptr_t>(t_scratch.data());
    p = (p + 63) & ~std::uintptr_t(63);
    return reinterpret_cast<float*>(p);
}

} // namespace

void NeuronBuffer::Free::operator()(float* p) const { std::free(p); }

NeuronBuffer NeuronBuffer::viewOf(NeuronBuffer& storage, int neurons)
{
    if (neurons < 0 || neurons > storage.m_neurons)
        throw std::invalid_argument("NeuronBuffer: a view of " + std::to_string(neurons) + " rows of a buffer of " +
                                    std::to_string(storage.m_neurons));
    NeuronBuffer v;
    v.m_neurons = neurons;
    v.m_ld = storage.m_ld;
    v.m_ptr = storage.m_ptr;
    return v;
}

void NeuronBuffer::resize(int neurons, int batchCapacity)
{
    if (neurons < 0 || batchCapacity < 0)
        throw std::invalid_argument("NeuronBuffer: negative size");
    m_neurons = neurons;
    m_ld = std::max(kLanes, roundUp16(batchCapacity));
    const std::size_t bytes = static_cast<std::size_t>(m_neurons) * m_ld * sizeof(float);
    // Buffers of wide layers are gathered from at random, one row per edge: on 4 KiB pages nearly
    // every gather misses the TLB, and the first touch faults once per page. Transparent huge
    // pages (2 MiB, asked for before the first touch) cut both (bench/RESULTS.md, "Scale").
    constexpr std::size_t kHuge = std::size_t{2} << 20;
    const bool huge = bytes >= 2 * kHuge;
    const std::size_t size = huge ? (bytes + kHuge - 1) / kHuge * kHuge : std::max<std::size_t>(64, bytes);
    void* p = std::aligned_alloc(huge ? kHuge : 64, size);
    if (!p)
        throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    if (huge)
        madvise(p, size, MADV_HUGEPAGE); // advice only: without THP the buffer works on small pages
#endif
    m_data.reset(static_cast<float*>(p));
    m_ptr = m_data.get();
    setZero();
}

void NeuronBuffer::setZero()
{
    const std::size_t bytes = static_cast<std::size_t>(m_neurons) * m_ld * sizeof(float);
    // The first touch of a new buffer is the kernel clearing its pages (~0.5 GB/s per core on the
    // project's VM): 10 GB of a 10M-neuron network's buffers took 16 s on one thread. Cut big
    // buffers into pieces zeroed on every core.
    const unsigned threads = std::min(16u, std::max(1u, std::thread::hardware_concurrency()));
    if (bytes < (std::size_t{64} << 20) || threads < 2) {
        std::memset(m_ptr, 0, bytes);
        return;
    }
    char* base = reinterpret_cast<char*>(m_ptr);
    const auto piece = [=](unsigned t) {
        std::memset(base + bytes * t / threads, 0, bytes * (t + 1) / threads - bytes * t / threads);
    };
    std::vector<std::thread> helpers;
    helpers.reserve(threads - 1);
    unsigned t = 1;
    try {
        for (; t < threads; ++t)
            helpers.emplace_back(piece, t);
    } catch (const std::system_error&) { // no thread to be had: zero the rest here
        for (unsigned r = t; r < threads; ++r)
            piece(r);
    }
    piece(0);
    for (std::thread& h : helpers)
        h.join();
}

std::vector<NeuronIndex> workUnits(std::span<const EdgeIndex> ptr, int threads)
{
    const auto n = static_cast<NeuronIndex>(ptr.size() - 1);
    const EdgeIndex units = std::clamp<EdgeIndex>(ptr.back() / kMinEdgesPerUnit, 1, 16 * std::max(threads, 1));
    return balancedPartition(ptr, static_cast<int>(std::min<EdgeIndex>(units, std::max<NeuronIndex>(n, 1))));
}

std::vector<std::string> optimizerStateNames(Optimizer optimizer, const std::string& param)
{
    const std::string stem = param.empty() ? "" : param + "_";
    switch (optimizer) {
    case Optimizer::MomentumSgd: return {stem + "velocity"};
    case Optimizer::Adam: return {"opt_adam_" + stem + "m", "opt_adam_" + stem + "v"};
    }
    return {};
}

Optimizer parseOptimizer(const std::string& text)
{
    if (text == "sgd" || text == "momentum-sgd")
        return Optimizer::MomentumSgd;
    if (text == "adam")
        return Optimizer::Adam;
    throw std::invalid_argument("--optimizer " + text + ": unknown (expected sgd or adam)");
}

UpdatePolicy adamPolicy(double learningRate, double beta1, double beta2, double epsilon, double weightDecay,
                        std::int64_t t)
{
    UpdatePolicy p;
    p.optimizer = Optimizer::Adam;
    p.learningRate = static_cast<float>(learningRate);
    p.momentum = 0.0f;
    p.weightDecay = static_cast<float>(weightDecay);
    p.beta1 = static_cast<float>(beta1);
    p.beta2 = static_cast<float>(beta2);
    p.epsilon = static_cast<float>(epsilon);
    p.oneMinusBeta1 = static_cast<float>(1.0 - beta1);
    p.oneMinusBeta2 = static_cast<float>(1.0 - beta2);
    const double steps = static_cast<double>(std::max<std::int64_t>(t, 1));
    p.adamStep = static_cast<float>(learningRate / (1.0 - std::pow(beta1, steps)));
    p.adamScale = static_cast<float>(1.0 / std::sqrt(1.0 - std::pow(beta2, steps)));
    return p;
}

std::vector<NeuronIndex> balancedPartition(std::span<const EdgeIndex> ptr, int parts)
{
    parts = std::max(parts, 1);
    const auto n = static_cast<NeuronIndex>(ptr.size() - 1);
    std::vector<NeuronIndex> bounds(static_cast<std::size_t>(parts) + 1, n);
    bounds[0] = 0;
    const EdgeIndex total = ptr.back();
    for (int p = 1; p < parts; ++p) {
        // Weight neurons as edges + 1 so empty neurons still spread out.
        const EdgeIndex target = (total + n) * p / parts;
        NeuronIndex lo = bounds[p - 1], hi = n;
        while (lo < hi) {
            const NeuronIndex mid = lo + (hi - lo) / 2;
            if (ptr[mid] + mid < target)
                lo = mid + 1;
            else
                hi = mid;
        }
        // lo is the first split at or past the target; the one before may be closer.
        if (lo > bounds[p - 1] && target - (ptr[lo - 1] + lo - 1) < (ptr[lo] + lo) - target)
            --lo;
        bounds[p] = lo;
    }
    return bounds;
}

namespace {

template <bool Linear, class Rows>
void forwardRowsWith(const SparseLayer& layer, const Rows& x, NeuronBuffer& a, NeuronBuffer* gate, int batch,
                     const ForwardEpilogue& epi, NeuronIndex rowBegin, NeuronIndex rowEnd, GateMask* bits)
{
    const int width = roundUp16(batch);
    for (NeuronIndex j = rowBegin; j < rowEnd; ++j) {
        const DropoutMask mask(epi, batch, j);
        forEachTile(width, [&](auto vectors, int t0) {
            forwardRowTile<decltype(vectors)::value, Linear>(layer, x, a, gate, epi, j, t0, mask, bits);
        });
    }
}

template <class Rows>
void forwardRows(const SparseLayer& layer, const Rows& x, NeuronBuffer& a, NeuronBuffer* gate, int batch,
                 const ForwardEpilogue& epi, NeuronIndex rowBegin, NeuronIndex rowEnd, GateMask* bits = nullptr)
{
    if (epi.activation.piecewiseLinear())
        forwardRowsWith<true>(layer, x, a, gate, batch, epi, rowBegin, rowEnd, bits);
    else
        forwardRowsWith<false>(layer, x, a, gate, batch, epi, rowBegin, rowEnd, nullptr);
}

// Checks a GateMask for the forward's output and sets its decoded values: exactly what the fp32
// epilogue writes, f'(z) * scale.
void prepareGateBits(GateMask* bits, const NeuronBuffer& a, const ForwardEpilogue& epi, const char* who)
{
    if (!bits)
        return;
    if (!epi.activation.piecewiseLinear())
        throw std::invalid_argument(std::string(who) + ": gate bits need a piecewise-linear activation, not " +
                                    epi.activation.toString());
    if (bits->neurons() != a.neurons() || bits->wordsPerRow() * kLanes < a.ld())
        throw std::invalid_argument(std::string(who) + ": gate bits sized for " + std::to_string(bits->neurons()) +
                                    " neurons, the layer has " + std::to_string(a.neurons()));
    const float scale = dropoutScale(epi);
    bits->high = 1.0f * scale;
    bits->low = epi.negativeSlope * scale;
}

// Rows [rowBegin, rowEnd) of x rounded to bf16 (to nearest, ties to even) in Bf16Rows' layout.
void toBf16Rows(const NeuronBuffer& x, Bf16Buffer& x16, int width, NeuronIndex rowBegin, NeuronIndex rowEnd)
{
    const int vectors = width / kLanes;
    const auto rounded = [](u16x u) { return (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u; };
    for (NeuronIndex i = rowBegin; i < rowEnd; ++i) {
        const auto* src = reinterpret_cast<const u16x*>(x.row(i));
        auto* dst = reinterpret_cast<u16x*>(x16.row(i));
        for (int v = 0; v < vectors; v += 2) {
            const u16x lo = rounded(src[v]) >> 16;
            dst[v / 2] = v + 1 < vectors ? lo | rounded(src[v + 1]) : lo;
        }
    }
}

} // namespace

void GateMask::resize(int neurons, int batchCapacity)
{
    if (neurons < 0 || batchCapacity < 0)
        throw std::invalid_argument("GateMask: negative size");
    m_neurons = neurons;
    m_words = std::max(1, roundUp16(batchCapacity) / kLanes);
    m_data.assign(static_cast<std::size_t>(neurons) * m_words, 0u);
}

void Bf16Buffer::resize(int neurons, int ld)
{
    if (neurons < 0 || ld < 0)
        throw std::invalid_argument("Bf16Buffer: negative size");
    m_neurons = neurons;
    m_ld = (ld + 31) / 32 * 32; // whole 64-byte blocks of two vectors
    m_data.assign(static_cast<std::size_t>(neurons) * static_cast<std::size_t>(m_ld) + 32, 0);
}

std::uint16_t* Bf16Buffer::row(int i)
{
    auto p = reinterpret_cast<std::uintptr_t>(m_data.data());
    p = (p + 63) & ~std::uintptr_t(63);
    return reinterpret_cast<std::uint16_t*>(p) + static_cast<std::size_t>(i) * m_ld;
}

void sparseForwardBf16(WorkPool& pool, const SparseLayer& layer, const NeuronBuffer& x, Bf16Buffer& x16, NeuronBuffer& a,
                       NeuronBuffer* gate, int batch, const ForwardEpilogue& epi,
                       const std::vector<NeuronIndex>& rowUnits, GateMask* gateBits)
{
    checkBuffers(layer, x, a, batch, "sparseForwardBf16");
    prepareGateBits(gateBits, a, epi, "sparseForwardBf16");
    if (x16.neurons() != x.neurons() || x16.ld() < x.ld())
        x16.resize(x.neurons(), x.ld());
    requireUnits(rowUnits, layer.outputs(), "sparseForwardBf16");
    const int width = roundUp16(batch);
    const Bf16Rows rows{x16.row(0), static_cast<std::size_t>(x16.ld())};
    // The conversion in as many units as the forward, each thread mostly on the rows it wrote.
    const int units = unitCount(rowUnits);
    const auto n = static_cast<std::int64_t>(x.neurons());
    pool.run(units, [&](int u) {
        toBf16Rows(x, x16, width, static_cast<NeuronIndex>(n * u / units), static_cast<NeuronIndex>(n * (u + 1) / units));
    });
    pool.run(units, [&](int u) { forwardRows(layer, rows, a, gate, batch, epi, rowUnits[u], rowUnits[u + 1], gateBits); });
}

void sparseForward(WorkPool& pool, const SparseLayer& layer, const NeuronBuffer& x, NeuronBuffer& a, NeuronBuffer* gate,
                   int batch, const ForwardEpilogue& epi, const std::vector<NeuronIndex>& rowUnits, GateMask* gateBits)
{
    checkBuffers(layer, x, a, batch, "sparseForward");
    prepareGateBits(gateBits, a, epi, "sparseForward");
    requireUnits(rowUnits, layer.outputs(), "sparseForward");
    const Fp32Rows rows{x.data(), static_cast<std::size_t>(x.ld())};
    pool.run(unitCount(rowUnits),
             [&](int u) { forwardRows(layer, rows, a, gate, batch, epi, rowUnits[u], rowUnits[u + 1], gateBits); });
}

namespace {

// The one momentum step of every weight and bias: v = mu v - lr g; w = w + (v - wd w), fused
// where the CPU has FMA. sgdUpdateRange's vector path computes exactly this, so an edge gets the
// same bits whichever path (and so whichever thread partition) updates it.
inline void sgdUpdate(float& w, float& v, float g, const UpdatePolicy& step)
{
#ifdef __FMA__
    v = std::fma(-step.learningRate, g, step.momentum * v);
    w += std::fma(-step.weightDecay, w, v);
#else
    v = step.momentum * v - step.learningRate * g;
    w += v - step.weightDecay * w;
#endif
}

// Adam's step (adamPolicy) with explicit fused multiply-adds where the CPU has them, so
// adamUpdateEdges's vector path gives the same bits.
inline void adamUpdate(float& w, float& m, float& v, float g, const UpdatePolicy& p)
{
#ifdef __FMA__
    const float gw = std::fma(p.weightDecay, w, g);
    m = std::fma(p.beta1, m, p.oneMinusBeta1 * gw);
    v = std::fma(p.beta2, v, p.oneMinusBeta2 * gw * gw);
    const float denom = std::fma(std::sqrt(v), p.adamScale, p.epsilon);
    w = std::fma(-p.adamStep, m / denom, w);
#else
    const float gw = g + p.weightDecay * w;
    m = p.beta1 * m + p.oneMinusBeta1 * gw;
    v = p.beta2 * v + p.oneMinusBeta2 * gw * gw;
    const float denom = std::sqrt(v) * p.adamScale + p.epsilon;
    w = w - p.adamStep * (m / denom);
#endif
}

// The policy's step of parameter e (scalar): the one place that dispatches on the optimiser.
inline void applyUpdate(float& w, const ParamState& s, std::size_t e, float g, const UpdatePolicy& p)
{
    switch (p.optimizer) {
    case Optimizer::MomentumSgd:
        sgdUpdate(w, s.first[e], g, p);
        return;
    case Optimizer::Adam:
        adamUpdate(w, s.first[e], s.second[e], g, p);
        return;
    }
}

// The policy's step of the n parameters e = e0 + j·stride (j < n), gradients g[j]: one dispatch
// for the group (the narrow kernel's J edges of an input), the same bits as applyUpdate.
inline void applyStridedUpdates(float* w, const ParamState& s, std::size_t e0, std::size_t stride, const float* g, int n,
                                const UpdatePolicy& p)
{
    switch (p.optimizer) {
    case Optimizer::MomentumSgd:
        for (int j = 0; j < n; ++j) {
            const std::size_t e = e0 + static_cast<std::size_t>(j) * stride;
            sgdUpdate(w[e], s.first[e], g[j], p);
        }
        return;
    case Optimizer::Adam:
        for (int j = 0; j < n; ++j) {
            const std::size_t e = e0 + static_cast<std::size_t>(j) * stride;
            adamUpdate(w[e], s.first[e], s.second[e], g[j], p);
        }
        return;
    }
}

// Phase 1 of the sparse backward for input neurons [colBegin, colEnd): gradCsc for their
// out-edges, dX (gated) and, with dxRowSums, dX's row sums.
void gradientRange(const SparseLayer& layer, const NeuronBuffer& x, const NeuronBuffer& dz, const NeuronBuffer* gatePrev,
                   NeuronBuffer& dxPrev, int batch, float* gradCsc, NeuronIndex colBegin, NeuronIndex colEnd,
                   float* dxRowSums, const GateMask* gateBitsPrev)
{
    const int width = roundUp16(batch);
    NeuronIndex maxDegree = 0;
    for (NeuronIndex i = colBegin; i < colEnd; ++i)
        maxDegree = std::max(maxDegree, layer.outDegree(i));
    float* wl = alignedScratch(static_cast<std::size_t>(maxDegree));
    const float* w = layer.weights().data();
    const std::int32_t* perm = layer.cscPerm().data();
    const NeuronIndex* cscRow = layer.cscRow().data();
    const std::size_t ld = static_cast<std::size_t>(dz.ld());
    for (NeuronIndex i = colBegin; i < colEnd; ++i) {
        const EdgeIndex k0 = layer.colPtr()[i], deg = layer.colPtr()[i + 1] - k0;
        float* dxRow = dxPrev.row(i);
        float* rowSum = dxRowSums ? dxRowSums + i : nullptr;
        if (deg == 0) {
            std::memset(dxRow, 0, static_cast<std::size_t>(width) * sizeof(float));
            if (rowSum)
                *rowSum = 0.0f;
            continue;
        }
        // Gathered once per neuron so the FMA loop reads weights contiguously.
        for (EdgeIndex k = 0; k < deg; ++k)
            wl[k] = w[perm[k0 + k]];
        backwardNeuron(cscRow + k0, wl, deg, x.row(i), dz.data(), ld, gateRow(gatePrev, gateBitsPrev, i), dxRow,
                       gradCsc + k0, width, rowSum);
    }
}

// The momentum step (sgdUpdate) of edges [e0, e1) of w and v, with edge e's gradient
// g[index(e)]: 16 edges at a time with one gather (or one load when index is the identity),
// bit for bit sgdUpdate, which the tail runs. GCC 12 leaves the scalar loop unvectorised
// (measured: 34 us per thread per 1000 x 1000 layer).
#ifdef __AVX512F__
// Gradients of edges e .. e + 15: g[index[e..]] (one gather) or g[e..].
template <bool Gathered>
inline __m512 loadGradients(const float* g, const std::int32_t* index, EdgeIndex e)
{
    if constexpr (Gathered)
        return _mm512_i32gather_ps(_mm512_loadu_si512(index + e), g, 4);
    else
        return _mm512_loadu_ps(g + e);
}
#endif

template <bool Gathered>
void sgdUpdateEdges(float* __restrict w, float* __restrict v, const float* __restrict g,
                    const std::int32_t* __restrict index, EdgeIndex e0, EdgeIndex e1, const UpdatePolicy& step)
{
    EdgeIndex e = e0;
#ifdef __AVX512F__
    const __m512 vmu = _mm512_set1_ps(step.momentum), vlr = _mm512_set1_ps(step.learningRate),
                 vwd = _mm512_set1_ps(step.weightDecay);
    for (; e + 16 <= e1; e += 16) {
        const __m512 grad = loadGradients<Gathered>(g, index, e);
        const __m512 vel = _mm512_fnmadd_ps(vlr, grad, _mm512_mul_ps(vmu, _mm512_loadu_ps(v + e)));
        _mm512_storeu_ps(v + e, vel);
        const __m512 we = _mm512_loadu_ps(w + e);
        _mm512_storeu_ps(w + e, _mm512_add_ps(we, _mm512_fnmadd_ps(vwd, we, vel)));
    }
#endif
    for (; e < e1; ++e)
        sgdUpdate(w[e], v[e], Gathered ? g[index[e]] : g[e], step);
}

// adamUpdate over edges [e0, e1), 16 at a time where the CPU has AVX-512 (same bits).
template <bool Gathered>
void adamUpdateEdges(float* __restrict w, float* __restrict m, float* __restrict v, const float* __restrict g,
                     const std::int32_t* __restrict index, EdgeIndex e0, EdgeIndex e1, const UpdatePolicy& p)
{
    EdgeIndex e = e0;
#ifdef __AVX512F__
    const __m512 b1 = _mm512_set1_ps(p.beta1), b2 = _mm512_set1_ps(p.beta2), c1 = _mm512_set1_ps(p.oneMinusBeta1),
                 c2 = _mm512_set1_ps(p.oneMinusBeta2), wd = _mm512_set1_ps(p.weightDecay),
                 scale = _mm512_set1_ps(p.adamScale), eps = _mm512_set1_ps(p.epsilon),
                 step = _mm512_set1_ps(-p.adamStep);
    for (; e + 16 <= e1; e += 16) {
        const __m512 grad = loadGradients<Gathered>(g, index, e);
        const __m512 we = _mm512_loadu_ps(w + e);
        const __m512 gw = _mm512_fmadd_ps(wd, we, grad);
        const __m512 me = _mm512_fmadd_ps(b1, _mm512_loadu_ps(m + e), _mm512_mul_ps(c1, gw));
        const __m512 ve = _mm512_fmadd_ps(b2, _mm512_loadu_ps(v + e), _mm512_mul_ps(_mm512_mul_ps(c2, gw), gw));
        _mm512_storeu_ps(m + e, me);
        _mm512_storeu_ps(v + e, ve);
        const __m512 denom = _mm512_fmadd_ps(_mm512_sqrt_ps(ve), scale, eps);
        _mm512_storeu_ps(w + e, _mm512_fmadd_ps(step, _mm512_div_ps(me, denom), we));
    }
#endif
    for (; e < e1; ++e)
        adamUpdate(w[e], m[e], v[e], Gathered ? g[index[e]] : g[e], p);
}

// The policy's step of edges [e0, e1) of w, whose state starts at `offset` in s (vector paths).
template <bool Gathered>
void updateEdges(float* __restrict w, const ParamState& s, std::size_t offset, const float* __restrict g,
                 const std::int32_t* __restrict index, EdgeIndex e0, EdgeIndex e1, const UpdatePolicy& p)
{
    switch (p.optimizer) {
    case Optimizer::MomentumSgd:
        sgdUpdateEdges<Gathered>(w, s.first.data() + offset, g, index, e0, e1, p);
        return;
    case Optimizer::Adam:
        adamUpdateEdges<Gathered>(w, s.first.data() + offset, s.second.data() + offset, g, index, e0, e1, p);
        return;
    }
}

// Phase 2 for output neurons [rowBegin, rowEnd): their edges' CSC-ordered gradients applied (or
// reported in gradOut).
void sgdUpdateRange(SparseLayer& layer, const ParamState& state, const float* gradCsc, const UpdatePolicy& step,
                    std::span<float> gradOut, NeuronIndex rowBegin, NeuronIndex rowEnd)
{
    const EdgeIndex e0 = layer.rowPtr()[rowBegin], e1 = layer.rowPtr()[rowEnd];
    const std::int32_t* __restrict cscIndex = layer.cscIndex().data();
    if (!gradOut.empty()) {
        float* __restrict out = gradOut.data();
        for (EdgeIndex e = e0; e < e1; ++e)
            out[e] = gradCsc[cscIndex[e]];
        return;
    }
    updateEdges<true>(layer.weights().data(), state, 0, gradCsc, cscIndex, e0, e1, step);
}

// Without dX (the first layer) there is nothing to sum in CSC order: output neurons
// [rowBegin, rowEnd)'s in-edge gradients in CSR order (dZ[j] held in registers), updated at once
// (or reported in gradOut).
void rowGradientRange(SparseLayer& layer, const ParamState& state, const NeuronBuffer& x, const NeuronBuffer& dz,
                      int batch, const UpdatePolicy& step, std::span<float> gradOut, NeuronIndex rowBegin, NeuronIndex rowEnd)
{
    const int width = roundUp16(batch);
    NeuronIndex maxDegree = 0;
    for (NeuronIndex j = rowBegin; j < rowEnd; ++j)
        maxDegree = std::max(maxDegree, layer.inDegree(j));
    float* scratch = gradOut.empty() ? alignedScratch(static_cast<std::size_t>(maxDegree)) : nullptr;
    const NeuronIndex* cols = layer.colIdx().data();
    const std::size_t ld = static_cast<std::size_t>(x.ld());
    for (NeuronIndex j = rowBegin; j < rowEnd; ++j) {
        const EdgeIndex e0 = layer.rowPtr()[j], e1 = layer.rowPtr()[j + 1];
        // Straight into gradOut when reporting; otherwise the row's gradients, then its update.
        float* grad = scratch ? scratch : gradOut.data() + e0;
        forEachTile(width, [&](auto vectors, int t0) {
            // dZ[j]'s tile in registers, X's rows gathered: grad[k] = dot(X[cols[k]], dZ[j]).
            backwardTile<decltype(vectors)::value, false>(cols + e0, nullptr, e1 - e0, dz.row(j) + t0,
                                                          x.data() + t0, ld, GateRow{}, nullptr, grad, t0 > 0, nullptr);
        });
        if (scratch)
            updateEdges<false>(layer.weights().data() + e0, state, static_cast<std::size_t>(e0), grad, nullptr, 0, e1 - e0,
                               step);
    }
}

} // namespace

SparseBackward::SparseBackward(SparseLayer& layer, ParamState state, const NeuronBuffer& x,
                               const NeuronBuffer& dz, const NeuronBuffer* gatePrev, NeuronBuffer* dxPrev, int batch,
                               const UpdatePolicy& step, std::span<float> gradOut, std::vector<float>& gradCsc,
                               const std::vector<NeuronIndex>& colUnits, const std::vector<NeuronIndex>& rowUnits,
                               std::span<float> dxRowSums, const GateMask* gateBitsPrev)
    : m_layer(layer), m_state(state), m_x(x), m_dz(dz), m_gatePrev(gatePrev), m_dxPrev(dxPrev), m_batch(batch),
      m_step(step), m_gradOut(gradOut), m_gradCsc(gradCsc), m_colUnits(colUnits), m_rowUnits(rowUnits),
      m_dxRowSums(dxRowSums), m_gateBitsPrev(gateBitsPrev)
{
    checkBuffers(layer, x, dz, batch, "sparseBackward");
    checkVelocity(layer, state, gradOut, step, "sparseBackward");
    checkRowSums(layer, dxPrev, dxRowSums, "sparseBackward");
    requireUnits(rowUnits, layer.outputs(), "sparseBackward");
    if (dxPrev) {
        requireUnits(colUnits, layer.inputs(), "sparseBackward");
        gradCsc.resize(static_cast<std::size_t>(layer.edgeCount()));
    }
}

WorkPart SparseBackward::gradients()
{
    if (!m_dxPrev) {
        // No dX (the first layer): gradients and update in one CSR pass, unit by unit of output
        // rows (the forward's units), so no gradient buffer and no second phase.
        return {unitCount(m_rowUnits), this, [](void* self, int u) {
                    auto& b = *static_cast<SparseBackward*>(self);
                    rowGradientRange(b.m_layer, b.m_state, b.m_x, b.m_dz, b.m_batch, b.m_step, b.m_gradOut,
                                     b.m_rowUnits[u], b.m_rowUnits[u + 1]);
                }};
    }
    return {unitCount(m_colUnits), this, [](void* self, int u) {
                auto& b = *static_cast<SparseBackward*>(self);
                gradientRange(b.m_layer, b.m_x, b.m_dz, b.m_gatePrev, *b.m_dxPrev, b.m_batch, b.m_gradCsc.data(),
                              b.m_colUnits[u], b.m_colUnits[u + 1],
                              b.m_dxRowSums.empty() ? nullptr : b.m_dxRowSums.data(), b.m_gateBitsPrev);
            }};
}

WorkPart SparseBackward::updates()
{
    if (!m_dxPrev)
        return {};
    return {unitCount(m_rowUnits), this, [](void* self, int u) {
                auto& b = *static_cast<SparseBackward*>(self);
                sgdUpdateRange(b.m_layer, b.m_state, b.m_gradCsc.data(), b.m_step, b.m_gradOut, b.m_rowUnits[u],
                               b.m_rowUnits[u + 1]);
            }};
}

void sparseBackward(WorkPool& pool, SparseLayer& layer, ParamState state, const NeuronBuffer& x,
                    const NeuronBuffer& dz, const NeuronBuffer* gatePrev, NeuronBuffer* dxPrev, int batch,
                    const UpdatePolicy& step, std::span<float> gradOut, std::vector<float>& gradCsc,
                    const std::vector<NeuronIndex>& colUnits, const std::vector<NeuronIndex>& rowUnits,
                    std::span<float> dxRowSums, const GateMask* gateBitsPrev)
{
    SparseBackward backward(layer, state, x, dz, gatePrev, dxPrev, batch, step, gradOut, gradCsc, colUnits, rowUnits,
                            dxRowSums, gateBitsPrev);
    pool.run({backward.gradients()});
    pool.run({backward.updates()});
}

namespace {

using ColMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
using Strided = Eigen::Map<ColMajor, Eigen::Aligned64, Eigen::OuterStride<>>;
using ConstStrided = Eigen::Map<const ColMajor, Eigen::Aligned64, Eigen::OuterStride<>>;

// A neuron-major buffer seen as a (width x neurons) column-major matrix.
ConstStrided view(const NeuronBuffer& b, int width)
{
    return ConstStrided(b.data(), width, b.neurons(), Eigen::OuterStride<>(b.ld()));
}
Strided view(NeuronBuffer& b, int width) { return Strided(b.data(), width, b.neurons(), Eigen::OuterStride<>(b.ld())); }

void requireDense(const SparseLayer& layer, const char* who)
{
    if (!layer.isDense())
        throw std::invalid_argument(std::string(who) + ": layer of " + std::to_string(layer.inputs()) + " x " +
                                    std::to_string(layer.outputs()) + " has " + std::to_string(layer.edgeCount()) +
                                    " edges, the dense kernel needs all of them");
}

} // namespace

namespace {

// Dense layers go through Eigen single-threaded, in units of kDenseBlock outputs (or inputs, for
// dX) run on the pool: each unit's products have a fixed shape whatever the thread count, so the
// results do not depend on it (Eigen's own parallel GEMM picks its blocking by thread count), and
// a descheduled thread holds up one block, not the layer.
constexpr int kDenseBlock = 64;

int denseUnits(NeuronIndex n) { return (n + kDenseBlock - 1) / kDenseBlock; }

} // namespace

void denseForward(WorkPool& pool, const SparseLayer& layer, const NeuronBuffer& x, NeuronBuffer& a, NeuronBuffer* gate,
                  int batch, const ForwardEpilogue& epi)
{
    checkBuffers(layer, x, a, batch, "denseForward");
    requireDense(layer, "denseForward");
    const int width = roundUp16(batch);
    // Row-major (outputs x inputs) weights are the column-major (inputs x outputs) W^T.
    Eigen::Map<const ColMajor> wt(layer.weights().data(), layer.inputs(), layer.outputs());
    const NeuronIndex outputs = layer.outputs();
    pool.run(denseUnits(outputs), [&](int u) {
        const NeuronIndex j0 = u * kDenseBlock, n = std::min(kDenseBlock, outputs - j0);
        view(a, width).middleCols(j0, n).noalias() = view(x, width) * wt.middleCols(j0, n);
        for (NeuronIndex j = j0; j < j0 + n; ++j) {
            const DropoutMask mask(epi, batch, j);
            const v16 bias = splat(layer.bias()[j]);
            float* aRow = a.row(j);
            float* gRow = gate ? gate->row(j) : nullptr;
            for (int t = 0; t < width; t += kLanes)
                epilogueVec(*reinterpret_cast<const v16*>(aRow + t) + bias, mask.at(t), epi, aRow + t,
                            gRow ? gRow + t : nullptr);
        }
    });
}

void denseBackward(WorkPool& pool, SparseLayer& layer, ParamState state, const NeuronBuffer& x,
                   const NeuronBuffer& dz, const NeuronBuffer* gatePrev, NeuronBuffer* dxPrev, int batch,
                   const UpdatePolicy& step, std::span<float> gradOut, std::vector<float>& scratch)
{
    checkBuffers(layer, x, dz, batch, "denseBackward");
    requireDense(layer, "denseBackward");
    checkVelocity(layer, state, gradOut, step, "denseBackward");
    const int width = roundUp16(batch);
    const std::size_t n = static_cast<std::size_t>(layer.edgeCount());
    const NeuronIndex inputs = layer.inputs(), outputs = layer.outputs();
    Eigen::Map<ColMajor> wt(layer.weights().data(), inputs, outputs);
    if (dxPrev) // dX from the old weights, before the update job changes them
        pool.run(denseUnits(inputs), [&](int u) {
            const NeuronIndex i0 = u * kDenseBlock, m = std::min(kDenseBlock, inputs - i0);
            auto dx = view(*dxPrev, width).middleCols(i0, m);
            dx.noalias() = view(dz, width) * wt.middleRows(i0, m).transpose();
            if (gatePrev)
                dx.array() *= view(*gatePrev, width).middleCols(i0, m).array();
        });
    float* g = gradOut.empty() ? (scratch.resize(n), scratch.data()) : gradOut.data();
    float* w = layer.weights().data();
    pool.run(denseUnits(outputs), [&](int u) {
        const NeuronIndex j0 = u * kDenseBlock, m = std::min(kDenseBlock, outputs - j0);
        Eigen::Map<ColMajor>(g, inputs, outputs).middleCols(j0, m).noalias() =
            view(x, width).transpose() * view(dz, width).middleCols(j0, m);
        if (!gradOut.empty())
            return;
        const std::size_t e1 = static_cast<std::size_t>(j0 + m) * inputs;
        for (std::size_t e = static_cast<std::size_t>(j0) * inputs; e < e1; ++e)
            applyUpdate(w[e], state, e, g[e], step);
    });
}

namespace {

// Bias j's gradient g: reported in gradOut when given, else applied.
inline void biasStepAt(std::span<float> bias, const ParamState& biasState, std::size_t j, float g,
                       const UpdatePolicy& step, std::span<float> gradOut)
{
    if (!gradOut.empty())
        gradOut[j] = g;
    else
        applyUpdate(bias[j], biasState, j, g, step);
}

} // namespace

void biasUpdate(SparseLayer& layer, ParamState biasState, std::span<const float> grad, const UpdatePolicy& step,
                std::span<float> gradOut)
{
    auto bias = layer.bias();
    if (grad.size() != bias.size())
        throw std::invalid_argument("biasUpdate: " + std::to_string(grad.size()) + " gradients for " +
                                    std::to_string(bias.size()) + " biases");
    for (std::size_t j = 0; j < bias.size(); ++j)
        biasStepAt(bias, biasState, j, grad[j], step, gradOut);
}

void biasStep(WorkPool& pool, SparseLayer& layer, ParamState biasState, const NeuronBuffer& dz, int batch,
              const UpdatePolicy& step, std::span<float> gradOut)
{
    const int width = roundUp16(batch);
    auto bias = layer.bias();
    const NeuronIndex n = layer.outputs();
    // Units of at least 256 neurons: below that a job costs more than the sums.
    const int units = std::clamp(n / 256, 1, 16 * pool.threads());
    pool.run(units, [&](int u) {
        const auto j1 = static_cast<NeuronIndex>(static_cast<std::int64_t>(n) * (u + 1) / units);
        for (auto j = static_cast<NeuronIndex>(static_cast<std::int64_t>(n) * u / units); j < j1; ++j) {
            const float* d = dz.row(j);
            v16 acc = v16{};
            for (int t = 0; t < width; t += kLanes)
                acc += *reinterpret_cast<const v16*>(d + t);
            biasStepAt(bias, biasState, static_cast<std::size_t>(j), hsum(acc), step, gradOut);
        }
    });
}

void updateParams(std::span<float> params, ParamState state, std::span<const float> grads, const UpdatePolicy& step)
{
    if (grads.size() != params.size() || state.first.size() != params.size() ||
        (step.optimizer == Optimizer::Adam && state.second.size() != params.size()))
        throw std::invalid_argument("updateParams: " + std::to_string(params.size()) + " parameters, " +
                                    std::to_string(grads.size()) + " gradients and optimiser state of " +
                                    std::to_string(state.first.size()) + " and " + std::to_string(state.second.size()));
    for (std::size_t j = 0; j < params.size(); ++j)
        applyUpdate(params[j], state, j, grads[j], step);
}

// ---- Fully connected layers with few outputs (the usual dense 1000 x 10 output layer) ----------
//
// The sparse kernels would read every input row once per output neuron (10 x 512 KiB from L2 for
// a 1000 x 10 layer) and the CSC backward pays a weight gather and a separate update pass for
// 10 edges per input. Here all J outputs are accumulated at once: the forward keeps J x T vectors
// of outputs in registers and reads each input row's tile once; the backward keeps the J weights
// and J dot products of one input neuron in registers, and updates its J weights in place
// (row-major W[j][i]: threads own ranges of i aligned to 16 floats, so never share a line).

namespace {

// Partial sums over inputs [i0, i1) of the J outputs for columns [t0, t0 + 16 T), stored to
// out (J rows of ld floats).
template <int J, int T>
void narrowPartial(const SparseLayer& layer, const NeuronBuffer& x, int i0, int i1, int t0, float* out, int ld)
{
    const int inputs = layer.inputs();
    const float* w = layer.weights().data();
    v16 acc[J][T];
#pragma GCC unroll 16
    for (int j = 0; j < J; ++j)
#pragma GCC unroll 2
        for (int t = 0; t < T; ++t)
            acc[j][t] = v16{};
    for (int i = i0; i < i1; ++i) {
        const v16* xr = reinterpret_cast<const v16*>(x.row(i) + t0);
        v16 xv[T];
#pragma GCC unroll 2
        for (int t = 0; t < T; ++t)
            xv[t] = xr[t];
#pragma GCC unroll 16
        for (int j = 0; j < J; ++j) {
            const v16 wv = splat(w[static_cast<std::size_t>(j) * inputs + i]);
#pragma GCC unroll 2
            for (int t = 0; t < T; ++t)
                acc[j][t] += wv * xv[t];
        }
    }
#pragma GCC unroll 16
    for (int j = 0; j < J; ++j)
#pragma GCC unroll 2
        for (int t = 0; t < T; ++t)
            *reinterpret_cast<v16*>(out + static_cast<std::size_t>(j) * ld + t0 + t * kLanes) = acc[j][t];
}

// Inputs are cut into at most 16 chunks that depend only on the layer (so the sums, and the
// results, do not depend on the thread count); a thread's chunks are mostly the input rows it
// wrote itself in the previous layer's forward, so it reads them from its own cache. The chunk
// partial sums are added in chunk order by whichever thread finishes a column range.
template <int J, bool Linear>
void narrowForwardJ(WorkPool& pool, const SparseLayer& layer, const NeuronBuffer& x, NeuronBuffer& a, NeuronBuffer* gate,
                    int batch, const ForwardEpilogue& epi)
{
    const int inputs = layer.inputs();
    const int width = roundUp16(batch), vectors = width / kLanes;
    const int chunks = std::clamp((inputs + 127) / 128, 1, 16);
    const std::size_t plane = static_cast<std::size_t>(J) * width;
    float* partial = alignedScratch(plane * chunks);
    const v16 slope = splat(epi.negativeSlope);
    pool.run(chunks, [&](int c) {
        const int i0 = static_cast<int>(static_cast<std::int64_t>(inputs) * c / chunks);
        const int i1 = static_cast<int>(static_cast<std::int64_t>(inputs) * (c + 1) / chunks);
        float* out = partial + plane * c;
        int v = 0;
        for (; v + 2 <= vectors; v += 2)
            narrowPartial<J, 2>(layer, x, i0, i1, v * kLanes, out, width);
        if (v < vectors)
            narrowPartial<J, 1>(layer, x, i0, i1, v * kLanes, out, width);
    });
    // The sums of the chunks: one unit per column vector, or a single one (no job) when the
    // whole reduction is a few hundred vector adds.
    const int reduceUnits = J * chunks * vectors < 4096 ? 1 : vectors;
    pool.run(reduceUnits, [&](int u) {
        for (int v = u * vectors / reduceUnits; v < (u + 1) * vectors / reduceUnits; ++v) {
        const int t0 = v * kLanes;
        for (int j = 0; j < J; ++j) {
            const std::size_t at = static_cast<std::size_t>(j) * width + t0;
            v16 z = *reinterpret_cast<const v16*>(partial + at);
            for (int c = 1; c < chunks; ++c)
                z += *reinterpret_cast<const v16*>(partial + plane * c + at);
            z += splat(layer.bias()[j]);
            const v16 m = DropoutMask(epi, batch, j).at(t0);
            v16* aOut = reinterpret_cast<v16*>(a.row(j) + t0);
            v16* gOut = gate ? reinterpret_cast<v16*>(gate->row(j) + t0) : nullptr;
            if constexpr (Linear)
                epilogueLinear(z, m, slope, aOut, gOut);
            else
                epilogueVec(z, m, epi, reinterpret_cast<float*>(aOut), reinterpret_cast<float*>(gOut));
        }
        }
    });
}

template <int J>
void narrowBackwardJ(WorkPool& pool, SparseLayer& layer, const ParamState& state, const NeuronBuffer& x,
                     const NeuronBuffer& dz, const NeuronBuffer* gatePrev, NeuronBuffer* dxPrev, int batch,
                     const UpdatePolicy& step, std::span<float> gradOut, float* dxRowSums, const GateMask* gateBitsPrev)
{
    const int inputs = layer.inputs();
    const int vectors = roundUp16(batch) / kLanes;
    const std::size_t stride = static_cast<std::size_t>(inputs);
    float* w = layer.weights().data();
    const v16* dzRow[J];
    for (int j = 0; j < J; ++j)
        dzRow[j] = reinterpret_cast<const v16*>(dz.row(j));
    // Units of whole 16-input blocks, so no two units write the same cache line of W.
    const int blocks = (inputs + kLanes - 1) / kLanes;
    const int units = static_cast<int>(
        std::clamp<EdgeIndex>(layer.edgeCount() / kMinEdgesPerUnit, 1, std::min(blocks, 16 * pool.threads())));
    pool.run(units, [&](int u) {
        const int i0 = std::min(inputs, blocks * u / units * kLanes), i1 = std::min(inputs, blocks * (u + 1) / units * kLanes);
        for (int i = i0; i < i1; ++i) {
            v16 wv[J], dot[J];
#pragma GCC unroll 16
            for (int j = 0; j < J; ++j) {
                wv[j] = splat(w[j * stride + i]);
                dot[j] = v16{};
            }
            const v16* xr = reinterpret_cast<const v16*>(x.row(i));
            v16* dxr = dxPrev ? reinterpret_cast<v16*>(dxPrev->row(i)) : nullptr;
            const GateRow gp = gateRow(gatePrev, gateBitsPrev, i);
            v16 rowSum = v16{};
            for (int v = 0; v < vectors; ++v) {
                const v16 xv = xr[v];
                v16 dx0 = v16{}, dx1 = v16{}; // two chains: half the FMA latency per vector
#pragma GCC unroll 16
                for (int j = 0; j < J; ++j) {
                    const v16 d = dzRow[j][v];
                    dot[j] += xv * d;
                    if (j % 2 == 0)
                        dx0 += wv[j] * d;
                    else
                        dx1 += wv[j] * d;
                }
                if (dxr) {
                    const v16 dx = dx0 + dx1;
                    dxr[v] = gp.any() ? dx * gp[v] : dx;
                    rowSum += dxr[v];
                }
            }
            if (dxRowSums && dxr)
                dxRowSums[i] = hsum(rowSum);
            float g[16];
            if constexpr (J >= 8) {
                hsum8(dot, g, false);
                for (int j = 8; j < J; ++j)
                    g[j] = hsum(dot[j]);
            } else {
                for (int j = 0; j < J; ++j)
                    g[j] = hsum(dot[j]);
            }
            if (!gradOut.empty()) {
                for (int j = 0; j < J; ++j)
                    gradOut[j * stride + i] = g[j];
            } else {
                applyStridedUpdates(w, state, i, stride, g, J, step);
            }
        }
    });
}

} // namespace

LayerKernel kernelFor(const SparseLayer& layer)
{
    if (layer.isDense() && std::min(layer.inputs(), layer.outputs()) >= 64)
        return LayerKernel::Gemm;
    return narrowKernelFits(layer) ? LayerKernel::Narrow : LayerKernel::Sparse;
}

bool narrowKernelFits(const SparseLayer& layer) { return layer.isDense() && layer.outputs() >= 1 && layer.outputs() <= 12; }

void narrowForward(WorkPool& pool, const SparseLayer& layer, const NeuronBuffer& x, NeuronBuffer& a, NeuronBuffer* gate,
                   int batch, const ForwardEpilogue& epi)
{
    checkBuffers(layer, x, a, batch, "narrowForward");
    requireNarrow(layer, "narrowForward");
    const bool linear = epi.activation.piecewiseLinear();
    withConstant<12>(layer.outputs(), [&](auto outputs) {
        constexpr int J = decltype(outputs)::value;
        if (linear)
            narrowForwardJ<J, true>(pool, layer, x, a, gate, batch, epi);
        else
            narrowForwardJ<J, false>(pool, layer, x, a, gate, batch, epi);
    });
}

void narrowBackward(WorkPool& pool, SparseLayer& layer, ParamState state, const NeuronBuffer& x,
                    const NeuronBuffer& dz, const NeuronBuffer* gatePrev, NeuronBuffer* dxPrev, int batch,
                    const UpdatePolicy& step, std::span<float> gradOut, std::span<float> dxRowSums,
                    const GateMask* gateBitsPrev)
{
    checkBuffers(layer, x, dz, batch, "narrowBackward");
    checkRowSums(layer, dxPrev, dxRowSums, "narrowBackward");
    requireNarrow(layer, "narrowBackward");
    checkVelocity(layer, state, gradOut, step, "narrowBackward");
    withConstant<12>(layer.outputs(), [&](auto outputs) {
        narrowBackwardJ<decltype(outputs)::value>(pool, layer, state, x, dz, gatePrev, dxPrev, batch, step, gradOut,
                                                  dxRowSums.empty() ? nullptr : dxRowSums.data(), gateBitsPrev);
    });
}

namespace {

// An SReLU pass: body(j) for every neuron j, blocks of about 64 neurons per unit (each value is
// read and written once, so a unit needs no more).
template <typename F>
void forEachNeuron(WorkPool& pool, int n, F&& body)
{
    const int units = std::max(1, std::min(1024, (n + 63) / 64));
    pool.run(units, [&](int u) {
        const int begin = static_cast<int>(static_cast<long long>(n) * u / units);
        const int end = static_cast<int>(static_cast<long long>(n) * (u + 1) / units);
        for (int j = begin; j < end; ++j)
            body(j);
    });
}

} // namespace

void sreluForward(WorkPool& pool, NeuronBuffer& a, NeuronBuffer* pre, int batch, const ForwardEpilogue& epi,
                  const SreluParams& p)
{
    const int n = a.neurons();
    if (p.tl.size() != static_cast<std::size_t>(n) || p.al.size() != p.tl.size() || p.tr.size() != p.tl.size() ||
        p.ar.size() != p.tl.size())
        throw std::invalid_argument("sreluForward: " + std::to_string(p.tl.size()) + " parameters for " +
                                    std::to_string(n) + " neurons");
    if (pre && (pre->neurons() != n || pre->ld() != a.ld()))
        throw std::invalid_argument("sreluForward: the pre-activation buffer does not match the layer");
    const int width = (batch + kLanes - 1) / kLanes * kLanes;
    forEachNeuron(pool, n, [&](int j) {
        float* row = a.row(j);
        if (pre)
            std::copy(row, row + a.ld(), pre->row(j));
        const DropoutMask mask(epi, batch, static_cast<NeuronIndex>(j));
        const float tl = p.tl[j], al = p.al[j], tr = p.tr[j], ar = p.ar[j];
        for (int b = 0; b < width; b += kLanes) {
            const v16 m = mask.at(b);
            for (int k = 0; k < kLanes; ++k) {
                const float z = row[b + k];
                const float f = z >= tr ? tr + ar * (z - tr) : z <= tl ? tl + al * (z - tl) : z;
                row[b + k] = f * m[k];
            }
        }
    });
}

void sreluBackward(WorkPool& pool, NeuronBuffer& delta, const NeuronBuffer& pre, int batch, const ForwardEpilogue& epi,
                   const SreluParams& p, const SreluGrads& g)
{
    const int n = delta.neurons();
    if (pre.neurons() != n || p.tl.size() != static_cast<std::size_t>(n) || g.tl.size() != p.tl.size() ||
        g.al.size() != p.tl.size() || g.tr.size() != p.tl.size() || g.ar.size() != p.tl.size())
        throw std::invalid_argument("sreluBackward: buffers, parameters and gradients of " + std::to_string(n) +
                                    " neurons expected");
    const int width = (batch + kLanes - 1) / kLanes * kLanes;
    forEachNeuron(pool, n, [&](int j) {
        float* d = delta.row(j);
        const float* zr = pre.row(j);
        const DropoutMask mask(epi, batch, static_cast<NeuronIndex>(j));
        const float tl = p.tl[j], al = p.al[j], tr = p.tr[j], ar = p.ar[j];
        double gtl = 0, gal = 0, gtr = 0, gar = 0;
        for (int b = 0; b < width; b += kLanes) {
            const v16 m = mask.at(b);
            for (int k = 0; k < kLanes; ++k) {
                const float z = zr[b + k];
                const float dm = d[b + k] * m[k]; // dL/dA * m: the gradient reaching f(z)
                float slope = 1.0f;
                if (z >= tr) {
                    slope = ar;
                    gtr += static_cast<double>(dm) * (1.0f - ar);
                    gar += static_cast<double>(dm) * (z - tr);
                } else if (z <= tl) {
                    slope = al;
                    gtl += static_cast<double>(dm) * (1.0f - al);
                    gal += static_cast<double>(dm) * (z - tl);
                }
                d[b + k] = dm * slope;
            }
        }
        g.tl[j] = static_cast<float>(gtl);
        g.al[j] = static_cast<float>(gal);
        g.tr[j] = static_cast<float>(gtr);
        g.ar[j] = static_cast<float>(gar);
    });
}

} // namespace rewire
