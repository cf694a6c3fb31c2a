#include "core/evolution.h"
#include "core/init.h"
#include "core/memory_plan.h"
#include "core/trainer.h"
#include "core/work_pool.h"
#include "helpers.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>

using namespace rewire;
using namespace rewire::test;

TEST_CASE("Erdős–Rényi layers have exactly round(p n m) edges and p capped at 1", "[core][init]")
{
    // The reference network: 784-1000-1000-1000-10 at epsilon 20 starts with 125,680 weights.
    REQUIRE(erdosRenyiEdgeCount(784, 1000, 20) == 35680);
    REQUIRE(erdosRenyiEdgeCount(1000, 1000, 20) == 40000);
    REQUIRE(erdosRenyiProbability(1000, 10, 20) == 1.0);
    REQUIRE(erdosRenyiEdgeCount(1000, 10, 20) == 10000);
    REQUIRE_THROWS_WITH(erdosRenyiProbability(10, 10, -1), Catch::Contains("epsilon must be > 0"));

    Rng rng(5);
    const SparseLayer l = erdosRenyiLayer(784, 1000, 20, WeightInit::HeUniform, rng);
    REQUIRE(l.edgeCount() == 35680);
    REQUIRE(l.density() == Approx(0.0455).margin(0.0001));
    REQUIRE_NOTHROW(l.checkInvariants());
    // In-degrees are Binomial(784, p): mean 35.68, sd ~5.8; the sample mean is within a few
    // standard errors.
    double sum = 0, sq = 0;
    for (NeuronIndex j = 0; j < l.outputs(); ++j) {
        sum += l.inDegree(j);
        sq += static_cast<double>(l.inDegree(j)) * l.inDegree(j);
    }
    const double mean = sum / 1000, var = sq / 1000 - mean * mean;
    const double p = erdosRenyiProbability(784, 1000, 20);
    REQUIRE(var == Approx(784 * p * (1 - p)).epsilon(0.15));
    // He-uniform bound sqrt(6 / 784).
    const float limit = std::sqrt(6.0f / 784.0f);
    for (float w : l.weights())
        REQUIRE(std::fabs(w) <= limit);

    const SparseLayer d = erdosRenyiLayer(1000, 10, 20, WeightInit::HeUniform, rng);
    REQUIRE(d.isDense());
}

TEST_CASE("ER densities match p within sampling error across sizes", "[core][init]")
{
    const auto [in, out, eps] = GENERATE(std::tuple{50, 70, 3.0}, std::tuple{300, 200, 10.0}, std::tuple{20, 20, 9.0});
    Rng rng(in * 7 + out);
    const SparseLayer l = erdosRenyiLayer(in, out, eps, WeightInit::XavierUniform, rng);
    const double p = erdosRenyiProbability(in, out, eps);
    REQUIRE(l.density() == Approx(p).margin(1.0 / (in * out)));
    // Each position equally likely: input out-degrees average p * out.
    double total = 0;
    for (NeuronIndex i = 0; i < in; ++i)
        total += l.outDegree(i);
    REQUIRE(total / in == Approx(p * out).margin(1e-9 + 1.0 / in));
}

