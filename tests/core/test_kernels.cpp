// Every sparse kernel against a dense Eigen twin: odd sizes, empty rows and columns, batches that
// are not multiples of 16, one and two threads.

#include <cstring>
#include <memory>
#include "core/kernels.h"
#include "helpers.h"

#include <catch2/catch.hpp>

using namespace rewire;
using namespace rewire::test;

namespace {

struct Case {
    NeuronIndex in, out;
    double density;
    int batch;
};

// One pool per thread count for the whole test program (a pool's threads live as long as it).
WorkPool& pool(int threads)
{
    static std::unique_ptr<WorkPool> pools[4];
    auto& p = pools[threads];
    if (!p)
        p = std::make_unique<WorkPool>(threads);
    return *p;
}

float negSlopeFor(const std::string& act) { return Activation::parse(act).negativeSlope(1); }

Dense activate(const Dense& z, float s) { return z.unaryExpr([s](float v) { return v > 0 ? v : s * v; }); }
Dense derivative(const Dense& z, float s) { return z.unaryExpr([s](float v) { return v > 0 ? 1.0f : s; }); }

// Every edge took one momentum step from (w0, v0) with gradient grad: v = mu v0 - lr g,
// w = w0 + v - wd w0.
void requireMomentumStep(SparseLayer& layer, int vel, const std::vector<float>& w0, const std::vector<float>& v0,
                         const std::vector<float>& grad, const UpdatePolicy& step)
{
    for (EdgeIndex e = 0; e < layer.edgeCount(); ++e) {
        const float v = step.momentum * v0[e] - step.learningRate * grad[e];
        REQUIRE(layer.edgeProperty(vel)[e] == Approx(v).margin(1e-6));
        REQUIRE(layer.weights()[e] == Approx(w0[e] + v - step.weightDecay * w0[e]).margin(1e-6));
    }
}

} // namespace

TEST_CASE("sparse forward matches dense W X + b with the activation", "[core][kernels]")
{
    const auto c = GENERATE(Case{13, 17, 0.3, 5}, Case{64, 33, 0.1, 16}, Case{100, 7, 0.05, 37}, Case{31, 200, 0.2, 130},
                            Case{5, 3, 1.0, 1});
    const std::string act = GENERATE(std::string("relu"), std::string("allrelu:0.6"), std::string("leakyrelu:0.2"));
    const int threads = GENERATE(1, 2);
    SparseLayer layer = randomLayer(c.in, c.out, c.density, 42, {0, c.out / 2});
    const Dense x = randomDense(c.in, c.batch, 7);
    NeuronBuffer xb(c.in, c.batch), ab(c.out, c.batch), gb(c.out, c.batch);
    toBuffer(x, xb);
    ForwardEpilogue epi;
    epi.activation = Activation::parse(act);
    epi.negativeSlope = negSlopeFor(act);
    sparseForward(pool(threads), layer, xb, ab, &gb, c.batch, epi, workUnits(layer.rowPtr(), threads));

    Dense z = toDense(layer) * x;
    for (int j = 0; j < c.out; ++j)
        z.row(j).array() += layer.bias()[j];
    const Dense a = fromBuffer(ab, c.batch), g = fromBuffer(gb, c.batch);
    INFO("in " << c.in << " out " << c.out << " batch " << c.batch << " " << act << " threads " << threads);
    REQUIRE(a.isApprox(activate(z, epi.negativeSlope), 1e-5f));
    REQUIRE((g - derivative(z, epi.negativeSlope)).cwiseAbs().maxCoeff() == 0.0f);
    // Padding columns stay zero.
    for (int j = 0; j < c.out; ++j)
        for (int b = c.batch; b < ab.ld(); ++b)
            REQUIRE(ab.row(j)[b] == 0.0f);
}

