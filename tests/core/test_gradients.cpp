// Finite-difference gradient checks of a small sparse network (weights and biases, every layer).

#include "core/network.h"
#include "helpers.h"

#include <catch2/catch.hpp>

#include <cmath>

using namespace rewire;
using namespace rewire::test;

namespace {

double meanLoss(MlpEngine& engine, int batch, const std::vector<std::int32_t>& labels)
{
    return engine.evaluateBatch(batch, labels).lossSum / batch;
}

void checkGradients(const std::string& activationText, Loss loss, bool denseLast)
{
    // 7 -> 9 -> 6 -> 3, a mix of sparse and (optionally) dense layers; batch 5 is not a multiple of 16.
    std::vector<SparseLayer> layers;
    layers.push_back(randomLayer(7, 9, 0.5, 11, {4}));
    layers.push_back(randomLayer(9, 6, 0.6, 12));
    if (denseLast) {
        Dense w = randomDense(3, 6, 13);
        std::vector<float> flat(w.data(), w.data() + w.size());
        layers.push_back(SparseLayer::dense(6, 3, flat));
    } else {
        layers.push_back(randomLayer(6, 3, 0.7, 13));
    }
    const bool srelu = activationText == "srelu";
    if (srelu) // hidden neurons' parameters spread so that every region of SReLU is hit
        for (int l = 0; l < 2; ++l) {
            Rng rng(40 + l);
            int id[4];
            for (int q = 0; q < 4; ++q)
                id[q] = layers[l].addNeuronProperty(kSreluParams[q]);
            for (NeuronIndex j = 0; j < layers[l].outputs(); ++j) {
                layers[l].neuronProperty(id[0])[j] = rng.uniform(-0.6f, 0.0f);
                layers[l].neuronProperty(id[1])[j] = rng.uniform(0.0f, 1.0f);
                layers[l].neuronProperty(id[2])[j] = rng.uniform(0.05f, 0.8f);
                layers[l].neuronProperty(id[3])[j] = rng.uniform(0.5f, 1.5f);
            }
        }
    NetworkGraph net(std::move(layers));
    const int batch = 5;
    MlpEngine engine(net, Activation::parse(activationText), loss, batch, 1);
    const Dense x = randomDense(7, batch, 14);
    toBuffer(x, engine.input());
    const std::vector<std::int32_t> labels{0, 2, 1, 1, 0};

    std::vector<std::vector<float>> wg, bg;
    engine.gradients(batch, labels, wg, bg);
    const double base = meanLoss(engine, batch, labels);
    int checked = 0, kinks = 0;
    // Smooth activations must match the central difference. With piecewise-linear ones a step can
    // cross a kink of some neuron's ReLU; the analytic gradient then equals the one-sided
    // difference on the side of the current point, so a match with either side is accepted and
    // counted.
    const bool piecewise = Activation::parse(activationText).piecewiseLinear() || srelu;
    auto compare = [&](float analytic, double up, double down, float h) {
        const double central = (up - down) / (2 * h), fwd = (up - base) / h, bwd = (base - down) / h;
        auto close = [&](double numeric) { return std::fabs(analytic - numeric) <= 1e-3 + 0.03 * std::fabs(numeric); };
        if (close(central)) {
            ++checked;
            return;
        }
        INFO("analytic " << analytic << " central " << central << " forward " << fwd << " backward " << bwd);
        REQUIRE(piecewise);
        REQUIRE((close(fwd) || close(bwd)));
        ++kinks;
    };
    for (int l = 0; l < net.layerCount(); ++l) {
        SparseLayer& layer = net.layer(l);
        for (EdgeIndex e = 0; e < layer.edgeCount(); ++e) {
            const float w0 = layer.weights()[e];
            const float h = piecewise ? 5e-4f : 2e-3f;
            layer.weights()[e] = w0 + h;
            const double up = meanLoss(engine, batch, labels);
            layer.weights()[e] = w0 - h;
            const double down = meanLoss(engine, batch, labels);
            layer.weights()[e] = w0;
            INFO("layer " << l << " edge " << e << " activation " << activationText);
            compare(wg[l][e], up, down, h);
        }
        for (NeuronIndex j = 0; j < layer.outputs(); ++j) {
            const float b0 = layer.bias()[j];
            const float h = piecewise ? 5e-4f : 2e-3f;
            layer.bias()[j] = b0 + h;
            const double up = meanLoss(engine, batch, labels);
            layer.bias()[j] = b0 - h;
            const double down = meanLoss(engine, batch, labels);
            layer.bias()[j] = b0;
            INFO("layer " << l << " bias " << j);
            compare(bg[l][j], up, down, h);
        }
    }
    if (srelu) {
        // SReLU's four parameters per hidden neuron (set k's live on layer k - 1).
        int nonzero = 0;
        for (int k = 1; k <= 2; ++k) {
            SparseLayer& feeding = net.layer(k - 1);
            for (int q = 0; q < 4; ++q) {
                auto p = feeding.neuronProperty(feeding.findNeuronProperty(kSreluParams[q]));
                const auto& g = engine.activationGrads()[static_cast<std::size_t>(k - 1)][static_cast<std::size_t>(q)];
                REQUIRE(g.size() == p.size());
                for (std::size_t j = 0; j < p.size(); ++j) {
                    const float p0 = p[j], h = 5e-4f;
                    p[j] = p0 + h;
                    const double up = meanLoss(engine, batch, labels);
                    p[j] = p0 - h;
                    const double down = meanLoss(engine, batch, labels);
                    p[j] = p0;
                    INFO("set " << k << " parameter " << kSreluParams[q] << " neuron " << j);
                    compare(g[j], up, down, h);
                    nonzero += g[j] != 0.0f;
                }
            }
        }
        REQUIRE(nonzero > 10); // the regions were hit, so the check saw real gradients
    }
    REQUIRE(checked > 50);
    REQUIRE(kinks <= checked / 10);
}

} // namespace

