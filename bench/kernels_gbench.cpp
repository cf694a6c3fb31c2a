// Google Benchmark micro-benchmarks of the sparse kernels and the SET step, reporting GFLOP/s
// (2 * edges * batch per pass) and the fraction of this machine's FMA peak, measured by a
// register-only FMA loop on the same number of threads (not taken from a data sheet).
//
//   build/bin/kernels_gbench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//   valgrind --tool=callgrind build/bin/kernels_gbench --benchmark_filter='Forward/1000/1000/1$'
//            --benchmark_min_time=0.01      (one line; instruction counts: the stable figure for regressions)

#include "bench/kernel_fixture.h"
#include "core/evolution.h"

#include <benchmark/benchmark.h>
#include <omp.h>

#include <chrono>
#include <map>

using namespace rewire;

namespace {

typedef float v16 __attribute__((vector_size(64)));

// FLOP/s of 2 x 16 independent 16-lane FMA chains per thread: the machine's practical FMA peak.
double fmaPeak(int threads)
{
    static std::map<int, double> cache;
    if (cache.count(threads))
        return cache[threads];
    const long iters = 20'000'000;
    double best = 0;
    for (int rep = 0; rep < 3; ++rep) {
        const auto t0 = std::chrono::steady_clock::now();
        float sink = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sink)
        {
            v16 acc[16];
            for (int k = 0; k < 16; ++k)
                acc[k] = v16{} + static_cast<float>(k);
            const v16 a = v16{} + 0.999f, b = v16{} + 1e-6f;
            for (long i = 0; i < iters / 16; ++i)
                for (int k = 0; k < 16; ++k)
                    acc[k] = acc[k] * a + b;
            for (int k = 0; k < 16; ++k)
                sink += acc[k][0];
        }
        benchmark::DoNotOptimize(sink);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best = std::max(best, threads * static_cast<double>(iters) * 16 * 2 / s);
    }
    return cache[threads] = best;
}

using Fixture = bench::KernelFixture;

// Runs fn as the timed loop and reports GFLOP/s and the share of the measured FMA peak as plain
// numbers (Google Benchmark's rate counters would print a misleading "/s" after a percentage).
template <typename Fn>
void timedLoop(benchmark::State& state, const Fixture& f, int batch, int threads, double passes, Fn fn)
{
    const double flops = passes * 2.0 * static_cast<double>(f.layer.edgeCount()) * batch;
    const double peak = fmaPeak(threads);
    const auto t0 = std::chrono::steady_clock::now();
    for (auto _ : state)
        fn();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double rate = flops * static_cast<double>(state.iterations()) / s;
    state.counters["GFLOPps"] = rate / 1e9;
    state.counters["peak_pct"] = 100.0 * rate / peak;
    state.counters["peak_GFLOPps"] = peak / 1e9;
}

// Arguments: inputs, outputs, threads (epsilon 20, batch 128: the reference configuration).
void Forward(benchmark::State& state)
{
    const int in = static_cast<int>(state.range(0)), out = static_cast<int>(state.range(1));
    const int threads = static_cast<int>(state.range(2)), batch = 128;
    Fixture f(in, out, 20, batch, threads);
    timedLoop(state, f, batch, threads, 1, [&] { f.forward(batch); });
}

void Backward(benchmark::State& state)
{
    const int in = static_cast<int>(state.range(0)), out = static_cast<int>(state.range(1));
    const int threads = static_cast<int>(state.range(2)), batch = 128;
    Fixture f(in, out, 20, batch, threads);
    timedLoop(state, f, batch, threads, 2, [&] { f.backward(batch); }); // dW and dX
}

void BackwardFirstLayer(benchmark::State& state)
{
    const int in = static_cast<int>(state.range(0)), out = static_cast<int>(state.range(1));
    const int threads = static_cast<int>(state.range(2)), batch = 128;
    Fixture f(in, out, 20, batch, threads);
    timedLoop(state, f, batch, threads, 1, [&] { f.backwardFirstLayer(batch); }); // dW only
}

void SetEvolution(benchmark::State& state)
{
    Rng rng(2);
    SparseLayer layer = erdosRenyiLayer(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)), 20,
                                        WeightInit::HeUniform, rng);
    layer.addEdgeProperty("velocity");
    for (auto _ : state)
        benchmark::DoNotOptimize(setEvolve(layer, 0.3, WeightInit::HeUniform, rng));
    state.counters["edges/s"] = benchmark::Counter(static_cast<double>(layer.edgeCount()) * state.iterations(),
                                                   benchmark::Counter::kIsRate);
}

} // namespace

BENCHMARK(Forward)->Args({784, 1000, 1})->Args({784, 1000, 2})->Args({1000, 1000, 1})->Args({1000, 1000, 2})
    ->Args({1000, 10, 2})->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(Backward)->Args({1000, 1000, 1})->Args({1000, 1000, 2})->Args({1000, 10, 2})
    ->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BackwardFirstLayer)->Args({784, 1000, 1})->Args({784, 1000, 2})->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(SetEvolution)->Args({784, 1000})->Args({1000, 1000})->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
