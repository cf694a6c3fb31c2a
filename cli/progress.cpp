#include "cli/progress.h"

#include <fmt/format.h>

#include "run/run_folder.h"

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <string>
#include <unistd.h>

namespace rewire::cli {

namespace {
volatile std::sig_atomic_t g_stop = 0;
extern "C" void onSignal(int) { g_stop = 1; }
} // namespace

void installStopHandler()
{
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    std::signal(SIGHUP, onSignal); // the terminal closed: stop and save, as for Ctrl-C
}

bool stopSignalled() { return g_stop != 0; }

ProgressPrinter::ProgressPrinter(int epochs, int batchSize, bool quiet)
    : m_epochs(epochs), m_batchSize(batchSize), m_quiet(quiet), m_tty(::isatty(STDERR_FILENO) != 0), m_epochStart(std::chrono::steady_clock::now()), m_lastDraw(m_epochStart)
{
}

void ProgressPrinter::onBatch(int epoch, int batch, int batchCount)
{
    const auto now = std::chrono::steady_clock::now();
    if (batch == 1)
        m_epochStart = now;
    if (!m_tty || m_quiet)
        return;
    if (batch != batchCount && now - m_lastDraw < std::chrono::milliseconds(100))
        return;
    m_lastDraw = now;
    const double secs = std::chrono::duration<double>(now - m_epochStart).count();
    const double rate = secs > 0 ? batch * static_cast<double>(m_batchSize) / secs : 0.0;
    constexpr int width = 30;
    const int filled = batchCount ? width * batch / batchCount : width;
    std::fprintf(stderr, "\r  epoch %d/%d [%.*s%*s] %3d%%  %7.0f samples/s ", epoch, m_epochs, filled,
                 "##############################", width - filled, "", batchCount ? 100 * batch / batchCount : 100,
                 rate);
    std::fflush(stderr);
}

void ProgressPrinter::onEpoch(const EpochMetrics& m, const NetworkGraph& /*network*/)
{
    if (m_tty && !m_quiet)
        std::fprintf(stderr, "\r%80s\r", "");
    if (!m_quiet) {
        // "n/a" for a split with no samples; accuracies right-aligned in 6 characters, then "%".
        const auto loss = [](double x) { return formatMeasured(x, 4); };
        const auto acc = [](double x) {
            if (std::isnan(x))
                return formatMeasured(x, 2);
            const std::string t = formatMeasured(x, 2, 100);
            return std::string(t.size() < 6 ? 6 - t.size() : 0, ' ') + t + "%";
        };
        std::string val;
        if (m.hasValidation)
            val = "  val loss " + loss(m.validationLoss) + " acc " + acc(m.validationAccuracy);
        std::printf("epoch %*d/%d  train loss %s acc %s%s  test loss %s acc %s  connections %lld  "
                    "%.2fs (+%.2fs evolution, %.2fs eval%s)\n",
                    m_epochs >= 100 ? 3 : (m_epochs >= 10 ? 2 : 1), m.epoch, m_epochs,
                    loss(m.trainLoss).c_str(), acc(m.trainAccuracy).c_str(), val.c_str(), loss(m.testLoss).c_str(),
                    acc(m.testAccuracy).c_str(),
                    static_cast<long long>(m.connections), m.epochSeconds, m.evolutionSeconds, m.evalSeconds,
                    m.measureSeconds >= 0.005 ? fmt::format(", {:.2f}s induced loss", m.measureSeconds).c_str() : "");
        if (m.passTimes) { // --profile
            const MlpEngine::Times& t = *m.passTimes;
            std::printf("  profile  %10s %10s %10s   seconds of this epoch's training pass; input filling %.3fs, "
                        "loss %.3fs\n",
                        "forward", "backward", "update", t.input, t.loss);
            for (std::size_t l = 0; l < t.forward.size(); ++l)
                std::printf("  layer %-2zu %10.3f %10.3f %10.3f\n", l + 1, t.forward[l], t.backward[l], t.update[l]);
        }
        std::fflush(stdout);
    }
}

bool ProgressPrinter::stopRequested() { return stopSignalled(); }

} // namespace rewire::cli
