#include "core/evolution.h"

#include "graph/json.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

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
        // Batches of uniform draws, sorted: membership is then checked row after row (the rows'
        // columns stream through the cache instead of one random row per draw), and no hash set
        // allocates a node per position. Each batch's free, new positions are a uniform subset of
        // the free positions; the surplus of the last batch is dropped uniformly, so the result is
        // a uniform `count`-subset, as sequential rejection gives.
        std::vector<std::uint64_t> chosen, draws, fresh;
        chosen.reserve(static_cast<std::size_t>(count));
        const double freeShare =
            1.0 - (static_cast<double>(kept) + static_cast<double>(excludeSorted.size())) / static_cast<double>(possible);
        while (static_cast<EdgeIndex>(chosen.size()) < count) {
            const auto need = static_cast<double>(count) - static_cast<double>(chosen.size());
            const auto m = static_cast<std::size_t>(need * 1.02 / std::max(freeShare, 0.5) + 64);
            draws.resize(m);
            for (std::uint64_t& key : draws)
                key = rng.below(possible);
            std::sort(draws.begin(), draws.end());
            draws.erase(std::unique(draws.begin(), draws.end()), draws.end());
            fresh.clear();
            for (std::uint64_t key : draws)
                if (!taken(key) && !std::binary_search(chosen.begin(), chosen.end(), key))
                    fresh.push_back(key);
            const std::size_t before = chosen.size();
            chosen.insert(chosen.end(), fresh.begin(), fresh.end());
            std::inplace_merge(chosen.begin(), chosen.begin() + static_cast<std::ptrdiff_t>(before), chosen.end());
        }
        std::size_t surplus = chosen.size() - static_cast<std::size_t>(count);
        if (surplus > 0) {
            std::vector<std::uint8_t> drop(chosen.size(), 0);
            while (surplus > 0) {
                const auto i = static_cast<std::size_t>(rng.below(chosen.size()));
                if (!drop[i]) {
                    drop[i] = 1;
                    --surplus;
                }
            }
            std::size_t w = 0;
            for (std::size_t i = 0; i < chosen.size(); ++i)
                if (!drop[i])
                    chosen[w++] = chosen[i];
            chosen.resize(w);
        }
        for (std::uint64_t key : chosen)
            added.push_back({static_cast<NeuronIndex>(key / inputs), static_cast<NeuronIndex>(key % inputs), 0.0f});
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