TEST_CASE("Erdős–Rényi layers are uniform over edge sets, exact in count and independent of the thread count",
          "[core][init]")
{
    // Every position is present with probability C / N over many seeds (a chi-square over the 60
    // positions), whether the binomial degrees overshoot (removal path) or undershoot (addition
    // path) the exact count; the complement path (p > 1/2) too.
    const auto [in, out, eps] = GENERATE(std::tuple{6, 10, 2.0}, std::tuple{6, 10, 3.5});
    const EdgeIndex count = erdosRenyiEdgeCount(in, out, eps);
    const int trials = 6000;
    std::vector<int> hits(static_cast<std::size_t>(in * out), 0);
    for (int t = 0; t < trials; ++t) {
        Rng rng(static_cast<std::uint64_t>(t) * 7919 + 1);
        const SparseLayer l = erdosRenyiLayer(in, out, eps, WeightInit::HeUniform, rng);
        REQUIRE(l.edgeCount() == count);
        REQUIRE_NOTHROW(l.checkInvariants());
        for (NeuronIndex j = 0; j < out; ++j)
            for (EdgeIndex e = l.rowPtr()[static_cast<std::size_t>(j)]; e < l.rowPtr()[static_cast<std::size_t>(j) + 1]; ++e)
                ++hits[static_cast<std::size_t>(j * in + l.colIdx()[static_cast<std::size_t>(e)])];
    }
    const double expected = static_cast<double>(trials) * static_cast<double>(count) / (in * out);
    double chi2 = 0;
    for (int h : hits)
        chi2 += (h - expected) * (h - expected) / expected;
    // 59 degrees of freedom (one lost to the fixed total... each cell is binomial, so this is
    // conservative): the 99.9 % quantile of chi-square(60) is 99.6.
    REQUIRE(chi2 < 99.6);

    // The same layer with and without two threads; blocks of 4096 rows meet in the middle.
    Rng a(11), b(11);
    WorkPool pool(2);
    const SparseLayer one = erdosRenyiLayer(3000, 20000, 5, WeightInit::HeUniform, a);
    const SparseLayer two = erdosRenyiLayer(3000, 20000, 5, WeightInit::HeUniform, b, &pool);
    REQUIRE(one.edgeCount() == erdosRenyiEdgeCount(3000, 20000, 5));
    REQUIRE(std::equal(one.rowPtr().begin(), one.rowPtr().end(), two.rowPtr().begin()));
    REQUIRE(std::equal(one.colIdx().begin(), one.colIdx().end(), two.colIdx().begin()));
    REQUIRE(std::equal(one.weights().begin(), one.weights().end(), two.weights().begin()));
}

TEST_CASE("sparse-fanin scales each neuron on its own in-degree and the readout's inputs by sqrt(k/k_readout)",
          "[core][init]")
{
    Rng rng(3);
    const SparseLayer l = erdosRenyiLayer(20000, 3000, 5, WeightInit::SparseFanIn, rng, nullptr, 0.5f);
    for (NeuronIndex j = 0; j < l.outputs(); ++j) {
        const NeuronIndex k = l.inDegree(j);
        float largest = 0;
        for (EdgeIndex e = l.rowPtr()[static_cast<std::size_t>(j)]; e < l.rowPtr()[static_cast<std::size_t>(j) + 1]; ++e)
            largest = std::max(largest, std::fabs(l.weights()[static_cast<std::size_t>(e)]));
        REQUIRE(largest <= 0.5f * std::sqrt(6.0f / static_cast<float>(k)));
        if (k >= 30) // the largest of k uniform draws is close to the bound
            REQUIRE(largest >= 0.8f * 0.5f * std::sqrt(6.0f / static_cast<float>(k)));
    }
    CHECK(readoutGain(20, 500000) == Approx(std::sqrt(20.0 / 500000)));
    CHECK(readoutGain(20, 10) == 1.0f);

    // auto: sparse-fanin when a layer starts below 1 % density, he-uniform for the reference
    // configuration (4.5 %, 4 %, dense) and for methods that start dense.
    REQUIRE(resolveWeightInit("auto", {784, 1000, 1000, 1000, 10}, 20, false) == WeightInit::HeUniform);
    REQUIRE(resolveWeightInit("auto", {65536, 50000, 50000, 2}, 10, false) == WeightInit::SparseFanIn);
    REQUIRE(resolveWeightInit("auto", {65536, 50000, 50000, 2}, 10, true) == WeightInit::HeUniform);
    REQUIRE(resolveWeightInit("he-sparse", {65536, 50000, 50000, 2}, 10, false) == WeightInit::HeUniformSparse);

    // A network built with auto: the last hidden layer carries the gain, the others do not; and
    // SET's regrowth draws new weights on the same scale (each neuron's in-degree after the step).
    TrainConfig c;
    c.arch = "20000-3000-3000-2";
    c.epsilon = 5;
    NetworkGraph g = buildNetwork(c);
    const auto bound = [](const SparseLayer& layer, float gain) {
        for (NeuronIndex j = 0; j < layer.outputs(); ++j)
            for (EdgeIndex e = layer.rowPtr()[static_cast<std::size_t>(j)]; e < layer.rowPtr()[static_cast<std::size_t>(j) + 1]; ++e)
                if (std::fabs(layer.weights()[static_cast<std::size_t>(e)]) >
                    gain * std::sqrt(6.0f / static_cast<float>(layer.inDegree(j))))
                    return false;
        return true;
    };
    const double kHidden = static_cast<double>(g.layer(1).edgeCount()) / 3000, kReadout = 3000;
    const float gain = readoutGain(kHidden, kReadout);
    REQUIRE(gain < 0.1f);
    REQUIRE(initGain(WeightInit::SparseFanIn, g, 1) == Approx(gain));
    REQUIRE(initGain(WeightInit::SparseFanIn, g, 0) == 1.0f);
    REQUIRE(bound(g.layer(0), 1.0f));
    REQUIRE(bound(g.layer(1), gain * 1.0001f));
    REQUIRE_FALSE(bound(g.layer(1), gain * 0.5f));
    std::vector<std::uint8_t> keep(static_cast<std::size_t>(g.layer(1).edgeCount()), 1);
    for (std::size_t e = 0; e < keep.size(); e += 3)
        keep[e] = 0;
    EdgeIndex dropped = 0;
    for (auto k : keep)
        dropped += k == 0;
    Rng grow(8);
    std::vector<NewEdge> added = randomAbsentPositions(g.layer(1), keep, dropped, grow);
    drawNewWeights(added, g.layer(1), keep, WeightInit::SparseFanIn, gain, grow);
    const std::vector<NewEdge> fresh = added;
    g.layer(1).editTopology(keep, std::move(added));
    float largestRatio = 0;
    for (const NewEdge& a : fresh) {
        const float limit = gain * std::sqrt(6.0f / static_cast<float>(g.layer(1).inDegree(a.output)));
        largestRatio = std::max(largestRatio, std::fabs(a.weight) / limit);
    }
    REQUIRE(largestRatio <= 1.0001f);
    REQUIRE(largestRatio > 0.9f);
}

