// The gradient-based methods' selection (core/methods/gradient.h, GradientGrow,
// GlobalGradientBudget) against brute-force dense computations.

#include "core/config.h"
#include "core/methods/fisher.h"
#include "core/methods/parts.h"
#include "core/network.h"
#include "core/trainer.h"
#include "core/work_pool.h"
#include "helpers.h"

#include <catch2/catch.hpp>

#include <Eigen/Dense>

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

TEST_CASE("Redr-Loss gives the neurons with the largest error equal shares at their largest absent gradients", "[core][methods][gradient]")
{
    const SparseLayer layer = randomLayer(40, 20, 0.2, 111);
    LayerData d(40, 20, 6, 112);
    NetworkGraph g(std::vector<SparseLayer>{layer});
    FakeProbe probe;
    probe.layers = {&d};
    probe.batchSize = 6;
    TrainConfig config;
    TopologyState state;
    TopologyContext ctx{1, 10, config, g, state, {true}, WeightInit::HeUniform, &probe};
    std::vector<std::uint8_t> keep(static_cast<std::size_t>(layer.edgeCount()), 1);
    for (std::size_t e = 0; e < keep.size(); e += 3)
        keep[e] = 0;
    // Errors by hand: |Σ_b δ[j][b]|, top 30 % of 20 = 6 neurons, ties to the lower index.
    std::vector<std::pair<double, NeuronIndex>> err;
    for (NeuronIndex j = 0; j < 20; ++j)
        err.push_back({-std::abs(double(d.dz.row(j).sum())), j});
    std::sort(err.begin(), err.end());
    std::vector<NeuronIndex> top;
    for (int r = 0; r < 6; ++r)
        top.push_back(err[static_cast<std::size_t>(r)].second);
    std::vector<double> errors;
    for (NeuronIndex j = 0; j < 20; ++j)
        errors.push_back(std::abs(double(d.dz.row(j).sum())));
    CHECK(LossGrow::topNeurons(errors, 0.3) == top);
    // 20 new edges: 4, 4, 3, 3, 3, 3 in rank order.
    Rng rng(3);
    const auto added = LossGrow(0.3).grow(ctx, 0, keep, 20, rng);
    REQUIRE(added.size() == 20);
    const auto all = bruteForce(layer, keep, d.x, d.dz);
    for (std::size_t r = 0; r < top.size(); ++r) {
        const EdgeIndex share = r < 2 ? 4 : 3;
        std::vector<std::pair<NeuronIndex, NeuronIndex>> want, got;
        for (const ScoredPosition& p : all)
            if (p.output == top[r] && EdgeIndex(want.size()) < share)
                want.push_back({p.output, p.input});
        for (const NewEdge& a : added)
            if (a.output == top[r])
                got.push_back({a.output, a.input});
        std::sort(want.begin(), want.end());
        std::sort(got.begin(), got.end());
        INFO("neuron " << top[r] << ", rank " << r);
        CHECK(got == want);
    }
    for (const NewEdge& a : added)
        CHECK(std::find(top.begin(), top.end(), a.output) != top.end());
}

namespace {

using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic>;

std::vector<std::vector<float>> randomGradients(int m, int n, std::uint64_t seed)
{
    Rng rng(seed);
    std::vector<std::vector<float>> g(static_cast<std::size_t>(m), std::vector<float>(static_cast<std::size_t>(n)));
    for (auto& row : g)
        for (float& v : row)
            v = rng.uniform(-0.05f, 0.05f);
    return g;
}

std::vector<std::span<const float>> spans(const std::vector<std::vector<float>>& g)
{
    std::vector<std::span<const float>> out;
    for (const auto& r : g)
        out.emplace_back(r);
    return out;
}

// F = λI + (1/m) Σ g gᵀ over edges [e0, e0 + b), dense.
MatD denseFisher(const std::vector<std::vector<float>>& g, std::size_t e0, int b, double lambda)
{
    MatD f = MatD::Identity(b, b) * lambda;
    for (const auto& row : g)
        for (int i = 0; i < b; ++i)
            for (int j = 0; j < b; ++j)
                f(i, j) += double(row[e0 + std::size_t(i)]) * row[e0 + std::size_t(j)] / double(g.size());
    return f;
}

} // namespace

TEST_CASE("the Sherman–Morrison inverse Fisher equals a direct inverse on small blocks", "[core][methods][fisher]")
{
    for (const int b : {1, 5, 34}) {
        for (const int m : {1, 7, 60}) {
            for (const double lambda : {1e-4, 0.1}) {
                INFO("block " << b << ", gradients " << m << ", damping " << lambda);
                const auto g = randomGradients(m, b, 100 + b * m);
                const auto inv = fisherInverseBlock(spans(g), b, lambda);
                const MatD direct = denseFisher(g, 0, b, lambda).inverse();
                double worst = 0;
                for (int i = 0; i < b; ++i)
                    for (int j = 0; j < b; ++j)
                        worst = std::max(worst, std::abs(inv[std::size_t(i * b + j)] - direct(i, j)) /
                                                    std::max(1.0, std::abs(direct(i, j))));
                CHECK(worst < 1e-8);
            }
        }
    }
    REQUIRE_THROWS_WITH(fisherInverseBlock({}, 3, 0.0), Catch::Contains("damping > 0"));
}

