#pragma once
// RAII bridge from a NetworkGraph to igraph: a directed igraph_t over global vertex ids with |w| as
// edge weights, edges in canonical order (layer by layer, CSR order inside a layer).

#include "graph/network_graph.h"

#include <igraph.h>

namespace rewire {

// Installs (once, idempotent) an igraph error handler that frees igraph's temporaries and records
// the message instead of aborting; igraphCheck() turns a failed call into std::runtime_error.
void installIgraphErrorHandler();
void igraphCheck(igraph_error_t code, const char* call);

class IgraphNetwork {
public:
    // Time complexity: O(V + E).
    explicit IgraphNetwork(const NetworkGraph& network);
    ~IgraphNetwork();
    IgraphNetwork(const IgraphNetwork&) = delete;
    IgraphNetwork& operator=(const IgraphNetwork&) = delete;

    const igraph_t* graph() const { return &m_graph; }
    // |w| per edge, aligned with igraph edge ids.
    const igraph_vector_t* weights() const { return &m_weights; }
    igraph_integer_t vertexCount() const { return igraph_vcount(&m_graph); }
    igraph_integer_t edgeCount() const { return igraph_ecount(&m_graph); }

private:
    igraph_t m_graph;
    igraph_vector_t m_weights;
};

} // namespace rewire
