#include "core/init.h"

#include "graph/json.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace rewire {

WeightInit parseWeightInit(const std::string& text)
{
    if (text == "he-uniform" || text == "he")
        return WeightInit::HeUniform;
    if (text == "he-sparse")
        return WeightInit::HeUniformSparse;
    if (text == "xavier" || text == "xavier-uniform")
        return WeightInit::XavierUniform;
    if (text == "normal")
        return WeightInit::Normal;
    if (text == "zero")
        return WeightInit::Zero;
    if (text == "uniform-fanin")
        return WeightInit::UniformFanIn;
    throw std::invalid_argument("--init " + text +
                                ": unknown (expected he-uniform, he-sparse, xavier, normal, zero, uniform-fanin)");
}

std::string toString(WeightInit init)
{
    switch (init) {
    case WeightInit::HeUniform: return "he-uniform";
    case WeightInit::HeUniformSparse: return "he-sparse";
    case WeightInit::XavierUniform: return "xavier";
    case WeightInit::Normal: return "normal";
    case WeightInit::Zero: return "zero";
    case WeightInit::UniformFanIn: return "uniform-fanin";
    }
    return "?";
}

float drawWeight(WeightInit init, NeuronIndex fanIn, NeuronIndex fanOut, Rng& rng)
{
    switch (init) {
    case WeightInit::HeUniform:
    case WeightInit::HeUniformSparse: {
        const float limit = std::sqrt(6.0f / static_cast<float>(std::max(fanIn, 1)));
        return rng.uniform(-limit, limit);
    }
    case WeightInit::XavierUniform: {
        const float limit = std::sqrt(6.0f / static_cast<float>(std::max(fanIn + fanOut, 1)));
        return rng.uniform(-limit, limit);
    }
    case WeightInit::Normal: return static_cast<float>(0.1 * rng.normal());
    case WeightInit::Zero: return 0.0f;
    case WeightInit::UniformFanIn: {
        const float limit = 1.0f / static_cast<float>(std::max(fanIn, 1));
        return rng.uniform(-limit, limit);
    }
    }
    return 0.0f;
}

NeuronIndex initFanIn(WeightInit init, NeuronIndex inputs, NeuronIndex outputs, EdgeIndex edges)
{
    if ((init != WeightInit::HeUniformSparse && init != WeightInit::UniformFanIn) || outputs <= 0)
        return inputs;
    return static_cast<NeuronIndex>(std::max<EdgeIndex>(1, (edges + outputs / 2) / outputs));
}

double erdosRenyiProbability(NeuronIndex inputs, NeuronIndex outputs, double epsilon)
{
    if (!(epsilon > 0.0) || !std::isfinite(epsilon))
        throw std::invalid_argument("epsilon must be > 0, got " + formatNumber(epsilon));
    if (inputs <= 0 || outputs <= 0)
        throw std::invalid_argument("layer sizes must be positive, got " + std::to_string(inputs) + " x " +
                                    std::to_string(outputs));
    const double p = epsilon * (static_cast<double>(inputs) + outputs) / (static_cast<double>(inputs) * outputs);
    return std::min(1.0, p);
}

EdgeIndex erdosRenyiEdgeCount(NeuronIndex inputs, NeuronIndex outputs, double epsilon)
{
    const double p = erdosRenyiProbability(inputs, outputs, epsilon);
    const double possible = static_cast<double>(inputs) * outputs;
    return p >= 1.0 ? static_cast<EdgeIndex>(inputs) * outputs : static_cast<EdgeIndex>(std::llround(p * possible));
}

double erdosRenyiDensity(const std::vector<NeuronIndex>& arch, double epsilon)
{
    double edges = 0, possible = 0;
    for (std::size_t l = 0; l + 1 < arch.size(); ++l) {
        edges += static_cast<double>(erdosRenyiEdgeCount(arch[l], arch[l + 1], epsilon));
        possible += static_cast<double>(arch[l]) * arch[l + 1];
    }
    return possible > 0 ? edges / possible : 0.0;
}

