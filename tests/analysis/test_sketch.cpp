// NetworkSketch (what the app keeps of a live network too large to copy): block counts against a
// brute-force count, the strongest edges against a full sort, the consistent sample, and the
// sampled turnover against the exact one.

#include "analysis/network_sketch.h"
#include "core/rng.h"
#include "helpers.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

using namespace rewire;
using namespace rewire::test;

namespace {

using Position = std::pair<NeuronIndex, NeuronIndex>; // (from, to)

std::set<Position> positions(const SparseLayer& layer)
{
    std::set<Position> out;
    for (NeuronIndex j = 0; j < layer.outputs(); ++j)
        for (EdgeIndex e = layer.rowPtr()[j]; e < layer.rowPtr()[j + 1]; ++e)
            out.insert({layer.colIdx()[e], j});
    return out;
}

float weightAt(const SparseLayer& layer, NeuronIndex from, NeuronIndex to)
{
    for (EdgeIndex e = layer.rowPtr()[to]; e < layer.rowPtr()[to + 1]; ++e)
        if (layer.colIdx()[e] == from)
            return layer.weights()[e];
    FAIL("no edge " << from << " -> " << to);
    return 0;
}

// a with about `drop` of each layer's edges removed and as many new positions added.
NetworkGraph rewired(const NetworkGraph& a, double drop, std::uint64_t seed)
{
    Rng rng(seed);
    std::vector<SparseLayer> layers;
    for (const SparseLayer& x : a.layers()) {
        const std::set<Position> had = positions(x);
        std::vector<NewEdge> edges;
        EdgeIndex removed = 0;
        for (NeuronIndex j = 0; j < x.outputs(); ++j)
            for (EdgeIndex e = x.rowPtr()[j]; e < x.rowPtr()[j + 1]; ++e) {
                if (rng.uniform() < drop)
                    ++removed;
                else
                    edges.push_back({j, x.colIdx()[e], x.weights()[e]});
            }
        std::set<Position> taken(had);
        while (removed > 0) {
            const auto i = static_cast<NeuronIndex>(rng.uniform() * x.inputs());
            const auto j = static_cast<NeuronIndex>(rng.uniform() * x.outputs());
            if (i < x.inputs() && j < x.outputs() && taken.insert({i, j}).second) {
                edges.push_back({j, i, rng.uniform(-1.0f, 1.0f)});
                --removed;
            }
        }
        layers.push_back(SparseLayer::fromEdges(x.inputs(), x.outputs(), std::move(edges)));
    }
    return NetworkGraph(std::move(layers));
}

} // namespace

