#include "core/init.h"

#include "core/work_pool.h"
#include "graph/json.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <unordered_set>

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
    if (text == "sparse-fanin")
        return WeightInit::SparseFanIn;
    throw std::invalid_argument(
        "--init " + text + ": unknown (expected auto, he-uniform, he-sparse, sparse-fanin, xavier, normal, zero, uniform-fanin)");
}

WeightInit resolveWeightInit(const std::string& text, const std::vector<NeuronIndex>& arch, double epsilon,
                             bool startsDense)
{
    if (text != "auto")
        return parseWeightInit(text);
    if (!startsDense)
        for (std::size_t l = 0; l + 1 < arch.size(); ++l)
            if (erdosRenyiProbability(arch[l], arch[l + 1], epsilon) < kVerySparseDensity)
                return WeightInit::SparseFanIn;
    return WeightInit::HeUniform;
}

float readoutGain(double lastHiddenMeanInDegree, double readoutMeanInDegree)
{
    if (!(lastHiddenMeanInDegree > 0.0) || !(readoutMeanInDegree > lastHiddenMeanInDegree))
        return 1.0f;
    return static_cast<float>(std::sqrt(lastHiddenMeanInDegree / readoutMeanInDegree));
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
    case WeightInit::SparseFanIn: return "sparse-fanin";
    }
    return "?";
}

