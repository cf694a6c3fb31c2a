#include "core/evolution.h"
#include "core/init.h"
#include "core/trainer.h"
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
