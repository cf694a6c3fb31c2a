// The method registry and the parts its methods are made of (core/methods/).

#include "core/methods/parts.h"
#include "core/methods/registry.h"
#include "core/trainer.h"
#include "datasets/synthetic.h"
#include "graph/model_io.h"
#include "helpers.h"
#include "toy_data.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <set>

using namespace rewire;
using namespace rewire::test;

namespace {

DataSplit methodData() { return toyMadelon(500, 24, 2.5, 5); }

TrainConfig methodConfig(const std::string& method)
{
    TrainConfig c;
    c.method = method;
    c.arch = "24-48-40-3";
    c.epsilon = 4;
    c.epochs = 7;
    c.batch = 25;
    c.lr = 0.05;
    c.zeta = 0.3;
    c.threads = 2;
    c.seed = 23;
    c.evolveLayers = "all";
    return c;
}

std::set<std::pair<NeuronIndex, NeuronIndex>> positions(const SparseLayer& l)
{
    std::set<std::pair<NeuronIndex, NeuronIndex>> p;
    for (NeuronIndex j = 0; j < l.outputs(); ++j)
        for (EdgeIndex e = l.rowPtr()[j]; e < l.rowPtr()[j + 1]; ++e)
            p.insert({j, l.colIdx()[static_cast<std::size_t>(e)]});
    return p;
}

// Keeps the trained network of each epoch (before its topology step) and checks the step.
struct StepChecker : TrainingObserver {
    std::string method;
    std::vector<std::string> state{"velocity"}; // the optimiser's edge properties
    std::vector<EdgeIndex> initial;
    std::vector<double> trainLosses;
    double firstLoss = 0.0;
    NetworkGraph before;
    int steps = 0, pauses = 0;
    bool anyNewEdge = false;