TEST_CASE("bf16 forward matches dense W X + b on bf16-rounded inputs", "[core][kernels]")
{
    const auto c = GENERATE(Case{13, 17, 0.3, 5}, Case{100, 7, 0.05, 37}, Case{31, 200, 0.2, 130});
    const int threads = GENERATE(1, 2);
    SparseLayer layer = randomLayer(c.in, c.out, c.density, 42, {0, c.out / 2});
    Dense x = randomDense(c.in, c.batch, 7);
    NeuronBuffer xb(c.in, c.batch), ab(c.out, c.batch), gb(c.out, c.batch);
    toBuffer(x, xb);
    ForwardEpilogue epi;
    epi.activation = Activation::parse("allrelu:0.6");
    epi.negativeSlope = -0.6f;
    Bf16Buffer x16;
    sparseForwardBf16(pool(threads), layer, xb, x16, ab, &gb, c.batch, epi, workUnits(layer.rowPtr(), threads));
    // The inputs rounded to bf16 (to nearest, ties to even), as the kernel reads them.
    Dense xr = x;
    for (int i = 0; i < c.in; ++i)
        for (int b = 0; b < c.batch; ++b) {
            std::uint32_t u;
            std::memcpy(&u, &x(i, b), 4);
            u = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u;
            std::memcpy(&xr(i, b), &u, 4);
            REQUIRE(std::abs(xr(i, b) - x(i, b)) <= std::abs(x(i, b)) / 256.0f); // 8 significant bits
            // Column b's place in the paired layout: block b / 32, word b % 16, high half for the
            // second 16 columns of the block (little-endian: the high half is the odd uint16).
            const int at = b / 32 * 32 + 2 * (b % 16) + (b % 32 >= 16 ? 1 : 0);
            REQUIRE(x16.row(i)[at] == static_cast<std::uint16_t>(u >> 16));
        }
    Dense z = toDense(layer) * xr;
    for (int j = 0; j < c.out; ++j)
        z.row(j).array() += layer.bias()[j];
    INFO("in " << c.in << " out " << c.out << " batch " << c.batch << " threads " << threads);
    REQUIRE(fromBuffer(ab, c.batch).isApprox(activate(z, epi.negativeSlope), 1e-5f));
    REQUIRE(fromBuffer(gb, c.batch) == derivative(z, epi.negativeSlope));
    // Against the fp32 forward: close, not equal.
    NeuronBuffer a32(c.out, c.batch);
    sparseForward(pool(threads), layer, xb, a32, nullptr, c.batch, epi, workUnits(layer.rowPtr(), threads));
    REQUIRE(fromBuffer(ab, c.batch).isApprox(fromBuffer(a32, c.batch), 1e-2f));
}

TEST_CASE("dense forward (Eigen) matches the sparse kernel on a full layer", "[core][kernels]")
{
    SparseLayer layer = randomLayer(19, 11, 1.0, 3);
    REQUIRE(layer.isDense());
    const int batch = 21;
    NeuronBuffer xb(19, batch), a1(11, batch), a2(11, batch), g1(11, batch), g2(11, batch);
    toBuffer(randomDense(19, batch, 9), xb);
    ForwardEpilogue epi;
    epi.activation = Activation::parse("allrelu:0.75");
    epi.negativeSlope = -0.75f;
    sparseForward(pool(1), layer, xb, a1, &g1, batch, epi, workUnits(layer.rowPtr(), 1));
    denseForward(pool(2), layer, xb, a2, &g2, batch, epi);
    REQUIRE(fromBuffer(a1, batch).isApprox(fromBuffer(a2, batch), 1e-5f));
    REQUIRE(fromBuffer(g1, batch) == fromBuffer(g2, batch));
}