TEST_CASE("a sketch keeps exact block counts, the strongest edges and a consistent sample", "[analysis][sketch]")
{
    const NetworkGraph net = erNetwork({300, 400, 50}, 20, 5);
    SketchOptions o;
    o.strongest = 100;
    o.sampleTarget = 1000;
    o.gridCells = 16;
    o.sortedGridCells = 7;
    const NetworkSketch s = sketchNetwork(net, o);
    REQUIRE(s.graph.architecture() == net.architecture());
    REQUIRE(s.layers.size() == 2);
    for (int l = 0; l < net.layerCount(); ++l) {
        const SparseLayer& layer = net.layer(l);
        const LayerSketch& k = s.layers[static_cast<std::size_t>(l)];
        CAPTURE(l);
        REQUIRE(k.edges == layer.edgeCount());
        // The smallest shift with edges / 2^shift <= 1000.
        REQUIRE((layer.edgeCount() >> k.shift) <= 1000);
        REQUIRE((k.shift == 0 || (layer.edgeCount() >> (k.shift - 1)) > 1000));
        REQUIRE(k.shift >= 2);

        // Block counts, by brute force over the edges.
        REQUIRE(k.gridIn == 16);
        REQUIRE(k.gridOut == 16);
        std::vector<std::int64_t> grid(256, 0);
        for (const auto& [i, j] : positions(layer))
            ++grid[static_cast<std::size_t>(j * 16 / layer.outputs() * 16 + i * 16 / layer.inputs())];
        REQUIRE(k.grid == grid);
        REQUIRE(std::accumulate(k.grid.begin(), k.grid.end(), std::int64_t{0}) == layer.edgeCount());

        // The degree-order grid: positions from a stable sort by degree, highest first.
        std::vector<NeuronIndex> byIn(static_cast<std::size_t>(layer.inputs())), byOut(static_cast<std::size_t>(layer.outputs()));
        std::iota(byIn.begin(), byIn.end(), 0);
        std::iota(byOut.begin(), byOut.end(), 0);
        std::stable_sort(byIn.begin(), byIn.end(), [&](NeuronIndex a, NeuronIndex b) { return layer.outDegree(a) > layer.outDegree(b); });
        std::stable_sort(byOut.begin(), byOut.end(), [&](NeuronIndex a, NeuronIndex b) { return layer.inDegree(a) > layer.inDegree(b); });
        std::vector<NeuronIndex> inPos(byIn.size()), outPos(byOut.size());
        for (std::size_t r = 0; r < byIn.size(); ++r)
            inPos[static_cast<std::size_t>(byIn[r])] = static_cast<NeuronIndex>(r);
        for (std::size_t r = 0; r < byOut.size(); ++r)
            outPos[static_cast<std::size_t>(byOut[r])] = static_cast<NeuronIndex>(r);
        std::vector<std::int64_t> sorted(static_cast<std::size_t>(k.sortedIn * k.sortedOut), 0);
        for (const auto& [i, j] : positions(layer))
            ++sorted[static_cast<std::size_t>(outPos[j] * k.sortedOut / layer.outputs() * k.sortedIn + inPos[i] * k.sortedIn / layer.inputs())];
        REQUIRE(k.sortedIn == 7);
        REQUIRE(k.sortedGrid == sorted);
        // In degree order the first input block (the inputs of highest out-degree) holds the most edges.
        std::vector<std::int64_t> perInputBlock(static_cast<std::size_t>(k.sortedIn), 0);
        for (int r = 0; r < k.sortedOut; ++r)
            for (int c = 0; c < k.sortedIn; ++c)
                perInputBlock[static_cast<std::size_t>(c)] += sorted[static_cast<std::size_t>(r * k.sortedIn + c)];
        REQUIRE(perInputBlock.front() == *std::max_element(perInputBlock.begin(), perInputBlock.end()));
        REQUIRE(perInputBlock.front() > perInputBlock.back());

        // What the sketch graph holds: every sampled edge and the 100 strongest, with their weights.
        std::vector<float> mags;
        for (float v : layer.weights())
            mags.push_back(std::abs(v));
        std::sort(mags.begin(), mags.end(), std::greater<>());
        REQUIRE(k.strongest == 100);
        REQUIRE(k.strongestFloor == mags[99]);
        const SparseLayer& g = s.graph.layer(l);
        std::set<Position> expected;
        EdgeIndex sampled = 0;
        for (NeuronIndex j = 0; j < layer.outputs(); ++j)
            for (EdgeIndex e = layer.rowPtr()[j]; e < layer.rowPtr()[j + 1]; ++e) {
                const NeuronIndex i = layer.colIdx()[e];
                const bool inSample = sampledPosition(l, i, j, k.shift);
                sampled += inSample;
                if (inSample || std::abs(layer.weights()[e]) >= mags[99])
                    expected.insert({i, j});
            }
        REQUIRE(positions(g) == expected);
        for (const auto& [i, j] : expected)
            REQUIRE(weightAt(g, i, j) == weightAt(layer, i, j));
        // The sample's size is binomial(E, 2^-shift): within 5 standard deviations.
        const double mean = static_cast<double>(layer.edgeCount()) / static_cast<double>(1 << k.shift);
        REQUIRE(std::abs(static_cast<double>(sampled) - mean) < 5 * std::sqrt(mean));
        REQUIRE(s.memoryBytes() < net.memoryBytes());
    }
    // The samples are nested: a position sampled at 2^-(s+1) is sampled at 2^-s.
    int nestedChecked = 0;
    for (NeuronIndex i = 0; i < 300; ++i)
        for (NeuronIndex j = 0; j < 40; ++j)
            for (int shift = 0; shift < 4; ++shift)
                if (sampledPosition(0, i, j, shift + 1)) {
                    REQUIRE(sampledPosition(0, i, j, shift));
                    ++nestedChecked;
                }
    REQUIRE(nestedChecked > 1000);
    o.gridCells = 0;
    REQUIRE_THROWS_WITH(sketchNetwork(net, o), Catch::Contains("grid 0"));
    o.gridCells = 4;
    o.shifts = {1};
    REQUIRE_THROWS_WITH(sketchNetwork(net, o), Catch::Contains("1 sample rates for 2 layers"));
}

