// The gradient-based methods' selection (core/methods/gradient.h, GradientGrow,
// GlobalGradientBudget) against brute-force dense computations.

#include "core/config.h"
#include "core/methods/parts.h"
#include "core/work_pool.h"
#include "helpers.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <memory>

using namespace rewire;
using namespace rewire::test;

namespace {

WorkPool& threadsPool(int threads)
{
    static std::unique_ptr<WorkPool> pools[3];
    auto& p = pools[threads];
    if (!p)
        p = std::make_unique<WorkPool>(threads);
    return *p;
}

// Small integers: every sum of products is exact in float, whatever the order, and ties abound.
Dense integerDense(int rows, int cols, std::uint64_t seed, int lo, int hi)
{
    Rng rng(seed);
    Dense m(rows, cols);
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c)
            m(r, c) = static_cast<float>(lo + static_cast<int>(rng.below(static_cast<std::uint64_t>(hi - lo + 1))));
    return m;
}

// Every absent position (not a kept edge) with its |G|, G = dZ X^T computed densely, in the
// documented order: score descending, then output, then input.
std::vector<ScoredPosition> bruteForce(const SparseLayer& layer, const std::vector<std::uint8_t>& keep, const Dense& x,
                                       const Dense& dz)
{
    const Dense g = dz * x.transpose();
    std::vector<ScoredPosition> all;
    for (NeuronIndex j = 0; j < layer.outputs(); ++j)
        for (NeuronIndex i = 0; i < layer.inputs(); ++i) {
            const EdgeIndex e = layer.findEdge(j, i);
            if (e >= 0 && (keep.empty() || keep[static_cast<std::size_t>(e)]))
                continue;
            all.push_back({std::abs(g(j, i)), j, i});
        }
    std::sort(all.begin(), all.end(), betterScore);
    return all;
}

bool same(const std::vector<ScoredPosition>& a, const std::vector<ScoredPosition>& b)
{
    if (a.size() != b.size()) {
        UNSCOPED_INFO("sizes " << a.size() << " and " << b.size());
        return false;
    }
    for (std::size_t q = 0; q < a.size(); ++q)
        if (a[q].score != b[q].score || a[q].output != b[q].output || a[q].input != b[q].input) {
            UNSCOPED_INFO("at " << q << ": " << a[q].score << " (" << a[q].output << ", " << a[q].input << ") vs "
                                << b[q].score << " (" << b[q].output << ", " << b[q].input << ")");
            return false;
        }
    return true;
}

struct TopCase {
    NeuronIndex in, out;
    double density;
    int batch;
};

// Buffers of a layer's X and dZ for the probe and the selection calls.
struct LayerData {
    Dense x, dz;
    NeuronBuffer xb, dzb;
    LayerData(NeuronIndex in, NeuronIndex out, int batch, std::uint64_t seed)
        : x(integerDense(in, batch, seed, -1, 2)), dz(integerDense(out, batch, seed + 1, -2, 1)), xb(in, batch),
          dzb(out, batch)
    {
        toBuffer(x, xb);
        toBuffer(dz, dzb);
    }
};

class FakeProbe : public GradientProbe {
public:
    std::vector<LayerData*> layers;
    int batchSize = 0;
    int computed = 0;
    void compute() override { ++computed; }
    const NeuronBuffer& inputs(int l) const override { return layers[static_cast<std::size_t>(l)]->xb; }
    const NeuronBuffer& deltas(int l) const override { return layers[static_cast<std::size_t>(l)]->dzb; }
    std::span<const float> edgeGradients(int) const override { return {}; }
    int batch() const override { return batchSize; }
    WorkPool& pool() override { return threadsPool(threads); }
    int threads = 2;
};

} // namespace