    void onTrained(const EpochMetrics& m, const NetworkGraph& net) override
    {
        before = net; // with its velocity property
        trainLosses.push_back(m.trainLoss);
    }
    void onEpoch(const EpochMetrics& m, const NetworkGraph& after) override
    {
        INFO("method " << method << ", epoch " << m.epoch);
        const bool last = m.epoch == 7;
        const bool paused = method == "dynset" && LossGate::paused(trainLosses, 3);
        pauses += paused && !last;
        for (int l = 0; l < after.layerCount(); ++l) {
            INFO("layer " << l);
            const SparseLayer& b = before.layer(l);
            const SparseLayer& a = after.layer(l);
            const bool sparse = !b.isDense();
            // Budget: what the step must leave, per the method's documentation.
            const auto keep = setPruneMask(b.weights(), 0.3);
            EdgeIndex kept = 0;
            for (auto k : keep)
                kept += k;
            const EdgeIndex target = initial[static_cast<std::size_t>(l)];
            EdgeIndex expected = b.edgeCount();
            // The pruning methods start dense and prune the layers an Erdős–Rényi net has sparse.
            const bool prunes = erdosRenyiProbability(b.inputs(), b.outputs(), 4) < 1.0;
            const EdgeIndex possible = EdgeIndex(b.inputs()) * b.outputs();
            const EdgeIndex final = erdosRenyiEdgeCount(b.inputs(), b.outputs(), 4);
            if (method == "gmp" || method == "imp" || method == "snip") {
                if (method == "gmp" && prunes && m.epoch <= CubicPruning::endEpoch(7))
                    expected = PruneToTarget::keepCount(possible, final, 1 - std::pow(1 - m.epoch / 5.0, 3), false);
                else if (method == "imp" && prunes && m.epoch <= 3) // 3 rounds of 7 / 4 = 1 epoch
                    expected = PruneToTarget::keepCount(possible, final, m.epoch / 3.0, true);
                CHECK(a.edgeCount() == expected);
                if (method == "gmp" && prunes && m.epoch == 5)
                    CHECK(a.edgeCount() == final); // the final density, exactly
            } else if (!last && sparse && !paused) {
                // dynset and neighbour-* count as seed 002 ran them (--counts auto): LSET, AccSET.
                if (method == "set" || method == "rigl" || method == "redr-loss" || method == "woodfisher" ||
                    method == "woodtaylor")
                    expected = target;
                else if (method == "rigl-global") // edges move between layers: checked below, in sum
                    expected = a.edgeCount();
                else if (method == "accset" || method == "neighbour-one" || method == "neighbour-most")
                    expected = kept + std::llround(AccuracyRatio::theta(m.trainAccuracy, 0.0) * double(target - kept));
                else if (method == "lset" || method == "dynset")
                    expected = kept + std::llround(LossRatio::theta(m.trainLoss, trainLosses.front()) *
                                                   double(target - kept));
                else if (method == "static" || method == "dense")
                    expected = b.edgeCount();
                else
                    FAIL("no documented budget for method " << method << ": add it to this test");
            }
            CHECK(a.edgeCount() == expected);
            if (method == "rigl-global" && !last) {
                // At least what magnitude dropping kept, at most the layer's positions.
                const auto dropped = std::llround(0.3 * double(b.edgeCount()));
                CHECK(a.edgeCount() >= b.edgeCount() - dropped);
                CHECK(a.edgeCount() <= EdgeIndex(a.inputs()) * a.outputs());
            }
            if (method == "dense")
                CHECK(a.isDense());
            // New edges (new positions, or a weight that changed at a kept position) start with
            // zero optimiser state; the others keep theirs.
            const auto old = positions(b);
            for (const std::string& name : state) {
                INFO("state " << name);
                const int va = a.findEdgeProperty(name), vb = b.findEdgeProperty(name);
                REQUIRE(va >= 0);
                REQUIRE(vb >= 0);
                for (NeuronIndex j = 0; j < a.outputs(); ++j)
                    for (EdgeIndex e = a.rowPtr()[j]; e < a.rowPtr()[j + 1]; ++e) {
                        const NeuronIndex i = a.colIdx()[static_cast<std::size_t>(e)];
                        const EdgeIndex eb = b.findEdge(j, i);
                        // The second-order methods move kept weights (the optimal update): there a new
                        // edge is one whose weight is zero (new weights start at zero).
                        const bool secondOrder = method == "woodfisher" || method == "woodtaylor";
                        const bool fresh =
                            eb < 0 || (secondOrder ? a.weights()[static_cast<std::size_t>(e)] == 0.0f
                                                   : b.weights()[static_cast<std::size_t>(eb)] != a.weights()[static_cast<std::size_t>(e)]);
                        if (fresh) {
                            anyNewEdge = true;
                            if (method.rfind("rigl", 0) == 0 || method == "redr-loss" || secondOrder) // seed 004, RigL: new weights start at zero
                                REQUIRE(a.weights()[static_cast<std::size_t>(e)] == 0.0f);
                            REQUIRE(a.edgeProperty(va)[static_cast<std::size_t>(e)] == 0.0f);
                        } else {
                            REQUIRE(a.edgeProperty(va)[static_cast<std::size_t>(e)] ==
                                    b.edgeProperty(vb)[static_cast<std::size_t>(eb)]);
                        }
                    }
            }
            if (method == "static" || method == "dense")
                CHECK(positions(a) == old);
        }
        if (method == "rigl-global") { // the total stays; per-layer densities are free
            EdgeIndex total = 0, start = 0;
            for (int l = 0; l < after.layerCount(); ++l) {
                total += after.layer(l).edgeCount();
                start += initial[static_cast<std::size_t>(l)];
            }
            CHECK(total == start);
            for (int l = 0; l < after.layerCount(); ++l)
                movedBetweenLayers |= after.layer(l).edgeCount() != initial[static_cast<std::size_t>(l)];
        }
        steps += !last;
    }
    bool movedBetweenLayers = false;
};

// A grow rule's positions for a lone layer (a one-layer network around it).
std::vector<NewEdge> growIn(const GrowRule& rule, const SparseLayer& layer, std::span<const std::uint8_t> keep,
                            EdgeIndex count, Rng& rng)
{
    NetworkGraph g(std::vector<SparseLayer>{layer});
    const TrainConfig c;
    TopologyState state;
    TopologyContext ctx{1, 2, c, g, state, {true}, WeightInit::HeUniform};
    return rule.grow(ctx, 0, keep, count, rng);
}

std::string modelBytes(const NetworkGraph& g, const std::string& name)
{
    const auto file = tempDir("methods-bytes") / (name + ".rwm");
    saveModel(g, file, true);
    return readFile(file);
}

} // namespace