double epsilonForDensity(const std::vector<NeuronIndex>& arch, double density)
{
    if (!(density > 0.0 && density <= 1.0))
        throw std::invalid_argument("density " + formatNumber(density) + ": must be in (0, 1]");
    double lo = 1e-9, hi = 1.0;
    while (erdosRenyiDensity(arch, hi) < density)
        hi *= 2.0;
    if (erdosRenyiDensity(arch, lo) >= density)
        return lo;
    for (int i = 0; i < 200 && hi - lo > 1e-9 * hi; ++i) {
        const double mid = 0.5 * (lo + hi);
        (erdosRenyiDensity(arch, mid) >= density ? hi : lo) = mid;
    }
    return hi;
}

std::vector<NeuronIndex> parameterEquivalentArch(const std::vector<NeuronIndex>& arch, double epsilon)
{
    if (arch.size() < 3)
        return arch; // no hidden layer to resize
    double sparse = 0;
    for (std::size_t l = 0; l + 1 < arch.size(); ++l)
        sparse += static_cast<double>(erdosRenyiEdgeCount(arch[l], arch[l + 1], epsilon)) + arch[l + 1];
    const auto params = [&](double h) {
        std::vector<double> sizes{static_cast<double>(arch.front())};
        for (std::size_t k = 1; k + 1 < arch.size(); ++k)
            sizes.push_back(h);
        sizes.push_back(static_cast<double>(arch.back()));
        double p = 0;
        for (std::size_t l = 0; l + 1 < sizes.size(); ++l)
            p += sizes[l] * sizes[l + 1] + sizes[l + 1];
        return p;
    };
    NeuronIndex h = 1;
    while (params(h) <= sparse)
        ++h;
    std::vector<NeuronIndex> out(arch.size(), h);
    out.front() = arch.front();
    out.back() = arch.back();
    return out;
}

SparseLayer denseLayer(NeuronIndex inputs, NeuronIndex outputs, WeightInit init, Rng& rng)
{
    std::vector<float> w(static_cast<std::size_t>(inputs) * static_cast<std::size_t>(outputs));
    for (float& x : w)
        x = drawWeight(init, inputs, outputs, rng);
    SparseLayer layer = SparseLayer::dense(inputs, outputs, std::move(w));
    if (init == WeightInit::UniformFanIn) {
        const float limit = 1.0f / std::sqrt(static_cast<float>(std::max(inputs, 1)));
        for (float& b : layer.bias())
            b = rng.uniform(-limit, limit);
    }
    return layer;
}

SparseLayer uniformFanInLayer(NeuronIndex inputs, NeuronIndex outputs, double epsilon, Rng& rng)
{
    const EdgeIndex count = erdosRenyiEdgeCount(inputs, outputs, epsilon);
    const auto n = static_cast<NeuronIndex>(
        std::clamp<EdgeIndex>((count + outputs / 2) / std::max<NeuronIndex>(outputs, 1), 1, inputs));
    if (n == inputs)
        return denseLayer(inputs, outputs, WeightInit::UniformFanIn, rng);
    const EdgeIndex edges = static_cast<EdgeIndex>(n) * outputs;
    std::vector<EdgeIndex> rowPtr(static_cast<std::size_t>(outputs) + 1);
    std::vector<NeuronIndex> colIdx(static_cast<std::size_t>(edges));
    std::vector<float> weights(static_cast<std::size_t>(edges));
    const float wLimit = 1.0f / static_cast<float>(n), bLimit = 1.0f / std::sqrt(static_cast<float>(n));
    std::vector<float> bias(static_cast<std::size_t>(outputs));
    for (NeuronIndex j = 0; j < outputs; ++j) {
        const EdgeIndex e0 = static_cast<EdgeIndex>(j) * n;
        rowPtr[static_cast<std::size_t>(j) + 1] = e0 + n;
        for (NeuronIndex p = 0; p < n; ++p) { // partition p: inputs [p·in/n, (p+1)·in/n)
            const auto lo = static_cast<NeuronIndex>(static_cast<std::int64_t>(p) * inputs / n);
            const auto hi = static_cast<NeuronIndex>(static_cast<std::int64_t>(p + 1) * inputs / n);
            colIdx[static_cast<std::size_t>(e0 + p)] = lo + static_cast<NeuronIndex>(rng.below(static_cast<std::uint64_t>(hi - lo)));
            weights[static_cast<std::size_t>(e0 + p)] = rng.uniform(-wLimit, wLimit);
        }
        bias[static_cast<std::size_t>(j)] = rng.uniform(-bLimit, bLimit);
    }
    SparseLayer layer = SparseLayer::fromCsr(inputs, outputs, std::move(rowPtr), std::move(colIdx), std::move(weights));
    std::copy(bias.begin(), bias.end(), layer.bias().begin());
    return layer;
}

