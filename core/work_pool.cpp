#include "core/work_pool.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <stdexcept>
#include <string>
#include <utility>

#if defined(__SSE__)
#include <xmmintrin.h>
#endif
#if defined(__linux__)
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace rewire {

namespace {

#if defined(__SSE__)
constexpr unsigned kFlushBits = 0x8040; // MXCSR: FTZ (bit 15) and DAZ (bit 6)
#endif

using Clock = std::chrono::steady_clock;

// How long a thread spins before it sleeps: long enough to catch the next job of a batch on an
// idle machine, and the end of an unbalanced one (waking a sleeping thread costs tens of
// microseconds in a virtual machine: measured 0.66 -> 0.51 ms per batch at width 1k, eps 1,
// from 100 to 500 us), short against the milliseconds a preempted thread waits for its core.
// A worker that shares its core with another process uses up its share of that core, and the
// scheduler then preempts it in the middle of a unit, which the whole job waits for (measured:
// 64 waits of ~4 ms per two epochs, and 15 % slower than one thread). So such a worker does not
// take part at all (see sampleContention); the others spin for a while between jobs.
constexpr auto kWorkerSpin = std::chrono::microseconds(500);
constexpr auto kCallerSpin = std::chrono::microseconds(500);
constexpr auto kContentionPeriod = std::chrono::milliseconds(10);
constexpr int kLowerAfter = 3, kRaiseAfter = 10;

inline void cpuRelax()
{
#if defined(__SSE2__)
    _mm_pause();
#endif
}

// Spins until ready() or the budget is spent; returns ready()'s last value.
template <class Ready>
bool spinFor(Clock::duration budget, Ready&& ready)
{
    const auto deadline = Clock::now() + budget;
    for (;;) {
        for (int i = 0; i < 32; ++i) {
            if (ready())
                return true;
            cpuRelax();
        }
        if (Clock::now() >= deadline)
            return ready();
    }
}

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
              std::atomic<std::uint32_t>::is_always_lock_free);

// Sleeps while *word == expected (returns at once when it differs, or spuriously).
void futexWait(std::atomic<std::uint32_t>& word, std::uint32_t expected)
{
#if defined(__linux__)
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
#else
    word.wait(expected);
#endif
}

void futexWakeAll(std::atomic<std::uint32_t>& word)
{
#if defined(__linux__)
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
#else
    word.notify_all();
#endif
}

constexpr std::uint64_t pack(std::uint32_t tag, std::uint32_t next, std::uint32_t end)
{
    return static_cast<std::uint64_t>(tag) << 32 | static_cast<std::uint64_t>(next) << 16 | end;
}
constexpr std::uint32_t tagOf(std::uint64_t w) { return static_cast<std::uint32_t>(w >> 32); }
constexpr int nextOf(std::uint64_t w) { return static_cast<int>((w >> 16) & 0xffff); }
constexpr int endOf(std::uint64_t w) { return static_cast<int>(w & 0xffff); }

// The number of runnable threads in the system now (the fourth field of /proc/loadavg, "R/T"), or
// -1 when it cannot be read. No allocation: a stack buffer and plain read().
int runnableThreads()
{
#if defined(__linux__)
    const int fd = ::open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char buf[128];
    const ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    int field = 0, value = 0;
    bool digits = false;
    for (const char* p = buf; *p; ++p) {
        if (*p == ' ') {
            ++field;
            continue;
        }
        if (field == 3) {
            if (*p == '/')
                return digits ? value : -1;
            if (*p < '0' || *p > '9')
                return -1;
            value = value * 10 + (*p - '0');
            digits = true;
        }
    }
#endif
    return -1;
}

} // namespace

int onlineCores()
{
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return std::max(1, CPU_COUNT(&set));
#endif
    return std::max(1u, std::thread::hardware_concurrency());
}

int busyThreadsElsewhere(int ownRunnable)
{
    const int r = runnableThreads();
    return r < 0 ? -1 : std::max(0, r - ownRunnable);
}

// Guards nest (an epoch, its batches, each batch's jobs): only the outermost one writes the
// control register, the inner ones just read it.
FlushDenormals::FlushDenormals()
{
#if defined(__SSE__)
    m_saved = _mm_getcsr();
    if ((m_saved & kFlushBits) != kFlushBits)
        _mm_setcsr(m_saved | kFlushBits);
#endif
}

FlushDenormals::~FlushDenormals()
{
#if defined(__SSE__)
    if ((m_saved & kFlushBits) != kFlushBits)
        _mm_setcsr(m_saved);
#endif
}

