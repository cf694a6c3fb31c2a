#pragma once
// What parallel training (seed 003, WASAP-SGD / WASSP-SGD) moves between the parameter server and
// its workers, and the two operations of Algorithm 1 that act on it: retain valid updates (line
// 14) and the average over the union of the replicas' topologies, pruned back to the target edge
// count (eq. 2, line 37).

#include "core/network.h"
#include "graph/network_graph.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace rewire::parallel {

// One layer: its topology (canonical CSR; empty rowPtr when the receiver already has it), weights,
// biases and, when asked for, named properties (the optimiser state).
struct LayerImage {
    NeuronIndex inputs = 0, outputs = 0;
    std::vector<EdgeIndex> rowPtr;
    std::vector<NeuronIndex> colIdx;
    std::vector<float> weights, bias;
    std::vector<std::pair<std::string, std::vector<float>>> edgeProperties, neuronProperties;
    std::optional<ExploredPositions> explored; // with properties, when the layer tracks them
    bool hasTopology() const { return !rowPtr.empty(); }
};

struct ModelImage {
    std::vector<LayerImage> layers;
    std::map<std::string, std::string> attributes; // with properties only
    bool hasTopology() const { return !layers.empty() && layers.front().hasTopology(); }
};

// A copy of `network`: weights and biases always; the topology when `topology`; every edge and
// neuron property, the explored positions and the attributes when `properties`.
ModelImage captureModel(const NetworkGraph& network, bool topology, bool properties);

// Throws std::invalid_argument (starting with `what`) unless the image is consistent: biases per
// neuron, a canonical CSR when it has a topology, and weights and properties for its edges (for
// `edges` edges when it has no topology).
void validateLayerImage(const LayerImage& layer, std::size_t edges, const std::string& what);

// Makes `network` hold `image`. A topology in the image is reached through SparseLayer::
// editTopology (kept edges keep their properties, new ones start at zero), so an engine built over
// `network` follows; without one the image must have the network's edge counts. Properties in the
// image are created where missing and overwritten; its explored positions are added to the
// network's (or installed, when the network does not track them yet). Throws std::invalid_argument, before changing
// anything, when the image is inconsistent or does not fit the network's architecture.
void applyModel(NetworkGraph& network, const ModelImage& image);

// Seed 003 Algorithm 1, line 14: gradients computed on an older topology (`from`: canonical CSR,
// `gradients` aligned with its edges) moved onto the current one (`to`). An edge in both keeps its
// gradient; one that `to` no longer has (pruned since) is dropped; one only `to` has (regrown
// since) gets 0. Returns the gradients aligned with `to`; `dropped` counts the dropped ones.
// O(edges of both).
std::vector<float> retainValidUpdates(std::span<const EdgeIndex> fromRowPtr, std::span<const NeuronIndex> fromCol,
                                      std::span<const EdgeIndex> toRowPtr, std::span<const NeuronIndex> toCol,
                                      std::span<const float> gradients, EdgeIndex* dropped = nullptr);

// Seed 003 eq. 2 and Algorithm 1, line 37: the mean of the replicas (each with its topology) over
// the union of their edges, an edge a replica lacks counting as 0 there; biases and every property
// all replicas carry averaged the same way. Then each layer l keeps its keep[l] edges of largest
// |w| (ties: the lower canonical index), so the layer's edge count is the target again. The result
// carries the topology and the averaged properties, not the replicas' attributes; its explored
// positions are the union of the replicas' (every position any replica ever held). Throws std::invalid_argument when the
// replicas' architectures differ.
ModelImage averageReplicas(std::span<const ModelImage> replicas, std::span<const EdgeIndex> keep);

// Byte encoding for transports that copy (MPI). decode throws std::runtime_error on a truncated or
// inconsistent buffer.
class ByteWriter {
public:
    void u64(std::uint64_t v) { raw(&v, sizeof v); }
    void f64(double v) { raw(&v, sizeof v); }
    void text(const std::string& s);
    template <class T> void array(const std::vector<T>& v) { array(std::span<const T>(v)); }
    template <class T> void array(std::span<const T> v)
    {
        u64(v.size());
        raw(v.data(), v.size() * sizeof(T));
    }
    void raw(const void* p, std::size_t n);
    std::vector<std::byte> take() { return std::move(m_bytes); }

private:
    std::vector<std::byte> m_bytes;
};

class ByteReader {
public:
    explicit ByteReader(std::span<const std::byte> bytes) : m_bytes(bytes) {}
    std::uint64_t u64();
    double f64();
    std::string text();
    template <class T> std::vector<T> array()
    {
        const std::uint64_t n = u64();
        if (n > (m_bytes.size() - m_at) / sizeof(T))
            throw std::runtime_error("parallel message: an array of " + std::to_string(n) + " elements overruns the " +
                                     std::to_string(m_bytes.size()) + "-byte message");
        std::vector<T> v(static_cast<std::size_t>(n));
        raw(v.data(), v.size() * sizeof(T));
        return v;
    }
    void raw(void* p, std::size_t n);
    bool done() const { return m_at == m_bytes.size(); }

private:
    std::span<const std::byte> m_bytes;
    std::size_t m_at = 0;
};

void write(ByteWriter& out, const ModelImage& image);
ModelImage readModelImage(ByteReader& in);

} // namespace rewire::parallel
