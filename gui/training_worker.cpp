#include "gui/training_worker.h"

#include "run/run_folder.h"
#include "core/parallel/wasap.h"
#include "core/trainer.h"
#include "datasets/registry.h"

#include <chrono>
#include <cstdio>

namespace rewire::gui {

const char* toString(WorkerState state)
{
    switch (state) {
    case WorkerState::Idle: return "idle";
    case WorkerState::Loading: return "loading";
    case WorkerState::Running: return "running";
    case WorkerState::Paused: return "paused";
    case WorkerState::Finished: return "finished";
    case WorkerState::Stopped: return "stopped";
    case WorkerState::Failed: return "failed";
    }
    return "?";
}

// Runs on the worker thread inside Trainer::trainEpoch.
class TrainingWorker::Observer : public TrainingObserver {
public:
    // `network` is the Trainer's: between batches it is consistent, so onBatch may read it.
    // `sketch`: publish sketches of it with these options instead of copies.
    Observer(TrainingWorker& worker, RunWriter* writer, int batchSize, const NetworkGraph& network, const SketchOptions* sketch)
        : m_worker(worker), m_writer(writer), m_batchSize(batchSize), m_network(network), m_sketch(sketch)
    {
    }

    SnapshotPtr m_last; // the newest snapshot published, for the changes of the next one
    std::vector<EpochMetrics> m_history;

    // The snapshot of `network` now (epoch: epochs completed; batch > 0: that many batches into
    // the next one): analysed here, against the last one published.
    std::shared_ptr<Snapshot> capture(int epoch, int batch, int batchCount, const NetworkGraph& network)
    {
        auto s = std::make_shared<Snapshot>();
        s->generation = m_worker.m_generation;
        s->epoch = epoch;
        s->batch = batch;
        s->batchCount = batchCount;
        s->totalEpochs = m_worker.m_options.config.epochs;
        s->source = "live run";
        s->parameterChanges = m_worker.m_changes;
        const auto start = std::chrono::steady_clock::now();
        if (m_sketch)
            analyseSketched(*s, network, *m_sketch, m_last.get());
        else
            analyseSnapshot(*s, std::make_shared<const NetworkGraph>(network.topologyCopy()), m_last.get());
        s->analyseSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return s;
    }
    void publish(std::shared_ptr<Snapshot> s)
    {
        s->metrics = m_history;
        m_last = s;
        m_worker.m_channel.publish(std::move(s));
    }