float drawWeight(WeightInit init, NeuronIndex fanIn, NeuronIndex fanOut, Rng& rng, float gain)
{
    switch (init) {
    case WeightInit::SparseFanIn: {
        const float limit = gain * std::sqrt(6.0f / static_cast<float>(std::max(fanIn, 1)));
        return rng.uniform(-limit, limit);
    }
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

float initGain(WeightInit init, const NetworkGraph& network, int l)
{
    const int layers = network.layerCount();
    if (init != WeightInit::SparseFanIn || l != layers - 2)
        return 1.0f;
    const auto meanInDegree = [&](int k) {
        const SparseLayer& layer = network.layer(k);
        return layer.outputs() > 0 ? static_cast<double>(layer.edgeCount()) / layer.outputs() : 0.0;
    };
    return readoutGain(meanInDegree(l), meanInDegree(l + 1));
}

void drawNewWeights(std::vector<NewEdge>& added, const SparseLayer& layer, std::span<const std::uint8_t> keep,
                    WeightInit init, float gain, Rng& rng)
{
    if (init != WeightInit::SparseFanIn) {
        const NeuronIndex fanIn = initFanIn(init, layer.inputs(), layer.outputs(), layer.edgeCount());
        for (NewEdge& a : added)
            a.weight = drawWeight(init, fanIn, layer.outputs(), rng, gain);
        return;
    }
    std::vector<NeuronIndex> degree(static_cast<std::size_t>(layer.outputs()), 0);
    const auto rowPtr = layer.rowPtr();
    for (NeuronIndex j = 0; j < layer.outputs(); ++j)
        for (EdgeIndex e = rowPtr[static_cast<std::size_t>(j)]; e < rowPtr[static_cast<std::size_t>(j) + 1]; ++e)
            degree[static_cast<std::size_t>(j)] += keep.empty() || keep[static_cast<std::size_t>(e)] != 0;
    for (const NewEdge& a : added)
        ++degree[static_cast<std::size_t>(a.output)];
    for (NewEdge& a : added)
        a.weight = drawWeight(init, degree[static_cast<std::size_t>(a.output)], layer.outputs(), rng, gain);
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

namespace {

// Rng as a UniformRandomBitGenerator, for std::binomial_distribution.
struct BitSource {
    using result_type = std::uint64_t;
    Rng* rng;
    static constexpr result_type min() { return 0; }
    static constexpr result_type max() { return ~result_type{0}; }
    result_type operator()() { return rng->next(); }
};

// Rows per block of erdosRenyiLayer: a function of the layer's size only, so that the streams,
// and with them the layer, do not depend on the thread count.
NeuronIndex rowsPerBlock(NeuronIndex outputs)
{
    return std::max<NeuronIndex>(4096, static_cast<NeuronIndex>((static_cast<std::int64_t>(outputs) + 60000) / 60001));
}

// `k` distinct values of [0, n), sorted, into out[0, k): draw, sort, drop repeats, top up.
// Expects k <= n / 2 (a few percent of draws repeat at most). Time complexity: O(k log k).
void distinctSorted(NeuronIndex n, NeuronIndex k, Rng& rng, std::vector<NeuronIndex>& out)
{
    out.clear();
    while (static_cast<NeuronIndex>(out.size()) < k) {
        const std::size_t before = out.size();
        for (NeuronIndex i = static_cast<NeuronIndex>(before); i < k; ++i)
            out.push_back(static_cast<NeuronIndex>(rng.below(static_cast<std::uint64_t>(n))));
        std::sort(out.begin() + static_cast<std::ptrdiff_t>(before), out.end());
        std::inplace_merge(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(before), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
    }
}

template <class F>
void forBlocks(WorkPool* pool, int blocks, F&& body)
{
    if (pool && pool->threads() > 1 && blocks > 1)
        pool->run(blocks, body);
    else
        for (int b = 0; b < blocks; ++b)
            body(b);
}

} // namespace

SparseLayer erdosRenyiLayer(NeuronIndex inputs, NeuronIndex outputs, double epsilon, WeightInit init, Rng& rng,
                            WorkPool* pool, float gain)
{
    const EdgeIndex count = erdosRenyiEdgeCount(inputs, outputs, epsilon);
    const auto possible = static_cast<std::uint64_t>(inputs) * static_cast<std::uint64_t>(outputs);
    if (static_cast<std::uint64_t>(count) == possible) {
        SparseLayer dense = denseLayer(inputs, outputs, init, rng);
        if (gain != 1.0f && init == WeightInit::SparseFanIn)
            for (float& w : dense.weights())
                w *= gain;
        return dense;
    }
    const std::uint64_t seed = rng.next();
    const NeuronIndex rows = rowsPerBlock(outputs);
    const int blocks = static_cast<int>((static_cast<std::int64_t>(outputs) + rows - 1) / rows);
    const double p = static_cast<double>(count) / static_cast<double>(possible);
    // In-degrees, stored shifted by one in rowPtr until the prefix sum.
    std::vector<EdgeIndex> rowPtr(static_cast<std::size_t>(outputs) + 1, 0);
    forBlocks(pool, blocks, [&](int b) {
        Rng r = Rng::derive(seed, 2 * static_cast<std::uint64_t>(b));
        BitSource bits{&r};
        std::binomial_distribution<std::int64_t> degree(inputs, p); // int: libstdc++ overflows near 2^29
        const NeuronIndex end = std::min<NeuronIndex>(outputs, (b + 1) * rows);
        for (NeuronIndex j = b * rows; j < end; ++j)
            rowPtr[static_cast<std::size_t>(j) + 1] = degree(bits);
    });
    EdgeIndex total = 0;
    for (NeuronIndex j = 0; j < outputs; ++j)
        total += rowPtr[static_cast<std::size_t>(j) + 1];
    Rng fix = Rng::derive(seed, ~std::uint64_t{0});
    if (total > count) {
        // Remove total - count edges chosen uniformly among the drawn ones: edge t of the
        // row-major order belongs to the row whose prefix sum passes t.
        std::unordered_set<std::uint64_t> picked;
        const auto drop = static_cast<std::size_t>(total - count);
        picked.reserve(drop * 2);
        while (picked.size() < drop)
            picked.insert(fix.below(static_cast<std::uint64_t>(total)));
        std::vector<std::uint64_t> sorted(picked.begin(), picked.end());
        std::sort(sorted.begin(), sorted.end());
        std::uint64_t before = 0;
        std::size_t next = 0;
        for (NeuronIndex j = 0; j < outputs && next < sorted.size(); ++j) {
            auto& d = rowPtr[static_cast<std::size_t>(j) + 1];
            const std::uint64_t end = before + static_cast<std::uint64_t>(d);
            EdgeIndex removed = 0;
            while (next < sorted.size() && sorted[next] < end) {
                ++removed;
                ++next;
            }
            before = end;
            d -= removed;
        }
    } else {
        // Add count - total absent positions, each uniform among the absent ones: a uniform
        // position (j, c) counts as absent when c < inputs - d_j (row j has that many).
        for (EdgeIndex a = total; a < count;) {
            const auto j = static_cast<std::size_t>(fix.below(static_cast<std::uint64_t>(outputs)));
            const auto c = static_cast<EdgeIndex>(fix.below(static_cast<std::uint64_t>(inputs)));
            if (c < inputs - rowPtr[j + 1]) {
                ++rowPtr[j + 1];
                ++a;
            }
        }
    }
    for (NeuronIndex j = 0; j < outputs; ++j)
        rowPtr[static_cast<std::size_t>(j) + 1] += rowPtr[static_cast<std::size_t>(j)];
    std::vector<NeuronIndex> colIdx(static_cast<std::size_t>(count));
    std::vector<float> weights(static_cast<std::size_t>(count));
    const NeuronIndex layerFanIn = initFanIn(init, inputs, outputs, count);
    forBlocks(pool, blocks, [&](int b) {
        Rng r = Rng::derive(seed, 2 * static_cast<std::uint64_t>(b) + 1);
        std::vector<NeuronIndex> pick, absent;
        const NeuronIndex end = std::min<NeuronIndex>(outputs, (b + 1) * rows);
        for (NeuronIndex j = b * rows; j < end; ++j) {
            const EdgeIndex e0 = rowPtr[static_cast<std::size_t>(j)];
            const auto k = static_cast<NeuronIndex>(rowPtr[static_cast<std::size_t>(j) + 1] - e0);
            NeuronIndex* cols = colIdx.data() + e0;
            if (k <= inputs / 2) {
                distinctSorted(inputs, k, r, pick);
                std::copy(pick.begin(), pick.end(), cols);
            } else { // the complement: the inputs - k absent ones
                distinctSorted(inputs, inputs - k, r, absent);
                NeuronIndex w = 0;
                std::size_t a = 0;
                for (NeuronIndex i = 0; i < inputs; ++i) {
                    if (a < absent.size() && absent[a] == i)
                        ++a;
                    else
                        cols[w++] = i;
                }
            }
            const NeuronIndex fanIn = init == WeightInit::SparseFanIn ? k : layerFanIn;
            for (NeuronIndex e = 0; e < k; ++e)
                weights[static_cast<std::size_t>(e0 + e)] = drawWeight(init, fanIn, outputs, r, gain);
        }
    });
    return SparseLayer::fromCsr(inputs, outputs, std::move(rowPtr), std::move(colIdx), std::move(weights));
}

} // namespace rewire