TEST_CASE("WoodFisher and WoodTaylor statistics and updates equal a dense OBS computation on a tiny layer", "[core][methods][fisher]")
{
    const bool taylor = GENERATE(false, true);
    const int threads = GENERATE(1, 2);
    INFO((taylor ? "woodtaylor" : "woodfisher") << ", threads " << threads);
    // 23 edges in blocks of 5 (the last block has 3), 9 gradients.
    const int n = 23, b = 5, m = 9;
    const double lambda = 1e-3;
    Rng rng(7);
    std::vector<float> w(n);
    for (float& x : w)
        x = rng.uniform(-0.5f, 0.5f);
    const auto g = randomGradients(m, n, 8);
    const SecondOrderDrop rule(taylor, b, lambda);
    const auto rho = rule.statistics(threadsPool(threads), w, spans(g));
    // Dense: the block-diagonal F assembled in full, inverted directly.
    MatD f = MatD::Zero(n, n);
    for (int e0 = 0; e0 < n; e0 += b) {
        const int bs = std::min(b, n - e0);
        f.block(e0, e0, bs, bs) = denseFisher(g, std::size_t(e0), bs, lambda);
    }
    const MatD inv = f.inverse();
    Eigen::VectorXd gbar = Eigen::VectorXd::Zero(n), wv(n);
    for (int e = 0; e < n; ++e) {
        wv[e] = w[std::size_t(e)];
        for (const auto& row : g)
            gbar[e] += row[std::size_t(e)] / double(m);
    }
    const Eigen::VectorXd shift = taylor ? Eigen::VectorXd(inv * gbar) : Eigen::VectorXd::Zero(n);
    for (int q = 0; q < n; ++q) {
        const double want = std::pow(wv[q] - shift[q], 2) / (2 * inv(q, q));
        REQUIRE(rho[std::size_t(q)] == Approx(want).epsilon(1e-8));
    }
    // Remove edges 1, 3 (block 0), 7 (block 1) and 21 (block 4): OBS with the constraint
    // E_Qᵀ(w + δ) = 0 minimises gᵀδ + ½ δᵀFδ (g = 0 for WoodFisher) over the whole layer.
    const std::vector<int> removed{1, 3, 7, 21};
    std::vector<std::uint8_t> keep(n, 1);
    for (int q : removed)
        keep[std::size_t(q)] = 0;
    std::vector<float> updated = w;
    rule.update(threadsPool(threads), updated, spans(g), keep);
    MatD e = MatD::Zero(n, Eigen::Index(removed.size()));
    for (std::size_t a = 0; a < removed.size(); ++a)
        e(removed[a], Eigen::Index(a)) = 1.0;
    const Eigen::VectorXd gterm = taylor ? gbar : Eigen::VectorXd::Zero(n);
    // δ = −F⁻¹(g + E μ), Eᵀ(w + δ) = 0  ⇒  (Eᵀ F⁻¹ E) μ = Eᵀ w − Eᵀ F⁻¹ g.
    const MatD s = e.transpose() * inv * e;
    const Eigen::VectorXd mu = s.ldlt().solve(e.transpose() * wv - e.transpose() * inv * gterm);
    Eigen::VectorXd delta = -inv * (gterm + e * mu);
    // WoodTaylor's Newton term applies in the blocks that lose an edge only (blocks 0, 1, 4).
    if (taylor)
        for (int q = 0; q < n; ++q) {
            const int block = q / b;
            if (block == 2 || block == 3)
                delta[q] = 0.0;
        }
    for (int q = 0; q < n; ++q) {
        INFO("edge " << q);
        if (!keep[std::size_t(q)])
            REQUIRE(updated[std::size_t(q)] == 0.0f);
        else
            REQUIRE(updated[std::size_t(q)] == Approx(wv[q] + delta[q]).epsilon(1e-5).margin(1e-6));
    }
    // The untouched blocks keep their weights exactly.
    for (int q = 10; q < 20; ++q)
        REQUIRE(updated[std::size_t(q)] == w[std::size_t(q)]);
}

