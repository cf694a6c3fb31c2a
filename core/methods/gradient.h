#pragma once
// Gradient information for the gradient-based methods (RigL, Redr-Gradient-Global, Redr-Loss,
// WoodFisher), without ever holding a layer's dense gradient.
//
// The gradient of the mean batch loss at position (output j, input i) of layer l is
//   G[j][i] = Σ_b dZ[j][b] · X[i][b]
// (dZ = dL/dz of the layer's outputs, already carrying 1/B; X = the layer's inputs). For absent
// positions it is computed in tiles of kTileRows x kTileCols (one Eigen product per tile), and
// each tile is folded into a running top-k at once, so memory stays O(k + tile) per worker even
// for a 5M x 5M layer. The tile grid is fixed, so the scores, and the selection, do not depend
// on the thread count.

#include "core/kernels.h"
#include "graph/sparse_layer.h"

#include <cstdint>
#include <span>
#include <vector>

namespace rewire {

class WorkPool;

// One batch's forward and backward, run for a topology step (the trainer implements it over its
// engine: a seeded batch of training samples, no dropout, no update).
class GradientProbe {
public:
    virtual ~GradientProbe() = default;
    // Runs the batch (again after a topology edit, so the figures describe the current network).
    virtual void compute() = 0;
    // After compute(): layer l's inputs X (inputs x ld) and output deltas dZ (outputs x ld), batch()
    // columns used; and the existing edges' gradients, aligned with layer l's edges.
    virtual const NeuronBuffer& inputs(int l) const = 0;
    virtual const NeuronBuffer& deltas(int l) const = 0;
    virtual std::span<const float> edgeGradients(int l) const = 0;
    virtual int batch() const = 0;
    virtual WorkPool& pool() = 0;
    // The per-batch gradients training kept from the last epoch's final batches (--fisher-batches),
    // for the second-order methods: batch n's gradient of layer l, aligned with its edges as they
    // were then (the step runs before any edit).
    virtual int capturedBatches() const { return 0; }
    virtual std::span<const float> captured(int /*n*/, int /*l*/) const { return {}; }
    // Floating-point operations spent for the step (compute() and the callers' scoring), for the
    // runs' cost accounting.
    double flops = 0.0;
};

// A candidate position and its score |G|.
struct ScoredPosition {
    float score = 0.0f;
    NeuronIndex output = 0, input = 0;
};
// The selection order: higher score first, ties by smaller (output, input). A strict total order,
// so a top-k under it is unique.
inline bool betterScore(const ScoredPosition& a, const ScoredPosition& b)
{
    if (a.score != b.score)
        return a.score > b.score;
    if (a.output != b.output)
        return a.output < b.output;
    return a.input < b.input;
}

inline constexpr NeuronIndex kTileRows = 64, kTileCols = 1024;

// The k positions of `layer` absent from its kept edges (keep[e] != 0; empty keep: every edge is
// kept) with the largest |G|, in betterScore order (fewer when fewer are absent). Time
// O(outputs · inputs · batch) in tiles; memory O(k + tile) per worker.
std::vector<ScoredPosition> topAbsentGradients(WorkPool& pool, const SparseLayer& layer, std::span<const std::uint8_t> keep,
                                               const NeuronBuffer& x, const NeuronBuffer& dz, int batch, EdgeIndex k);

// The same per output neuron: for each rows[r] (distinct, ascending), its perRow[r] absent
// positions with the largest |G|, in betterScore order; only those rows' tiles are computed.
std::vector<std::vector<ScoredPosition>> topAbsentGradientsPerRow(WorkPool& pool, const SparseLayer& layer,
                                                                  std::span<const std::uint8_t> keep,
                                                                  const NeuronBuffer& x, const NeuronBuffer& dz,
                                                                  int batch, std::span<const NeuronIndex> rows,
                                                                  std::span<const EdgeIndex> perRow);

// Keeps the best k of a stream of candidates in O(k) memory: candidates beyond 1.25k are cut back
// to k (nth_element), and anything not better than the k-th best is refused at once.
class TopK {
public:
    explicit TopK(EdgeIndex k) : m_k(k) {}
    bool admits(const ScoredPosition& c) const { return m_k > 0 && (!m_full || betterScore(c, m_threshold)); }
    void push(const ScoredPosition& c);
    // The best k in betterScore order; the collector is left empty.
    std::vector<ScoredPosition> take();
    // The best k in no particular order (for merging), the collector left empty.
    std::vector<ScoredPosition> takeUnsorted();
    // Another collector's candidates (merging per-worker results).
    void merge(std::vector<ScoredPosition> other);
    // An empty collector of the same k that refuses what this one already refuses.
    TopK emptyWithThreshold() const
    {
        TopK t(m_k);
        t.m_full = m_full;
        t.m_threshold = m_threshold;
        return t;
    }

private:
    void compact();
    EdgeIndex m_k;
    bool m_full = false;
    ScoredPosition m_threshold;
    std::vector<ScoredPosition> m_items;
};

} // namespace rewire
