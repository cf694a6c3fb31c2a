// Where the sparse forward's time goes, and what bf16 activations would buy: the forward's inner
// loop (gather the input rows of each output neuron, FMA into registers, ReLU, store) stripped of
// the dropout mask, gate and bias, once gathering fp32 rows and once bf16 rows (converted to fp32
// in registers, fp32 accumulation), against the engine's full forward on the same layer. The
// "folded" run executes the same instructions with every edge reading one of the first 64 input
// rows (32 KiB, resident in L1): the difference to the plain gather is what fetching the rows from
// L2 costs, i.e. the ceiling of this loop on a layer whose input rows do not fit in L1.
// Usage: gather_probe [THREADS] [WIDTH]   (an ER layer WIDTH x WIDTH at epsilon 20, batch 128)

#include "bench/kernel_fixture.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>

using namespace rewire;

namespace {

// Fold: every edge reads one of the first 64 input rows (32 KiB of fp32 rows, resident in L1)
// instead of its own: the same instructions, without the L2 traffic.
template <bool Bf16, bool Fold = false>
void forwardRows(const SparseLayer& layer, const void* x, std::size_t ld, float* a, std::size_t lda, NeuronIndex r0,
                 NeuronIndex r1)
{
    constexpr int V = 8; // 128 batch columns
    const EdgeIndex* rp = layer.rowPtr().data();
    const NeuronIndex* ci = layer.colIdx().data();
    const float* w = layer.weights().data();
    for (NeuronIndex j = r0; j < r1; ++j) {
        __m512 acc[V];
        for (int v = 0; v < V; ++v)
            acc[v] = _mm512_setzero_ps();
        for (EdgeIndex e = rp[j]; e < rp[j + 1]; ++e) {
            const __m512 wv = _mm512_set1_ps(w[e]);
            for (int v = 0; v < V; ++v) {
                __m512 xv;
                if constexpr (Bf16) {
                    const auto* row = static_cast<const std::uint16_t*>(x) + static_cast<std::size_t>(ci[e]) * ld;
                    const __m256i h = _mm256_load_si256(reinterpret_cast<const __m256i*>(row) + v);
                    xv = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
                } else {
                    const std::size_t i = static_cast<std::size_t>(Fold ? ci[e] & 63 : ci[e]);
                    xv = _mm512_load_ps(static_cast<const float*>(x) + i * ld + 16 * v);
                }
                acc[v] = _mm512_fmadd_ps(wv, xv, acc[v]);
            }
        }
        for (int v = 0; v < V; ++v)
            _mm512_store_ps(a + static_cast<std::size_t>(j) * lda + 16 * v, _mm512_max_ps(acc[v], _mm512_setzero_ps()));
    }
}

} // namespace

int main(int argc, char** argv)
{
    const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
    const int width = argc > 2 ? std::atoi(argv[2]) : 1000;
    const int batch = 128;
    bench::KernelFixture f(width, width, 20, batch, threads);
    // bf16 copy of the inputs (round toward zero: the probe measures bytes, not rounding).
    std::vector<std::uint16_t> storage(static_cast<std::size_t>(width) * batch + 32);
    auto* x16 = reinterpret_cast<std::uint16_t*>((reinterpret_cast<std::uintptr_t>(storage.data()) + 63) & ~std::uintptr_t(63));
    for (int i = 0; i < width; ++i)
        for (int b = 0; b < batch; ++b) {
            std::uint32_t u;
            std::memcpy(&u, f.x.row(i) + b, 4);
            x16[static_cast<std::size_t>(i) * batch + b] = static_cast<std::uint16_t>(u >> 16);
        }
    std::printf("layer %dx%d, %lld edges, batch %d, %d threads\n", width, width,
                static_cast<long long>(f.layer.edgeCount()), batch, threads);
    auto time = [&](const char* name, auto fn) {
        for (int w = 0; w < 20; ++w)
            fn();
        std::vector<double> t;
        for (int rep = 0; rep < 9; ++rep) {
            const auto t0 = std::chrono::steady_clock::now();
            for (int r = 0; r < 100; ++r)
                fn();
            t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 100);
        }
        std::sort(t.begin(), t.end());
        std::printf("%-38s %9.1f us %7.1f GFLOP/s\n", name, t[4] * 1e6,
                    2.0 * static_cast<double>(f.layer.edgeCount()) * batch / t[4] / 1e9);
    };
    const auto& rows = f.rows;
    time("gather fp32 rows, ReLU only", [&] {
#pragma omp parallel num_threads(threads)
        {
            const int t = omp_get_thread_num();
            forwardRows<false>(f.layer, f.x.data(), static_cast<std::size_t>(f.x.ld()), f.a.data(),
                               static_cast<std::size_t>(f.a.ld()), rows[t], rows[t + 1]);
        }
    });
    time("same, rows folded into 64 (L1-resident)", [&] {
#pragma omp parallel num_threads(threads)
        {
            const int t = omp_get_thread_num();
            forwardRows<false, true>(f.layer, f.x.data(), static_cast<std::size_t>(f.x.ld()), f.a.data(),
                                     static_cast<std::size_t>(f.a.ld()), rows[t], rows[t + 1]);
        }
    });
    time("gather bf16 rows, ReLU only", [&] {
#pragma omp parallel num_threads(threads)
        {
            const int t = omp_get_thread_num();
            forwardRows<true>(f.layer, x16, batch, f.a.data(), static_cast<std::size_t>(f.a.ld()), rows[t], rows[t + 1]);
        }
    });
    time("engine forward (dropout, gate, bias)", [&] { f.forward(batch); });
    Bf16Buffer x16b;
    time("engine forward, bf16 (sparseForwardBf16)", [&] {
        sparseForwardBf16(*f.pool, f.layer, f.x, x16b, f.a, &f.gate, batch, f.epilogue, f.rowUnits);
    });
    f.epilogue.keepProbability = 1.0f;
    time("engine forward without dropout", [&] { f.forward(batch); });
    return 0;
}