bool FlushDenormals::active()
{
#if defined(__SSE__)
    return (_mm_getcsr() & kFlushBits) == kFlushBits;
#else
    return false;
#endif
}

WorkPool::WorkPool(int threads, LoadProbe probe) : m_threads(threads), m_busyElsewhere(probe.busyElsewhere ? std::move(probe.busyElsewhere) : std::function<int(int)>(busyThreadsElsewhere))
{
    if (threads < 1)
        throw std::invalid_argument("WorkPool: threads must be >= 1, got " + std::to_string(threads));
    m_cursors = std::vector<Cursor>(static_cast<std::size_t>(threads));
    m_homeBegin.assign(static_cast<std::size_t>(threads) + 1, 0);
    m_cores = probe.cores > 0 ? probe.cores : onlineCores();
    m_active.store(static_cast<std::uint32_t>(threads));
    m_workers.reserve(static_cast<std::size_t>(threads - 1));
    for (int t = 1; t < threads; ++t)
        m_workers.emplace_back([this, t] { workerLoop(t); });
}

WorkPool::~WorkPool()
{
    m_stop.store(true, std::memory_order_seq_cst);
    m_generation.fetch_add(1, std::memory_order_seq_cst);
    m_active.fetch_add(1, std::memory_order_seq_cst);
    futexWakeAll(m_generation);
    futexWakeAll(m_active);
    for (std::thread& w : m_workers)
        w.join();
}

void WorkPool::runUnit(int u) const
{
    int t = 0;
    while (m_homeBegin[static_cast<std::size_t>(t) + 1] <= u)
        ++t;
    int offset = u - m_homeBegin[static_cast<std::size_t>(t)];
    for (int p = 0; p < m_partCount; ++p) {
        const WorkPart& part = m_parts[p];
        const int begin = static_cast<int>(static_cast<std::int64_t>(part.units) * t / m_threads);
        const int count = static_cast<int>(static_cast<std::int64_t>(part.units) * (t + 1) / m_threads) - begin;
        if (offset < count) {
            part.call(part.ctx, begin + offset);
            return;
        }
        offset -= count;
    }
}

int WorkPool::participate(std::uint32_t generation, int self)
{
    int ran = 0;
    for (int k = 0; k < m_threads; ++k) {
        Cursor& c = m_cursors[static_cast<std::size_t>((self + k) % m_threads)];
        std::uint64_t w = c.word.load(std::memory_order_acquire);
        while (tagOf(w) == generation && nextOf(w) < endOf(w)) {
            if (c.word.compare_exchange_weak(w, w + (1u << 16), std::memory_order_acq_rel, std::memory_order_acquire)) {
                // The claimed unit keeps the job open, so the parts are this job's.
                runUnit(nextOf(w));
                ++ran;
                w = c.word.load(std::memory_order_acquire);
            }
        }
        if (tagOf(w) != generation)
            break; // the job is over (this thread holds no unreported unit, or it could not be)
    }
    if (ran > 0 && m_remaining.fetch_sub(static_cast<std::uint32_t>(ran), std::memory_order_seq_cst) ==
                       static_cast<std::uint32_t>(ran) &&
        m_callerWaiting.load(std::memory_order_seq_cst))
        futexWakeAll(m_remaining);
    return ran;
}

