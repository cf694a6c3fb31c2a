// The engine's thread pool: every unit exactly once, parts that share a job, flush-to-zero in
// every thread that runs units, and no lost wake-up when other threads keep the cores busy.

#include "core/work_pool.h"
#include "helpers.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>
#include <vector>

using namespace rewire;
using namespace rewire::test;

TEST_CASE("every unit of every part runs exactly once, on any thread count", "[core][pool]")
{
    const int threads = GENERATE(1, 2, 3, 5);
    WorkPool pool(threads);
    REQUIRE(pool.threads() == threads);
    std::vector<std::atomic<int>> a(1000), b(7);
    for (int job = 0; job < 300; ++job) {
        const int na = 1 + job * 37 % 1000, nb = job % 8; // nb = 0: an empty part
        auto fa = [&](int u) { a[static_cast<std::size_t>(u)].fetch_add(1); };
        auto fb = [&](int u) { b[static_cast<std::size_t>(u)].fetch_add(1); };
        pool.run({workPart(na, fa), workPart(nb, fb)});
        for (int u = 0; u < 1000; ++u)
            REQUIRE(a[static_cast<std::size_t>(u)].exchange(0) == (u < na ? 1 : 0));
        for (int u = 0; u < 7; ++u)
            REQUIRE(b[static_cast<std::size_t>(u)].exchange(0) == (u < nb ? 1 : 0));
    }
    pool.run(0, [](int) { FAIL("no unit expected"); });
    REQUIRE_THROWS_WITH(pool.run(70000, [](int) {}), Catch::Contains("at most 65535"));
    REQUIRE_THROWS_WITH(WorkPool(0), Catch::Contains("threads must be >= 1, got 0"));
}

TEST_CASE("units run with subnormals flushed, and the caller's mode comes back", "[core][pool]")
{
    const bool before = FlushDenormals::active();
    WorkPool pool(3);
    std::vector<int> flushed(64, 0);
    std::vector<float> out(64, 1.0f);
    volatile float tiny = 1e-30f; // tiny * 1e-9 = 1e-39 is below FLT_MIN (1.2e-38): a subnormal
    pool.run(64, [&](int u) {
        flushed[static_cast<std::size_t>(u)] = FlushDenormals::active();
        out[static_cast<std::size_t>(u)] = tiny * 1e-9f; // 1e-39: a subnormal, flushed to zero
    });
    for (int u = 0; u < 64; ++u) {
        REQUIRE(flushed[static_cast<std::size_t>(u)] == 1);
        REQUIRE(out[static_cast<std::size_t>(u)] == 0.0f);
    }
    REQUIRE(FlushDenormals::active() == before);
    {
        FlushDenormals scope;
        REQUIRE(FlushDenormals::active());
    }
    REQUIRE(FlushDenormals::active() == before);
    // Without the scope the same product is a subnormal (on a thread that did not ask for FTZ).
    if (!before)
        REQUIRE(std::fpclassify(tiny * 1e-9f) == FP_SUBNORMAL);
}

TEST_CASE("jobs complete while other threads keep every core busy", "[core][pool]")
{
    // Two spinning threads per core: the pool's threads are descheduled all the time.
    std::atomic<bool> stop{false};
    std::vector<std::thread> hogs;
    for (unsigned i = 0; i < 2 * std::max(1u, std::thread::hardware_concurrency()); ++i)
        hogs.emplace_back([&] {
            while (!stop.load(std::memory_order_relaxed)) {
            }
        });
    WorkPool pool(3);
    std::atomic<long> sum{0};
    for (int job = 0; job < 2000; ++job)
        pool.run(16, [&](int u) { sum.fetch_add(u + 1, std::memory_order_relaxed); });
    stop = true;
    for (auto& h : hogs)
        h.join();
    REQUIRE(sum.load() == 2000L * 16 * 17 / 2);
}

TEST_CASE("long jobs: threads park while others keep the cores busy and come back when they free",
          "[core][pool]")
{
    // The machine's load comes from the test. Each job takes at least 15 ms, longer than the 10 ms
    // sampling period, so every job samples: a pool whose jobs take seconds (a 10M-neuron layer)
    // must react within a few jobs, not after a count of jobs that takes minutes.
    std::atomic<int> busy{0};
    LoadProbe probe;
    probe.cores = 2;
    probe.busyElsewhere = [&](int) { return busy.load(); };
    WorkPool pool(2, probe);
    std::vector<std::thread::id> ranOn(2);
    const auto longJob = [&] {
        pool.run(2, [&](int u) {
            ranOn[static_cast<std::size_t>(u)] = std::this_thread::get_id();
            std::this_thread::sleep_for(std::chrono::milliseconds(15));
        });
    };
    REQUIRE(pool.activeThreads() == 2);
    longJob();
    busy = 2; // another program's two threads on both cores
    int jobs = 0;
    while (pool.activeThreads() == 2 && jobs < 100) {
        longJob();
        ++jobs;
    }
    CHECK(pool.activeThreads() == 1);
    CHECK(jobs <= 3); // three samples in a row agree
    longJob();        // with one thread taking part, the caller runs every unit
    CHECK(ranOn[0] == std::this_thread::get_id());
    CHECK(ranOn[1] == std::this_thread::get_id());

    busy = -1; // unknown: nothing changes
    for (int i = 0; i < 12; ++i)
        longJob();
    CHECK(pool.activeThreads() == 1);

    busy = 0; // the other program ended
    jobs = 0;
    while (pool.activeThreads() == 1 && jobs < 100) {
        longJob();
        ++jobs;
    }
    CHECK(pool.activeThreads() == 2);
    CHECK(jobs <= 10); // ten samples in a row agree
}
