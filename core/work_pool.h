#pragma once
// WorkPool: the engine's threads. A job is a count of independent work units; the calling thread
// and every free worker claim units until none is left, so a thread that the OS has descheduled
// (another process on its core) holds up only the unit it is running, never the job's start or
// end. Each unit has a home thread (units are cut into one contiguous range per thread, in
// order), which takes its own units first: on an idle machine every thread works on the rows it
// wrote in the previous job, as a static partition would; under load the others take the rest.
// Results never depend on which thread ran a unit: every unit writes its own outputs.
//
// Waiting threads spin for 0.5 ms, then sleep on a futex, so that a free core goes idle and the
// OS can move a preempted thread onto it (OpenMP's barriers spin far longer by default, keeping
// that core busy while the thread the job waits for sits behind another process). Every 10 ms the
// caller counts the machine's runnable threads; while other processes keep cores busy, only as
// many pool threads as there are free cores take part, the others park: a thread that shares its
// core with another program is preempted in the middle of its units, and the job waits for it.
//
// Every worker runs with flush-to-zero and denormals-are-zero, and so does the caller during a job
// (see FlushDenormals).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <thread>
#include <type_traits>
#include <vector>

namespace rewire {

// Sets the calling thread's SSE/AVX control to flush subnormal results to zero (FTZ) and read
// subnormal inputs as zero (DAZ) for its lifetime, then restores the previous mode. Very sparse
// layers drift into subnormal weights and activations, and every operation that touches one then
// takes a microcode assist: up to 18x slower epochs (bench/RESULTS.md, "Subnormals"). Values below
// 1.2e-38 carry nothing a network can use. No-op on CPUs without SSE.
class FlushDenormals {
public:
    FlushDenormals();
    ~FlushDenormals();
    FlushDenormals(const FlushDenormals&) = delete;
    FlushDenormals& operator=(const FlushDenormals&) = delete;
    // Whether the calling thread flushes subnormals now.
    static bool active();

private:
    unsigned m_saved = 0;
};

// Cores this process may run on (its affinity mask).
int onlineCores();
// Threads of other processes (and of this one beyond `ownRunnable`) that are runnable right now,
// from /proc/loadavg; -1 when that cannot be read. Cheap (one small read), allocation-free.
int busyThreadsElsewhere(int ownRunnable);

// One kernel phase of a job: units [0, units), unit u run by call(ctx, u).
struct WorkPart {
    int units = 0;
    void* ctx = nullptr;
    void (*call)(void*, int) = nullptr;
};

// A WorkPart running body(u); body must outlive the job.
template <class F>
WorkPart workPart(int units, F& body)
{
    return {units, const_cast<void*>(static_cast<const void*>(&body)),
            [](void* ctx, int u) { (*static_cast<F*>(ctx))(u); }};
}

// How a pool learns how busy the machine is: the cores it may use and the threads of others
// that are runnable now (see busyThreadsElsewhere; -1: unknown). Tests set their own.
struct LoadProbe {
    int cores = 0;                                      // 0: onlineCores()
    std::function<int(int ownRunnable)> busyElsewhere; // empty: busyThreadsElsewhere
};

class WorkPool {
public:
    // threads >= 1: the caller of run() plus threads - 1 workers, started here. Throws
    // std::invalid_argument for threads < 1.
    explicit WorkPool(int threads, LoadProbe probe = {});
    ~WorkPool();
    WorkPool(const WorkPool&) = delete;
    WorkPool& operator=(const WorkPool&) = delete;

    int threads() const { return m_threads; }
    // The threads that take part in jobs now (the others are parked; see sampleContention).
    int activeThreads() const { return static_cast<int>(m_active.load(std::memory_order_relaxed)); }

    // Runs every unit of every part, each exactly once, and returns when all are done. The parts
    // must not depend on each other (one job: a thread that finishes part 0 goes on to part 1).
    // Thread t's home units are its share [n t / T, n (t + 1) / T) of each part of n units. The
    // bodies must not throw and must not call run() (one job at a time, from one thread). At most
    // kMaxParts parts and 65535 units in all. Never allocates.
    // Time complexity: O(units) claims plus the bodies.
    static constexpr int kMaxParts = 4;
    void run(std::initializer_list<WorkPart> parts);
    template <class F>
    void run(int units, F&& body)
    {
        run({workPart(units, body)});
    }

private:
    // One home range per thread: (generation tag, next unit, end unit) in one word, so a claim is
    // one compare-and-swap that also proves the job is still the one the claimer saw.
    struct alignas(64) Cursor {
        std::atomic<std::uint64_t> word{0};
    };
    void workerLoop(int index);
    // Every 10 ms or so (from run()): how many cores other processes leave free, from the count
    // of runnable threads. Only that many threads take part in jobs: the others park after 30 ms
    // of busy cores and come back after 100 ms of free ones.
    void sampleContention();
    // Claims and runs units of job `generation` from every home range, own first; returns how
    // many it ran (0 when the job has moved on).
    int participate(std::uint32_t generation, int self);
    // Runs unit u of the job (u in the home-range order described at run()).
    void runUnit(int u) const;

    int m_threads;
    std::vector<Cursor> m_cursors;
    // The job: read only by a thread that holds one of its units, so stable while it runs.
    WorkPart m_parts[kMaxParts];
    int m_partCount = 0;
    std::vector<int> m_homeBegin; // first unit of each thread's home range, threads + 1 entries
    alignas(64) std::atomic<std::uint32_t> m_generation{0};
    std::atomic<std::uint32_t> m_sleepers{0};
    std::atomic<bool> m_stop{false};
    std::atomic<std::uint32_t> m_active{1}; // threads taking part in jobs (index < m_active)
    std::atomic<std::uint32_t> m_parked{0};
    int m_cores = 1;
    std::function<int(int)> m_busyElsewhere; // the probe's, or busyThreadsElsewhere
    int m_lowerVotes = 0, m_raiseVotes = 0;
    std::chrono::steady_clock::time_point m_lastSample{};
    alignas(64) std::atomic<std::uint32_t> m_remaining{0};
    std::atomic<std::uint32_t> m_callerWaiting{0};
    std::vector<std::thread> m_workers;
};

} // namespace rewire