TEST_CASE("every registered method keeps its budget, zeroes new state, repeats and resumes bit for bit", "[core][methods]")
{
    const DataSplit data = methodData();
    REQUIRE(methodRegistry().size() >= 8);
    for (const MethodSpec& spec : methodRegistry()) {
        INFO("method " << spec.name);
        const TrainConfig config = methodConfig(spec.name);
        REQUIRE_FALSE(spec.summary.empty());
        REQUIRE_FALSE(spec.source.empty());

        Trainer t(config, data);
        StepChecker check;
        check.method = spec.name;
        for (const SparseLayer& l : t.network().layers())
            check.initial.push_back(l.edgeCount());
        t.run(&check);
        REQUIRE(t.epochsDone() == 7);
        if (spec.evolves && spec.name != "gmp" && spec.name != "snip") // pruning adds no edges (IMP rewinds)
            CHECK(check.anyNewEdge);
        if (spec.name == "rigl-global")
            CHECK(check.movedBetweenLayers);
        const std::string bytes = modelBytes(t.network(), spec.name + "-a");

        // The same seed on 1 thread gives the same bytes.
        TrainConfig one = config;
        one.threads = 1;
        Trainer again(one, data);
        again.run();
        CHECK(modelBytes(again.network(), spec.name + "-b") == bytes);

        // Stopped after 3 epochs, saved with its state, resumed: the uninterrupted run's bytes.
        Trainer first(config, data);
        for (int e = 0; e < 3; ++e)
            first.trainEpoch();
        const auto ckpt = tempDir("methods-resume") / (spec.name + ".rwm");
        saveModel(first.network(), ckpt, true);
        Trainer resumed(config, data, loadModel(ckpt), 3);
        resumed.run();
        CHECK(modelBytes(resumed.network(), spec.name + "-c") == bytes);
    }
}

TEST_CASE("AccSET and LSET ratios at their edge values", "[core][methods]")
{
    for (double k : {0.0, 0.3, 0.9}) {
        INFO("k " << k);
        CHECK(AccuracyRatio::theta(0.0, k) == Approx(1.0));
        CHECK(AccuracyRatio::theta(1.0, k) == Approx(0.0).margin(1e-12));
    }
    CHECK(AccuracyRatio::theta(0.7, 0.0) == Approx(0.3));
    // k = 0.5, acc = 0.25: 1 − (0.25 − 0.125) / (0.5 − 0.25 + 1) = 0.9
    CHECK(AccuracyRatio::theta(0.25, 0.5) == Approx(0.9));
    CHECK(LossRatio::theta(1.0, 2.0) == Approx(0.5));
    CHECK(LossRatio::theta(2.0, 2.0) == Approx(1.0));
    CHECK(LossRatio::theta(3.0, 2.0) == Approx(1.0)); // clamped
    CHECK(LossRatio::theta(0.0, 2.0) == Approx(0.0));
    CHECK(LossRatio::theta(0.5, 0.0) == Approx(1.0)); // a zero first loss: refill
}

TEST_CASE("DynSET pauses exactly after the epochs whose loss is above that of three epochs earlier", "[core][methods]")
{
    // Epochs 1..9; the rule needs five epochs of history (Algorithm 2: lengthList > 4).
    const std::vector<double> losses{1.0, 0.9, 0.95, 0.97, 0.99, 0.8, 1.2, 0.7, 0.81};
    std::vector<int> pausedAfter;
    for (std::size_t n = 1; n <= losses.size(); ++n)
        if (LossGate::paused(std::vector<double>(losses.begin(), losses.begin() + static_cast<std::ptrdiff_t>(n)), 3))
            pausedAfter.push_back(static_cast<int>(n));
    // e=4: history too short (0.97 > 1.0 is false anyway); e=5: 0.99 > 0.9 → pause;
    // e=6: 0.8 > 0.95? no; e=7: 1.2 > 0.97 → pause; e=8: 0.7 > 0.99? no; e=9: 0.81 > 0.8 → pause.
    CHECK(pausedAfter == std::vector<int>{5, 7, 9});
    // An equal loss is not worse.
    CHECK_FALSE(LossGate::paused({1, 1, 1, 1, 1}, 3));
    CHECK(LossGate::paused({1, 1, 1, 1, 2}, 3));
    CHECK_FALSE(LossGate::paused({1, 1, 1, 2}, 3)); // four entries: not yet
}

namespace {

// Kept neighbours of absent position (input i, output j), brute force over the 8 neighbours.
int neighbourCount(const SparseLayer& l, const std::vector<std::uint8_t>& keep, NeuronIndex j, NeuronIndex i)
{
    int n = 0;
    for (int dj = -1; dj <= 1; ++dj)
        for (int di = -1; di <= 1; ++di) {
            const long jj = long(j) + dj, ii = long(i) + di;
            if ((di == 0 && dj == 0) || jj < 0 || ii < 0 || jj >= l.outputs() || ii >= l.inputs())
                continue;
            const EdgeIndex e = l.findEdge(NeuronIndex(jj), NeuronIndex(ii));
            n += e >= 0 && keep[std::size_t(e)];
        }
    return n;
}

} // namespace