TEST_CASE("second-order statistics and updates do not depend on the thread count over many blocks", "[core][methods][fisher]")
{
    // 300 blocks of 34 (and a short last one): several work units per thread.
    const int n = 300 * 34 + 7, m = 6;
    Rng rng(17);
    std::vector<float> w(n);
    for (float& x : w)
        x = rng.uniform(-0.5f, 0.5f);
    const auto g = randomGradients(m, n, 18);
    std::vector<std::uint8_t> keep(n, 1);
    for (int q = 0; q < n; q += 7)
        keep[std::size_t(q)] = 0;
    for (const bool taylor : {false, true}) {
        const SecondOrderDrop rule(taylor, 34, 1e-2);
        const auto one = rule.statistics(threadsPool(1), w, spans(g));
        const auto two = rule.statistics(threadsPool(2), w, spans(g));
        REQUIRE(one == two);
        std::vector<float> a = w, b = w;
        rule.update(threadsPool(1), a, spans(g), keep);
        rule.update(threadsPool(2), b, spans(g), keep);
        REQUIRE(a == b);
        // Block 123 by hand: ρ from its own inverse.
        const std::size_t e0 = 123 * 34;
        std::vector<std::span<const float>> slice;
        for (const auto& row : g)
            slice.emplace_back(row.data() + e0, 34);
        const auto inv = fisherInverseBlock(slice, 34, 1e-2);
        if (!taylor)
            for (int q = 0; q < 34; ++q)
                REQUIRE(one[e0 + std::size_t(q)] ==
                        Approx(double(w[e0 + std::size_t(q)]) * w[e0 + std::size_t(q)] / (2 * inv[std::size_t(q * 34 + q)])));
    }
    REQUIRE_THROWS_WITH(SecondOrderDrop(false, 0, 1e-3), Catch::Contains("block size >= 1"));
    REQUIRE_THROWS_WITH(SecondOrderDrop(false, 34, 0.0), Catch::Contains("damping > 0"));
}

TEST_CASE("training that keeps its gradients for the Fisher takes the same steps, bit for bit", "[core][methods][fisher]")
{
    const std::string optimizer = GENERATE(std::string("sgd"), std::string("adam"));
    // gemm: a sparse first layer, a GEMM-sized full layer and the narrow output layer; sparse: three
    // sparse layers (the CSC update with dX); srelu: the same with SReLU's parameters.
    const std::string shape = GENERATE(std::string("gemm"), std::string("sparse"), std::string("srelu"));
    INFO(optimizer << ", " << shape);
    std::vector<SparseLayer> layers{randomLayer(70, 80, 0.2, 121), randomLayer(80, 64, 1.0, 122),
                                    randomLayer(64, 10, 1.0, 123)};
    std::string activation = "allrelu:0.6";
    if (shape != "gemm") {
        TrainConfig c;
        c.arch = "70-80-60-10";
        c.epsilon = 3;
        if (shape == "srelu")
            c.activation = activation = "srelu";
        const NetworkGraph built = buildNetwork(c);
        layers = built.layers();
        for (const SparseLayer& l : layers)
            REQUIRE_FALSE(l.isDense());
    }
    NetworkGraph a(layers), b(layers);
    const Optimizer opt = parseOptimizer(optimizer);
    MlpEngine ea(a, Activation::parse(activation), Loss::CrossEntropy, 37, 2, opt);
    MlpEngine eb(b, Activation::parse(activation), Loss::CrossEntropy, 37, 2, opt);
    Rng rng(124);
    std::vector<float> x(37 * 70);
    for (float& v : x)
        v = rng.uniform(-1.0f, 1.0f);
    std::vector<std::int64_t> rows(37);
    std::vector<std::int32_t> labels(37);
    for (int i = 0; i < 37; ++i) {
        rows[std::size_t(i)] = i;
        labels[std::size_t(i)] = i % 10;
    }
    MlpEngine::Gradients captured;
    for (int step = 1; step <= 3; ++step) {
        const UpdatePolicy p = opt == Optimizer::Adam ? adamPolicy(0.01, 0.9, 0.999, 1e-8, 1e-4, step)
                                                      : UpdatePolicy{0.05f, 0.9f, 1e-4f};
        ea.fillInput(x.data(), 70, rows);
        eb.fillInput(x.data(), 70, rows);
        ea.trainBatch(37, labels, p, 0.8f, 99 + step);
        eb.trainBatch(37, labels, p, 0.8f, 99 + step, &captured);
    }
    for (int l = 0; l < 3; ++l) {
        INFO("layer " << l);
        REQUIRE(std::equal(a.layer(l).weights().begin(), a.layer(l).weights().end(), b.layer(l).weights().begin()));
        REQUIRE(std::equal(a.layer(l).bias().begin(), a.layer(l).bias().end(), b.layer(l).bias().begin()));
        for (int p = 0; p < a.layer(l).neuronPropertyCount(); ++p) { // SReLU's parameters and every state
            const auto pa = a.layer(l).neuronProperty(p);
            const auto pb = b.layer(l).neuronProperty(b.layer(l).findNeuronProperty(a.layer(l).neuronPropertyName(p)));
            REQUIRE(std::equal(pa.begin(), pa.end(), pb.begin()));
        }
        REQUIRE(captured.weights[std::size_t(l)].size() == std::size_t(b.layer(l).edgeCount()));
        double norm = 0;
        for (float v : captured.weights[std::size_t(l)])
            norm += double(v) * v;
        CHECK(norm > 0.0);
    }
}