SparseLayer erdosRenyiLayer(NeuronIndex inputs, NeuronIndex outputs, double epsilon, WeightInit init, Rng& rng)
{
    const EdgeIndex count = erdosRenyiEdgeCount(inputs, outputs, epsilon);
    const auto possible = static_cast<std::uint64_t>(inputs) * static_cast<std::uint64_t>(outputs);
    if (static_cast<std::uint64_t>(count) == possible)
        return denseLayer(inputs, outputs, init, rng);
    std::vector<std::uint64_t> keys; // output * inputs + input: sorted keys are CSR order
    keys.reserve(static_cast<std::size_t>(count));
    if (static_cast<std::uint64_t>(count) * 2 > possible) {
        // Dense-ish: choose the absent positions instead of the present ones.
        std::vector<std::uint64_t> all(possible);
        for (std::uint64_t k = 0; k < possible; ++k)
            all[k] = k;
        for (std::uint64_t k = 0; k < static_cast<std::uint64_t>(count); ++k)
            std::swap(all[k], all[k + rng.below(possible - k)]);
        keys.assign(all.begin(), all.begin() + count);
        std::sort(keys.begin(), keys.end());
    } else {
        // Draw, sort, drop duplicates, top up: each round loses only a few percent to collisions.
        while (static_cast<EdgeIndex>(keys.size()) < count) {
            const auto missing = static_cast<std::size_t>(count) - keys.size();
            const std::size_t before = keys.size();
            for (std::size_t k = 0; k < missing; ++k)
                keys.push_back(rng.below(possible));
            std::sort(keys.begin() + static_cast<std::ptrdiff_t>(before), keys.end());
            std::inplace_merge(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(before), keys.end());
            keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        }
    }
    std::vector<EdgeIndex> rowPtr(static_cast<std::size_t>(outputs) + 1, 0);
    std::vector<NeuronIndex> colIdx(keys.size());
    std::vector<float> weights(keys.size());
    const NeuronIndex fanIn = initFanIn(init, inputs, outputs, count);
    for (std::size_t e = 0; e < keys.size(); ++e) {
        const auto j = static_cast<NeuronIndex>(keys[e] / static_cast<std::uint64_t>(inputs));
        colIdx[e] = static_cast<NeuronIndex>(keys[e] % static_cast<std::uint64_t>(inputs));
        ++rowPtr[static_cast<std::size_t>(j) + 1];
        weights[e] = drawWeight(init, fanIn, outputs, rng);
    }
    for (NeuronIndex j = 0; j < outputs; ++j)
        rowPtr[j + 1] += rowPtr[j];
    keys.clear();
    keys.shrink_to_fit();
    return SparseLayer::fromCsr(inputs, outputs, std::move(rowPtr), std::move(colIdx), std::move(weights));
}

} // namespace rewire
