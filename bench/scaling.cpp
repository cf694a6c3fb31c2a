// One point of the scaling table: the reference training step (All-ReLU 0.6, dropout 0.3, momentum
// SGD, batch 128) on Fashion-MNIST for a 784-W-W-W-10 SET network at a given epsilon, timed over
// a number of batches and one SET prune/regrow step, then extrapolated to an epoch of 60,000
// samples (469 batches). Wide networks make whole epochs impractically long to time, and the
// per-batch time is steady (the same kernels every batch), so this is what the table reports.
// Run one point per process (bench/scaling does) so the peak memory is the point's own.
// Usage: scaling WIDTH EPSILON [BATCHES] [THREADS] [fp32|bf16]
// Prints one CSV row: width,epsilon,edges,hidden_density,batches,s_per_batch,s_per_epoch,
//                     evolution_s,peak_rss_mib,data_rss_mib

#include "cli/run_folder.h"
#include "core/evolution.h"
#include "core/init.h"
#include "core/network.h"
#include "core/rng.h"
#include "core/trainer.h"
#include "datasets/registry.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>

using namespace rewire;
using Clock = std::chrono::steady_clock;

namespace {
double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
} // namespace

int main(int argc, char** argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: scaling WIDTH EPSILON [BATCHES] [THREADS] [fp32|bf16]\n");
        return 2;
    }
    const int width = std::atoi(argv[1]);
    const double epsilon = std::atof(argv[2]);
    const int batches = argc > 3 ? std::atoi(argv[3]) : 50;
    const int threads = argc > 4 ? std::atoi(argv[4]) : 2;
    const std::string precision = argc > 5 ? argv[5] : "fp32";

    DatasetRequest request;
    request.spec = "fashion-mnist";
    const LoadedData data = loadDataset(request);
    const double dataRss = peakRssMiB();

    TrainConfig config;
    config.arch = "784-" + std::to_string(width) + "-" + std::to_string(width) + "-" + std::to_string(width) + "-10";
    config.epsilon = epsilon;
    config.threads = threads;
    if (estimateTrainingBytes(config) > 0.9 * availableMemoryBytes()) {
        std::fprintf(stderr, "scaling: %s at epsilon %g needs ~%.1f GiB, more than available\n", config.arch.c_str(),
                     epsilon, estimateTrainingBytes(config) / 1073741824.0);
        return 1;
    }
    NetworkGraph net = buildNetwork(config);
    MlpEngine engine(net, Activation::parse(config.activation), Loss::CrossEntropy, config.batch, threads);
    engine.setBf16Activations(precision == "bf16");
    const Dataset& train = data.split.train;
    std::vector<std::int64_t> order(static_cast<std::size_t>(train.samples()));
    std::iota(order.begin(), order.end(), 0);
    Rng shuffle(7);
    for (std::size_t i = order.size() - 1; i > 0; --i)
        std::swap(order[i], order[static_cast<std::size_t>(shuffle.below(i + 1))]);
    std::vector<std::int32_t> labels(static_cast<std::size_t>(config.batch));
    const SgdStep step{static_cast<float>(config.lr), static_cast<float>(config.momentum),
                       static_cast<float>(config.weightDecay)};
    auto runBatch = [&](int bi) {
        const std::span<const std::int64_t> rows(order.data() + static_cast<std::size_t>(bi) * config.batch,
                                                 static_cast<std::size_t>(config.batch));
        for (int q = 0; q < config.batch; ++q)
            labels[static_cast<std::size_t>(q)] = train.y[static_cast<std::size_t>(rows[q])];
        engine.fillInput(train.x.data(), train.features(), rows);
        const BatchResult r = engine.trainBatch(config.batch, labels, step, 0.7f, hashCounter(11, static_cast<std::uint64_t>(bi)));
        if (!r.finite)
            std::fprintf(stderr, "scaling: non-finite loss at batch %d\n", bi);
    };
    const int warmup = 10; // first batches page the buffers in and warm the caches
    for (int b = 0; b < warmup; ++b)
        runBatch(b);
    std::vector<double> times;
    for (int b = warmup; b < warmup + batches; ++b) {
        const auto t = Clock::now();
        runBatch(b % 468);
        times.push_back(secondsSince(t));
    }
    std::sort(times.begin(), times.end());
    const double perBatch = times[times.size() / 2];
    const auto t = Clock::now();
    Rng rng(5);
    const WeightInit init = parseWeightInit(config.init);
    for (int l = 0; l < net.layerCount(); ++l)
        if (!net.layer(l).isDense())
            setEvolve(net.layer(l), config.zeta, init, rng);
    const double evolution = secondsSince(t);
    const int perEpoch = (60000 + config.batch - 1) / config.batch;
    std::printf("%d,%g,%lld,%.6f,%d,%.6f,%.3f,%.4f,%.0f,%.0f\n", width, epsilon,
                static_cast<long long>(net.edgeCount()), net.layer(1).density(), batches, perBatch,
                perBatch * perEpoch + evolution, evolution, peakRssMiB(), dataRss);
    return 0;
}