void WorkPool::run(std::initializer_list<WorkPart> parts)
{
    if (parts.size() > static_cast<std::size_t>(kMaxParts))
        throw std::invalid_argument("WorkPool::run: " + std::to_string(parts.size()) + " parts, at most " +
                                    std::to_string(kMaxParts));
    std::int64_t units = 0;
    for (const WorkPart& p : parts)
        units += std::max(0, p.units);
    if (units == 0)
        return;
    if (units > 0xffff)
        throw std::invalid_argument("WorkPool::run: " + std::to_string(units) + " units, at most 65535");
    FlushDenormals flush;
    // Every job, whatever its length: gated by a count of jobs instead, a pool whose jobs take
    // seconds (a 10M-neuron layer on one thread) sampled once a minute and needed ten samples to
    // take a freed core back (bench/RESULTS.md, "Scale, third part"). sampleContention reads the
    // clock and, at most every 10 ms, /proc/loadavg.
    if (m_threads > 1)
        sampleContention();
    if (m_threads == 1 || units == 1 || m_active.load(std::memory_order_relaxed) == 1) { // no job to post
        for (const WorkPart& p : parts)
            for (int u = 0; u < p.units; ++u)
                p.call(p.ctx, u);
        return;
    }
    const std::uint32_t g = m_generation.load(std::memory_order_relaxed) + 1; // only this thread writes it
    m_partCount = 0;
    for (const WorkPart& p : parts)
        if (p.units > 0)
            m_parts[m_partCount++] = p;
    for (int t = 0; t <= m_threads; ++t) {
        int begin = 0;
        for (int p = 0; p < m_partCount; ++p)
            begin += static_cast<int>(static_cast<std::int64_t>(m_parts[p].units) * t / m_threads);
        m_homeBegin[static_cast<std::size_t>(t)] = begin;
    }
    m_remaining.store(static_cast<std::uint32_t>(units), std::memory_order_relaxed);
    for (int t = 0; t < m_threads; ++t)
        m_cursors[static_cast<std::size_t>(t)].word.store(
            pack(g, static_cast<std::uint32_t>(m_homeBegin[static_cast<std::size_t>(t)]),
                 static_cast<std::uint32_t>(m_homeBegin[static_cast<std::size_t>(t) + 1])),
            std::memory_order_release);
    m_generation.store(g, std::memory_order_seq_cst);
    if (m_sleepers.load(std::memory_order_seq_cst) > 0)
        futexWakeAll(m_generation);
    participate(g, 0);
    const auto done = [this] { return m_remaining.load(std::memory_order_acquire) == 0; };
    if (spinFor(kCallerSpin, done))
        return;
    m_callerWaiting.store(1, std::memory_order_seq_cst);
    for (std::uint32_t r; (r = m_remaining.load(std::memory_order_seq_cst)) != 0;)
        futexWait(m_remaining, r);
    m_callerWaiting.store(0, std::memory_order_relaxed);
}

void WorkPool::sampleContention()
{
    const auto now = Clock::now();
    if (now - m_lastSample < kContentionPeriod)
        return;
    m_lastSample = now;
    // Runnable now: this thread and every worker neither asleep nor parked, plus the others.
    const int own = m_threads - static_cast<int>(m_sleepers.load(std::memory_order_relaxed)) -
                    static_cast<int>(m_parked.load(std::memory_order_relaxed));
    const int others = m_busyElsewhere(own);
    if (others < 0)
        return;
    // A change of participants only when several samples in a row agree: one sample can catch a
    // thread of ours between waking and saying so, or a daemon that runs for a millisecond.
    const int target = std::clamp(m_cores - others, 1, m_threads);
    const int active = static_cast<int>(m_active.load(std::memory_order_relaxed));
    m_lowerVotes = target < active ? m_lowerVotes + 1 : 0;
    m_raiseVotes = target > active ? m_raiseVotes + 1 : 0;
    if (m_lowerVotes >= kLowerAfter || m_raiseVotes >= kRaiseAfter) {
        m_lowerVotes = m_raiseVotes = 0;
        m_active.store(static_cast<std::uint32_t>(target), std::memory_order_seq_cst);
        if (target > active)
            futexWakeAll(m_active);
    }
}

void WorkPool::workerLoop(int index)
{
    FlushDenormals flush; // for the thread's lifetime: it only runs engine work
    std::uint32_t seen = 0;
    for (;;) {
        const std::uint32_t active = m_active.load(std::memory_order_seq_cst);
        if (static_cast<std::uint32_t>(index) >= active) {
            // Parked: other processes keep the cores busy. Wait for the count to change.
            m_parked.fetch_add(1, std::memory_order_seq_cst);
            while (m_active.load(std::memory_order_seq_cst) == active && !m_stop.load(std::memory_order_seq_cst))
                futexWait(m_active, active);
            m_parked.fetch_sub(1, std::memory_order_seq_cst);
            if (m_stop.load(std::memory_order_acquire))
                return;
            continue;
        }
        std::uint32_t g = seen;
        const auto posted = [&] { return (g = m_generation.load(std::memory_order_acquire)) != seen; };
        if (!spinFor(kWorkerSpin, posted)) {
            m_sleepers.fetch_add(1, std::memory_order_seq_cst);
            while ((g = m_generation.load(std::memory_order_seq_cst)) == seen)
                futexWait(m_generation, seen);
            m_sleepers.fetch_sub(1, std::memory_order_seq_cst);
        }
        if (m_stop.load(std::memory_order_acquire))
            return;
        seen = g;
        if (static_cast<std::uint32_t>(index) < m_active.load(std::memory_order_relaxed))
            participate(g, index);
    }
}

} // namespace rewire
