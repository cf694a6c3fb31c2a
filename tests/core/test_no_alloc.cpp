// The training step allocates nothing once its buffers exist (the Performance issue's "no
// allocation inside the epoch loop"): every operator new of this test program is counted.
// Buffers the engine takes from malloc directly (NeuronBuffer) are sized at construction.

#include "core/network.h"
#include "helpers.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {

std::atomic<long> g_allocations{0};

void* counted(std::size_t n, std::size_t align)
{
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    n = n ? n : 1;
    void* p = align > alignof(std::max_align_t) ? std::aligned_alloc(align, (n + align - 1) / align * align)
                                                 : std::malloc(n);
    if (!p)
        throw std::bad_alloc();
    return p;
}

} // namespace

// Replacements for the whole test program (all of them, so that every new is matched by its
// delete): count, then allocate from malloc.
void* operator new(std::size_t n) { return counted(n, 0); }
void* operator new[](std::size_t n) { return counted(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) { return counted(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted(n, static_cast<std::size_t>(a)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept
{
    try {
        return counted(n, 0);
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept
{
    try {
        return counted(n, static_cast<std::size_t>(a));
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t& t) noexcept
{
    return operator new(n, a, t);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

using namespace rewire;
using namespace rewire::test;

TEST_CASE("a training step allocates nothing once warmed up", "[core][engine]")
{
    // The counter sees what it should: one vector, one allocation.
    const long base = g_allocations.load();
    {
        std::vector<int> v(10);
        REQUIRE(v.size() == 10);
    }
    REQUIRE(g_allocations.load() - base == 1);

    const int threads = GENERATE(1, 2);
    const std::string activation = GENERATE(std::string("allrelu:0.6"), std::string("sigmoid"));
    // 50 -> 200 -> 150 -> 10: the first layer's CSR backward, a sparse hidden layer with gates (bits
    // for All-ReLU, fp32 for sigmoid) and the CSC backward, a dense narrow output layer.
    std::vector<SparseLayer> layers;
    layers.push_back(randomLayer(50, 200, 0.2, 41));
    layers.push_back(randomLayer(200, 150, 0.1, 42));
    const Dense w = randomDense(10, 150, 43);
    layers.push_back(SparseLayer::dense(150, 10, std::vector<float>(w.data(), w.data() + w.size())));
    NetworkGraph net(std::move(layers));
    MlpEngine engine(net, Activation::parse(activation), Loss::CrossEntropy, 40, threads);
    const int samples = 90;
    const Dense data = randomDense(samples, 50, 44); // column-major: take it as 50 x 90 row-major
    std::vector<std::int64_t> rows(40);
    std::vector<std::int32_t> labels(40);
    const UpdatePolicy step{0.01f, 0.9f, 2e-4f};
    std::uint64_t key = 1;
    auto trainOne = [&](int batch) {
        for (int b = 0; b < batch; ++b) {
            rows[static_cast<std::size_t>(b)] = (b * 7 + static_cast<int>(key)) % samples;
            labels[static_cast<std::size_t>(b)] = (b + static_cast<int>(key)) % 10;
        }
        engine.fillInput(data.data(), 50, std::span(rows).first(static_cast<std::size_t>(batch)));
        return engine.trainBatch(batch, std::span(labels).first(static_cast<std::size_t>(batch)), step, 0.7f, key++);
    };
    INFO("threads " << threads << ", " << activation);
    const long beforeWarmUp = g_allocations.load();
    REQUIRE(trainOne(40).finite);
    REQUIRE(g_allocations.load() > beforeWarmUp); // the first step sizes its scratch buffers
    const long before = g_allocations.load();
    for (int i = 0; i < 6; ++i)
        REQUIRE(trainOne(i % 2 ? 37 : 40).finite); // full and partial batches
    REQUIRE(g_allocations.load() - before == 0);
}
