#pragma once
// NeuronTable: one row per neuron of a network (degrees, strengths, importance, dead flag), the
// table behind `rewire analyze`'s neurons.csv. Construct, run(), read rows().

#include "graph/network_graph.h"

#include <cstdint>
#include <vector>

namespace rewire {

struct NeuronRow {
    int set = 0;              // neuron set: 0 = inputs, layerCount() = outputs
    NeuronIndex index = 0;
    std::int64_t inDegree = 0, outDegree = 0;
    double inStrength = 0, outStrength = 0;
    double importance = 0;    // = inStrength (seed 003 eq. 4); 0 for inputs
    bool fromInput = false;   // reachable from some input neuron
    bool toOutput = false;    // reaches some output neuron
    bool dead = false;        // a hidden neuron that is not both
};

class NeuronTable {
public:
    explicit NeuronTable(const NetworkGraph& network) : m_network(network) {}
    // Reachability from the inputs is a multi-source breadth-first search on the zero-copy
    // Boost.Graph view; reaching an output is a backward sweep over the CSR arrays.
    // Time complexity: O(V + E).
    void run();
    const std::vector<NeuronRow>& rows() const { return m_rows; }
    std::vector<NeuronRow> takeRows() { return std::move(m_rows); } // leaves the table empty
    // Dead hidden neurons per neuron set.
    std::vector<std::int64_t> deadPerSet() const;

private:
    const NetworkGraph& m_network;
    std::vector<NeuronRow> m_rows;
};

} // namespace rewire