TEST_CASE("dropout masks are seeded, thread-independent and scaled", "[core][kernels]")
{
    SparseLayer layer = randomLayer(40, 300, 0.2, 5);
    const int batch = 100;
    NeuronBuffer xb(40, batch), a1(300, batch), a2(300, batch), a3(300, batch), g(300, batch);
    toBuffer(randomDense(40, batch, 6), xb);
    ForwardEpilogue epi;
    epi.activation = Activation::parse("linear");
    epi.negativeSlope = 1.0f;
    epi.keepProbability = 0.7f;
    epi.dropoutKey = 1234;
    sparseForward(pool(1), layer, xb, a1, &g, batch, epi, workUnits(layer.rowPtr(), 1));
    sparseForward(pool(2), layer, xb, a2, nullptr, batch, epi, workUnits(layer.rowPtr(), 2));
    REQUIRE(fromBuffer(a1, batch) == fromBuffer(a2, batch));
    epi.dropoutKey = 99;
    sparseForward(pool(1), layer, xb, a3, nullptr, batch, epi, workUnits(layer.rowPtr(), 1));
    REQUIRE(fromBuffer(a1, batch) != fromBuffer(a3, batch));
    // Gate = mask: 0 or 1/keep, kept fraction near 0.7 over 30,000 draws.
    const Dense gate = fromBuffer(g, batch);
    int kept = 0;
    for (int j = 0; j < 300; ++j)
        for (int b = 0; b < batch; ++b) {
            const float v = gate(j, b);
            REQUIRE((v == 0.0f || v == Approx(1.0f / 0.7f)));
            kept += v != 0.0f;
        }
    REQUIRE(kept / 30000.0 == Approx(0.7).margin(0.015));
}

TEST_CASE("fused sparse backward matches dense dX, dW and the momentum update", "[core][kernels]")
{
    const auto c = GENERATE(Case{13, 17, 0.3, 5}, Case{64, 33, 0.1, 16}, Case{100, 7, 0.05, 37}, Case{31, 200, 0.2, 130});
    const int threads = GENERATE(1, 2);
    SparseLayer layer = randomLayer(c.in, c.out, c.density, 21, {1});
    const int vel = layer.addEdgeProperty("velocity");
    Rng rng(3);
    for (float& v : layer.edgeProperty(vel))
        v = rng.uniform(-0.1f, 0.1f);
    const Dense x = randomDense(c.in, c.batch, 22), dz = randomDense(c.out, c.batch, 23);
    const Dense gatePrev = randomDense(c.in, c.batch, 24);
    NeuronBuffer xb(c.in, c.batch), dzb(c.out, c.batch), gb(c.in, c.batch), dxb(c.in, c.batch);
    toBuffer(x, xb);
    toBuffer(dz, dzb);
    toBuffer(gatePrev, gb);
    const Dense w = toDense(layer);
    std::vector<float> w0(layer.weights().begin(), layer.weights().end());
    std::vector<float> v0(layer.edgeProperty(vel).begin(), layer.edgeProperty(vel).end());
    const UpdatePolicy step{0.05f, 0.9f, 1e-3f};

    // Gradient only.
    std::vector<float> grad(static_cast<size_t>(layer.edgeCount()));
    const auto parts = workUnits(layer.colPtr(), threads);
    const auto rows = workUnits(layer.rowPtr(), threads);
    std::vector<float> gradCsc;
    sparseBackward(pool(threads), layer, layer.edgeProperty(vel), xb, dzb, &gb, &dxb, c.batch, step, grad, gradCsc, parts, rows);
    const Dense dW = dz * x.transpose();
    const Dense dX = (w.transpose() * dz).cwiseProduct(gatePrev);
    INFO("in " << c.in << " out " << c.out << " batch " << c.batch << " threads " << threads);
    REQUIRE(fromBuffer(dxb, c.batch).isApprox(dX, 1e-4f));
    for (NeuronIndex j = 0; j < c.out; ++j)
        for (EdgeIndex e = layer.rowPtr()[j]; e < layer.rowPtr()[j + 1]; ++e)
            REQUIRE(grad[e] == Approx(dW(j, layer.colIdx()[e])).margin(1e-4));
    REQUIRE(std::equal(w0.begin(), w0.end(), layer.weights().begin())); // gradient mode leaves weights alone

    // Update mode: v = mu v - lr g; w += v - wd w; dX uses the old weights. The row sums of dX
    // (the previous layer's bias gradient) come along.
    std::vector<float> rowSums(static_cast<std::size_t>(c.in), -1.0f);
    sparseBackward(pool(threads), layer, layer.edgeProperty(vel), xb, dzb, &gb, &dxb, c.batch, step, {}, gradCsc, parts, rows, rowSums);
    REQUIRE(fromBuffer(dxb, c.batch).isApprox(dX, 1e-4f));
    for (int i = 0; i < c.in; ++i)
        REQUIRE(rowSums[static_cast<std::size_t>(i)] == Approx(dX.row(i).sum()).margin(1e-4));
    REQUIRE_THROWS_WITH(sparseBackward(pool(threads), layer, layer.edgeProperty(vel), xb, dzb, &gb, nullptr, c.batch, step, {},
                                       gradCsc, parts, rows, rowSums),
                        Catch::Contains("row sums need dX"));
    requireMomentumStep(layer, vel, w0, v0, grad, step);

    // Without dX (a first layer) the gradients come from the CSR pass and are updated in place:
    // the same dW, the same step, and the same bits whatever the thread count.
    std::vector<float> rowGrad(static_cast<size_t>(layer.edgeCount()), -1.0f);
    sparseBackward(pool(threads), layer, layer.edgeProperty(vel), xb, dzb, nullptr, nullptr, c.batch, step, rowGrad, gradCsc, parts,
                   rows);
    for (NeuronIndex j = 0; j < c.out; ++j)
        for (EdgeIndex e = layer.rowPtr()[j]; e < layer.rowPtr()[j + 1]; ++e)
            REQUIRE(rowGrad[e] == Approx(dW(j, layer.colIdx()[e])).margin(1e-4));
    std::vector<std::vector<float>> after;
    for (int t : {1, 2, 3}) {
        std::copy(w0.begin(), w0.end(), layer.weights().begin());
        std::copy(v0.begin(), v0.end(), layer.edgeProperty(vel).begin());
        sparseBackward(pool(t), layer, layer.edgeProperty(vel), xb, dzb, nullptr, nullptr, c.batch, step, {}, gradCsc,
                       workUnits(layer.colPtr(), t), workUnits(layer.rowPtr(), t));
        requireMomentumStep(layer, vel, w0, v0, rowGrad, step);
        after.emplace_back(layer.weights().begin(), layer.weights().end());
    }
    REQUIRE(after[0] == after[1]);
    REQUIRE(after[0] == after[2]);
}