TEST_CASE("neighbour regrowth creates only edges with a kept neighbour, and most picks the maximal counts", "[core][methods]")
{
    for (std::uint64_t seed : {1, 2, 3, 4}) {
        INFO("seed " << seed);
        const SparseLayer layer = randomLayer(37, 29, 0.06, seed);
        std::vector<std::uint8_t> keep(std::size_t(layer.edgeCount()), 1);
        for (std::size_t e = 0; e < keep.size(); e += 3)
            keep[e] = 0;
        // Brute force: every absent position's kept-neighbour count.
        std::map<std::pair<NeuronIndex, NeuronIndex>, int> counts;
        for (NeuronIndex j = 0; j < layer.outputs(); ++j)
            for (NeuronIndex i = 0; i < layer.inputs(); ++i) {
                const EdgeIndex e = layer.findEdge(j, i);
                if (e >= 0 && keep[std::size_t(e)])
                    continue;
                counts[{j, i}] = neighbourCount(layer, keep, j, i);
            }
        int withNeighbour = 0;
        for (const auto& [pos, c] : counts)
            withNeighbour += c > 0;
        const EdgeIndex count = 25;
        REQUIRE(withNeighbour > count);

        Rng rng(seed);
        const auto one = growIn(NeighbourGrow(false), layer, keep, count, rng);
        REQUIRE(one.size() == std::size_t(count));
        std::set<std::pair<NeuronIndex, NeuronIndex>> distinct;
        for (const NewEdge& a : one) {
            REQUIRE(counts.count({a.output, a.input}) == 1); // absent from the kept edges
            CHECK(counts[{a.output, a.input}] >= 1);
            distinct.insert({a.output, a.input});
        }
        CHECK(distinct.size() == one.size());

        const auto most = growIn(NeighbourGrow(true), layer, keep, count, rng);
        REQUIRE(most.size() == std::size_t(count));
        std::vector<int> all;
        for (const auto& [pos, c] : counts)
            all.push_back(c);
        std::sort(all.rbegin(), all.rend());
        std::vector<int> picked;
        for (const NewEdge& a : most)
            picked.push_back(counts.at({a.output, a.input}));
        std::sort(picked.rbegin(), picked.rend());
        CHECK(picked == std::vector<int>(all.begin(), all.begin() + count));
    }
    // Fewer candidates than needed: the rest are random, still distinct and absent.
    const SparseLayer tiny = SparseLayer::fromEdges(10, 10, {{5, 5, 0.5f}});
    std::vector<std::uint8_t> keepAll(1, 1);
    Rng rng(9);
    const auto grown = growIn(NeighbourGrow(true), tiny, keepAll, 20, rng);
    REQUIRE(grown.size() == 20);
    std::set<std::pair<NeuronIndex, NeuronIndex>> distinct;
    int adjacent = 0;
    for (const NewEdge& a : grown) {
        CHECK_FALSE((a.output == 5 && a.input == 5));
        distinct.insert({a.output, a.input});
        adjacent += std::abs(int(a.output) - 5) <= 1 && std::abs(int(a.input) - 5) <= 1;
    }
    CHECK(distinct.size() == 20);
    CHECK(adjacent == 8); // all 8 neighbours first
}

