#include "core/trainer.h"
#include "datasets/synthetic.h"
#include "helpers.h"
#include "toy_data.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <functional>
#include <set>
#include <thread>

using namespace rewire;

namespace {

DataSplit toyData()
{
    // Well separated: the tests check learning, not the data's difficulty.
    return test::toyMadelon(600, 30, 3.0, 3);
}

TrainConfig toyConfig() { return test::toyTrainConfig(); }
using test::Recorder;

} // namespace

TEST_CASE("SET training learns a toy problem and keeps the edge count", "[core][trainer]")
{
    const DataSplit data = toyData();
    Trainer t(toyConfig(), data);
    const EdgeIndex start = t.network().edgeCount();
    REQUIRE(t.layerEvolves(0));
    Recorder rec;
    t.run(&rec);
    REQUIRE(rec.epochs.size() == 6);
    REQUIRE(rec.batches == 6 * 15); // 450 training samples / 32 -> 15 batches
    for (const auto& m : rec.epochs) {
        REQUIRE(m.connections == start);
        REQUIRE(m.pruned == m.regrown);
    }
    REQUIRE(rec.epochs.front().pruned > 0);
    REQUIRE(rec.epochs.back().pruned == 0); // no evolution after the last epoch
    REQUIRE(rec.epochs.back().trainLoss < rec.epochs.front().trainLoss);
    REQUIRE(rec.epochs.back().testAccuracy > 0.7); // chance is 1/3
}

TEST_CASE("same seed gives identical metrics and weights for 1, 2 and 3 threads, busy or not", "[core][trainer]")
{
    const DataSplit data = toyData();
    // The sparse, narrow and (dense method, 96 x 80) GEMM kernels, fp32 and bf16.
    const std::string method = GENERATE(std::string("set"), std::string("dense"));
    const std::string precision = GENERATE(std::string("fp32"), std::string("bf16"));
    auto runOnce = [&](int threads) {
        TrainConfig c = toyConfig();
        c.threads = threads;
        c.method = method;
        c.precision = precision;
        c.epochs = 3;
        if (method == "dense")
            c.arch = "30-96-80-3";
        Trainer t(c, data);
        Recorder rec;
        t.run(&rec);
        std::vector<std::vector<float>> w;
        for (const SparseLayer& l : t.network().layers())
            w.emplace_back(l.weights().begin(), l.weights().end());
        return std::pair(rec.epochs, w);
    };
    INFO(method << " " << precision);
    const auto [m1, w1] = runOnce(2);
    const auto [m2, w2] = runOnce(2);
    REQUIRE(w1 == w2);
    for (size_t e = 0; e < m1.size(); ++e) {
        REQUIRE(m1[e].trainLoss == m2[e].trainLoss);
        REQUIRE(m1[e].testAccuracy == m2[e].testAccuracy);
    }
    // Every output is computed by one work unit, so the thread count does not matter, and neither
    // does which thread runs a unit: other threads spinning on every core change the schedule.
    REQUIRE(runOnce(1).second == w1);
    REQUIRE(runOnce(3).second == w1);
    std::atomic<bool> stop{false};
    std::vector<std::thread> hogs;
    for (int i = 0; i < 2; ++i)
        hogs.emplace_back([&] {
            while (!stop.load(std::memory_order_relaxed)) {
            }
        });
    const auto busy2 = runOnce(2), busy3 = runOnce(3);
    stop = true;
    for (auto& h : hogs)
        h.join();
    REQUIRE(busy2.second == w1);
    REQUIRE(busy3.second == w1);
    for (size_t e = 0; e < m1.size(); ++e)
        REQUIRE(busy2.first[e].trainLoss == m1[e].trainLoss);
}

TEST_CASE("an epoch runs with subnormals flushed on the calling thread, and the mode comes back", "[core][trainer]")
{
    // The thread that calls the Trainer (the CLI's main thread, the desktop app's training thread)
    // flushes subnormals for the epoch, as the pool's workers do; its own mode is restored.
    struct FlushProbe : TrainingObserver {
        int batches = 0, flushed = 0;
        void onBatch(int, int, int) override
        {
            ++batches;
            flushed += FlushDenormals::active();
        }
    };
    const DataSplit data = toyData();
    Trainer t(toyConfig(), data);
    const bool before = FlushDenormals::active();
    FlushProbe probe;
    t.trainEpoch(&probe);
    REQUIRE(probe.batches == 15);
    REQUIRE(probe.flushed == 15);
    REQUIRE(FlushDenormals::active() == before);
}