TEST_CASE("sampled turnover is exact at rate 1 and estimates it from the common sample", "[analysis][sketch][turnover]")
{
    const NetworkGraph a = erNetwork({400, 500, 60}, 30, 11);
    const NetworkGraph b = rewired(a, 0.3, 12);
    std::vector<LayerEdgeChanges> exactChanges;
    const auto exact = maskTurnover(a, b, &exactChanges);

    SketchOptions all;
    all.sampleTarget = 1 << 30;
    all.strongest = 10;
    std::vector<LayerEdgeChanges> changes;
    const auto t = sampledTurnover(sketchNetwork(a, all), sketchNetwork(b, all), &changes);
    for (std::size_t l = 0; l < t.size(); ++l) {
        REQUIRE(t[l].sampleShift == 0);
        REQUIRE(t[l].common == exact[l].common);
        REQUIRE(t[l].added == exact[l].added);
        REQUIRE(t[l].removed == exact[l].removed);
        REQUIRE(t[l].jaccardDistance == exact[l].jaccardDistance);
        REQUIRE(changes[l].added.size() == exactChanges[l].added.size());
        REQUIRE(changes[l].removed.size() == exactChanges[l].removed.size());
    }

    // At rate 1/8 (the first layer's 35k edges) the estimate is within a few percent; the sampled
    // changes are exactly the true changes at sampled positions.
    SketchOptions some;
    some.strongest = 50;
    some.shifts = {3, 3};
    std::vector<LayerEdgeChanges> sampledChanges;
    const auto est = sampledTurnover(sketchNetwork(a, some), sketchNetwork(b, some), &sampledChanges);
    for (std::size_t l = 0; l < est.size(); ++l) {
        CAPTURE(l);
        REQUIRE(est[l].sampleShift == 3);
        REQUIRE(exact[l].jaccardDistance > 0.3);
        REQUIRE(std::abs(est[l].jaccardDistance - exact[l].jaccardDistance) < 0.03);
        REQUIRE(std::abs(static_cast<double>(est[l].removed) / static_cast<double>(exact[l].removed) - 1) < 0.15);
        REQUIRE(est[l].common % 8 == 0);
        for (int side = 0; side < 2; ++side) {
            const auto& truth = side ? exactChanges[l].added : exactChanges[l].removed;
            const auto& seen = side ? sampledChanges[l].added : sampledChanges[l].removed;
            std::vector<std::tuple<NeuronIndex, NeuronIndex, float>> want, got;
            for (const ChangedEdge& e : truth)
                if (sampledPosition(static_cast<int>(l), e.from, e.to, 3))
                    want.emplace_back(e.from, e.to, e.weight);
            for (const ChangedEdge& e : seen)
                got.emplace_back(e.from, e.to, e.weight);
            REQUIRE(!want.empty());
            REQUIRE(got == want);
        }
    }
    // Different rates: the coarser one is common to both.
    SketchOptions coarse = some;
    coarse.shifts = {4, 4};
    const auto mixed = sampledTurnover(sketchNetwork(a, some), sketchNetwork(b, coarse));
    REQUIRE(mixed[0].sampleShift == 4);
    REQUIRE(mixed[0].common % 16 == 0);
    REQUIRE_THROWS_WITH(sampledTurnover(sketchNetwork(a, all), sketchNetwork(erNetwork({400, 50, 60}, 30, 1), all)),
                        Catch::Contains("400-500-60 and 400-50-60"));
}