TEST_CASE("Importance Pruning removes the incoming edges of exactly the neurons at or below the percentile", "[core][methods]")
{
    // Layer 0 of a 12-8-3 network: importances by construction, one neuron without edges.
    std::vector<NewEdge> edges;
    const std::vector<float> scale{0.1f, 0.7f, 0.3f, 0.0f, 0.5f, 0.3f, 0.9f, 0.2f};
    for (NeuronIndex j = 0; j < 8; ++j)
        if (j != 3)
            for (NeuronIndex i = 0; i < 4; ++i)
                edges.push_back({j, NeuronIndex(i * 3 + j % 3), (i % 2 ? -1.0f : 1.0f) * scale[j]});
    NetworkGraph g({SparseLayer::fromEdges(12, 8, edges), SparseLayer::fromEdges(8, 3, {{0, 1, 0.5f}, {2, 4, 0.1f}})});
    // Importances 0.4, 2.8, 1.2, (none), 2.0, 1.2, 3.6, 0.8 → live sorted 0.4 0.8 1.2 1.2 2.0 2.8 3.6;
    // the 40th percentile: rank 0.4 · 6 = 2.4 → 1.2 + 0.4 · 0 = 1.2; neurons 0, 7, 2 and 5 go.
    CHECK(ImportanceDrop::threshold({0.4, 2.8, 1.2, 2.0, 1.2, 3.6, 0.8}, 40) == Approx(1.2));
    CHECK(ImportanceDrop::threshold({1, 2, 3, 4}, 50) == Approx(2.5));
    TrainConfig c;
    TopologyState state;
    state.target = {g.layer(0).edgeCount(), g.layer(1).edgeCount()};
    TopologyContext ctx{10, 20, c, g, state, {true, true}, WeightInit::HeUniform};
    auto methods = makeTopologyMethods([] {
        TrainConfig t;
        t.method = "static";
        t.importancePruning = "40:5:10";
        return t;
    }());
    REQUIRE(methods.size() == 2);
    Rng rng(1);
    const auto changes = methods.front()->step(ctx, rng);
    CHECK(changes[0].pruned == 16);
    CHECK(changes[0].regrown == 0);
    CHECK(changes[1].pruned == 0); // the output layer is never pruned by importance
    for (NeuronIndex j : {0, 2, 5, 7, 3})
        CHECK(g.layer(0).inDegree(j) == 0);
    for (NeuronIndex j : {1, 4, 6})
        CHECK(g.layer(0).inDegree(j) == 4);
    CHECK(state.target[0] == 28 - 16); // the budget shrinks for good
    {
        // Equal importances everywhere: the percentile is that value, yet the layer keeps its
        // first neuron instead of emptying.
        std::vector<NewEdge> same;
        for (NeuronIndex j = 0; j < 5; ++j)
            for (NeuronIndex i = 0; i < 3; ++i)
                same.push_back({j, i, 0.5f});
        NetworkGraph flat({SparseLayer::fromEdges(6, 5, same), SparseLayer::fromEdges(5, 2, {{0, 0, 1.0f}})});
        TopologyState st;
        st.target = {15, 1};
        TopologyContext fc{10, 20, c, flat, st, {true, true}, WeightInit::HeUniform};
        Rng r(2);
        CHECK(methods.front()->step(fc, r)[0].pruned == 12);
        CHECK(flat.layer(0).inDegree(0) == 3);
        CHECK(flat.layer(0).edgeCount() == 3);
    }
    // Not due at epoch 11 (period 5 from 10), nor after the last epoch.
    ctx.epoch = 11;
    CHECK(methods.front()->step(ctx, rng)[0].pruned == 0);
    ctx.epoch = 20;
    CHECK(methods.front()->step(ctx, rng)[0].pruned == 0);
}

TEST_CASE("Importance Pruning shrinks a SET run, and only from its start epoch", "[core][methods]")
{
    const DataSplit data = methodData();
    TrainConfig c = methodConfig("set");
    c.importancePruning = "20:2:3";
    Trainer t(c, data);
    std::vector<EdgeIndex> counts;
    struct Counts : TrainingObserver {
        std::vector<EdgeIndex>& c;
        explicit Counts(std::vector<EdgeIndex>& v) : c(v) {}
        void onEpoch(const EpochMetrics& m, const NetworkGraph&) override { c.push_back(m.connections); }
    } obs(counts);
    const EdgeIndex start = t.network().edgeCount();
    t.run(&obs);
    REQUIRE(counts.size() == 7);
    CHECK(counts[0] == start);
    CHECK(counts[1] == start);
    CHECK(counts[2] == start);
    CHECK(counts[3] < counts[2]); // epoch 4: 4 % 2 == 0 and 4 >= 3
    CHECK(counts[4] == counts[3]);
    CHECK(counts[5] < counts[4]);
    CHECK(counts[6] == counts[5]); // no step after the last epoch
}

TEST_CASE("method options are checked and named", "[core][methods][config]")
{
    TrainConfig c;
    c.method = "sett";
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("--method sett: unknown (expected set, accset, lset, dynset"));
    c = TrainConfig();
    c.importancePruning = "20:10";
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("--importance-pruning 20:10: three values needed"));
    c.importancePruning = "100:10:5";
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("percentile P must be a number in (0, 100)"));
    c.importancePruning = "20:0:5";
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("PERIOD must be a whole number >= 1"));
    c = TrainConfig();
    c.accsetK = 1.0;
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("--accset-k 1: must be in [0, 1)"));
    c = TrainConfig();
    c.set("ratio-on", "valid");
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("--ratio-on valid: expected train or validation"));
    // Validation ratios without validation data are refused by the trainer.
    const DataSplit data = methodData();
    TrainConfig v = methodConfig("accset");
    v.ratioOn = "validation";
    REQUIRE_THROWS_WITH(Trainer(v, data), Catch::Contains("--ratio-on validation: the run has no validation data"));
}

