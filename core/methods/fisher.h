#pragma once
// Second-order removal (Redr-WoodFisher and Redr-WoodTaylor, seed 004 §2.5, after Singh &
// Alistarh 2020): a block-diagonal inverse of the empirical Fisher
//   F = λI + (1/m) Σ_n g_n g_nᵀ
// over blocks of `blockSize` consecutive edges of a layer (its canonical edge order), built by m
// Sherman–Morrison updates from the per-batch gradients g_n that training captured in the epoch's
// last m batches. Blocks are processed one at a time (per work unit) and never kept: memory is the
// m captured gradient arrays plus O(blockSize²) per worker.
//
// Removal statistic of edge q (Hassibi & Stork's OBS with F for the Hessian):
//   WoodFisher  ρ_q = w_q² / (2 [F⁻¹]_qq)
//   WoodTaylor  ρ_q = (w_q − [F⁻¹ḡ]_q)² / (2 [F⁻¹]_qq),   ḡ = (1/m) Σ_n g_n
// The edges with the smallest ρ go. The removed set Q of a block is removed jointly, with the
// optimal update of the block's other weights:
//   WoodFisher  δ = −F⁻¹ E_Q (E_Qᵀ F⁻¹ E_Q)⁻¹ w_Q
//   WoodTaylor  δ = −F⁻¹ḡ − F⁻¹ E_Q (E_Qᵀ F⁻¹ E_Q)⁻¹ (w_Q − E_Qᵀ F⁻¹ḡ)
// (for one edge these are the single-weight OBS formulas; WoodTaylor's Newton term is applied in
// the blocks that lose an edge only).

#include "core/methods/method.h"

#include <span>
#include <vector>

namespace rewire {

// F⁻¹ (b x b, row-major, double) of λI + (1/m) Σ g_n g_nᵀ by m Sherman–Morrison updates;
// g_n = grads[n][0 .. b).
std::vector<double> fisherInverseBlock(const std::vector<std::span<const float>>& grads, int b, double damping);

// The statistics and, given which edges go, the updated weights of one layer, block by block.
class SecondOrderDrop : public DropRule {
public:
    // Throws std::invalid_argument for blockSize < 1 or damping <= 0.
    SecondOrderDrop(bool taylor, int blockSize, double damping);
    // Drops round(ζ · edges) by ρ (ties: the lower edge index) and applies the optimal update to
    // the kept weights of layer l (a drop rule that edits weights: the update is part of removal).
    std::vector<std::uint8_t> keep(const TopologyContext& ctx, int l, const StepPlan& plan) const override;
    bool needsGradients() const override { return false; }
    bool needsCapturedGradients() const override { return true; }
    // ρ for every edge of `w` (the layer's weights) from the captured gradients of the same layer.
    std::vector<double> statistics(WorkPool& pool, std::span<const float> w,
                                   const std::vector<std::span<const float>>& grads) const;
    // Applies the joint update of the removed edges (keep[e] == 0) to w, block by block; removed
    // weights become exactly 0.
    void update(WorkPool& pool, std::span<float> w, const std::vector<std::span<const float>>& grads,
                std::span<const std::uint8_t> keep) const;

private:
    bool m_taylor;
    int m_blockSize;
    double m_damping;
};

} // namespace rewire