TEST_CASE("dense backward (Eigen) matches the sparse kernel on a full layer", "[core][kernels]")
{
    const int batch = 19;
    SparseLayer a = randomLayer(23, 9, 1.0, 8), b = a;
    const int va = a.addEdgeProperty("velocity"), vb = b.addEdgeProperty("velocity");
    NeuronBuffer xb(23, batch), dzb(9, batch), gb(23, batch), dx1(23, batch), dx2(23, batch);
    toBuffer(randomDense(23, batch, 1), xb);
    toBuffer(randomDense(9, batch, 2), dzb);
    toBuffer(randomDense(23, batch, 3), gb);
    const UpdatePolicy step{0.1f, 0.5f, 0.01f};
    std::vector<float> scratch;
    std::vector<float> gradCsc;
    sparseBackward(pool(2), a, a.edgeProperty(va), xb, dzb, &gb, &dx1, batch, step, {}, gradCsc,
                   workUnits(a.colPtr(), 2), workUnits(a.rowPtr(), 2));
    denseBackward(pool(2), b, b.edgeProperty(vb), xb, dzb, &gb, &dx2, batch, step, {}, scratch);
    REQUIRE(fromBuffer(dx1, batch).isApprox(fromBuffer(dx2, batch), 1e-5f));
    for (EdgeIndex e = 0; e < a.edgeCount(); ++e)
        REQUIRE(a.weights()[e] == Approx(b.weights()[e]).margin(1e-5));
}