TEST_CASE("evolve-layers hidden leaves the output layer alone", "[core][methods]")
{
    const DataSplit data = methodData();
    TrainConfig c = methodConfig("set");
    c.arch = "24-48-40-12"; // a sparse output layer
    // Labels have 3 classes: use a 3-class output.
    c.arch = "24-60-60-3";
    c.epsilon = 1;
    Trainer all(c, data);
    REQUIRE_FALSE(all.network().layer(2).isDense());
    CHECK(all.layerEvolves(2));
    c.evolveLayers = "hidden";
    Trainer hidden(c, data);
    CHECK_FALSE(hidden.layerEvolves(2));
    CHECK(hidden.layerEvolves(0));
    const auto before = positions(hidden.network().layer(2));
    hidden.run();
    CHECK(positions(hidden.network().layer(2)) == before);
}

TEST_CASE("SReLU trains, its parameters move, models keep them and a resumed run is bit-identical", "[core][methods][srelu]")
{
    const DataSplit data = methodData();
    TrainConfig c = methodConfig("set");
    c.activation = "srelu";
    Trainer t(c, data);
    // Initialised as specified: t_l = 0, a_l in [0, 1), t_r in [0, 5), a_r = 1, per hidden neuron.
    const SparseLayer& first = t.network().layer(0);
    auto prop = [](const SparseLayer& l, const char* name) {
        const int id = l.findNeuronProperty(name);
        REQUIRE(id >= 0);
        return std::vector<float>(l.neuronProperty(id).begin(), l.neuronProperty(id).end());
    };
    const auto tl0 = prop(first, "srelu_tl"), al0 = prop(first, "srelu_al"), tr0 = prop(first, "srelu_tr"),
               ar0 = prop(first, "srelu_ar");
    REQUIRE(tl0.size() == 48);
    for (std::size_t j = 0; j < tl0.size(); ++j) {
        CHECK(tl0[j] == 0.0f);
        CHECK((al0[j] >= 0.0f && al0[j] < 1.0f));
        CHECK((tr0[j] >= 0.0f && tr0[j] < 5.0f));
        CHECK(ar0[j] == 1.0f);
    }
    CHECK(t.network().layer(2).findNeuronProperty("srelu_tl") < 0); // the output layer has none
    t.run();
    CHECK(prop(t.network().layer(0), "srelu_tl") != tl0); // trained
    CHECK(t.evaluate(data.test).accuracy > 0.5);

    // A plain model keeps the parameters (not their velocities) and evaluates the same.
    const auto file = tempDir("srelu") / "model.rwm";
    saveModel(t.network(), file);
    NetworkGraph loaded = loadModel(file);
    CHECK(loaded.layer(0).findNeuronProperty("srelu_ar") >= 0);
    CHECK(loaded.layer(0).findNeuronProperty("srelu_ar_velocity") < 0);
    CHECK(loaded.layer(0).findEdgeProperty("velocity") < 0);
    CHECK(prop(loaded.layer(1), "srelu_tr") == prop(t.network().layer(1), "srelu_tr"));
    Trainer fromModel(c, data, loaded, c.epochs);
    CHECK(fromModel.evaluate(data.test).loss == t.evaluate(data.test).loss);

    // Checkpoint after 3 epochs, resume: the uninterrupted run's bytes, on 1 thread too.
    Trainer first3(c, data);
    for (int e = 0; e < 3; ++e)
        first3.trainEpoch();
    const auto ckpt = tempDir("srelu") / "ckpt.rwm";
    saveModel(first3.network(), ckpt, true);
    TrainConfig one = c;
    one.threads = 1;
    Trainer resumed(one, data, loadModel(ckpt), 3);
    resumed.run();
    CHECK(modelBytes(resumed.network(), "srelu-r") == modelBytes(t.network(), "srelu-u"));
}

TEST_CASE("Importance Pruning thins the fully connected layers of the dense method too", "[core][methods]")
{
    const DataSplit data = methodData();
    TrainConfig c = methodConfig("dense");
    c.importancePruning = "20:1:1";
    c.epochs = 4;
    Trainer t(c, data);
    REQUIRE(t.network().layer(0).isDense());
    const EdgeIndex start = t.network().edgeCount();
    t.run();
    CHECK(t.network().edgeCount() < start);
    CHECK_FALSE(t.network().layer(0).isDense());
    CHECK(t.network().layer(2).isDense()); // the output layer is never pruned
    CHECK(t.evaluate(data.test).accuracy > 0.4); // still trains on the sparse kernels
}

