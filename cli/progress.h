#pragma once
// Terminal progress for `rewire train`: a live bar on a terminal, one line per epoch otherwise.

#include "core/trainer.h"

#include <chrono>
#include <cstdio>
#include <functional>

namespace rewire::cli {

class ProgressPrinter : public TrainingObserver {
public:
    // `onEpochDone` runs after the epoch line is printed (the CLI writes metrics there).
    ProgressPrinter(int epochs, int batchSize, bool quiet, std::function<void(const EpochMetrics&, const NetworkGraph&)> onEpochDone);
    void onBatch(int epoch, int batch, int batchCount) override;
    void onEpoch(const EpochMetrics& m, const NetworkGraph& network) override;
    void onTrained(const EpochMetrics& m, const NetworkGraph& network) override
    {
        if (m_onTrained)
            m_onTrained(m, network);
    }
    std::function<void(const EpochMetrics&, const NetworkGraph&)> m_onTrained;
    bool stopRequested() override;

private:
    int m_epochs;
    int m_batchSize;
    bool m_quiet;
    bool m_tty;
    std::function<void(const EpochMetrics&, const NetworkGraph&)> m_onEpochDone;
    std::chrono::steady_clock::time_point m_epochStart;
    std::chrono::steady_clock::time_point m_lastDraw;
};

// Installs a SIGINT/SIGTERM handler that asks training to stop after the current batch.
void installStopHandler();
bool stopSignalled();

} // namespace rewire::cli