TEST_CASE("gradients match finite differences", "[core][gradients]")
{
    SECTION("relu, cross-entropy, sparse output") { checkGradients("relu", Loss::CrossEntropy, false); }
    SECTION("all-relu, cross-entropy, dense output") { checkGradients("allrelu:0.6", Loss::CrossEntropy, true); }
    SECTION("leaky relu, mse") { checkGradients("leakyrelu:0.1", Loss::Mse, false); }
    SECTION("sigmoid, cross-entropy") { checkGradients("sigmoid", Loss::CrossEntropy, true); }
    SECTION("tanh, mse, dense output") { checkGradients("tanh", Loss::Mse, true); }
    SECTION("srelu (weights, biases and its four parameters), cross-entropy") { checkGradients("srelu", Loss::CrossEntropy, false); }
    SECTION("srelu, mse, dense output") { checkGradients("srelu", Loss::Mse, true); }
}

TEST_CASE("fillInput transposes sampled rows into the neuron-major input, padding zero", "[core][engine]")
{
    // Feature counts around the 16-wide register transpose: below, exactly, with a tail.
    const int features = GENERATE(5, 16, 37, 784);
    const int batch = GENERATE(1, 16, 29);
    const int threads = GENERATE(1, 2);
    NetworkGraph net({randomLayer(features, 3, 0.5, 31)});
    MlpEngine engine(net, Activation::parse("relu"), Loss::CrossEntropy, 40, threads);
    const int samples = 50;
    std::vector<float> data(static_cast<std::size_t>(samples) * features);
    for (std::size_t k = 0; k < data.size(); ++k)
        data[k] = static_cast<float>(k) * 0.5f + 1.0f; // distinct, non-zero
    // A scrambled choice of rows, with a repeat.
    std::vector<std::int64_t> rows;
    for (int q = 0; q < batch; ++q)
        rows.push_back((q * 17 + 3) % samples);
    if (batch > 2)
        rows[2] = rows[0];
    // Dirty the buffer first: padding columns must come back zero.
    NeuronBuffer& in = engine.input();
    for (int f = 0; f < features; ++f)
        for (int b = 0; b < in.ld(); ++b)
            in.row(f)[b] = -7.0f;
    engine.fillInput(data.data(), features, rows);
    INFO("features " << features << " batch " << batch << " threads " << threads);
    const int width = (batch + 15) / 16 * 16;
    for (int f = 0; f < features; ++f)
        for (int b = 0; b < width; ++b) {
            const float expected = b < batch ? data[static_cast<std::size_t>(rows[b] * features + f)] : 0.0f;
            REQUIRE(in.row(f)[b] == expected);
        }
    REQUIRE_THROWS_WITH(engine.fillInput(data.data(), features + 1, rows),
                        Catch::Contains("samples have " + std::to_string(features + 1) + " features"));
}