TEST_CASE("SET prunes zeta of positive and of negative weights closest to zero", "[core][evolution]")
{
    std::vector<float> w{0.5f, -0.1f, 0.01f, -2.0f, 0.3f, -0.05f, 1.0f, 0.02f, -0.4f, 0.0f};
    EvolutionStats stats;
    const auto keep = setPruneMask(w, 0.4, &stats);
    // 6 non-negative (0.5, .01, .3, 1, .02, 0): round(2.4) = 2 removed -> 0.0 and 0.01.
    // 4 negative: round(1.6) = 2 removed -> -0.05 and -0.1.
    REQUIRE(stats.pruned == 4);
    REQUIRE(keep == std::vector<std::uint8_t>{1, 0, 0, 1, 1, 0, 1, 1, 1, 0});
    REQUIRE_THROWS_WITH(setPruneMask(w, 1.5), Catch::Contains("zeta must be in [0, 1], got 1.5"));
}

TEST_CASE("SET keeps the edge count, never duplicates, and resets regrown state", "[core][evolution]")
{
    const double zeta = GENERATE(0.1, 0.3, 0.9);
    Rng rng(9);
    SparseLayer l = erdosRenyiLayer(120, 80, 6, WeightInit::HeUniform, rng);
    const int vel = l.addEdgeProperty("velocity");
    for (float& v : l.edgeProperty(vel))
        v = 1.0f;
    const EdgeIndex before = l.edgeCount();
    for (int epoch = 0; epoch < 5; ++epoch) {
        const EvolutionStats s = setEvolve(l, zeta, WeightInit::HeUniform, rng);
        REQUIRE(s.pruned == s.regrown);
        REQUIRE(s.pruned > 0);
        REQUIRE(l.edgeCount() == before);
        REQUIRE_NOTHROW(l.checkInvariants()); // sorted rows: no duplicate edges
    }
    int zeroState = 0;
    for (float v : l.edgeProperty(vel))
        zeroState += v == 0.0f;
    REQUIRE(zeroState > 0);
}

TEST_CASE("regrowth works on nearly dense layers", "[core][evolution]")
{
    Rng rng(4);
    SparseLayer l = erdosRenyiLayer(10, 10, 4.5, WeightInit::HeUniform, rng); // p = 0.9
    REQUIRE(l.edgeCount() == 90);
    const EvolutionStats s = setEvolve(l, 0.5, WeightInit::HeUniform, rng);
    // Positive and negative halves round separately: 45 or 46 of 90.
    REQUIRE((s.pruned == 45 || s.pruned == 46));
    REQUIRE(s.regrown == s.pruned);
    REQUIRE(l.edgeCount() == 90);
    REQUIRE_NOTHROW(l.checkInvariants());
}