TEST_CASE("Adam's moments follow the edges through prune and regrow, and a resumed Adam run is bit-identical", "[core][methods][adam]")
{
    const DataSplit data = methodData();
    TrainConfig config = methodConfig("set");
    config.optimizer = "adam";
    config.lr = 0.01;
    Trainer t(config, data);
    StepChecker check;
    check.method = "set";
    check.state = optimizerStateNames(Optimizer::Adam);
    for (const SparseLayer& l : t.network().layers())
        check.initial.push_back(l.edgeCount());
    t.run(&check);
    CHECK(check.anyNewEdge);
    CHECK(check.steps == 6);
    for (const SparseLayer& l : t.network().layers()) {
        CHECK(l.findEdgeProperty("velocity") < 0); // no momentum state kept beside Adam's
        const int v = l.findEdgeProperty("opt_adam_v");
        REQUIRE(v >= 0);
        double sum = 0;
        for (float x : l.edgeProperty(v)) {
            REQUIRE(x >= 0.0f);
            sum += x;
        }
        CHECK(sum > 0.0);
        CHECK(l.findNeuronProperty("opt_adam_bias_m") >= 0);
    }
    CHECK(t.evaluate(data.train).accuracy > 0.6);
    const std::string bytes = modelBytes(t.network(), "adam-a");
    Trainer first(config, data);
    for (int e = 0; e < 3; ++e)
        first.trainEpoch();
    const auto ckpt = tempDir("methods-resume") / "adam.rwm";
    saveModel(first.network(), ckpt, true);
    Trainer resumed(config, data, loadModel(ckpt), 3);
    resumed.run();
    CHECK(modelBytes(resumed.network(), "adam-c") == bytes);
    // Another optimiser changes the result (the policy is really applied).
    TrainConfig sgd = config;
    sgd.optimizer = "sgd";
    Trainer other(sgd, data);
    other.run();
    CHECK(modelBytes(other.network(), "adam-d") != bytes);
}

TEST_CASE("weight updates and FLOPs follow seed 000's equations on a hand-computed case", "[core][methods][cost]")
{
    // 375 training samples, batch 25: 15 batches per epoch.
    const DataSplit data = methodData();
    REQUIRE(data.train.samples() == 375);
    struct Recorder : TrainingObserver {
        std::vector<EpochMetrics> rows;
        void onEpoch(const EpochMetrics& m, const NetworkGraph&) override { rows.push_back(m); }
    };
    for (const std::string method : {"static", "dense", "set", "accset", "rigl", "rigl-global", "imp", "gmp", "snip"}) {
        INFO("method " << method);
        TrainConfig c = methodConfig(method);
        Trainer t(c, data);
        const EdgeIndex denseEdges = buildNetwork(c).edgeCount();
        const EdgeIndex start = t.network().edgeCount();
        Recorder rec;
        t.run(&rec);
        REQUIRE(rec.rows.size() == 7);
        const std::int64_t batches = 15;
        if (method == "static" || method == "dense" || method == "set" || method == "rigl" || method == "rigl-global") {
            // Equations 1, 5, 6: k · |T|/b · |E| (the edge count never changes).
            CHECK(rec.rows.back().weightUpdates == 7 * batches * start);
        }
        // In general (equations 2-4 sum the same way): Σ over epochs of |T|/b · |E_k|, E_k the
        // edges the epoch trained.
        std::int64_t updates = 0;
        double flops = 0;
        for (const EpochMetrics& m : rec.rows) {
            updates += batches * m.trainedConnections;
            flops += 6.0 * double(m.trainedConnections) * 375;
            CHECK(m.weightUpdates == updates);
        }
        if (method == "accset" || method == "imp" || method == "gmp") // the network shrank (eqs. 2, 3)
            CHECK(rec.rows.back().weightUpdates < 7 * batches * rec.rows.front().trainedConnections);
        if (method == "snip") { // eq. 4: one dense batch of saliencies (no update), then the sparse net
            CHECK(rec.rows.front().trainedConnections < denseEdges);
            flops += 6.0 * double(denseEdges) * 25;
        }
        // FLOPs: 6 per edge and sample, plus, for the gradient methods, each step's batch (6 per
        // edge and sample of its 25) and its dense scores (2 · in · out · 25 per evolving layer).
        if (method.rfind("rigl", 0) == 0) {
            for (std::size_t e = 0; e + 1 < rec.rows.size(); ++e) {
                flops += 6.0 * double(rec.rows[e].trainedConnections) * 25;
                for (int l = 0; l < t.network().layerCount(); ++l)
                    if (t.layerEvolves(l))
                        flops += 2.0 * t.network().layer(l).inputs() * t.network().layer(l).outputs() * 25;
            }
        }
        CHECK(rec.rows.back().trainFlops == Approx(flops).epsilon(1e-12));
        // Induced loss: measured around every step that changed the network, n/a otherwise.
        for (const EpochMetrics& m : rec.rows) {
            const bool changed = m.pruned + m.regrown > 0;
            CHECK(std::isnan(m.lossBeforeStep) == !changed);
            CHECK(std::isnan(m.lossAfterStep) == !changed);
            if (changed) {
                CHECK(m.lossBeforeStep > 0.0);
                CHECK(m.lossAfterStep > 0.0);
            }
        }
    }
}

