#pragma once
// Sparse Evolutionary Training (SET) topology step.

#include "core/init.h"
#include "core/rng.h"
#include "graph/sparse_layer.h"

namespace rewire {

struct EvolutionStats {
    EdgeIndex pruned = 0;
    EdgeIndex regrown = 0;
};

// Marks for removal the round(zeta * #positive) non-negative weights closest to zero and the
// round(zeta * #negative) negative weights closest to zero (ties by edge index). Returns keep flags.
// Time complexity: O(E) expected (nth_element).
std::vector<std::uint8_t> setPruneMask(std::span<const float> weights, double zeta, EvolutionStats* stats = nullptr);

// `count` uniformly random positions absent from the kept set and from `excludeSorted` (keys
// output * inputs + input, sorted), weights left 0; a just-pruned position may return. Throws
// std::invalid_argument when fewer than `count` positions are free.
// Positions come sorted by (output, input) while the layer is at most half full.
// Time complexity: O(count log count) expected while the layer is at most half full, else
// O(in * out).
std::vector<NewEdge> randomAbsentPositions(const SparseLayer& layer, std::span<const std::uint8_t> keep, EdgeIndex count,
                                           Rng& rng, std::span<const std::uint64_t> excludeSorted = {});

// Adds `count` edges at uniformly random positions absent from the kept set (a just-pruned position
// may return), weights from `init` (Zero for the RigL family), zero optimiser state; applies the
// edit through SparseLayer::editTopology. Throws std::invalid_argument when fewer than `count`
// positions are free. Time complexity: O(E + count log count) expected.
void pruneAndRegrow(SparseLayer& layer, std::span<const std::uint8_t> keep, EdgeIndex count, WeightInit init,
                    NeuronIndex fanIn, Rng& rng);

// One SET step: prune with setPruneMask, regrow the same number at random. The edge count is kept.
EvolutionStats setEvolve(SparseLayer& layer, double zeta, WeightInit init, Rng& rng);

} // namespace rewire
