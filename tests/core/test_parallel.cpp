#include "core/parallel/model_image.h"
#include "core/parallel/transport.h"
#include "core/parallel/wasap.h"
#include "core/trainer.h"
#include "toy_data.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <set>

using namespace rewire;
using namespace rewire::parallel;

namespace {

// A layer from (output, input, weight) triples.
SparseLayer layerOf(NeuronIndex in, NeuronIndex out, std::vector<NewEdge> edges)
{
    return SparseLayer::fromEdges(in, out, std::move(edges));
}

TrainConfig toyConfig()
{
    TrainConfig c;
    c.arch = "30-64-32-3";
    c.epsilon = 4;
    c.epochs = 6;
    c.batch = 32;
    c.lr = 0.05;
    c.threads = 1;
    c.seed = 17;
    c.inducedLossSamples = 0;
    return c;
}

struct Recorder : TrainingObserver {
    std::vector<EpochMetrics> epochs;
    void onEpoch(const EpochMetrics& m, const NetworkGraph&) override { epochs.push_back(m); }
};

} // namespace

TEST_CASE("retain valid updates drops exactly the gradients of removed edges", "[parallel]")
{
    // Before: row 0 {0, 2, 3}, row 1 {1}, row 2 {0, 3}. After a topology step: row 0 lost 2 and
    // gained 1, row 1 unchanged, row 2 lost 0 and 3 and gained 2.
    const SparseLayer from = layerOf(4, 3, {{0, 0, 1}, {0, 2, 1}, {0, 3, 1}, {1, 1, 1}, {2, 0, 1}, {2, 3, 1}});
    const SparseLayer to = layerOf(4, 3, {{0, 0, 1}, {0, 1, 1}, {0, 3, 1}, {1, 1, 1}, {2, 2, 1}});
    const std::vector<float> g{10, 20, 30, 40, 50, 60}; // aligned with `from`'s edges
    EdgeIndex dropped = -1;
    const std::vector<float> out =
        retainValidUpdates(from.rowPtr(), from.colIdx(), to.rowPtr(), to.colIdx(), g, &dropped);
    // `to`'s edges: (0,0) (0,1) (0,3) (1,1) (2,2).
    CHECK(out == std::vector<float>{10, 0, 30, 40, 0});
    CHECK(dropped == 3); // (0,2), (2,0), (2,3)

    // Same topology: every gradient kept, in place.
    CHECK(retainValidUpdates(from.rowPtr(), from.colIdx(), from.rowPtr(), from.colIdx(), g, &dropped) == g);
    CHECK(dropped == 0);
    CHECK_THROWS_AS(retainValidUpdates(from.rowPtr(), from.colIdx(), to.rowPtr(), to.colIdx(), std::vector<float>{1, 2}),
                    std::invalid_argument);
}

TEST_CASE("averaging over the union of topologies, then re-pruning, restores the target edge count", "[parallel]")
{
    // Two replicas of a 3 -> 2 layer with 3 edges each and different topologies.
    //   A: (0,0)=0.4  (0,1)=-0.2  (1,2)=1.0        bias {1, 2}
    //   B: (0,0)=0.2  (1,0)=-0.9  (1,2)=0.6        bias {3, 0}
    // Union means (absent = 0): (0,0)=0.3 (0,1)=-0.1 (1,0)=-0.45 (1,2)=0.8; bias {2, 1}.
    // Keep 3 by |w|: drop (0,1).
    NetworkGraph a({layerOf(3, 2, {{0, 0, 0.4f}, {0, 1, -0.2f}, {1, 2, 1.0f}})});
    NetworkGraph b({layerOf(3, 2, {{0, 0, 0.2f}, {1, 0, -0.9f}, {1, 2, 0.6f}})});
    a.layer(0).bias()[0] = 1;
    a.layer(0).bias()[1] = 2;
    b.layer(0).bias()[0] = 3;
    const int va = a.layer(0).addEdgeProperty("velocity"), vb = b.layer(0).addEdgeProperty("velocity");
    a.layer(0).edgeProperty(va)[0] = 2.0f; // on (0,0)
    b.layer(0).edgeProperty(vb)[2] = 4.0f; // on (1,2)
    const std::vector<ModelImage> replicas{captureModel(a, true, true), captureModel(b, true, true)};
    const std::vector<EdgeIndex> keep{3};
    const ModelImage avg = averageReplicas(replicas, keep);
    REQUIRE(avg.layers.size() == 1);
    const LayerImage& l = avg.layers[0];
    CHECK(l.rowPtr == std::vector<EdgeIndex>{0, 1, 3});
    CHECK(l.colIdx == std::vector<NeuronIndex>{0, 0, 2});
    REQUIRE(l.weights.size() == 3);
    CHECK(l.weights[0] == Approx(0.3f));
    CHECK(l.weights[1] == Approx(-0.45f));
    CHECK(l.weights[2] == Approx(0.8f));
    CHECK(l.bias == std::vector<float>{2.0f, 1.0f});
    REQUIRE(l.edgeProperties.size() == 1);
    CHECK(l.edgeProperties[0].first == "velocity");
    CHECK(l.edgeProperties[0].second == std::vector<float>{1.0f, 0.0f, 2.0f});

    // Applied to a network with yet another topology, it becomes that model (engine-safe edit).
    NetworkGraph net({layerOf(3, 2, {{0, 2, 5.0f}, {1, 1, 5.0f}})});
    applyModel(net, avg);
    net.layer(0).checkInvariants();
    CHECK(net.layer(0).edgeCount() == 3);
    CHECK(net.layer(0).findEdge(1, 0) >= 0);
    CHECK(net.layer(0).weights()[static_cast<std::size_t>(net.layer(0).findEdge(1, 0))] == Approx(-0.45f));

    // Keeping more than the union has keeps the union.
    const std::vector<EdgeIndex> all{10};
    CHECK(averageReplicas(replicas, all).layers[0].colIdx.size() == 4);
}