TEST_CASE("bf16 activations train as well, deterministically, and differ from fp32", "[core][trainer]")
{
    const DataSplit data = toyData();
    auto runOnce = [&](const std::string& precision) {
        TrainConfig c = toyConfig();
        c.set("precision", precision);
        Trainer t(c, data);
        Recorder rec;
        t.run(&rec);
        std::vector<float> w(t.network().layer(1).weights().begin(), t.network().layer(1).weights().end());
        return std::pair(rec.epochs, w);
    };
    const auto [b1, wb1] = runOnce("bf16");
    const auto [b2, wb2] = runOnce("bf16");
    const auto [f1, wf1] = runOnce("fp32");
    REQUIRE(wb1 == wb2);
    REQUIRE(wb1 != wf1); // the bf16 path is really taken
    REQUIRE(b1.back().testAccuracy > 0.7);
    REQUIRE(std::abs(b1.back().testAccuracy - f1.back().testAccuracy) < 0.1);
    TrainConfig c = toyConfig();
    c.set("precision", "fp16");
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("--precision fp16: expected fp32 or bf16"));
}

TEST_CASE("micro-batches take the full batch's step: same dropout masks, gradients summed", "[core][trainer]")
{
    // Batch 32 in parts of 8, 5, 16 and 32 (off) against the full batch: with dropout, momentum,
    // weight decay, Adam and a topology step between epochs, the weights stay within rounding
    // of each other. The sums run in another order, so bits differ, not values.
    const DataSplit data = toyData();
    for (const std::string optimizer : {"sgd", "adam"}) {
        auto runOnce = [&](int part) {
            TrainConfig c = toyConfig();
            c.epochs = 2;
            c.set("optimizer", optimizer);
            c.set("dropout", "0.3");
            c.microBatch = part;
            Trainer t(c, data);
            REQUIRE(t.microBatch() == (part > 0 && part < 32 ? part : 32));
            Recorder rec;
            t.run(&rec);
            return std::pair(rec.epochs, test::allWeights(t.network()));
        };
        const auto [full, wFull] = runOnce(0);
        for (int part : {8, 5, 16, 32}) {
            INFO(optimizer << ", parts of " << part);
            const auto [m, w] = runOnce(part);
            REQUIRE(w.size() == wFull.size());
            double worst = 0, scale = 0;
            for (std::size_t e = 0; e < w.size(); ++e) {
                worst = std::max(worst, static_cast<double>(std::fabs(w[e] - wFull[e])));
                scale = std::max(scale, static_cast<double>(std::fabs(wFull[e])));
            }
            REQUIRE(worst <= 1e-4 * scale);
            REQUIRE(m.back().trainLoss == Approx(full.back().trainLoss).epsilon(1e-4));
            if (part == 32)
                REQUIRE(w == wFull); // off: the fused path itself
            else
                REQUIRE(worst > 0.0); // the parts' path was really taken
        }
    }
    TrainConfig c = toyConfig();
    c.microBatch = 64;
    REQUIRE_THROWS_WITH(Trainer(c, data), Catch::Contains("--micro-batch 64: more than --batch 32"));
    c.microBatch = 8;
    c.activation = "srelu";
    REQUIRE_THROWS_WITH(Trainer(c, data), Catch::Contains("not with --activation srelu"));
}

TEST_CASE("profiling times every layer's phases and changes no result", "[core][trainer]")
{
    const DataSplit data = toyData();
    auto runOnce = [&](bool profile) {
        TrainConfig c = toyConfig();
        c.epochs = 2;
        Trainer t(c, data);
        t.setProfiling(profile);
        Recorder rec;
        t.run(&rec);
        return std::pair(rec.epochs, test::allWeights(t.network()));
    };
    const auto [plain, wPlain] = runOnce(false);
    const auto [timed, wTimed] = runOnce(true);
    REQUIRE(wPlain == wTimed); // the update phases run as jobs of their own: same bits
    REQUIRE_FALSE(plain.back().passTimes);
    REQUIRE(timed.back().passTimes);
    const MlpEngine::Times& t = *timed.back().passTimes;
    REQUIRE(t.forward.size() == 3);
    double sum = t.input + t.loss;
    for (std::size_t l = 0; l < 3; ++l) {
        REQUIRE(t.forward[l] > 0.0);
        REQUIRE(t.backward[l] > 0.0);
        sum += t.forward[l] + t.backward[l] + t.update[l];
    }
    REQUIRE(t.update[1] > 0.0); // 64 -> 32 is sparse: its update phase is timed apart
    REQUIRE(t.input > 0.0);
    REQUIRE(sum <= timed.back().epochSeconds * 1.001);
}