TEST_CASE("blocked top-k gradient selection equals the dense computation, ties and tiles included", "[core][methods][gradient]")
{
    // Sizes across the tile grid (64 rows, 1024 columns), odd batches, empty rows.
    const auto c = GENERATE(TopCase{37, 29, 0.2, 5}, TopCase{1100, 70, 0.01, 3}, TopCase{13, 130, 0.5, 17},
                            TopCase{5, 3, 0.4, 1});
    const int threads = GENERATE(1, 2);
    INFO("in " << c.in << " out " << c.out << " batch " << c.batch << " threads " << threads);
    const SparseLayer layer = randomLayer(c.in, c.out, c.density, 81, {1});
    LayerData d(c.in, c.out, c.batch, 82);
    // Some edges dropped: their positions are candidates again.
    std::vector<std::uint8_t> keep(static_cast<std::size_t>(layer.edgeCount()), 1);
    for (std::size_t e = 0; e < keep.size(); e += 4)
        keep[e] = 0;
    const auto all = bruteForce(layer, keep, d.x, d.dz);
    REQUIRE(all.size() > 3);
    // Ties exist at the cut for these integer data (the order decides who gets in).
    for (const EdgeIndex k : {EdgeIndex(1), EdgeIndex(all.size() / 3), EdgeIndex(all.size()), EdgeIndex(all.size() + 5)}) {
        INFO("k " << k);
        const auto got = topAbsentGradients(threadsPool(threads), layer, keep, d.xb, d.dzb, c.batch, k);
        const std::vector<ScoredPosition> want(all.begin(), all.begin() + std::min<std::size_t>(all.size(), std::size_t(k)));
        REQUIRE(same(got, want));
    }
    // Nothing dropped: only positions absent from the layer.
    const auto none = topAbsentGradients(threadsPool(threads), layer, {}, d.xb, d.dzb, c.batch, 50);
    const auto allAbsent = bruteForce(layer, {}, d.x, d.dz);
    REQUIRE(same(none, std::vector<ScoredPosition>(allAbsent.begin(),
                                                   allAbsent.begin() + std::min<std::size_t>(50, allAbsent.size()))));
    // Per row: each listed row's best, the same order.
    std::vector<NeuronIndex> rows;
    std::vector<EdgeIndex> per;
    for (NeuronIndex j = 0; j < c.out; j += 2) {
        rows.push_back(j);
        per.push_back(1 + j % 4);
    }
    const auto perRow = topAbsentGradientsPerRow(threadsPool(threads), layer, keep, d.xb, d.dzb, c.batch, rows, per);
    REQUIRE(perRow.size() == rows.size());
    for (std::size_t r = 0; r < rows.size(); ++r) {
        std::vector<ScoredPosition> want;
        for (const ScoredPosition& p : all)
            if (p.output == rows[r] && EdgeIndex(want.size()) < per[r])
                want.push_back(p);
        INFO("row " << rows[r]);
        REQUIRE(same(perRow[r], want));
    }
}

TEST_CASE("ties are common here: the order is score, then output, then input", "[core][methods][gradient]")
{
    // One batch column of ones: every absent position of a row has the same |G|.
    const SparseLayer layer = SparseLayer::fromEdges(4, 3, {{0, 1, 0.5f}, {2, 3, 0.5f}});
    NeuronBuffer x(4, 1), dz(3, 1);
    for (int i = 0; i < 4; ++i)
        x.row(i)[0] = 1.0f;
    dz.row(0)[0] = 2.0f;
    dz.row(1)[0] = -2.0f;
    dz.row(2)[0] = 1.0f;
    const auto got = topAbsentGradients(threadsPool(1), layer, {}, x, dz, 1, 5);
    const std::vector<std::pair<NeuronIndex, NeuronIndex>> want{{0, 0}, {0, 2}, {0, 3}, {1, 0}, {1, 1}};
    REQUIRE(got.size() == want.size());
    for (std::size_t q = 0; q < want.size(); ++q) {
        CHECK(got[q].output == want[q].first);
        CHECK(got[q].input == want[q].second);
        CHECK(got[q].score == 2.0f);
    }
    // Invalid calls are refused.
    REQUIRE_THROWS_WITH(topAbsentGradients(threadsPool(1), layer, {}, dz, x, 1, 5), Catch::Contains("buffers"));
    const std::vector<NeuronIndex> rows{1, 0};
    const std::vector<EdgeIndex> per{1, 1};
    REQUIRE_THROWS_WITH(topAbsentGradientsPerRow(threadsPool(1), layer, {}, x, dz, 1, rows, per),
                        Catch::Contains("ascending"));
}

