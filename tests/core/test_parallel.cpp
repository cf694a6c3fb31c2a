#include "core/parallel/model_image.h"
#include "core/parallel/transport.h"
#include "core/parallel/wasap.h"
#include "core/trainer.h"
#include "toy_data.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <thread>

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
    TrainConfig c = test::toyTrainConfig();
    c.threads = 1;
    c.inducedLossSamples = 0;
    return c;
}

using test::Recorder;

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

TEST_CASE("averaged replicas carry the union of the positions each ever held", "[parallel][exploration]")
{
    // Replica A once held (0,1) and dropped it; B holds (1,0). The average keeps (0,0) and (1,0)
    // only, yet the explored positions are every position either ever held: 4 of 6.
    NetworkGraph a({layerOf(3, 2, {{0, 0, 0.4f}, {0, 1, -0.2f}})});
    NetworkGraph b({layerOf(3, 2, {{0, 0, 0.2f}, {1, 0, -0.9f}, {1, 2, 0.01f}})});
    a.layer(0).trackExploration();
    b.layer(0).trackExploration();
    a.layer(0).editTopology(std::vector<std::uint8_t>{1, 0}, {});
    const std::vector<ModelImage> replicas{captureModel(a, true, true), captureModel(b, true, true)};
    const ModelImage avg = averageReplicas(replicas, std::vector<EdgeIndex>{2});
    REQUIRE(avg.layers[0].explored);
    CHECK(avg.layers[0].explored->count() == 4);
    // Through a message (MPI) and into a server network that tracked only its own edge.
    Message m;
    m.kind = Kind::Replica;
    m.model = avg;
    const Message d = decode(encode(m));
    REQUIRE(d.model.layers[0].explored);
    CHECK(*d.model.layers[0].explored == *avg.layers[0].explored);
    NetworkGraph server({layerOf(3, 2, {{1, 1, 1.0f}})});
    server.layer(0).trackExploration();
    applyModel(server, d.model);
    CHECK(server.layer(0).edgeCount() == 2);
    CHECK(server.layer(0).explored()->count() == 5); // (1,1) was the server's own
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
            c.threads = run + 1; // the workers' engines with 1, then 2 threads: the same run
            Trainer t(c, data);
            Recorder r;
            {
                ThreadedWorkers workers(t, data);
                t.run(&r);
                workers.finish();
                if (std::string(algorithm) == "wasap") // in-flight gradients met the topology steps
                    CHECK(workers.droppedGradients() > 0);
            }
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

TEST_CASE("the server moves stale gradients onto the new topology: removed edges get none, regrown ones none", "[parallel]")
{
    // One fake worker that always answers with gradients of 1 on the first model it received:
    // epoch 1 applies them as they are; the topology step after it prunes and regrows; epoch 2
    // must apply them to the edges that survived only.
    const DataSplit data = test::toyMadelon(600, 30, 3.0, 3);
    TrainConfig c = toyConfig();
    c.parallel = "wasap";
    c.workers = 1;
    c.batch = 512; // every training sample in one batch: one gradient per epoch
    c.epochs = 2;
    c.localEpochs = 0;
    c.momentum = 0.0;
    c.weightDecay = 0.0;
    Trainer t(c, data);
    const auto transport = makeThreadTransport(1);
    std::thread fake([&] {
        const Message first = transport->receiveFromServer(0);
        for (;;) {
            Message g;
            g.kind = Kind::Gradient;
            g.version = first.version;
            g.samples = 1;
            for (const LayerImage& l : first.model.layers) {
                g.gradients.weights.emplace_back(l.colIdx.size(), 1.0f);
                g.gradients.biases.emplace_back(static_cast<std::size_t>(l.outputs), 0.0f);
            }
            transport->sendToServer(0, std::move(g));
            if (transport->receiveFromServer(0).kind == Kind::Stop)
                return;
        }
    });
    ParameterServer server(t, *transport);
    const NetworkGraph v1 = t.network();
    const EpochMetrics e1 = t.trainEpoch();
    REQUIRE(e1.pruned > 0);
    const NetworkGraph v2 = t.network(); // after the step
    t.trainEpoch();
    server.finish();
    fake.join();
    // Exactly the worker's edges the step removed (a pruned position SET happened to regrow is an
    // edge again, and keeps its gradient).
    EdgeIndex removed = 0;
    for (int l = 0; l < v1.layerCount(); ++l)
        for (NeuronIndex j = 0; j < v1.layer(l).outputs(); ++j)
            for (EdgeIndex e = v1.layer(l).rowPtr()[static_cast<std::size_t>(j)]; e < v1.layer(l).rowPtr()[static_cast<std::size_t>(j) + 1]; ++e)
                removed += v2.layer(l).findEdge(j, v1.layer(l).colIdx()[static_cast<std::size_t>(e)]) < 0;
    CHECK(removed > 0);
    CHECK(removed <= e1.pruned);
    CHECK(server.droppedGradients() == removed);
    const float lr = static_cast<float>(c.lr);
    EdgeIndex kept = 0, regrown = 0;
    for (int l = 0; l < t.network().layerCount(); ++l) {
        const SparseLayer& now = t.network().layer(l);
        const SparseLayer& before = v2.layer(l);
        REQUIRE(now.edgeCount() == before.edgeCount()); // no step after the last epoch
        for (NeuronIndex j = 0; j < now.outputs(); ++j)
            for (EdgeIndex e = now.rowPtr()[static_cast<std::size_t>(j)]; e < now.rowPtr()[static_cast<std::size_t>(j) + 1]; ++e) {
                const NeuronIndex i = now.colIdx()[static_cast<std::size_t>(e)];
                const float w = now.weights()[static_cast<std::size_t>(e)];
                const float w0 = before.weights()[static_cast<std::size_t>(e)];
                if (v1.layer(l).findEdge(j, i) >= 0) { // in the worker's topology: stepped by -lr * 1
                    CHECK(w == Approx(w0 - lr).margin(1e-6));
                    ++kept;
                } else { // regrown after the worker took its model: untouched
                    CHECK(w == w0);
                    ++regrown;
                }
            }
    }
    CHECK(kept > 0);
    CHECK(regrown == removed); // SET regrows what it prunes
}

TEST_CASE("a failing worker ends the epoch with an error naming it, without hanging", "[parallel]")
{
    const DataSplit data = test::toyMadelon(200, 30, 3.0, 3);
    TrainConfig c = toyConfig();
    c.parallel = "wasap";
    c.workers = 2;
    Trainer t(c, data);
    const auto transport = makeThreadTransport(2);
    std::thread good([&] { work(0, c, data, *transport, 1); });
    std::thread bad([&] {
        transport->receiveFromServer(1);
        transport->sendToServer(1, failureMessage(1, std::runtime_error("out of disk")));
    });
    {
        ParameterServer server(t, *transport);
        CHECK_THROWS_WITH(t.trainEpoch(), Catch::Contains("worker 1 failed: out of disk"));
    }
    for (int k = 0; k < 2; ++k) {
        Message stop;
        stop.kind = Kind::Stop;
        transport->sendToWorker(k, std::move(stop));
    }
    good.join();
    bad.join();

    // A worker whose training diverges is reported as divergence.
    Message diverged = failureMessage(0, TrainingDiverged("loss is NaN"));
    CHECK(diverged.diverged);
    CHECK_THROWS_AS(throwFailure(diverged, "worker 0"), TrainingDiverged);
}

TEST_CASE("a parallel run's checkpoint after phase 2 epochs resumes", "[parallel]")
{
    const DataSplit data = test::toyMadelon(600, 30, 3.0, 3);
    TrainConfig c = toyConfig();
    c.parallel = "wasap";
    c.epochs = 4;
    c.localEpochs = 2;
    Trainer t(c, data);
    trainThreaded(t, data, nullptr);
    NetworkGraph saved = t.network();
    TrainConfig longer = c;
    longer.epochs = 6;
    Trainer resumed(longer, data, std::move(saved), 4); // topology.state holds the 4 epochs
    CHECK(resumed.epochsDone() == 4);
}