TEST_CASE("static and dense methods do not evolve", "[core][trainer]")
{
    const DataSplit data = toyData();
    TrainConfig c = toyConfig();
    c.method = "static";
    Trainer s(c, data);
    const auto before = std::vector<NeuronIndex>(s.network().layer(0).colIdx().begin(), s.network().layer(0).colIdx().end());
    s.run();
    REQUIRE(std::vector<NeuronIndex>(s.network().layer(0).colIdx().begin(), s.network().layer(0).colIdx().end()) == before);
    c.method = "dense";
    Trainer d(c, data);
    REQUIRE(d.network().edgeCount() == 30 * 64 + 64 * 32 + 32 * 3);
    Recorder rec;
    d.run(&rec);
    REQUIRE(rec.epochs.back().testAccuracy > 0.7);
}

TEST_CASE("configs that do not fit the data are refused with the culprit named", "[core][trainer]")
{
    const DataSplit data = toyData();
    TrainConfig c = toyConfig();
    c.arch = "31-10-3";
    REQUIRE_THROWS_WITH(Trainer(c, data), Catch::Contains("--arch 31-10-3: input size 31 does not match the 30 features"));
    c.arch = "30-10-4";
    REQUIRE_THROWS_WITH(Trainer(c, data), Catch::Contains("output size 4 does not match the 3 classes"));
    c = toyConfig();
    c.epsilon = -1;
    REQUIRE_THROWS_WITH(Trainer(c, data), Catch::Contains("--epsilon -1"));
    c = toyConfig();
    c.set("zeta", "1.5");
    REQUIRE_THROWS_WITH(c.validate(), Catch::Contains("--zeta 1.5"));
    REQUIRE_THROWS_WITH(c.set("epochs", "ten"), Catch::Contains("--epochs ten: expected an integer"));
    REQUIRE_THROWS_WITH(c.set("bogus", "1"), Catch::Contains("unknown option --bogus"));
}

TEST_CASE("divergence is reported with epoch and batch", "[core][trainer]")
{
    const DataSplit data = toyData();
    TrainConfig c = toyConfig();
    c.lr = 1e30;
    c.momentum = 0;
    Trainer t(c, data);
    REQUIRE_THROWS_AS(t.run(), TrainingDiverged);
    Trainer t2(c, data);
    REQUIRE_THROWS_WITH(t2.run(), Catch::Contains("diverged at epoch 1, batch"));
}

TEST_CASE("config JSON round-trips through merge", "[core][config]")
{
    TrainConfig a = toyConfig();
    a.activation = "leakyrelu:0.1";
    a.weightDecay = 3e-4;
    TrainConfig b;
    b.merge(a.toJson(), "test");
    REQUIRE(b.toJson().dump() == a.toJson().dump());
    REQUIRE_THROWS_WITH(b.merge(Json::parse(R"({"epsilon": "x"})"), "cfg.json"), Catch::Contains("cfg.json: --epsilon x"));
    // Seeds beyond 2^53 survive the JSON round trip exactly.
    TrainConfig big;
    big.set("seed", "18446744073709551557");
    TrainConfig back;
    back.merge(Json::parse(big.toJson().dump()), "test");
    REQUIRE(back.seed == 18446744073709551557ULL);
    REQUIRE_THROWS_WITH(back.set("seed", "-3"), Catch::Contains("--seed -3: expected an integer"));
    REQUIRE_THROWS_WITH(b.merge(Json::parse(R"({"epsilom": 3})"), "cfg.json"), Catch::Contains("unknown key \"epsilom\""));
    // threads: auto by default, written and read back as "auto"; explicit counts as numbers.
    TrainConfig t;
    REQUIRE(t.threads == 0);
    REQUIRE(t.toJson().dump().find("\"threads\": \"auto\"") != std::string::npos);
    t.merge(Json::parse(R"({"threads": 3})"), "cfg.json");
    REQUIRE(t.threads == 3);
    t.merge(Json::parse(R"({"threads": "auto"})"), "cfg.json");
    REQUIRE(t.threads == 0);
    REQUIRE(resolveThreads(3) == 3);
    REQUIRE(resolveThreads(0) >= 1);
    REQUIRE(resolveThreads(0) <= onlineCores());
}

TEST_CASE("options parse the same on a German desktop", "[core][config][locale]")
{
    // rewire-gui's default run failed there: "--activation allrelu:0.6: "0.6" is not a number".
    rewire::test::GermanNumbers german;
    REQUIRE(german.active());
    TrainConfig c;
    c.set("lr", "0.6");
    c.set("activation", "allrelu:0.75");
    c.validate();
    REQUIRE(c.lr == 0.6);
    REQUIRE(Activation::parse(c.activation).alpha == 0.75f);
    REQUIRE_THROWS_WITH(c.set("lr", "0,6"), Catch::Contains("--lr 0,6: expected a number"));
    TrainConfig back;
    back.merge(Json::parse(c.toJson().dump()), "config.json");
    REQUIRE(back.toJson().dump() == c.toJson().dump());
    REQUIRE(c.toJson().dump().find("\"lr\": 0.6") != std::string::npos);
}