TEST_CASE("Redr-Gradient-Global picks the same edges as a brute-force global top-k", "[core][methods][gradient]")
{
    const int threads = GENERATE(1, 2);
    // Three layers with integer data: scores tie within and across layers.
    std::vector<SparseLayer> layers{randomLayer(30, 20, 0.2, 91), randomLayer(20, 70, 0.1, 92), randomLayer(70, 9, 0.3, 93)};
    const int batch = 4;
    LayerData d0(30, 20, batch, 94), d1(20, 70, batch, 96), d2(70, 9, batch, 98);
    NetworkGraph g(layers);
    FakeProbe probe;
    probe.layers = {&d0, &d1, &d2};
    probe.batchSize = batch;
    probe.threads = threads;
    TrainConfig config;
    config.zeta = 0.3;
    TopologyState state;
    for (const SparseLayer& l : g.layers())
        state.target.push_back(l.edgeCount());
    state.history.push_back({1.0, 0.5, NAN, NAN});
    TopologyContext ctx{1, 10, config, g, state, {true, true, true}, WeightInit::HeUniform, &probe};

    // Brute force: magnitude drop per layer, then every absent position of every layer ranked by
    // (score, layer, output, input); the best Σ dropped go in.
    struct Global {
        ScoredPosition p;
        int layer;
    };
    std::vector<Global> all;
    std::vector<std::vector<std::uint8_t>> keeps;
    EdgeIndex freed = 0;
    const std::vector<LayerData*> data{&d0, &d1, &d2};
    for (int l = 0; l < 3; ++l) {
        StepPlan plan;
        plan.active = true;
        plan.dropFraction = 0.3;
        keeps.push_back(MagnitudeDrop().keep(ctx, l, plan));
        EdgeIndex kept = 0;
        for (auto k : keeps.back())
            kept += k;
        CHECK(g.layer(l).edgeCount() - kept == std::llround(0.3 * double(g.layer(l).edgeCount())));
        freed += g.layer(l).edgeCount() - kept;
        for (const ScoredPosition& p : bruteForce(g.layer(l), keeps.back(), data[l]->x, data[l]->dz))
            all.push_back({p, l});
    }
    std::stable_sort(all.begin(), all.end(), [](const Global& a, const Global& b) {
        if (a.p.score != b.p.score)
            return a.p.score > b.p.score;
        return a.layer < b.layer; // within a layer the brute-force order already holds
    });
    std::vector<std::vector<std::pair<NeuronIndex, NeuronIndex>>> want(3);
    for (EdgeIndex q = 0; q < freed; ++q)
        want[static_cast<std::size_t>(all[static_cast<std::size_t>(q)].layer)].push_back(
            {all[static_cast<std::size_t>(q)].p.output, all[static_cast<std::size_t>(q)].p.input});

    // The method: drop, global budget, grow, edit.
    auto selection = std::make_shared<GradientSelection>();
    TopologyMethod rigl("rigl-global", std::make_unique<EveryEpoch>(), std::make_unique<MagnitudeDrop>(),
                        std::make_unique<GradientGrow>(selection), std::make_unique<GlobalGradientBudget>(selection));
    rigl.setZeroNewWeights(true);
    REQUIRE(rigl.needsGradients());
    const NetworkGraph before = g;
    Rng rng(1);
    const auto changes = rigl.step(ctx, rng);
    CHECK(probe.computed == 1);
    EdgeIndex regrown = 0, total = 0, totalBefore = 0;
    for (int l = 0; l < 3; ++l) {
        INFO("layer " << l);
        regrown += changes[static_cast<std::size_t>(l)].regrown;
        total += g.layer(l).edgeCount();
        totalBefore += before.layer(l).edgeCount();
        CHECK(changes[static_cast<std::size_t>(l)].regrown == EdgeIndex(want[static_cast<std::size_t>(l)].size()));
        CHECK(state.target[static_cast<std::size_t>(l)] == g.layer(l).edgeCount());
        for (const auto& [j, i] : want[static_cast<std::size_t>(l)]) {
            const EdgeIndex e = g.layer(l).findEdge(j, i);
            REQUIRE(e >= 0);
            CHECK(g.layer(l).weights()[static_cast<std::size_t>(e)] == 0.0f);
        }
    }
    CHECK(regrown == freed);
    CHECK(total == totalBefore);

    // Per layer (rigl): each layer refills its own drop with its own best positions.
    NetworkGraph g2(layers);
    TopologyState state2;
    for (const SparseLayer& l : g2.layers())
        state2.target.push_back(l.edgeCount());
    state2.history = state.history;
    TopologyContext ctx2{1, 10, config, g2, state2, {true, true, true}, WeightInit::HeUniform, &probe};
    TopologyMethod local("rigl", std::make_unique<EveryEpoch>(), std::make_unique<MagnitudeDrop>(),
                         std::make_unique<GradientGrow>(), std::make_unique<PerLayerBudget>());
    local.setZeroNewWeights(true);
    local.step(ctx2, rng);
    for (int l = 0; l < 3; ++l) {
        INFO("layer " << l);
        CHECK(g2.layer(l).edgeCount() == layers[static_cast<std::size_t>(l)].edgeCount());
        const auto best = bruteForce(layers[static_cast<std::size_t>(l)], keeps[static_cast<std::size_t>(l)],
                                     data[static_cast<std::size_t>(l)]->x, data[static_cast<std::size_t>(l)]->dz);
        const EdgeIndex dropped = std::llround(0.3 * double(layers[static_cast<std::size_t>(l)].edgeCount()));
        for (EdgeIndex q = 0; q < dropped; ++q)
            REQUIRE(g2.layer(l).findEdge(best[static_cast<std::size_t>(q)].output, best[static_cast<std::size_t>(q)].input) >= 0);
    }
}

TEST_CASE("the cosine ζ schedule anneals to zero at 3/4 of the run, and evolve-every skips epochs", "[core][methods]")
{
    TrainConfig c;
    c.zeta = 0.5;
    CHECK(EveryEpoch::fraction(c, 3, 100) == 0.5);
    c.zetaSchedule = "cosine";
    CHECK(EveryEpoch::fraction(c, 1, 100) == Approx(0.25 * (1 + std::cos(M_PI / 75))));
    CHECK(EveryEpoch::fraction(c, 37, 100) == Approx(0.25 * (1 + std::cos(M_PI * 37 / 75))));
    CHECK(EveryEpoch::fraction(c, 74, 100) > 0.0);
    CHECK(EveryEpoch::fraction(c, 75, 100) == 0.0);
    CHECK(EveryEpoch::fraction(c, 99, 100) == 0.0);
    c.evolveEvery = 3;
    CHECK(EveryEpoch::fraction(c, 4, 100) == 0.0);
    CHECK(EveryEpoch::fraction(c, 6, 100) == Approx(0.25 * (1 + std::cos(M_PI * 6 / 75))));
}
