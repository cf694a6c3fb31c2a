#include "graph/network_graph.h"

#include <algorithm>
#include <stdexcept>

namespace rewire {

NetworkGraph::NetworkGraph(std::vector<SparseLayer> layers) : m_layers(std::move(layers))
{
    for (size_t l = 1; l < m_layers.size(); ++l)
        if (m_layers[l - 1].outputs() != m_layers[l].inputs())
            throw std::invalid_argument("NetworkGraph: layer " + std::to_string(l - 1) + " has " +
                                        std::to_string(m_layers[l - 1].outputs()) + " outputs but layer " +
                                        std::to_string(l) + " has " + std::to_string(m_layers[l].inputs()) +
                                        " inputs");
    m_offsets.assign(1, 0);
    for (NeuronIndex n : architecture())
        m_offsets.push_back(m_offsets.back() + static_cast<VertexId>(n));
}

std::vector<NeuronIndex> NetworkGraph::architecture() const
{
    std::vector<NeuronIndex> sizes;
    if (m_layers.empty())
        return sizes;
    sizes.push_back(m_layers.front().inputs());
    for (const auto& l : m_layers)
        sizes.push_back(l.outputs());
    return sizes;
}

NeuronIndex NetworkGraph::neuronSetSize(int k) const
{
    if (k < 0 || k > layerCount() || m_layers.empty())
        throw std::out_of_range("NetworkGraph: neuron set " + std::to_string(k) + " outside 0.." +
                                std::to_string(layerCount()));
    return k == 0 ? m_layers.front().inputs() : m_layers[static_cast<size_t>(k) - 1].outputs();
}

std::pair<int, NeuronIndex> NetworkGraph::locate(VertexId v) const
{
    if (v >= vertexCount())
        throw std::out_of_range("NetworkGraph: vertex " + std::to_string(v) + " >= vertex count " +
                                std::to_string(vertexCount()));
    const auto it = std::upper_bound(m_offsets.begin(), m_offsets.end(), v);
    const int k = static_cast<int>(it - m_offsets.begin()) - 1;
    return {k, static_cast<NeuronIndex>(v - m_offsets[static_cast<size_t>(k)])};
}

EdgeIndex NetworkGraph::edgeCount() const
{
    EdgeIndex n = 0;
    for (const auto& l : m_layers)
        n += l.edgeCount();
    return n;
}

std::size_t NetworkGraph::memoryBytes() const
{
    std::size_t bytes = 0;
    for (const SparseLayer& l : m_layers)
        bytes += l.memoryBytes();
    return bytes;
}

NetworkGraph NetworkGraph::topologyCopy() const
{
    std::vector<SparseLayer> layers;
    layers.reserve(m_layers.size());
    for (const SparseLayer& l : m_layers) {
        SparseLayer copy = SparseLayer::fromCsr(l.inputs(), l.outputs(), {l.rowPtr().begin(), l.rowPtr().end()},
                                                {l.colIdx().begin(), l.colIdx().end()},
                                                {l.weights().begin(), l.weights().end()});
        std::copy(l.bias().begin(), l.bias().end(), copy.bias().begin());
        for (int p = 0; p < l.neuronPropertyCount(); ++p)
            if (!isOptimiserState(l.neuronPropertyName(p))) {
                const auto from = l.neuronProperty(p);
                const int id = copy.addNeuronProperty(l.neuronPropertyName(p));
                std::copy(from.begin(), from.end(), copy.neuronProperty(id).begin());
            }
        layers.push_back(std::move(copy));
    }
    NetworkGraph g(std::move(layers));
    g.m_attributes = m_attributes;
    return g;
}

bool isOptimiserState(const std::string& name)
{
    const std::string suffix = "velocity";
    return name.rfind("opt_", 0) == 0 ||
           (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0);
}

std::string formatArchitecture(const std::vector<NeuronIndex>& sizes)
{
    std::string s;
    for (size_t i = 0; i < sizes.size(); ++i) {
        if (i)
            s += '-';
        s += std::to_string(sizes[i]);
    }
    return s;
}

} // namespace rewire
