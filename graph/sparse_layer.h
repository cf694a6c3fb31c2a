#pragma once
// SparseLayer: one sparse layer as a weighted directed bipartite graph (inputs -> outputs).

#include "graph/explored_positions.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace rewire {

using EdgeIndex = std::int64_t;   // edge counts of one network can pass 2^31
using NeuronIndex = std::int32_t; // neurons per layer stay below 2^31

// A new edge for SparseLayer::editTopology.
struct NewEdge {
    NeuronIndex output;
    NeuronIndex input;
    float weight;
};

// Storage invariants (checked by checkInvariants()):
//  - canonical CSR by output neuron: rowPtr has outputs()+1 non-decreasing entries, rowPtr[0] = 0,
//    rowPtr[outputs()] = edgeCount(); colIdx[rowPtr[j] .. rowPtr[j+1]) are the inputs feeding
//    output j, strictly increasing (sorted, no duplicates), each in [0, inputs());
//  - weights() and every edge property are aligned with colIdx (edge e = position in colIdx);
//  - the CSC view (colPtr, cscRow, cscPerm) lists, per input neuron, its outgoing edges sorted by
//    output neuron; cscPerm[k] is the canonical index of the k-th CSC edge and cscIndex its
//    inverse. It is rebuilt by every topology edit, so it is always current;
//  - every topology edit increments topologyVersion() and remaps weights and all edge properties
//    through one old-index table: kept edges keep their values, new edges start at zero state.
// Explicit zero weights are allowed (a trained weight can cross zero); they are still edges.
class SparseLayer {
public:
    SparseLayer() = default;
    // An empty layer (no edges). Throws std::invalid_argument for negative sizes.
    SparseLayer(NeuronIndex inputs, NeuronIndex outputs);
    // Builds from CSR arrays; validates the invariants (throws std::invalid_argument).
    // Time complexity: O(E + inputs + outputs).
    static SparseLayer fromCsr(NeuronIndex inputs, NeuronIndex outputs, std::vector<EdgeIndex> rowPtr,
                               std::vector<NeuronIndex> colIdx, std::vector<float> weights);
    // Builds from unsorted edges (output, input, weight); duplicates are an error.
    // Time complexity: O(E log E).
    static SparseLayer fromEdges(NeuronIndex inputs, NeuronIndex outputs, std::vector<NewEdge> edges);
    // A fully connected layer with the given row-major (outputs x inputs) weights.
    static SparseLayer dense(NeuronIndex inputs, NeuronIndex outputs, std::vector<float> weights);

    NeuronIndex inputs() const { return m_inputs; }
    NeuronIndex outputs() const { return m_outputs; }
    EdgeIndex edgeCount() const { return static_cast<EdgeIndex>(m_colIdx.size()); }
    // Fraction of the inputs x outputs possible edges present.
    double density() const;
    bool isDense() const { return edgeCount() == static_cast<EdgeIndex>(m_inputs) * m_outputs; }

    std::span<const EdgeIndex> rowPtr() const { return m_rowPtr; }
    std::span<const NeuronIndex> colIdx() const { return m_colIdx; }
    std::span<float> weights() { return m_weights; }
    std::span<const float> weights() const { return m_weights; }
    // One bias per output neuron (a node attribute, not an edge).
    std::span<float> bias() { return m_bias; }
    std::span<const float> bias() const { return m_bias; }

    std::span<const EdgeIndex> colPtr() const { return m_colPtr; }
    std::span<const NeuronIndex> cscRow() const { return m_cscRow; }
    std::span<const std::int32_t> cscPerm() const { return m_cscPerm; }
    // Inverse of cscPerm: position in the CSC view of canonical edge e.
    std::span<const std::int32_t> cscIndex() const { return m_cscIndex; }

    NeuronIndex inDegree(NeuronIndex output) const;
    NeuronIndex outDegree(NeuronIndex input) const;
    // Canonical index of edge input -> output, or -1. Time complexity: O(log in-degree).
    EdgeIndex findEdge(NeuronIndex output, NeuronIndex input) const;

    // Per-edge float arrays kept aligned with the edges across topology edits (optimiser state,
    // gradient accumulators, scores). Adding an existing name returns its id.
    int addEdgeProperty(const std::string& name);
    int findEdgeProperty(const std::string& name) const;
    std::span<float> edgeProperty(int id);
    std::span<const float> edgeProperty(int id) const;
    const std::string& edgePropertyName(int id) const;
    int edgePropertyCount() const { return static_cast<int>(m_edgeProps.names.size()); }
    // Per-output-neuron float arrays (bias optimiser state, trainable activation parameters),
    // outputs() values each, untouched by topology edits. Adding an existing name returns its id.
    int addNeuronProperty(const std::string& name);
    int findNeuronProperty(const std::string& name) const;
    std::span<float> neuronProperty(int id);
    std::span<const float> neuronProperty(int id) const;
    const std::string& neuronPropertyName(int id) const;
    int neuronPropertyCount() const { return static_cast<int>(m_neuronProps.names.size()); }
    // Bytes of the layer's arrays: CSR, CSC view, weights, biases, edge and neuron properties.
    std::size_t memoryBytes() const;

    std::uint64_t topologyVersion() const { return m_version; }

    // The positions that ever held an edge since tracking began (the exploration rate's count):
    // trackExploration() starts it with the current edges, and every editTopology() adds its new
    // edges. Training tracks every layer; layers built for analysis do not (explored() is null).
    // addExplored() adds a set of positions (a checkpoint's, a replica's): the layer tracks from
    // then on, with its current edges included.
    void trackExploration();
    void addExplored(ExploredPositions explored);
    const ExploredPositions* explored() const { return m_explored ? &*m_explored : nullptr; }

    // The one topology edit: keeps the edges whose keep[e] != 0 (empty keep: all), adds `added` (positions must be
    // absent from the kept set and distinct). Weights of kept edges and all edge properties are
    // remapped; added edges take their given weight and zero properties.
    // Time complexity: O(E + A log A + inputs + outputs).
    void editTopology(std::span<const std::uint8_t> keep, std::vector<NewEdge> added);

    // Throws std::logic_error naming the first violated invariant.
    void checkInvariants() const;

private:
    void rebuildCsc();
    void validateOrThrow() const;
    void checkCsr() const;

    NeuronIndex m_inputs = 0;
    NeuronIndex m_outputs = 0;
    std::vector<EdgeIndex> m_rowPtr{0};
    std::vector<NeuronIndex> m_colIdx;
    std::vector<float> m_weights;
    std::vector<float> m_bias;
    std::vector<EdgeIndex> m_colPtr{0};
    std::vector<NeuronIndex> m_cscRow;
    std::vector<std::int32_t> m_cscPerm;
    std::vector<std::int32_t> m_cscIndex;
    // Named float arrays of one length: per edge (aligned with colIdx) or per output neuron.
    struct PropertyTable {
        std::vector<std::string> names;
        std::vector<std::vector<float>> values;
        int add(const std::string& name, std::size_t length); // the existing id, or a new zeroed array
        int find(const std::string& name) const;               // -1 when absent
    };
    PropertyTable m_edgeProps, m_neuronProps;
    std::optional<ExploredPositions> m_explored;
    std::uint64_t m_version = 0;
};

} // namespace rewire
