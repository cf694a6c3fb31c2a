#pragma once
// TrainingWorker: runs the Trainer in its own thread (the same Trainer and observer calls as
// `rewire train`, the same run folder) and publishes a Snapshot after every epoch, or every K
// batches, through a SnapshotChannel. The GUI steers it with flags (pause, step, stop, new lr and
// zeta) that the worker reads between epochs and batches; it never waits for the GUI, and no
// exception leaves its thread: failures end in state Failed with the message.

#include "gui/snapshot_channel.h"

#include "analysis/network_sketch.h"
#include "core/config.h"

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

namespace rewire::gui {

enum class WorkerState { Idle, Loading, Running, Paused, Finished, Stopped, Failed };
const char* toString(WorkerState state);

struct WorkerStatus {
    WorkerState state = WorkerState::Idle;
    std::string message;        // the error for Failed; what is happening otherwise
    std::string dataset;        // description of the loaded data
    std::string runDir;
    int epoch = 0;              // epochs completed
    int batch = 0, batchCount = 0; // progress inside the running epoch
    double samplesPerSecond = 0;   // training throughput of the running (or last) epoch
    bool pausePending = false;     // paused, waiting for the running epoch to end
};

class TrainingWorker {
public:
    struct Options {
        TrainConfig config;
        std::filesystem::path runDir; // empty: no run folder
        bool force = false;           // write into a folder that holds a run
        int publishEveryBatches = 0;  // 0: a snapshot after each epoch only
        bool startPaused = false;     // build the network, publish epoch 0, then wait for Step/Resume
        // A run whose first network has more edges than this publishes sketches (analyseSketched):
        // the views' aggregates computed here from the trainer's network, no copy of its edges.
        EdgeIndex sketchAboveEdges = kSketchAboveEdges;
        SketchOptions sketch; // its rates are fixed from the first network (fixSampleRates) unless given
    };

    TrainingWorker(SnapshotChannel& channel, std::uint64_t generation, Options options);
    ~TrainingWorker(); // asks the thread to stop and joins it
    TrainingWorker(const TrainingWorker&) = delete;
    TrainingWorker& operator=(const TrainingWorker&) = delete;

    void start();
    // Pausing takes effect at the end of the running epoch, so epoch timings stay honest.
    void pause();
    void resume();
    // While paused: train exactly one more epoch, then pause again. While running: pause after
    // the running epoch.
    void step();
    // Ends the running epoch after its current batch; the run folder records status "stopped".
    void requestStop();
    // Applied before the next epoch starts.
    void setLearningRate(double lr);
    void setZeta(double zeta);

    WorkerStatus status() const;
    int epochsDone() const { return m_epochsDone.load(); }
    bool active() const; // Loading, Running or Paused
    void join();

private:
    class Observer;
    SnapshotChannel& m_channel;
    const std::uint64_t m_generation;
    Options m_options;
    std::thread m_thread;

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    WorkerStatus m_status;
    bool m_paused = false;
    int m_steps = 0;
    double m_pendingLr = -1, m_pendingZeta = -1;
    std::vector<ParameterChange> m_changes; // applied so far (the training thread's)
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_epochsDone{0};

    void run();
    void setState(WorkerState state, std::string message = {});
};

} // namespace rewire::gui
