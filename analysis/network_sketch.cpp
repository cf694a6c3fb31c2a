#include "analysis/network_sketch.h"

#include <algorithm>
#include <functional>
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

// Block of neuron i among n neurons in b blocks: ⌊i·b/n⌋.
int blockOf(NeuronIndex i, NeuronIndex n, int b)
{
    return static_cast<int>(static_cast<std::int64_t>(i) * b / n);
}

// Position of each neuron when ordered by degree, highest first, ties by index (a stable counting
// sort: degrees are small integers).
std::vector<NeuronIndex> degreeOrder(NeuronIndex n, const std::function<NeuronIndex(NeuronIndex)>& degree)
{
    std::vector<NeuronIndex> deg(static_cast<std::size_t>(n));
    NeuronIndex most = 0;
    for (NeuronIndex i = 0; i < n; ++i) {
        deg[static_cast<std::size_t>(i)] = degree(i);
        most = std::max(most, deg[static_cast<std::size_t>(i)]);
    }
    std::vector<std::int64_t> start(static_cast<std::size_t>(most) + 2, 0); // by descending degree
    for (NeuronIndex d : deg)
        ++start[static_cast<std::size_t>(most - d) + 1];
    for (std::size_t k = 1; k < start.size(); ++k)
        start[k] += start[k - 1];
    std::vector<NeuronIndex> pos(static_cast<std::size_t>(n));
    for (NeuronIndex i = 0; i < n; ++i)
        pos[static_cast<std::size_t>(i)] = static_cast<NeuronIndex>(start[static_cast<std::size_t>(most - deg[static_cast<std::size_t>(i)])]++);
    return pos;
}

} // namespace

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
    if (shift <= 0)
        return true;
    const std::uint64_t key = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(to)) << 32) | static_cast<std::uint32_t>(from);
    return (mix(key ^ mix(static_cast<std::uint64_t>(layer) + 0x5ce7c4ULL)) >> (64 - shift)) == 0;
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

        // The strongest: a min-heap of |w| of the budget's size while the edges stream past.
        struct Kept {
            float mag;
            EdgeIndex e;
            NeuronIndex j;
            bool operator>(const Kept& o) const { return mag > o.mag; }
        };
        std::vector<Kept> heap;
        const EdgeIndex budget = std::min(options.strongest, s.edges);
        heap.reserve(static_cast<std::size_t>(budget));
        s.gridIn = static_cast<int>(std::min<NeuronIndex>(in, options.gridCells));
        s.gridOut = static_cast<int>(std::min<NeuronIndex>(outN, options.gridCells));
        s.grid.assign(static_cast<std::size_t>(s.gridIn) * static_cast<std::size_t>(s.gridOut), 0);
        std::vector<NewEdge> edges;
        for (NeuronIndex j = 0; j < outN; ++j) {
            std::int64_t* gridRow = s.grid.data() + static_cast<std::size_t>(blockOf(j, outN, s.gridOut)) * static_cast<std::size_t>(s.gridIn);
            for (EdgeIndex e = rowPtr[static_cast<std::size_t>(j)]; e < rowPtr[static_cast<std::size_t>(j) + 1]; ++e) {
                const NeuronIndex i = colIdx[static_cast<std::size_t>(e)];
                ++gridRow[blockOf(i, in, s.gridIn)];
                const float mag = std::abs(w[static_cast<std::size_t>(e)]);
                if (budget > 0) {
                    if (static_cast<EdgeIndex>(heap.size()) < budget) {
                        heap.push_back({mag, e, j});
                        std::push_heap(heap.begin(), heap.end(), std::greater<>());
                    } else if (mag > heap.front().mag) {
                        std::pop_heap(heap.begin(), heap.end(), std::greater<>());
                        heap.back() = {mag, e, j};
                        std::push_heap(heap.begin(), heap.end(), std::greater<>());
                    }
                }
                if (sampledPosition(l, i, j, s.shift))
                    edges.push_back({j, i, w[static_cast<std::size_t>(e)]});
            }
        }
        s.strongest = static_cast<EdgeIndex>(heap.size());
        s.strongestFloor = heap.empty() ? 0.0f : heap.front().mag;
        for (const Kept& k : heap)
            if (const NeuronIndex i = colIdx[static_cast<std::size_t>(k.e)]; !sampledPosition(l, i, k.j, s.shift))
                edges.push_back({k.j, i, w[static_cast<std::size_t>(k.e)]});
        kept.push_back(SparseLayer::fromEdges(in, outN, std::move(edges)));

        // The degree-order grid.
        s.sortedIn = static_cast<int>(std::min<NeuronIndex>(in, options.sortedGridCells));
        s.sortedOut = static_cast<int>(std::min<NeuronIndex>(outN, options.sortedGridCells));
        s.sortedGrid.assign(static_cast<std::size_t>(s.sortedIn) * static_cast<std::size_t>(s.sortedOut), 0);
        const std::vector<NeuronIndex> inPos = degreeOrder(in, [&](NeuronIndex i) { return layer.outDegree(i); });
        const std::vector<NeuronIndex> outPos = degreeOrder(outN, [&](NeuronIndex j) { return layer.inDegree(j); });
        std::vector<int> inBlock(static_cast<std::size_t>(in));
        for (NeuronIndex i = 0; i < in; ++i)
            inBlock[static_cast<std::size_t>(i)] = blockOf(inPos[static_cast<std::size_t>(i)], in, s.sortedIn);
        for (NeuronIndex j = 0; j < outN; ++j) {
            std::int64_t* gridRow = s.sortedGrid.data() +
                                    static_cast<std::size_t>(blockOf(outPos[static_cast<std::size_t>(j)], outN, s.sortedOut)) *
                                        static_cast<std::size_t>(s.sortedIn);
            for (EdgeIndex e = rowPtr[static_cast<std::size_t>(j)]; e < rowPtr[static_cast<std::size_t>(j) + 1]; ++e)
                ++gridRow[inBlock[static_cast<std::size_t>(colIdx[static_cast<std::size_t>(e)])]];
        }
        out.layers.push_back(std::move(s));
    }
    out.graph = NetworkGraph(std::move(kept));
    return out;
}

std::vector<LayerTurnover> sampledTurnover(const NetworkSketch& a, const NetworkSketch& b, std::vector<LayerEdgeChanges>* changes)
{
    // The common sample: each layer's coarser rate (the samples are nested).
    std::vector<int> shift;
    for (std::size_t l = 0; l < a.layers.size() && l < b.layers.size(); ++l)
        shift.push_back(std::max(a.layers[l].shift, b.layers[l].shift));
    std::vector<LayerTurnover> out = maskTurnover(a.graph, b.graph, changes, [&](int l, NeuronIndex from, NeuronIndex to) {
        return sampledPosition(l, from, to, shift[static_cast<std::size_t>(l)]);
    });
    for (std::size_t l = 0; l < out.size(); ++l) {
        LayerTurnover& t = out[l];
        t.sampleShift = shift[l];
        t.common <<= t.sampleShift;
        t.added <<= t.sampleShift;
        t.removed <<= t.sampleShift;
    }
    return out;
}

} // namespace rewire