TEST_CASE("narrow kernels (full layers of 1-12 outputs) match dense references", "[core][kernels]")
{
    struct NarrowCase {
        NeuronIndex in, out;
        int batch;
    };
    // Input counts below, at and above one 128-input chunk (up to 16 chunks); batches with a
    // trailing single vector and more than one 128-column tile.
    const auto c = GENERATE(NarrowCase{7, 1, 5}, NarrowCase{300, 10, 37}, NarrowCase{129, 3, 16},
                            NarrowCase{2500, 12, 130}, NarrowCase{1000, 10, 128});
    const int threads = GENERATE(1, 2);
    const std::string act = GENERATE(std::string("allrelu:0.6"), std::string("linear"), std::string("sigmoid"));
    SparseLayer layer = randomLayer(c.in, c.out, 1.0, 51);
    REQUIRE(narrowKernelFits(layer));
    INFO("in " << c.in << " out " << c.out << " batch " << c.batch << " threads " << threads << " " << act);
    const Dense x = randomDense(c.in, c.batch, 52);
    NeuronBuffer xb(c.in, c.batch), ab(c.out, c.batch), gb(c.out, c.batch), as(c.out, c.batch), gs(c.out, c.batch);
    toBuffer(x, xb);
    ForwardEpilogue epi;
    epi.activation = Activation::parse(act);
    epi.negativeSlope = epi.activation.piecewiseLinear() ? epi.activation.negativeSlope(1) : 0.0f;
    epi.keepProbability = 0.8f;
    epi.dropoutKey = 5;
    // Forward: the same activations and dropout masks as the sparse kernel, sums in another order.
    narrowForward(pool(threads), layer, xb, ab, &gb, c.batch, epi);
    sparseForward(pool(1), layer, xb, as, &gs, c.batch, epi, workUnits(layer.rowPtr(), 1));
    REQUIRE(fromBuffer(ab, c.batch).isApprox(fromBuffer(as, c.batch), 1e-5f));
    REQUIRE(fromBuffer(gb, c.batch).isApprox(fromBuffer(gs, c.batch), 1e-5f));
    for (int j = 0; j < c.out; ++j)
        for (int b = c.batch; b < ab.ld(); ++b)
            REQUIRE((ab.row(j)[b] == 0.0f && gb.row(j)[b] == 0.0f));
    // Results do not depend on the thread count.
    NeuronBuffer a1(c.out, c.batch);
    narrowForward(pool(1), layer, xb, a1, nullptr, c.batch, epi);
    REQUIRE(fromBuffer(a1, c.batch) == fromBuffer(ab, c.batch));

    // Backward: dW = dZ X^T, dX = (W^T dZ) .* gate, then the momentum step, as sgdUpdate.
    const int vel = layer.addEdgeProperty("velocity");
    Rng rng(53);
    for (float& v : layer.edgeProperty(vel))
        v = rng.uniform(-0.1f, 0.1f);
    const Dense dz = randomDense(c.out, c.batch, 54), gatePrev = randomDense(c.in, c.batch, 55);
    NeuronBuffer dzb(c.out, c.batch), gpb(c.in, c.batch), dxb(c.in, c.batch);
    toBuffer(dz, dzb);
    toBuffer(gatePrev, gpb);
    const Dense w = toDense(layer);
    const std::vector<float> w0(layer.weights().begin(), layer.weights().end());
    const std::vector<float> v0(layer.edgeProperty(vel).begin(), layer.edgeProperty(vel).end());
    const UpdatePolicy step{0.05f, 0.9f, 1e-3f};
    std::vector<float> grad(static_cast<std::size_t>(layer.edgeCount()));
    narrowBackward(pool(threads), layer, layer.edgeProperty(vel), xb, dzb, &gpb, &dxb, c.batch, step, grad);
    const Dense dW = dz * x.transpose();
    REQUIRE(fromBuffer(dxb, c.batch).isApprox((w.transpose() * dz).cwiseProduct(gatePrev), 1e-4f));
    for (NeuronIndex j = 0; j < c.out; ++j)
        for (EdgeIndex e = layer.rowPtr()[j]; e < layer.rowPtr()[j + 1]; ++e)
            REQUIRE(grad[e] == Approx(dW(j, layer.colIdx()[e])).margin(1e-4));
    REQUIRE(std::equal(w0.begin(), w0.end(), layer.weights().begin())); // gradient mode leaves weights alone
    NeuronBuffer dx2(c.in, c.batch);
    std::vector<float> rowSums(static_cast<std::size_t>(c.in), -1.0f);
    narrowBackward(pool(threads), layer, layer.edgeProperty(vel), xb, dzb, nullptr, &dx2, c.batch, step, {}, rowSums);
    const Dense dxOld = w.transpose() * dz;
    REQUIRE(fromBuffer(dx2, c.batch).isApprox(dxOld, 1e-4f)); // old weights, no gate
    for (int i = 0; i < c.in; ++i)
        REQUIRE(rowSums[static_cast<std::size_t>(i)] == Approx(dxOld.row(i).sum()).margin(1e-4));
    requireMomentumStep(layer, vel, w0, v0, grad, step);
    // A sparse or wide layer is not for these kernels; which kernels the engine picks.
    SparseLayer sparse = randomLayer(20, 5, 0.5, 56);
    REQUIRE_FALSE(narrowKernelFits(sparse));
    REQUIRE_FALSE(narrowKernelFits(randomLayer(4, 13, 1.0, 57)));
    REQUIRE(kernelFor(layer) == LayerKernel::Narrow);
    REQUIRE(kernelFor(sparse) == LayerKernel::Sparse);
    REQUIRE(kernelFor(randomLayer(4, 13, 1.0, 57)) == LayerKernel::Sparse); // full, but 4 inputs: no GEMM
    REQUIRE(kernelFor(randomLayer(64, 70, 1.0, 58)) == LayerKernel::Gemm);
    NeuronBuffer xs(20, 4), ys(5, 4);
    REQUIRE_THROWS_WITH(narrowForward(pool(1), sparse, xs, ys, nullptr, 4, epi), Catch::Contains("1-12 outputs"));
}

