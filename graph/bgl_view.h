#pragma once
// Zero-copy Boost.Graph view of a NetworkGraph: models IncidenceGraph and VertexListGraph, so
// BGL algorithms (BFS, DFS, connected components, max-flow inputs) run on the engine's own arrays.
// Vertices are global ids (NetworkGraph::vertexOffset); out-edges of a neuron are its CSC edges
// in the next layer. The view is invalidated by a topology edit of the layer it walks.

#include "graph/network_graph.h"

#include <boost/graph/graph_traits.hpp>
#include <boost/graph/properties.hpp>
#include <boost/iterator/counting_iterator.hpp>
#include <boost/iterator/iterator_facade.hpp>
#include <boost/property_map/property_map.hpp>

#include <limits>

namespace rewire {

struct NetworkEdge {
    VertexId source = 0;
    VertexId target = 0;
    int layer = -1;
    EdgeIndex edge = -1; // canonical (CSR) index in layer(layer)
    bool operator==(const NetworkEdge& o) const { return layer == o.layer && edge == o.edge; }
    bool operator!=(const NetworkEdge& o) const { return !(*this == o); }
};

class NetworkOutEdgeIterator
    : public boost::iterator_facade<NetworkOutEdgeIterator, NetworkEdge, boost::random_access_traversal_tag,
                                    NetworkEdge, EdgeIndex> {
public:
    NetworkOutEdgeIterator() = default;
    NetworkOutEdgeIterator(const NetworkGraph* g, int layer, VertexId source, EdgeIndex k)
        : m_g(g), m_layer(layer), m_source(source), m_k(k)
    {
    }

private:
    friend class boost::iterator_core_access;
    NetworkEdge dereference() const
    {
        const SparseLayer& l = m_g->layer(m_layer);
        return {m_source, m_g->vertexOffset(m_layer + 1) + static_cast<VertexId>(l.cscRow()[m_k]), m_layer,
                l.cscPerm()[m_k]};
    }
    bool equal(const NetworkOutEdgeIterator& o) const { return m_k == o.m_k && m_layer == o.m_layer; }
    void increment() { ++m_k; }
    void decrement() { --m_k; }
    void advance(EdgeIndex n) { m_k += n; }
    EdgeIndex distance_to(const NetworkOutEdgeIterator& o) const { return o.m_k - m_k; }

    const NetworkGraph* m_g = nullptr;
    int m_layer = -1;
    VertexId m_source = 0;
    EdgeIndex m_k = 0;
};

// Time complexity: O(log L) to locate the vertex, O(1) per edge visited.
inline std::pair<NetworkOutEdgeIterator, NetworkOutEdgeIterator> out_edges(VertexId v, const NetworkGraph& g)
{
    const auto [set, local] = g.locate(v);
    if (set >= g.layerCount())
        return {NetworkOutEdgeIterator(&g, -1, v, 0), NetworkOutEdgeIterator(&g, -1, v, 0)};
    const SparseLayer& l = g.layer(set);
    return {NetworkOutEdgeIterator(&g, set, v, l.colPtr()[local]),
            NetworkOutEdgeIterator(&g, set, v, l.colPtr()[local + 1])};
}

inline std::size_t out_degree(VertexId v, const NetworkGraph& g)
{
    const auto [set, local] = g.locate(v);
    return set >= g.layerCount() ? 0 : static_cast<std::size_t>(g.layer(set).outDegree(local));
}

inline VertexId source(const NetworkEdge& e, const NetworkGraph&) { return e.source; }
inline VertexId target(const NetworkEdge& e, const NetworkGraph&) { return e.target; }

inline std::pair<boost::counting_iterator<VertexId>, boost::counting_iterator<VertexId>> vertices(const NetworkGraph& g)
{
    return {boost::counting_iterator<VertexId>(0), boost::counting_iterator<VertexId>(g.vertexCount())};
}

inline VertexId num_vertices(const NetworkGraph& g) { return g.vertexCount(); }

inline boost::typed_identity_property_map<VertexId> get(boost::vertex_index_t, const NetworkGraph&)
{
    return {};
}

} // namespace rewire

namespace boost {

template <>
struct graph_traits<rewire::NetworkGraph> {
    using vertex_descriptor = rewire::VertexId;
    using edge_descriptor = rewire::NetworkEdge;
    using directed_category = directed_tag;
    using edge_parallel_category = disallow_parallel_edge_tag;
    struct traversal_category : incidence_graph_tag, vertex_list_graph_tag {};
    using out_edge_iterator = rewire::NetworkOutEdgeIterator;
    using vertex_iterator = counting_iterator<rewire::VertexId>;
    using degree_size_type = std::size_t;
    using vertices_size_type = rewire::VertexId;
    using edges_size_type = rewire::EdgeIndex;
    static vertex_descriptor null_vertex() { return std::numeric_limits<rewire::VertexId>::max(); }
};

template <>
struct property_map<rewire::NetworkGraph, vertex_index_t> {
    using type = typed_identity_property_map<rewire::VertexId>;
    using const_type = type;
};

} // namespace boost