TEST_CASE("SNIP, IMP and GMP reach exactly the requested density, and IMP rewinds to the initial weights", "[core][methods][pruning]")
{
    const DataSplit data = methodData();
    for (const std::string method : {"snip", "imp", "gmp"}) {
        INFO("method " << method);
        TrainConfig c = methodConfig(method);
        Trainer t(c, data);
        const NetworkGraph start = buildNetwork(c); // the dense initial network, same seed
        if (method == "snip") { // pruned before the first epoch, across layers
            EdgeIndex total = 0, want = 0;
            for (int l = 0; l < t.network().layerCount(); ++l) {
                const SparseLayer& layer = t.network().layer(l);
                if (t.layerEvolves(l)) {
                    total += layer.edgeCount();
                    want += erdosRenyiEdgeCount(layer.inputs(), layer.outputs(), c.epsilon);
                } else {
                    CHECK(layer.isDense());
                }
            }
            CHECK(total == want);
            CHECK(t.network().layer(0).edgeCount() < start.layer(0).edgeCount());
        } else {
            CHECK(t.network().layer(0).isDense());
        }
        struct Rewound : TrainingObserver {
            const NetworkGraph* start = nullptr;
            int checked = 0;
            void onEpoch(const EpochMetrics& m, const NetworkGraph& g) override
            {
                if (m.epoch != 1)
                    return;
                // IMP's first round: every kept edge of every layer (the dense output layer too) is
                // back at its initial weight, every bias at its initial value.
                for (int l = 0; l < g.layerCount(); ++l) {
                    const SparseLayer& a = g.layer(l);
                    const SparseLayer& s = start->layer(l);
                    for (NeuronIndex j = 0; j < a.outputs(); ++j) {
                        REQUIRE(a.bias()[static_cast<std::size_t>(j)] == s.bias()[static_cast<std::size_t>(j)]);
                        for (EdgeIndex e = a.rowPtr()[j]; e < a.rowPtr()[j + 1]; ++e) {
                            const EdgeIndex se = s.findEdge(j, a.colIdx()[static_cast<std::size_t>(e)]);
                            REQUIRE(se >= 0);
                            REQUIRE(a.weights()[static_cast<std::size_t>(e)] == s.weights()[static_cast<std::size_t>(se)]);
                            ++checked;
                        }
                    }
                }
            }
        } rewound;
        rewound.start = &start;
        t.run(method == "imp" ? &rewound : nullptr);
        if (method == "imp")
            CHECK(rewound.checked > 0);
        for (int l = 0; l < t.network().layerCount(); ++l) {
            const SparseLayer& layer = t.network().layer(l);
            INFO("layer " << l);
            if (!t.layerEvolves(l)) {
                CHECK(layer.isDense());
                continue;
            }
            if (method != "snip") // per layer, exactly the Erdős–Rényi count of --epsilon
                CHECK(layer.edgeCount() == erdosRenyiEdgeCount(layer.inputs(), layer.outputs(), c.epsilon));
            layer.checkInvariants();
        }
    }
    // Without rewinding the trained weights stay.
    TrainConfig c = methodConfig("imp");
    c.rewind = "off";
    Trainer t(c, data);
    t.trainEpoch();
    const NetworkGraph start = buildNetwork(c);
    const SparseLayer& a = t.network().layer(0);
    int same = 0;
    for (NeuronIndex j = 0; j < a.outputs(); ++j)
        for (EdgeIndex e = a.rowPtr()[j]; e < a.rowPtr()[j + 1]; ++e)
            same += a.weights()[static_cast<std::size_t>(e)] ==
                    start.layer(0).weights()[static_cast<std::size_t>(start.layer(0).findEdge(j, a.colIdx()[static_cast<std::size_t>(e)]))];
    CHECK(same < a.edgeCount() / 10);
}
