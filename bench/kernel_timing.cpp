// Times the sparse kernels on one Erdős–Rényi layer (default: 1000 x 1000 at epsilon 20, batch 128,
// the hidden layers of the reference configuration) and prints the median of several repetitions,
// in microseconds per call and GFLOP/s counted as 2 * edges * batch per pass.
// Usage: kernel_timing [--threads T] [--in N] [--out N] [--epsilon E] [--batch B] [--callgrind N] [--cross-core]
//                      [--subnormal]
//
// --subnormal times the forward and backward again with every input and delta scaled into the
// subnormal range (x 1e-39), as very sparse layers drift there, and prints each kernel's time
// relative to normal values: about 1.0 while the engine flushes subnormals to zero (WorkPool,
// FlushDenormals); 14-44x when it does not (bench/RESULTS.md, "Subnormals").
//
// --cross-core also times the forward when each thread has just rewritten its own share of the
// input rows, as in training (the other rows then come from the other core's cache).
//
// --callgrind N runs each kernel exactly N times between callgrind start/stop markers, for stable
// instruction counts (noise-free on this shared machine):
//   valgrind --tool=callgrind build-cg/bin/kernel_timing --threads 1 --callgrind 10
// then each named dump's Ir / N is instructions per call. Valgrind 3.19 cannot decode AVX-512, so
// count on an AVX2 build: cmake -B build-cg -DREWIRE_NATIVE=OFF -DCMAKE_CXX_FLAGS=-march=x86-64-v3

#include "bench/kernel_fixture.h"

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define REWIRE_HAVE_CALLGRIND 1
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <omp.h>

using namespace rewire;

int main(int argc, char** argv)
{
    int threads = 2, in = 1000, out = 1000, batch = 128, callgrindCalls = 0;
    bool crossCore = false, subnormal = false;
    double epsilon = 20;
    for (int i = 1; i < argc; i += 2) {
        const std::string k = argv[i];
        if (k == "--cross-core" || k == "--subnormal") {
            (k == "--cross-core" ? crossCore : subnormal) = true;
            --i;
            continue;
        }
        if (i + 1 >= argc) {
            std::fprintf(stderr, "kernel_timing: %s needs a value\n", argv[i]);
            return 2;
        }
        if (k == "--threads") threads = std::atoi(argv[i + 1]);
        else if (k == "--in") in = std::atoi(argv[i + 1]);
        else if (k == "--out") out = std::atoi(argv[i + 1]);
        else if (k == "--batch") batch = std::atoi(argv[i + 1]);
        else if (k == "--epsilon") epsilon = std::atof(argv[i + 1]);
        else if (k == "--callgrind") callgrindCalls = std::atoi(argv[i + 1]);
        else {
            std::fprintf(stderr, "kernel_timing: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    bench::KernelFixture f(in, out, epsilon, batch, threads);
    const SparseLayer& layer = f.layer;
    const double flops = 2.0 * static_cast<double>(layer.edgeCount()) * batch;
    std::printf("layer %dx%d, %lld edges (%.2f%%), batch %d, %d threads\n", in, out,
                static_cast<long long>(layer.edgeCount()), 100 * layer.density(), batch, threads);
    auto time = [&](const char* name, double passes, auto fn) -> double {
        if (callgrindCalls > 0) {
#ifdef REWIRE_HAVE_CALLGRIND
            fn(); // warm: first-touch and thread start-up are not the kernel's instructions
            CALLGRIND_DUMP_STATS_AT("setup"); // every dump resets the counters
            for (int r = 0; r < callgrindCalls; ++r)
                fn();
            CALLGRIND_DUMP_STATS_AT(name);
            std::printf("%-34s %d calls measured by callgrind (dump \"%s\")\n", name, callgrindCalls, name);
#else
            std::printf("built without valgrind/callgrind.h: --callgrind ignored\n");
#endif
            return 0.0;
        }
        for (int w = 0; w < 20; ++w)
            fn();
        std::vector<double> t;
        for (int rep = 0; rep < 9; ++rep) {
            const int n = 100;
            const auto t0 = std::chrono::steady_clock::now();
            for (int r = 0; r < n; ++r)
                fn();
            t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / n);
        }
        std::sort(t.begin(), t.end());
        const double s = t[t.size() / 2];
        std::printf("%-34s %8.1f us  %6.1f GFLOP/s\n", name, s * 1e6, passes * flops / s / 1e9);
        return s;
    };
    const double forward = time("forward (+All-ReLU, dropout)", 1, [&] { f.forward(batch); });
    if (crossCore && threads > 1) {
        // In training, thread t wrote rows [n t / T, n (t + 1) / T) of this layer's input in the
        // previous layer's forward, so the forward finds the other rows in another core's cache.
        // Rewriting its own rows before every call reproduces that; the rewrite is timed alone too.
        auto rewriteOwnRows = [&] {
#pragma omp parallel num_threads(threads)
            {
                const int t = omp_get_thread_num(), n = f.x.neurons();
                for (int i = n * t / threads; i < n * (t + 1) / threads; ++i)
                    for (int b = 0; b < batch; ++b)
                        f.x.row(i)[b] = -f.x.row(i)[b];
            }
        };
        time("  rewrite own input rows only", 0, rewriteOwnRows);
        time("  rewrite own input rows + forward", 1, [&] { rewriteOwnRows(); f.forward(batch); });
    }
    const double backward = time("backward dW + dX + update", 2, [&] { f.backward(batch); });
    time("backward dW + update (first layer)", 1, [&] { f.backwardFirstLayer(batch); });
    if (subnormal && callgrindCalls == 0) {
        for (int i = 0; i < f.x.neurons(); ++i)
            for (int b = 0; b < batch; ++b)
                f.x.row(i)[b] *= 1e-39f;
        for (int j = 0; j < f.dz.neurons(); ++j)
            for (int b = 0; b < batch; ++b)
                f.dz.row(j)[b] *= 1e-39f;
        const double fs = time("forward, subnormal inputs", 1, [&] { f.forward(batch); });
        const double bs = time("backward, subnormal inputs", 2, [&] { f.backward(batch); });
        std::printf("subnormal / normal time: forward %.2fx, backward %.2fx (about 1 with flush-to-zero)\n",
                    fs / forward, bs / backward);
    }
    return 0;
}