TEST_CASE("gate bits decode to exactly the fp32 gates, in the forward and the backward", "[core][kernels]")
{
    const auto c = GENERATE(Case{13, 17, 0.3, 5}, Case{100, 7, 0.05, 37}, Case{31, 200, 0.2, 130});
    const std::string act = GENERATE(std::string("allrelu:0.6"), std::string("relu"), std::string("leakyrelu:0.2"));
    const float keep = GENERATE(1.0f, 0.7f);
    const int threads = GENERATE(1, 2);
    INFO("in " << c.in << " out " << c.out << " batch " << c.batch << " " << act << " keep " << keep << " threads "
               << threads);
    SparseLayer layer = randomLayer(c.in, c.out, c.density, 61, {0});
    NeuronBuffer xb(c.in, c.batch), a1(c.out, c.batch), a2(c.out, c.batch), g(c.out, c.batch);
    toBuffer(randomDense(c.in, c.batch, 62), xb);
    ForwardEpilogue epi;
    epi.activation = Activation::parse(act);
    epi.negativeSlope = epi.activation.negativeSlope(1);
    epi.keepProbability = keep;
    epi.dropoutKey = 9;
    const auto rows = workUnits(layer.rowPtr(), threads);
    GateMask bits;
    bits.resize(c.out, c.batch);
    sparseForward(pool(threads), layer, xb, a1, &g, c.batch, epi, rows);
    sparseForward(pool(threads), layer, xb, a2, nullptr, c.batch, epi, rows, &bits);
    REQUIRE(fromBuffer(a1, c.batch) == fromBuffer(a2, c.batch)); // the activations do not change
    int kept = 0, low = 0;
    for (int j = 0; j < c.out; ++j)
        for (int b = 0; b < g.ld(); ++b) {
            const std::uint32_t word = bits.row(j)[b / 16];
            const bool k = (word >> (b % 16)) & 1u, positive = (word >> (16 + b % 16)) & 1u;
            const float decoded = k ? (positive ? bits.high : bits.low) : 0.0f;
            REQUIRE(decoded == g.row(j)[b]);
            kept += k;
            low += k && !positive;
        }
    REQUIRE(kept > 0);
    if (act != "relu")
        REQUIRE(low > 0); // both non-zero gate values occur

    // Backward with the bits equals backward with the fp32 gates, bit for bit.
    SparseLayer next = randomLayer(c.out, 9, 0.4, 63);
    SparseLayer next2 = next;
    const int v1 = next.addEdgeProperty("velocity"), v2 = next2.addEdgeProperty("velocity");
    NeuronBuffer dz(9, c.batch), dx1(c.out, c.batch), dx2(c.out, c.batch);
    toBuffer(randomDense(9, c.batch, 64), dz);
    const UpdatePolicy step{0.05f, 0.9f, 1e-3f};
    std::vector<float> gc1, gc2;
    sparseBackward(pool(threads), next, next.edgeProperty(v1), a1, dz, &g, &dx1, c.batch, step, {}, gc1,
                   workUnits(next.colPtr(), threads), workUnits(next.rowPtr(), threads));
    sparseBackward(pool(threads), next2, next2.edgeProperty(v2), a1, dz, nullptr, &dx2, c.batch, step, {}, gc2,
                   workUnits(next2.colPtr(), threads), workUnits(next2.rowPtr(), threads), {}, &bits);
    REQUIRE(fromBuffer(dx1, c.batch) == fromBuffer(dx2, c.batch));
    // And the narrow backward of a full layer.
    SparseLayer full = randomLayer(c.out, 4, 1.0, 65), full2 = full;
    const int f1 = full.addEdgeProperty("velocity"), f2 = full2.addEdgeProperty("velocity");
    NeuronBuffer dzn(4, c.batch);
    toBuffer(randomDense(4, c.batch, 66), dzn);
    narrowBackward(pool(threads), full, full.edgeProperty(f1), a1, dzn, &g, &dx1, c.batch, step, {});
    narrowBackward(pool(threads), full2, full2.edgeProperty(f2), a1, dzn, nullptr, &dx2, c.batch, step, {}, {}, &bits);
    REQUIRE(fromBuffer(dx1, c.batch) == fromBuffer(dx2, c.batch));
    // Bits only for piecewise-linear activations.
    epi.activation = Activation::parse("sigmoid");
    REQUIRE_THROWS_WITH(sparseForward(pool(threads), layer, xb, a2, nullptr, c.batch, epi, rows, &bits),
                        Catch::Contains("piecewise-linear"));
}