TEST_CASE("uniform fan-in gives every neuron one input per partition, weights within ±1/n and biases within ±1/√n", "[core][init]")
{
    struct FanCase {
        NeuronIndex in, out;
        double epsilon;
    };
    const auto c = GENERATE(FanCase{784, 256, 20}, FanCase{101, 37, 3}, FanCase{10, 7, 2}, FanCase{5, 40, 30});
    INFO("in " << c.in << " out " << c.out << " epsilon " << c.epsilon);
    Rng rng(9);
    const SparseLayer layer = uniformFanInLayer(c.in, c.out, c.epsilon, rng);
    layer.checkInvariants();
    const EdgeIndex er = erdosRenyiEdgeCount(c.in, c.out, c.epsilon);
    const NeuronIndex n = static_cast<NeuronIndex>(std::clamp<EdgeIndex>((er + c.out / 2) / c.out, 1, c.in));
    REQUIRE(layer.edgeCount() == static_cast<EdgeIndex>(n) * c.out);
    const double wl = 1.0 / n, bl = 1.0 / std::sqrt(double(n));
    std::vector<int> hits(static_cast<std::size_t>(c.in), 0);
    for (NeuronIndex j = 0; j < c.out; ++j) {
        REQUIRE(layer.inDegree(j) == n);
        for (NeuronIndex p = 0; p < n; ++p) { // the p-th input lies in partition p
            const NeuronIndex i = layer.colIdx()[static_cast<std::size_t>(layer.rowPtr()[j] + p)];
            REQUIRE(i >= static_cast<NeuronIndex>(std::int64_t(p) * c.in / n));
            REQUIRE(i < static_cast<NeuronIndex>(std::int64_t(p + 1) * c.in / n));
            ++hits[static_cast<std::size_t>(i)];
        }
        REQUIRE(std::abs(layer.bias()[static_cast<std::size_t>(j)]) <= bl);
    }
    for (float w : layer.weights())
        REQUIRE(std::abs(w) <= wl);
    // The bounds are used, not a narrower range.
    const float maxW = *std::max_element(layer.weights().begin(), layer.weights().end());
    CHECK(maxW > 0.8 * wl);
    if (n == c.in) // a full layer
        REQUIRE(layer.isDense());
}

TEST_CASE("uniform-fanin builds every sparse layer of a run with equal in-degrees", "[core][init]")
{
    TrainConfig c;
    c.arch = "50-30-20-4";
    c.epsilon = 3;
    c.init = "uniform-fanin";
    const NetworkGraph g = buildNetwork(c);
    for (const SparseLayer& l : g.layers()) {
        for (NeuronIndex j = 0; j < l.outputs(); ++j)
            REQUIRE(l.inDegree(j) == l.inDegree(0));
        CHECK(std::any_of(l.bias().begin(), l.bias().end(), [](float b) { return b != 0.0f; }));
    }
    c.init = "he-uniform";
    CHECK(buildNetwork(c).layer(0).bias()[0] == 0.0f);
}

TEST_CASE("density to ε, and seed 004's parameter-equivalent dense network", "[core][init]")
{
    const std::vector<NeuronIndex> arch{784, 256, 256, 10};
    // Density 0.1 of 268,800 possible weights: 26,880 (the 256 x 10 output layer is dense).
    const double eps = epsilonForDensity(arch, 0.1);
    CHECK(erdosRenyiDensity(arch, eps) == Approx(0.1).epsilon(1e-6));
    CHECK(erdosRenyiDensity(arch, eps * (1 - 1e-6)) < 0.1);
    EdgeIndex edges = 0;
    for (std::size_t l = 0; l + 1 < arch.size(); ++l)
        edges += erdosRenyiEdgeCount(arch[l], arch[l + 1], eps);
    CHECK(edges == 26880);
    // Parameters (weights and biases) of the sparse net: 26,880 + 522 = 27,402. Width 33 gives
    // 784·33 + 33·33 + 33·10 + 76 = 27,367 (fewer), width 34 gives 28,186 (just more).
    CHECK(parameterEquivalentArch(arch, eps) == std::vector<NeuronIndex>{784, 34, 34, 10});
    CHECK(parameterEquivalentArch({20, 5}, 2.0) == std::vector<NeuronIndex>{20, 5}); // no hidden layer
    REQUIRE_THROWS_WITH(epsilonForDensity(arch, 0.0), Catch::Contains("(0, 1]"));
    CHECK(erdosRenyiDensity(arch, epsilonForDensity(arch, 1.0)) == 1.0);
}

