#include "analysis/network_sketch.h"

#include "analysis/degrees.h"
#include "analysis/strongest.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace rewire {

namespace {

std::uint64_t mix(std::uint64_t z) // splitmix64's finaliser
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

// sampledPosition for one layer, its salt mixed once.
struct Sampler {
    std::uint64_t salt;
    int shift;
    Sampler(int layer, int shift) : salt(mix(static_cast<std::uint64_t>(layer) + 0x5ce7c4ULL)), shift(shift) {}
    bool operator()(NeuronIndex from, NeuronIndex to) const
    {
        if (shift <= 0)
            return true;
        const std::uint64_t key = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(to)) << 32) | static_cast<std::uint32_t>(from);
        return (mix(key ^ salt) >> (64 - shift)) == 0;
    }
};

} // namespace

std::vector<NeuronIndex> degreeOrder(const std::vector<std::int64_t>& degree)
{
    const std::int64_t most = degree.empty() ? 0 : *std::max_element(degree.begin(), degree.end());
    std::vector<std::int64_t> start(static_cast<std::size_t>(most) + 2, 0); // by descending degree
    for (std::int64_t d : degree)
        ++start[static_cast<std::size_t>(most - d) + 1];
    for (std::size_t k = 1; k < start.size(); ++k)
        start[k] += start[k - 1];
    std::vector<NeuronIndex> pos(degree.size());
    for (std::size_t i = 0; i < degree.size(); ++i)
        pos[i] = static_cast<NeuronIndex>(start[static_cast<std::size_t>(most - degree[i])]++);
    return pos;
}

std::vector<int> sampleShifts(const NetworkGraph& network, EdgeIndex target)
{
    if (target < 1)
        throw std::invalid_argument("sketch sample target must be at least 1, got " + std::to_string(target));
    std::vector<int> shifts;
    for (const SparseLayer& layer : network.layers()) {
        int s = 0;
        while (s < 62 && (layer.edgeCount() >> s) > target)
            ++s;
        shifts.push_back(s);
    }
    return shifts;
}

bool sampledPosition(int layer, NeuronIndex from, NeuronIndex to, int shift)
{
    return Sampler(layer, shift)(from, to);
}

std::size_t NetworkSketch::memoryBytes() const
{
    std::size_t bytes = sizeof(NetworkSketch) + graph.memoryBytes();
    for (const LayerSketch& l : layers)
        bytes += sizeof(LayerSketch) + (l.grid.size() + l.sortedGrid.size()) * sizeof(std::int64_t);
    return bytes;
}