TEST_CASE("balanced partitions split edges evenly and cover every neuron", "[core][kernels]")
{
    // Skewed degrees: neuron 0 holds half the edges.
    std::vector<EdgeIndex> ptr{0, 1000, 1010, 1020, 1030, 1040, 1050, 2000};
    const auto b = balancedPartition(ptr, 2);
    REQUIRE(b.size() == 3);
    REQUIRE(b.front() == 0);
    REQUIRE(b.back() == 7);
    REQUIRE(b[1] == 1); // the heavy neuron alone on the first thread: 1001 vs 1006 weighted
    const auto one = balancedPartition(ptr, 1);
    REQUIRE(one == std::vector<NeuronIndex>{0, 7});
}

TEST_CASE("Adam's step matches torch.optim.Adam's formula in every backward kernel and the bias step", "[core][kernels][adam]")
{
    // Each kernel path once: sparse with dX (CSC update), sparse first layer (CSR, fused), dense
    // (Eigen GEMM), narrow (fused), on one and two threads; the reference is computed in double.
    struct AdamCase {
        const char* kernel;
        NeuronIndex in, out;
        double density;
        int batch;
    };
    const auto c = GENERATE(AdamCase{"sparse", 37, 29, 0.3, 21}, AdamCase{"first", 37, 29, 0.3, 21},
                            AdamCase{"dense", 70, 64, 1.0, 19}, AdamCase{"narrow", 300, 10, 1.0, 37});
    const int threads = GENERATE(1, 2);
    const std::int64_t t = GENERATE(1, 7);
    INFO(c.kernel << " threads " << threads << " t " << t);
    SparseLayer layer = randomLayer(c.in, c.out, c.density, 71);
    const auto names = optimizerStateNames(Optimizer::Adam);
    REQUIRE(names == std::vector<std::string>{"opt_adam_m", "opt_adam_v"});
    const int m = layer.addEdgeProperty(names[0]), v = layer.addEdgeProperty(names[1]);
    Rng rng(72);
    for (float& x : layer.edgeProperty(m))
        x = rng.uniform(-0.01f, 0.01f);
    for (float& x : layer.edgeProperty(v))
        x = rng.uniform(0.0f, 1e-4f);
    const Dense x = randomDense(c.in, c.batch, 73), dz = randomDense(c.out, c.batch, 74), gate = randomDense(c.in, c.batch, 75);
    NeuronBuffer xb(c.in, c.batch), dzb(c.out, c.batch), gb(c.in, c.batch), dxb(c.in, c.batch);
    toBuffer(x, xb);
    toBuffer(dz, dzb);
    toBuffer(gate, gb);
    const std::vector<float> w0(layer.weights().begin(), layer.weights().end());
    const std::vector<float> m0(layer.edgeProperty(m).begin(), layer.edgeProperty(m).end());
    const std::vector<float> v0(layer.edgeProperty(v).begin(), layer.edgeProperty(v).end());
    const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 1e-3;
    const UpdatePolicy step = adamPolicy(lr, b1, b2, eps, wd, t);
    REQUIRE(step.optimizer == Optimizer::Adam);
    const Dense dW = dz * x.transpose();
    const ParamState state{layer.edgeProperty(m), layer.edgeProperty(v)};
    const std::string kernel = c.kernel;
    std::vector<float> scratch, gradCsc;
    if (kernel == "sparse")
        sparseBackward(pool(threads), layer, state, xb, dzb, &gb, &dxb, c.batch, step, {}, gradCsc,
                       workUnits(layer.colPtr(), threads), workUnits(layer.rowPtr(), threads));
    else if (kernel == "first")
        sparseBackward(pool(threads), layer, state, xb, dzb, nullptr, nullptr, c.batch, step, {}, gradCsc,
                       workUnits(layer.colPtr(), threads), workUnits(layer.rowPtr(), threads));
    else if (kernel == "dense")
        denseBackward(pool(threads), layer, state, xb, dzb, &gb, &dxb, c.batch, step, {}, scratch);
    else
        narrowBackward(pool(threads), layer, state, xb, dzb, &gb, &dxb, c.batch, step, {});
    for (NeuronIndex j = 0; j < c.out; ++j)
        for (EdgeIndex e = layer.rowPtr()[j]; e < layer.rowPtr()[j + 1]; ++e) {
            const double g = dW(j, layer.colIdx()[e]) + wd * w0[e];
            const double me = b1 * m0[e] + (1 - b1) * g, ve = b2 * v0[e] + (1 - b2) * g * g;
            const double w = w0[e] - lr / (1 - std::pow(b1, t)) * me / (std::sqrt(ve) / std::sqrt(1 - std::pow(b2, t)) + eps);
            REQUIRE(layer.edgeProperty(m)[e] == Approx(me).epsilon(1e-4).margin(1e-7));
            REQUIRE(layer.edgeProperty(v)[e] == Approx(ve).epsilon(1e-4).margin(1e-9));
            REQUIRE(layer.weights()[e] == Approx(w).epsilon(1e-5).margin(1e-6));
        }
    // The bias step: the same formula from the summed dZ.
    std::vector<float> bm(static_cast<std::size_t>(c.out), 0.0f), bv(static_cast<std::size_t>(c.out), 0.0f);
    const std::vector<float> bias0(layer.bias().begin(), layer.bias().end());
    biasStep(pool(threads), layer, {bm, bv}, dzb, c.batch, step, {});
    for (NeuronIndex j = 0; j < c.out; ++j) {
        const double g = dz.row(j).sum() + wd * bias0[j];
        const double me = (1 - b1) * g, ve = (1 - b2) * g * g;
        const double b = bias0[j] - lr / (1 - std::pow(b1, t)) * me / (std::sqrt(ve) / std::sqrt(1 - std::pow(b2, t)) + eps);
        REQUIRE(layer.bias()[j] == Approx(b).epsilon(1e-5).margin(1e-6));
    }
    // The first step of Adam moves every parameter by about lr (|m̂ / √v̂| = 1).
    if (t == 1)
        for (NeuronIndex j = 0; j < c.out; ++j)
            if (std::abs(dz.row(j).sum() + wd * bias0[j]) > 1e-3)
                REQUIRE(std::abs(layer.bias()[j] - bias0[j]) == Approx(lr).epsilon(1e-3));
}
