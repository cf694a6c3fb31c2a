#pragma once
// NetworkGraph: a feed-forward sparse network as one layered graph of SparseLayers.

#include "graph/sparse_layer.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace rewire {

using VertexId = std::uint64_t; // global vertex id = offset of its neuron set + local index

// Neuron set k (k = 0 .. layerCount()) is the input side of layer k and the output side of
// layer k-1; set 0 holds the input features, the last set the network's outputs. Global vertex ids
// number the sets in order. Invariant: layer(l).outputs() == layer(l+1).inputs().
class NetworkGraph {
public:
    NetworkGraph() = default;
    // Throws std::invalid_argument naming both sizes when consecutive layers do not chain.
    explicit NetworkGraph(std::vector<SparseLayer> layers);

    int layerCount() const { return static_cast<int>(m_layers.size()); }
    SparseLayer& layer(int l) { return m_layers.at(static_cast<size_t>(l)); }
    const SparseLayer& layer(int l) const { return m_layers.at(static_cast<size_t>(l)); }
    std::vector<SparseLayer>& layers() { return m_layers; }
    const std::vector<SparseLayer>& layers() const { return m_layers; }

    // Neurons per set: n_0 (inputs), ..., n_L (outputs).
    std::vector<NeuronIndex> architecture() const;
    int neuronSetCount() const { return m_layers.empty() ? 0 : layerCount() + 1; }
    NeuronIndex neuronSetSize(int k) const;
    VertexId vertexCount() const { return m_offsets.empty() ? 0 : m_offsets.back(); }
    VertexId vertexOffset(int k) const { return m_offsets.at(static_cast<size_t>(k)); }
    // (neuron set, local index) of a global vertex id. Time complexity: O(log L).
    std::pair<int, NeuronIndex> locate(VertexId v) const;
    EdgeIndex edgeCount() const;
    // Bytes of all layers' arrays (SparseLayer::memoryBytes).
    std::size_t memoryBytes() const;

    // The topology, weights, biases and attributes without any edge property (optimiser state):
    // what snapshots and turnover need. Time complexity: O(V + E).
    // Model parameters among the neuron properties (SReLU's) are copied too.
    NetworkGraph topologyCopy() const;

    // Free-form metadata saved with the model (activation, dataset shape, ...).
    std::map<std::string, std::string>& attributes() { return m_attributes; }
    const std::map<std::string, std::string>& attributes() const { return m_attributes; }

private:
    std::vector<SparseLayer> m_layers;
    std::vector<VertexId> m_offsets; // neuronSetCount()+1 prefix sums
    std::map<std::string, std::string> m_attributes;
};

// "784-1000-10" for the given sizes.
std::string formatArchitecture(const std::vector<NeuronIndex>& sizes);

// Whether a property is optimiser state (checkpoints only) rather than a model parameter
// (SReLU's srelu_tl ..., saved with every model): state names end in "velocity" or start "opt_".
bool isOptimiserState(const std::string& propertyName);

} // namespace rewire
