#pragma once
// Terminal progress for `rewire train`: a live bar on a terminal, one line per epoch otherwise.

#include "core/trainer.h"

#include <chrono>
#include <cstdio>

namespace rewire::cli {

// A TrainingObserver; `rewire train` composes it with the run writer in an ObserverList.
class ProgressPrinter : public TrainingObserver {
public:
    ProgressPrinter(int epochs, int batchSize, bool quiet);
    void onBatch(int epoch, int batch, int batchCount) override;
    void onEpoch(const EpochMetrics& m, const NetworkGraph& network) override;
    // SIGINT, SIGTERM or SIGHUP arrived (installStopHandler).
    bool stopRequested() override;

private:
    int m_epochs;
    int m_batchSize;
    bool m_quiet;
    bool m_tty;
    std::chrono::steady_clock::time_point m_epochStart;
    std::chrono::steady_clock::time_point m_lastDraw;
};

// Installs a SIGINT/SIGTERM handler that asks training to stop after the current batch.
void installStopHandler();
bool stopSignalled();

} // namespace rewire::cli