NetworkSketch sketchNetwork(const NetworkGraph& network, const SketchOptions& options)
{
    if (options.strongest < 0 || options.gridCells < 1 || options.sortedGridCells < 1)
        throw std::invalid_argument("sketch options out of range: strongest " + std::to_string(options.strongest) +
                                    ", grid " + std::to_string(options.gridCells) + ", sorted grid " +
                                    std::to_string(options.sortedGridCells));
    const std::vector<int> shifts = options.shifts.empty() ? sampleShifts(network, options.sampleTarget) : options.shifts;
    if (static_cast<int>(shifts.size()) != network.layerCount())
        throw std::invalid_argument("sketch: " + std::to_string(shifts.size()) + " sample rates for " +
                                    std::to_string(network.layerCount()) + " layers");
    NetworkSketch out;
    std::vector<SparseLayer> kept;
    for (int l = 0; l < network.layerCount(); ++l) {
        const SparseLayer& layer = network.layer(l);
        const NeuronIndex in = layer.inputs(), outN = layer.outputs();
        const auto rowPtr = layer.rowPtr();
        const auto colIdx = layer.colIdx();
        const auto w = layer.weights();
        LayerSketch s;
        s.edges = layer.edgeCount();
        s.shift = shifts[static_cast<std::size_t>(l)];

        // One pass over the edges: both grids, the strongest by |w| and the sample.
        struct Kept {
            EdgeIndex e;
            NeuronIndex j;
        };
        Strongest<Kept> strongest(static_cast<std::size_t>(std::min(options.strongest, s.edges)));
        s.gridIn = static_cast<int>(std::min<NeuronIndex>(in, options.gridCells));
        s.gridOut = static_cast<int>(std::min<NeuronIndex>(outN, options.gridCells));
        s.grid.assign(static_cast<std::size_t>(s.gridIn) * static_cast<std::size_t>(s.gridOut), 0);
        s.sortedIn = static_cast<int>(std::min<NeuronIndex>(in, options.sortedGridCells));
        s.sortedOut = static_cast<int>(std::min<NeuronIndex>(outN, options.sortedGridCells));
        s.sortedGrid.assign(static_cast<std::size_t>(s.sortedIn) * static_cast<std::size_t>(s.sortedOut), 0);
        const std::vector<NeuronIndex> inPos = degreeOrder(degreeSequence(layer, Side::Out));
        const std::vector<NeuronIndex> outPos = degreeOrder(degreeSequence(layer, Side::In));
        std::vector<int> sortedInBlock(static_cast<std::size_t>(in));
        for (NeuronIndex i = 0; i < in; ++i)
            sortedInBlock[static_cast<std::size_t>(i)] = blockOf(inPos[static_cast<std::size_t>(i)], in, s.sortedIn);
        const Sampler sampled(l, s.shift);
        std::vector<NewEdge> edges;
        for (NeuronIndex j = 0; j < outN; ++j) {
            std::int64_t* gridRow = s.grid.data() + static_cast<std::size_t>(blockOf(j, outN, s.gridOut)) * static_cast<std::size_t>(s.gridIn);
            std::int64_t* sortedRow = s.sortedGrid.data() +
                                      static_cast<std::size_t>(blockOf(outPos[static_cast<std::size_t>(j)], outN, s.sortedOut)) *
                                          static_cast<std::size_t>(s.sortedIn);
            for (EdgeIndex e = rowPtr[static_cast<std::size_t>(j)]; e < rowPtr[static_cast<std::size_t>(j) + 1]; ++e) {
                const NeuronIndex i = colIdx[static_cast<std::size_t>(e)];
                ++gridRow[blockOf(i, in, s.gridIn)];
                ++sortedRow[sortedInBlock[static_cast<std::size_t>(i)]];
                strongest.offer(std::abs(w[static_cast<std::size_t>(e)]), {e, j});
                if (sampled(i, j))
                    edges.push_back({j, i, w[static_cast<std::size_t>(e)]});
            }
        }
        s.strongest = static_cast<EdgeIndex>(strongest.size());
        s.strongestFloor = strongest.floor();
        for (const auto& item : strongest.items())
            if (const NeuronIndex i = colIdx[static_cast<std::size_t>(item.value.e)]; !sampled(i, item.value.j))
                edges.push_back({item.value.j, i, w[static_cast<std::size_t>(item.value.e)]});
        kept.push_back(SparseLayer::fromEdges(in, outN, std::move(edges)));
        out.layers.push_back(std::move(s));
    }
    out.graph = NetworkGraph(std::move(kept));
    return out;
}

std::vector<LayerTurnover> sampledTurnover(const NetworkSketch& a, const NetworkSketch& b, std::vector<LayerEdgeChanges>* changes)
{
    // The common sample: each layer's coarser rate (the samples are nested).
    std::vector<Sampler> sampled;
    for (std::size_t l = 0; l < a.layers.size() && l < b.layers.size(); ++l)
        sampled.emplace_back(static_cast<int>(l), std::max(a.layers[l].shift, b.layers[l].shift));
    std::vector<LayerTurnover> out = maskTurnover(a.graph, b.graph, changes, [&](int l, NeuronIndex from, NeuronIndex to) {
        return sampled[static_cast<std::size_t>(l)](from, to);
    });
    for (std::size_t l = 0; l < out.size(); ++l) {
        LayerTurnover& t = out[l];
        t.sampleShift = sampled[l].shift;
        t.common <<= t.sampleShift;
        t.added <<= t.sampleShift;
        t.removed <<= t.sampleShift;
    }
    return out;
}

} // namespace rewire