    void onBatch(int epoch, int batch, int batchCount) override
    {
        const auto now = std::chrono::steady_clock::now();
        if (batch == 1)
            m_epochStart = now;
        const double secs = std::chrono::duration<double>(now - m_epochStart).count();
        {
            std::lock_guard lock(m_worker.m_mutex);
            m_worker.m_status.batch = batch;
            m_worker.m_status.batchCount = batchCount;
            if (batch > 1 && secs > 0)
                m_worker.m_status.samplesPerSecond = (batch - 1) * static_cast<double>(m_batchSize) / secs;
        }
        const int k = m_worker.m_options.publishEveryBatches;
        if (k > 0 && batch % k == 0 && batch < batchCount)
            publish(capture(epoch - 1, batch, batchCount, m_network));
    }
    void onTrained(const EpochMetrics& metrics, const NetworkGraph& network) override
    {
        // The trained network, before the topology step: the one the epoch's test figures describe
        // (the run folder's snapshots show the same). Published in onEpoch with complete metrics;
        // the run folder keeps the same copy for its turnover (a sketch it cannot use: then the
        // writer copies at its own snapshot epochs, as `rewire train` does).
        m_trained = capture(metrics.epoch, 0, 0, network);
        if (m_writer && !m_sketch)
            m_writer->offerTopology(m_trained->network); // the writer comes after this observer in the list
    }
    void onEpoch(const EpochMetrics& m, const NetworkGraph& network) override
    {
        m_history.push_back(m);
        m_worker.m_epochsDone = m.epoch;
        {
            std::lock_guard lock(m_worker.m_mutex);
            m_worker.m_status.epoch = m.epoch;
            if (m.epochSeconds > 0 && m_worker.m_status.batchCount > 0)
                m_worker.m_status.samplesPerSecond = m_batchSize * static_cast<double>(m_worker.m_status.batchCount) / m.epochSeconds;
        }
        publish(m_trained ? std::move(m_trained) : capture(m.epoch, 0, 0, network));
    }
    bool stopRequested() override { return m_worker.m_stop.load(std::memory_order_relaxed); }

private:
    TrainingWorker& m_worker;
    RunWriter* m_writer;
    int m_batchSize;
    std::chrono::steady_clock::time_point m_epochStart;
    const NetworkGraph& m_network;
    const SketchOptions* m_sketch;
    std::shared_ptr<Snapshot> m_trained;
};

TrainingWorker::TrainingWorker(SnapshotChannel& channel, std::uint64_t generation, Options options)
    : m_channel(channel), m_generation(generation), m_options(std::move(options))
{
    m_paused = m_options.startPaused;
    m_status.runDir = m_options.runDir.string();
}

TrainingWorker::~TrainingWorker()
{
    requestStop();
    join();
}

void TrainingWorker::start()
{
    if (m_thread.joinable())
        return;
    setState(WorkerState::Loading, "loading " + m_options.config.dataset);
    m_thread = std::thread([this] { run(); });
}

void TrainingWorker::join()
{
    if (m_thread.joinable())
        m_thread.join();
}

void TrainingWorker::pause()
{
    std::lock_guard lock(m_mutex);
    m_paused = true;
    m_status.pausePending = m_status.state == WorkerState::Running;
}

void TrainingWorker::resume()
{
    {
        std::lock_guard lock(m_mutex);
        m_paused = false;
        m_steps = 0;
        m_status.pausePending = false;
    }
    m_wake.notify_all();
}

void TrainingWorker::step()
{
    {
        std::lock_guard lock(m_mutex);
        if (!m_paused) {
            m_paused = true;
            m_status.pausePending = m_status.state == WorkerState::Running;
        } else {
            ++m_steps;
        }
    }
    m_wake.notify_all();
}

void TrainingWorker::requestStop()
{
    m_stop = true;
    m_wake.notify_all();
}

void TrainingWorker::setLearningRate(double lr)
{
    std::lock_guard lock(m_mutex);
    m_pendingLr = lr;
}

void TrainingWorker::setZeta(double zeta)
{
    std::lock_guard lock(m_mutex);
    m_pendingZeta = zeta;
}

WorkerStatus TrainingWorker::status() const
{
    std::lock_guard lock(m_mutex);
    return m_status;
}

bool TrainingWorker::active() const
{
    std::lock_guard lock(m_mutex);
    return m_status.state == WorkerState::Loading || m_status.state == WorkerState::Running ||
           m_status.state == WorkerState::Paused;
}

void TrainingWorker::setState(WorkerState state, std::string message)
{
    std::lock_guard lock(m_mutex);
    m_status.state = state;
    m_status.message = std::move(message);
    if (state != WorkerState::Running)
        m_status.pausePending = false;
}

void TrainingWorker::run()
{
    const TrainConfig& config = m_options.config;
    std::unique_ptr<RunWriter> writer;
    std::unique_ptr<Trainer> trainer;
    std::string description;
    try {
        LoadedData data = loadDataset(datasetRequest(config));
        description = data.description;
        {
            std::lock_guard lock(m_mutex);
            m_status.dataset = description;
        }
        trainer = std::make_unique<Trainer>(config, data.split);
        // --parallel: the workers are threads beside this one; each epoch below runs on them.
        std::unique_ptr<parallel::ThreadedWorkers> workers;
        if (config.parallel != "off")
            workers = std::make_unique<parallel::ThreadedWorkers>(*trainer, data.split);
        if (!m_options.runDir.empty()) {
            writer = std::make_unique<RunWriter>(m_options.runDir, config, trainer->network(),
                                                 data.split.validation.samples() > 0, m_options.force);
            writer->setThreads(trainer->threads());
        }
        // Too many edges to copy at every snapshot: sketches, at sample rates fixed for the run.
        const bool sketching = trainer->network().edgeCount() > m_options.sketchAboveEdges;
        if (sketching)
            fixSampleRates(m_options.sketch, trainer->network());
        Observer observer(*this, writer.get(), config.batch, trainer->network(), sketching ? &m_options.sketch : nullptr);
        ObserverList observers{&observer, writer.get()};
        observer.publish(observer.capture(0, 0, 0, trainer->network()));

        while (!trainer->finished() && !m_stop) {
            {
                std::unique_lock lock(m_mutex);
                if (m_paused && m_steps == 0) {
                    m_status.state = WorkerState::Paused;
                    m_status.pausePending = false;
                    m_wake.wait(lock, [&] { return !m_paused || m_steps > 0 || m_stop; });
                }
                if (m_stop)
                    break;
                if (m_paused && m_steps > 0)
                    --m_steps;
                const int next = trainer->epochsDone() + 1;
                if (m_pendingLr > 0) {
                    trainer->setLearningRate(m_pendingLr);
                    m_changes.push_back({next, "lr", formatNumber(m_pendingLr)});
                    if (writer)
                        writer->recordChange(next, "lr", formatNumber(m_pendingLr));
                }
                if (m_pendingZeta >= 0) {
                    trainer->setZeta(m_pendingZeta);
                    m_changes.push_back({next, "zeta", formatNumber(m_pendingZeta)});
                    if (writer)
                        writer->recordChange(next, "zeta", formatNumber(m_pendingZeta));
                }
                m_pendingLr = -1;
                m_pendingZeta = -1;
                m_status.state = WorkerState::Running;
                m_status.message.clear();
                m_status.batch = 0;
            }
            trainer->trainEpoch(&observers);
        }
        if (workers)
            workers->finish();
        const bool completed = trainer->finished();
        if (writer)
            writer->finish(completed ? "completed" : "stopped", {}, trainer->epochsDone(), trainer->network(), description);
        setState(completed ? WorkerState::Finished : WorkerState::Stopped,
                 completed ? "completed " + std::to_string(trainer->epochsDone()) + " epochs"
                           : "stopped after " + std::to_string(trainer->epochsDone()) + " epochs");
    } catch (const TrainingDiverged& e) {
        try {
            if (writer && trainer)
                writer->finish("diverged", e.what(), trainer->epochsDone(), trainer->network(), description);
        } catch (const std::exception&) {
        }
        setState(WorkerState::Failed, e.what());
    } catch (const std::exception& e) {
        setState(WorkerState::Failed, e.what());
    }
}

} // namespace rewire::gui
