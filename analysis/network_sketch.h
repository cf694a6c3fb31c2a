#pragma once
// NetworkSketch: what a view needs of a network too large to copy at every snapshot (the app's
// live 10M-neuron runs), built in one pass over the network without copying its edges:
//  - per layer, the strongest edges by |w| (what the network view draws);
//  - a consistent hash sample of the edges: a position is sampled when the top `shift` bits of
//    its hash are 0, the same positions in every sketch, so two sketches' samples give the
//    turnover between them (an estimate with a known rate) and a uniform sample of the edges
//    added and removed; the samples at rates 2^-s are nested;
//  - the exact edge count in every block of a grid of neurons, in index order and in degree order
//    (block densities, the adjacency matrix).
// Memory: O(strongest + sample + grid) per layer instead of O(E).

#include "analysis/topology_evolution.h"
#include "graph/network_graph.h"

#include <cstdint>
#include <vector>

namespace rewire {

struct SketchOptions {
    EdgeIndex strongest = 200000;    // edges kept per layer by |w|
    EdgeIndex sampleTarget = 1 << 20; // sampleShifts(): the expected sample per layer stays below this
    int gridCells = 512;             // blocks a side of the index-order grid (at most that side's neurons)
    int sortedGridCells = 128;       // the same, neurons in degree order (highest first, ties by index)
    std::vector<int> shifts;         // per layer: the sample rate 2^-shift; empty: sampleShifts(network)
};

// Per layer, the smallest shift whose expected sample (edges / 2^shift) is at most `target`.
// A run fixes them from its first network, so every sketch of the run samples the same positions.
std::vector<int> sampleShifts(const NetworkGraph& network, EdgeIndex target);

// Whether the edge from -> to of layer `layer` is in the sample at rate 2^-shift.
bool sampledPosition(int layer, NeuronIndex from, NeuronIndex to, int shift);

// Neuron i of n in b blocks is in block ⌊i·b/n⌋, which starts at neuron ⌈k·n/b⌉ (the grids above,
// the views' bins).
inline int blockOf(std::int64_t i, std::int64_t n, std::int64_t b) { return static_cast<int>(i * b / n); }
inline std::int64_t blockStart(std::int64_t k, std::int64_t n, std::int64_t b) { return (k * n + b - 1) / b; }

// Each neuron's position when ordered by degree, highest first, ties by index (a counting sort).
std::vector<NeuronIndex> degreeOrder(const std::vector<std::int64_t>& degree);

struct LayerSketch {
    EdgeIndex edges = 0;           // of the layer (exact)
    int shift = 0;                 // sample rate 2^-shift (0: every edge is in the sample)
    EdgeIndex strongest = 0;       // how many strongest edges are kept
    float strongestFloor = 0;      // |w| of the weakest of them: every edge above it is kept
    // Edge counts per block: gridOut x gridIn, row-major by output block; neuron i of a side with n
    // neurons and b blocks is in block ⌊i·b/n⌋.
    int gridIn = 0, gridOut = 0;
    std::vector<std::int64_t> grid;
    // The same with each side's neurons ordered by degree (inputs by out-degree, outputs by
    // in-degree, highest first, ties by index).
    int sortedIn = 0, sortedOut = 0;
    std::vector<std::int64_t> sortedGrid;
};

struct NetworkSketch {
    // Each layer's strongest edges and its sample, with their weights; the layers' shapes are the
    // network's (no biases or neuron properties).
    NetworkGraph graph;
    std::vector<LayerSketch> layers;
    std::size_t memoryBytes() const;
};

// Time complexity: O(E log K) for K strongest (mostly O(E)), plus O(V) for the degree orders and
// O(S log S) for the S edges kept. Throws std::invalid_argument for options out of range.
NetworkSketch sketchNetwork(const NetworkGraph& network, const SketchOptions& options = {});

// The turnover from a to b estimated on their common sample (the positions both sample at the
// coarser of their rates): counts scaled by the rate, the Jaccard distance of the samples; exact
// when the rate is 1. `changes` gets the sampled added and removed edges. Throws
// std::invalid_argument naming both architectures when they differ.
std::vector<LayerTurnover> sampledTurnover(const NetworkSketch& a, const NetworkSketch& b,
                                           std::vector<LayerEdgeChanges>* changes = nullptr);

} // namespace rewire
