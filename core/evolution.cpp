#include "core/evolution.h"

#include "graph/json.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <unordered_set>

namespace rewire {

namespace {

// Marks the `k` entries of `idx` (edge indices) whose |weight| is smallest, ties by edge index.
void markClosestToZero(std::vector<EdgeIndex>& idx, std::span<const float> w, std::size_t k, std::vector<std::uint8_t>& keep)
{
    if (k == 0)
        return;
    auto closer = [&](EdgeIndex a, EdgeIndex b) {
        const float fa = std::fabs(w[a]), fb = std::fabs(w[b]);
        return fa != fb ? fa < fb : a < b;
    };
    if (k < idx.size())
        std::nth_element(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k), idx.end(), closer);
    for (std::size_t i = 0; i < std::min(k, idx.size()); ++i)
        keep[static_cast<std::size_t>(idx[i])] = 0;
}

} // namespace

std::vector<std::uint8_t> setPruneMask(std::span<const float> weights, double zeta, EvolutionStats* stats)
{
    if (!(zeta >= 0.0 && zeta <= 1.0))
        throw std::invalid_argument("zeta must be in [0, 1], got " + formatNumber(zeta));
    std::vector<std::uint8_t> keep(weights.size(), 1);
    std::vector<EdgeIndex> pos, neg;
    for (std::size_t e = 0; e < weights.size(); ++e)
        (weights[e] >= 0.0f ? pos : neg).push_back(static_cast<EdgeIndex>(e));
    const auto kPos = static_cast<std::size_t>(std::llround(zeta * static_cast<double>(pos.size())));
    const auto kNeg = static_cast<std::size_t>(std::llround(zeta * static_cast<double>(neg.size())));
    markClosestToZero(pos, weights, kPos, keep);
    markClosestToZero(neg, weights, kNeg, keep);
    if (stats)
        stats->pruned = static_cast<EdgeIndex>(kPos + kNeg);
    return keep;
}

std::vector<NewEdge> randomAbsentPositions(const SparseLayer& layer, std::span<const std::uint8_t> keep, EdgeIndex count,
                                           Rng& rng, std::span<const std::uint64_t> excludeSorted)
{
    EdgeIndex kept = 0;
    for (auto k : keep)
        kept += k != 0;
    const auto possible = static_cast<std::uint64_t>(layer.inputs()) * static_cast<std::uint64_t>(layer.outputs());
    if (static_cast<std::uint64_t>(kept + count) + excludeSorted.size() > possible)
        throw std::invalid_argument("regrowth of " + std::to_string(count) + " edges impossible: " +
                                    std::to_string(kept + static_cast<EdgeIndex>(excludeSorted.size())) + " taken of " +
                                    std::to_string(possible) + " positions");
    const auto inputs = static_cast<std::uint64_t>(layer.inputs());
    auto taken = [&](std::uint64_t key) {
        const EdgeIndex e = layer.findEdge(static_cast<NeuronIndex>(key / inputs), static_cast<NeuronIndex>(key % inputs));
        return (e >= 0 && keep[static_cast<std::size_t>(e)] != 0) ||
               std::binary_search(excludeSorted.begin(), excludeSorted.end(), key);
    };
    std::vector<NewEdge> added;
    added.reserve(static_cast<std::size_t>(count));
    if (static_cast<std::uint64_t>(kept) * 2 > possible) {
        // Nearly dense: enumerate the free positions and pick without replacement.
        std::vector<std::uint64_t> freePos;
        for (std::uint64_t key = 0; key < possible; ++key)
            if (!taken(key))
                freePos.push_back(key);
        for (EdgeIndex a = 0; a < count; ++a) {
            const std::uint64_t pick = a + rng.below(freePos.size() - static_cast<std::uint64_t>(a));
            std::swap(freePos[static_cast<std::size_t>(a)], freePos[pick]);
            const std::uint64_t key = freePos[static_cast<std::size_t>(a)];
            added.push_back({static_cast<NeuronIndex>(key / inputs), static_cast<NeuronIndex>(key % inputs), 0.0f});
        }
    } else {
        std::unordered_set<std::uint64_t> chosen;
        chosen.reserve(static_cast<std::size_t>(count) * 2);
        while (static_cast<EdgeIndex>(added.size()) < count) {
            const std::uint64_t key = rng.below(possible);
            if (taken(key) || !chosen.insert(key).second)
                continue;
            added.push_back({static_cast<NeuronIndex>(key / inputs), static_cast<NeuronIndex>(key % inputs), 0.0f});
        }
    }
    return added;
}

void pruneAndRegrow(SparseLayer& layer, std::span<const std::uint8_t> keep, EdgeIndex count, WeightInit init,
                    NeuronIndex fanIn, Rng& rng)
{
    std::vector<NewEdge> added = randomAbsentPositions(layer, keep, count, rng);
    if (init == WeightInit::SparseFanIn)
        drawNewWeights(added, layer, keep, init, 1.0f, rng);
    else
        for (NewEdge& a : added)
            a.weight = drawWeight(init, fanIn, layer.outputs(), rng);
    layer.editTopology(keep, std::move(added));
}

EvolutionStats setEvolve(SparseLayer& layer, double zeta, WeightInit init, Rng& rng)
{
    EvolutionStats stats;
    const auto keep = setPruneMask(layer.weights(), zeta, &stats);
    pruneAndRegrow(layer, keep, stats.pruned, init, initFanIn(init, layer.inputs(), layer.outputs(), layer.edgeCount()),
                   rng);
    stats.regrown = stats.pruned;
    return stats;
}

} // namespace rewire