TEST_CASE("the memory plan counts the engine's arrays part by part", "[core][memory]")
{
    TrainConfig c;
    c.arch = "100-200-3";
    c.epsilon = 5;
    c.batch = 20; // 32 batch columns
    const MemoryPlan plan = planTrainingMemory(c, {700, 300, 0, 100});
    const auto part = [&](const std::string& name) {
        for (const MemoryPart& p : plan.resident)
            if (p.name == name)
                return p.bytes;
        for (const MemoryPart& p : plan.transient)
            if (p.name == name)
                return p.bytes;
        return -1.0;
    };
    const double e0 = static_cast<double>(erdosRenyiEdgeCount(100, 200, 5)), e1 = 600; // 200 x 3 is dense
    REQUIRE(part("edges") == Approx((e0 + e1) * 20 + (100 + 200) * 8 + (200 + 3) * 12));
    REQUIRE(part("optimiser state") == Approx((e0 + e1 + 203) * 4));
    REQUIRE(part("gradient scratch") == -1.0); // the narrow output layer keeps none, the first layer neither
    REQUIRE(part("activations") == Approx(303 * 32 * 4 + 203 * 32 * 4 + 200 * 32 / 4.0));
    REQUIRE(part("data") == Approx(1000 * (100 * 4 + 4)));
    REQUIRE(plan.peakBytes() == Approx(plan.residentBytes() + part("topology step")));
    c.optimizer = "adam";
    REQUIRE(planTrainingMemory(c, {700, 300, 0, 100}).peakBytes() > plan.peakBytes() + (e0 + e1) * 4);
    const std::string table = formatMemoryPlan(plan, 1e12);
    REQUIRE(table.find("fits") != std::string::npos);
    REQUIRE(formatMemoryPlan(plan, 1000).find("does not fit") != std::string::npos);
}

TEST_CASE("random regrowth picks a uniform subset of the free positions, sorted, never a taken or excluded one",
          "[core][evolution]")
{
    // A 12 x 10 layer at ~30 % density: the batched sampler's branch. Over many draws every free
    // position is chosen equally often (chi-square), taken and excluded positions never.
    Rng build(4);
    const SparseLayer layer = erdosRenyiLayer(12, 10, 2.0, WeightInit::HeUniform, build);
    std::vector<std::uint8_t> keep(static_cast<std::size_t>(layer.edgeCount()), 1);
    keep[0] = 0; // a just-pruned position may return
    const std::vector<std::uint64_t> exclude{5, 77};
    std::vector<int> hits(120, 0);
    const EdgeIndex count = 9;
    const int trials = 8000;
    for (int t = 0; t < trials; ++t) {
        Rng rng(static_cast<std::uint64_t>(t) + 100);
        const auto added = randomAbsentPositions(layer, keep, count, rng, exclude);
        REQUIRE(static_cast<EdgeIndex>(added.size()) == count);
        for (std::size_t i = 0; i < added.size(); ++i) {
            const auto key = static_cast<std::size_t>(added[i].output) * 12 + static_cast<std::size_t>(added[i].input);
            if (i > 0)
                REQUIRE(key > static_cast<std::size_t>(added[i - 1].output) * 12 + static_cast<std::size_t>(added[i - 1].input));
            ++hits[key];
        }
    }
    int freeCount = 0;
    double chi2 = 0;
    std::vector<bool> taken(120, false);
    for (NeuronIndex j = 0; j < 10; ++j)
        for (EdgeIndex e = layer.rowPtr()[static_cast<std::size_t>(j)]; e < layer.rowPtr()[static_cast<std::size_t>(j) + 1]; ++e)
            taken[static_cast<std::size_t>(j) * 12 + static_cast<std::size_t>(layer.colIdx()[static_cast<std::size_t>(e)])] =
                keep[static_cast<std::size_t>(e)] != 0;
    for (auto k : exclude)
        taken[k] = true;
    for (std::size_t k = 0; k < 120; ++k)
        freeCount += !taken[k];
    const double expected = static_cast<double>(trials) * count / freeCount;
    for (std::size_t k = 0; k < 120; ++k) {
        if (taken[k]) {
            REQUIRE(hits[k] == 0);
            continue;
        }
        chi2 += (hits[k] - expected) * (hits[k] - expected) / expected;
    }
    // At most ~90 free positions: the 99.9 % quantile of chi-square(89) is 137.
    REQUIRE(freeCount > 60);
    REQUIRE(chi2 < 137.0);
}