TEST_CASE("in-place deltas: the same run bit for bit, and refused to methods that read them", "[core][trainer]")
{
    // Four hidden sets (two per shared buffer, of different widths), sparse and GEMM layers and the
    // narrow output, dropout, a topology step, a last partial batch; with SReLU (its backward works
    // in the shared buffer) and with micro-batches too.
    const DataSplit data = toyData();
    struct Case {
        const char* arch;
        const char* method;
        const char* activation;
        int microBatch;
    };
    for (const Case& k : {Case{"30-96-64-80-48-3", "set", "allrelu:0.6", 0}, Case{"30-96-64-80-48-3", "set", "allrelu:0.6", 8},
                          Case{"30-70-64-64-40-3", "dense", "relu", 0}, Case{"30-96-64-80-48-3", "set", "srelu", 0}}) {
        INFO(k.arch << " " << k.method << " " << k.activation << " micro-batch " << k.microBatch);
        auto runOnce = [&](bool shared) {
            TrainConfig c = toyConfig();
            c.arch = k.arch;
            c.epochs = 2;
            c.batch = 40; // 450 training samples: a last batch of 10
            c.set("method", k.method);
            c.activation = k.activation;
            c.set("dropout", "0.3");
            c.microBatch = k.microBatch;
            Trainer t(c, data);
            REQUIRE(t.sharedDeltas()); // the trainer's default for these methods
            t.setSharedDeltas(shared);
            Recorder rec;
            t.run(&rec);
            return std::pair(rec.epochs.back().trainLoss, test::allWeights(t.network()));
        };
        const auto [lossShared, wShared] = runOnce(true);
        const auto [lossOwn, wOwn] = runOnce(false);
        REQUIRE(wShared == wOwn);
        REQUIRE(lossShared == lossOwn);
        REQUIRE(std::isfinite(lossShared));
    }
    // RigL reads the hidden sets' deltas for its regrowth: the trainer keeps them.
    TrainConfig c = toyConfig();
    c.set("method", "rigl");
    Trainer rigl(c, data);
    REQUIRE_FALSE(rigl.sharedDeltas());
    Recorder rec;
    rigl.run(&rec);
    REQUIRE(rec.epochs.size() == 6);
    // The engine refuses to hand out what it no longer keeps.
    NetworkGraph net = buildNetwork(toyConfig());
    MlpEngine engine(net, Activation::parse("relu"), Loss::CrossEntropy, 16, 1);
    REQUIRE(engine.deltas(1).neurons() == 64);
    engine.setSharedDeltas(true);
    REQUIRE(engine.deltas(3).neurons() == 3); // the output's stay its own
    REQUIRE_THROWS_WITH(engine.deltas(1), Catch::Contains("hidden set 1's deltas are not kept"));
    engine.setSharedDeltas(false);
    REQUIRE(engine.deltas(2).neurons() == 32);
}

TEST_CASE("the exploration rate counts every position the run ever held", "[core][trainer][exploration]")
{
    // Liu et al. 2021's R_s: an independent count, the union of the topologies after every
    // topology step (SET edits once per epoch, so no position can come and go unseen).
    const DataSplit data = toyData();
    TrainConfig c = toyConfig();
    c.zeta = 0.5;
    Trainer t(c, data);
    std::vector<std::set<std::pair<NeuronIndex, NeuronIndex>>> ever(static_cast<std::size_t>(t.network().layerCount()));
    const auto addTopology = [&](const NetworkGraph& net) {
        for (int l = 0; l < net.layerCount(); ++l) {
            const SparseLayer& layer = net.layer(l);
            for (NeuronIndex j = 0; j < layer.outputs(); ++j)
                for (EdgeIndex e = layer.rowPtr()[static_cast<std::size_t>(j)]; e < layer.rowPtr()[static_cast<std::size_t>(j) + 1]; ++e)
                    ever[static_cast<std::size_t>(l)].insert({j, layer.colIdx()[static_cast<std::size_t>(e)]});
        }
    };
    addTopology(t.network());
    struct Union : TrainingObserver {
        std::function<void(const NetworkGraph&)> add;
        void onEpoch(const EpochMetrics&, const NetworkGraph& net) override { add(net); }
    } observer;
    observer.add = addTopology;
    t.run(&observer);
    for (int l = 0; l < t.network().layerCount(); ++l) {
        const SparseLayer& layer = t.network().layer(l);
        const ExploredPositions* x = layer.explored();
        REQUIRE(x != nullptr);
        REQUIRE(x->exact());
        REQUIRE(x->count() == static_cast<double>(ever[static_cast<std::size_t>(l)].size()));
        if (layer.isDense())
            REQUIRE(x->rate() == 1.0);
        else // SET regrew somewhere new: the rate grew past the density
            REQUIRE(x->rate() > layer.density() * 1.5);
    }
}