TEST_CASE("parallel messages survive encoding and reject truncation", "[parallel]")
{
    Message m;
    m.kind = Kind::Gradient;
    m.worker = 3;
    m.version = 7;
    m.lossSum = 1.25;
    m.correct = 5;
    m.samples = 9;
    m.gradients.weights = {{1, 2, 3}, {4}};
    m.gradients.biases = {{0.5f}, {0.25f, 0.125f}};
    NetworkGraph net({layerOf(3, 2, {{0, 0, 0.4f}, {1, 2, 1.0f}})});
    m.model = captureModel(net, true, true);
    const std::vector<std::byte> bytes = encode(m);
    const Message d = decode(bytes);
    CHECK(d.kind == Kind::Gradient);
    CHECK(d.worker == 3);
    CHECK(d.version == 7);
    CHECK(d.lossSum == 1.25);
    CHECK(d.samples == 9);
    CHECK(d.gradients.weights == m.gradients.weights);
    CHECK(d.gradients.biases == m.gradients.biases);
    CHECK(d.model.layers[0].colIdx == m.model.layers[0].colIdx);
    CHECK(d.model.layers[0].weights == m.model.layers[0].weights);
    for (std::size_t cut : {std::size_t{0}, std::size_t{7}, bytes.size() / 2, bytes.size() - 1})
        CHECK_THROWS_AS(decode(std::span(bytes).first(cut)), std::runtime_error);
}

TEST_CASE("shards partition the training set", "[parallel]")
{
    std::set<std::int64_t> seen;
    std::size_t total = 0;
    for (int k = 0; k < 3; ++k) {
        const auto rows = shardRows(100, 3, k, 5);
        CHECK((rows.size() == 33 || rows.size() == 34));
        total += rows.size();
        seen.insert(rows.begin(), rows.end());
    }
    CHECK(total == 100);
    CHECK(seen.size() == 100);
}

TEST_CASE("WASAP and WASSP on threads learn like sequential training, the same every run", "[parallel]")
{
    const DataSplit data = test::toyMadelon(600, 30, 3.0, 3);
    TrainConfig seq = toyConfig();
    Trainer sequential(seq, data);
    Recorder r0;
    sequential.run(&r0);
    const double seqAcc = r0.epochs.back().testAccuracy;
    REQUIRE(seqAcc > 0.8);

    for (const char* algorithm : {"wasap", "wassp"}) {
        INFO(algorithm);
        TrainConfig c = toyConfig();
        c.parallel = algorithm;
        c.workers = 2;
        std::vector<double> finals;
        NetworkGraph first;
        for (int run = 0; run < 2; ++run) {
            Trainer t(c, data);
            Recorder r;
            trainThreaded(t, data, &r);
            REQUIRE(r.epochs.size() == 6);
            for (const EpochMetrics& m : r.epochs)
                CHECK(m.complete);
            // Phase 1 = epochs 1-5 (auto: 1 local epoch); the topology step ran between them.
            CHECK(r.epochs[0].pruned > 0);
            CHECK(r.epochs.back().pruned == 0);
            CHECK(r.epochs.back().trainLoss < r.epochs.front().trainLoss);
            finals.push_back(r.epochs.back().testAccuracy);
            // The averaged, re-pruned model has each layer's target edge count.
            CHECK(t.network().edgeCount() == sequential.network().edgeCount());
            for (int l = 0; l < t.network().layerCount(); ++l)
                t.network().layer(l).checkInvariants();
            if (run == 0)
                first = t.network();
            else
                for (int l = 0; l < t.network().layerCount(); ++l) {
                    const auto w0 = first.layer(l).weights(), w1 = t.network().layer(l).weights();
                    CHECK(std::equal(w0.begin(), w0.end(), w1.begin(), w1.end())); // same seed, same model
                }
        }
        CHECK(finals[0] == finals[1]);
        CHECK(finals[0] > seqAcc - 0.1);
    }
}

TEST_CASE("a worker that fails ends the parallel run with an error naming it", "[parallel]")
{
    const DataSplit data = test::toyMadelon(200, 30, 3.0, 3);
    TrainConfig c = toyConfig();
    c.parallel = "wasap";
    c.workers = 2;
    c.lr = 1e30; // the first gradients step the weights to Inf: the next batch's loss is not finite
    Trainer t(c, data);
    CHECK_THROWS_AS(trainThreaded(t, data, nullptr), TrainingDiverged);

    // Impossible options are refused before anything runs.
    TrainConfig adam = toyConfig();
    adam.parallel = "wasap";
    adam.optimizer = "adam";
    CHECK_THROWS_WITH(Trainer(adam, data), Catch::Contains("--optimizer adam"));
    TrainConfig many = toyConfig();
    many.parallel = "wasap";
    many.workers = 500; // more workers than training samples
    CHECK_THROWS_WITH(Trainer(many, data), Catch::Contains("--workers 500") && Catch::Contains("training samples"));
}
