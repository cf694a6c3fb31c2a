// One point of the scaling table: the reference training step (All-ReLU 0.6, dropout 0.3, momentum
// SGD, batch 128) on Fashion-MNIST for a 784-W-W-W-10 SET network at a given epsilon, timed over
// a number of batches and one SET prune/regrow step, then extrapolated to an epoch of 60,000
// samples (469 batches). Wide networks make whole epochs impractically long to time, and the
// per-batch time is steady (the same kernels every batch), so this is what the table reports.
// Run one point per process (bench/scaling_table.py does) so the peak memory is the point's own.
// The batches are the Trainer's own (rewire train's loop), timed through its observer; the stopped
// epoch still evaluates the test set (untimed), as training does.
// Usage: scaling WIDTH EPSILON [BATCHES] [THREADS] [fp32|bf16]
// Prints one CSV row: width,epsilon,edges,hidden_density,batches,s_per_batch,s_per_epoch,
//                     evolution_s,peak_rss_mib,data_rss_mib

#include "run/run_folder.h"
#include "core/trainer.h"
#include "datasets/registry.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace rewire;
using Clock = std::chrono::steady_clock;

namespace {

// Times the Trainer's own batch loop: the gap between consecutive onBatch calls is one batch
// (sample gathering, forward, backward, update); training stops after `stopAfter` batches.
class BatchClock : public TrainingObserver {
public:
    explicit BatchClock(int stopAfter) : m_stopAfter(stopAfter) {}
    void onBatch(int, int batch, int) override
    {
        m_stamps.push_back(Clock::now());
        m_done = batch;
    }
    bool stopRequested() override { return m_done >= m_stopAfter; }
    // Seconds of each batch after the first `skip`.
    std::vector<double> batchSeconds(int skip) const
    {
        std::vector<double> s;
        for (std::size_t b = static_cast<std::size_t>(skip) + 1; b < m_stamps.size(); ++b)
            s.push_back(std::chrono::duration<double>(m_stamps[b] - m_stamps[b - 1]).count());
        return s;
    }

private:
    int m_stopAfter;
    int m_done = 0;
    std::vector<Clock::time_point> m_stamps;
};

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
    const int warmup = 10; // first batches page the buffers in and warm the caches
    const int perEpoch = (60000 + 127) / 128;
    if (batches < 1 || warmup + batches + 1 > perEpoch) {
        std::fprintf(stderr, "scaling: BATCHES must be in [1, %d]\n", perEpoch - warmup - 1);
        return 2;
    }

    TrainConfig config;
    config.dataset = "fashion-mnist";
    config.arch = "784-" + std::to_string(width) + "-" + std::to_string(width) + "-" + std::to_string(width) + "-10";
    config.epsilon = epsilon;
    config.threads = threads;
    config.precision = precision;
    config.epochs = 2; // so that the first epoch ends with a SET step
    const LoadedData data = loadDataset(datasetRequest(config)); // the data rewire train would load
    const double dataRss = peakRssMiB();
    try {
        Trainer trainer(config, data.split); // refuses a model that does not fit in memory
        BatchClock clock(warmup + batches + 1);
        const EpochMetrics m = trainer.trainEpoch(&clock);
        std::vector<double> times = clock.batchSeconds(warmup);
        std::sort(times.begin(), times.end());
        const double perBatch = times[times.size() / 2];
        const NetworkGraph& net = trainer.network();
        std::printf("%d,%g,%lld,%.6f,%d,%.6f,%.3f,%.4f,%.0f,%.0f\n", width, epsilon,
                    static_cast<long long>(net.edgeCount()), net.layer(1).density(), batches, perBatch,
                    perBatch * perEpoch + m.evolutionSeconds, m.evolutionSeconds, peakRssMiB(), dataRss);
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "scaling: %s\n", e.what());
        return 1;
    }
    return 0;
}
