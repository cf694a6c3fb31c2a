#include "analysis/connectivity.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

namespace rewire {

namespace {

// Union-find with path halving and union by size.
struct Components {
    std::vector<std::int64_t> parent, size;
    explicit Components(std::int64_t n) : parent(static_cast<std::size_t>(n)), size(static_cast<std::size_t>(n), 1)
    {
        std::iota(parent.begin(), parent.end(), 0);
    }
    std::int64_t find(std::int64_t x)
    {
        while (parent[static_cast<std::size_t>(x)] != x) {
            auto& p = parent[static_cast<std::size_t>(x)];
            p = parent[static_cast<std::size_t>(p)];
            x = p;
        }
        return x;
    }
    void unite(std::int64_t a, std::int64_t b)
    {
        a = find(a);
        b = find(b);
        if (a == b)
            return;
        if (size[static_cast<std::size_t>(a)] < size[static_cast<std::size_t>(b)])
            std::swap(a, b);
        parent[static_cast<std::size_t>(b)] = a;
        size[static_cast<std::size_t>(a)] += size[static_cast<std::size_t>(b)];
    }
};

// Dinic's max-flow with unit capacities on the layered network: every input is a source, every
// output a sink (their super-source and super-sink edges never bind). A vertex's residual arcs are
// its outgoing edges without flow (CSC column of its layer) and its incoming edges with flow (CSR
// row of the layer before).
class LayeredFlow {
public:
    using Vtx = std::int64_t; // signed: -1 marks an arc without residual capacity
    explicit LayeredFlow(const NetworkGraph& n) : m_net(n), m_L(n.layerCount())
    {
        for (int l = 0; l < m_L; ++l)
            m_flow.emplace_back(static_cast<std::size_t>(n.layer(l).edgeCount()), 0);
        const auto V = static_cast<std::size_t>(n.vertexCount());
        m_level.resize(V);
        m_arc.resize(V);
        m_set.resize(V);
        for (int k = 0; k <= m_L; ++k)
            for (NeuronIndex i = 0; i < n.neuronSetSize(k); ++i)
                m_set[static_cast<std::size_t>(n.vertexOffset(k) + i)] = k;
    }

    std::int64_t run()
    {
        std::int64_t total = 0;
        while (bfs()) {
            std::fill(m_arc.begin(), m_arc.end(), 0);
            for (NeuronIndex i = 0; i < m_net.neuronSetSize(0); ++i)
                while (augmentFrom(static_cast<Vtx>(i)))
                    ++total;
        }
        return total;
    }

private:
    int setOf(Vtx v) const { return m_set[static_cast<std::size_t>(v)]; }
    NeuronIndex indexOf(Vtx v) const { return static_cast<NeuronIndex>(v - static_cast<Vtx>(m_net.vertexOffset(setOf(v)))); }

    // The a-th residual arc of v: its head, or -1 when that arc has no residual capacity. Arcs
    // 0..outDeg-1 are forward, then the incoming edges.
    std::int64_t arcCount(Vtx v) const
    {
        const int k = setOf(v);
        const NeuronIndex i = indexOf(v);
        std::int64_t c = 0;
        if (k < m_L)
            c += m_net.layer(k).outDegree(i);
        if (k > 0)
            c += m_net.layer(k - 1).inDegree(i);
        return c;
    }
    // Head of arc a of v if it has residual capacity (else -1); `edge`/`layer` name the network
    // edge and `forward` its direction.
    Vtx arcHead(Vtx v, std::int64_t a, int& layer, std::int64_t& edge, bool& forward) const
    {
        const int k = setOf(v);
        const NeuronIndex i = indexOf(v);
        if (k < m_L) {
            const SparseLayer& s = m_net.layer(k);
            const EdgeIndex begin = s.colPtr()[i], deg = s.colPtr()[i + 1] - begin;
            if (a < deg) {
                const EdgeIndex p = begin + a;
                layer = k;
                edge = s.cscPerm()[p];
                forward = true;
                if (m_flow[static_cast<std::size_t>(k)][static_cast<std::size_t>(edge)])
                    return -1;
                return static_cast<Vtx>(m_net.vertexOffset(k + 1)) + s.cscRow()[p];
            }
            a -= deg;
        }
        const SparseLayer& s = m_net.layer(k - 1);
        edge = s.rowPtr()[i] + a;
        layer = k - 1;
        forward = false;
        if (!m_flow[static_cast<std::size_t>(k - 1)][static_cast<std::size_t>(edge)])
            return -1;
        return static_cast<Vtx>(m_net.vertexOffset(k - 1)) + s.colIdx()[edge];
    }

    // Levels from all inputs over residual arcs; true when an output is reached.
    bool bfs()
    {
        std::fill(m_level.begin(), m_level.end(), -1);
        std::vector<Vtx> queue;
        for (NeuronIndex i = 0; i < m_net.neuronSetSize(0); ++i) {
            m_level[static_cast<std::size_t>(i)] = 0;
            queue.push_back(i);
        }
        m_sinkLevel = -1;
        for (std::size_t h = 0; h < queue.size(); ++h) {
            const Vtx v = queue[h];
            const int lv = m_level[static_cast<std::size_t>(v)];
            if (m_sinkLevel >= 0 && lv >= m_sinkLevel)
                break;
            if (setOf(v) == m_L) {
                if (m_sinkLevel < 0)
                    m_sinkLevel = lv;
                continue; // an output: paths end here
            }
            const std::int64_t n = arcCount(v);
            for (std::int64_t a = 0; a < n; ++a) {
                int layer;
                std::int64_t edge;
                bool forward;
                const Vtx w = arcHead(v, a, layer, edge, forward);
                if (w >= 0 && m_level[static_cast<std::size_t>(w)] < 0) {
                    m_level[static_cast<std::size_t>(w)] = lv + 1;
                    queue.push_back(w);
                }
            }
        }
        return m_sinkLevel >= 0;
    }

    // One augmenting path from input s along the level graph (iterative DFS with current arcs).
    bool augmentFrom(Vtx s)
    {
        std::vector<Step>& path = m_path;
        path.clear();
        Vtx v = s;
        for (;;) {
            if (setOf(v) == m_L && m_level[static_cast<std::size_t>(v)] == m_sinkLevel) {
                for (const Step& st : path) // flip the path's edges
                    m_flow[static_cast<std::size_t>(st.layer)][static_cast<std::size_t>(st.edge)] = st.forward ? 1 : 0;
                return true;
            }
            const std::int64_t n = setOf(v) == m_L ? 0 : arcCount(v);
            auto& a = m_arc[static_cast<std::size_t>(v)];
            bool advanced = false;
            for (; a < n; ++a) {
                int layer;
                std::int64_t edge;
                bool forward;
                const Vtx w = arcHead(v, a, layer, edge, forward);
                if (w >= 0 && m_level[static_cast<std::size_t>(w)] == m_level[static_cast<std::size_t>(v)] + 1 &&
                    m_level[static_cast<std::size_t>(w)] <= m_sinkLevel) {
                    path.push_back({v, layer, edge, forward});
                    v = w;
                    advanced = true;
                    break;
                }
            }
            if (advanced)
                continue;
            // Dead end: v leaves the level graph; retreat.
            m_level[static_cast<std::size_t>(v)] = -1;
            if (path.empty())
                return false;
            v = path.back().v;
            path.pop_back();
            ++m_arc[static_cast<std::size_t>(v)];
        }
    }

    const NetworkGraph& m_net;
    int m_L;
    std::vector<std::vector<std::uint8_t>> m_flow;
    std::vector<int> m_level;
    std::vector<std::int64_t> m_arc;
    std::vector<int> m_set;
    struct Step {
        Vtx v;
        int layer;
        std::int64_t edge;
        bool forward;
    };
    std::vector<Step> m_path;
    int m_sinkLevel = -1;
};

// Pearson correlation over a layer's edges of (source out-degree, target in-degree), two-pass.
double assortativity(const SparseLayer& s)
{
    const double E = static_cast<double>(s.edgeCount());
    if (E == 0)
        return std::numeric_limits<double>::quiet_NaN();
    double mx = 0, my = 0;
    for (NeuronIndex j = 0; j < s.outputs(); ++j)
        for (EdgeIndex e = s.rowPtr()[j]; e < s.rowPtr()[j + 1]; ++e) {
            mx += s.outDegree(s.colIdx()[e]);
            my += s.inDegree(j);
        }
    mx /= E;
    my /= E;
    double sxy = 0, sxx = 0, syy = 0;
    for (NeuronIndex j = 0; j < s.outputs(); ++j)
        for (EdgeIndex e = s.rowPtr()[j]; e < s.rowPtr()[j + 1]; ++e) {
            const double x = s.outDegree(s.colIdx()[e]) - mx, y = s.inDegree(j) - my;
            sxy += x * y;
            sxx += x * x;
            syy += y * y;
        }
    if (sxx == 0 || syy == 0)
        return std::numeric_limits<double>::quiet_NaN();
    return sxy / std::sqrt(sxx * syy);
}

} // namespace

Connectivity connectivity(const NetworkGraph& network)
{
    Connectivity c;
    if (network.layerCount() == 0)
        return c;
    {
        Components comp(network.vertexCount());
        for (int l = 0; l < network.layerCount(); ++l) {
            const SparseLayer& s = network.layer(l);
            const VertexId in0 = network.vertexOffset(l), out0 = network.vertexOffset(l + 1);
            for (NeuronIndex j = 0; j < s.outputs(); ++j)
                for (EdgeIndex e = s.rowPtr()[j]; e < s.rowPtr()[j + 1]; ++e)
                    comp.unite(static_cast<std::int64_t>(in0) + s.colIdx()[e], static_cast<std::int64_t>(out0) + j);
        }
        for (std::int64_t v = 0; v < static_cast<std::int64_t>(network.vertexCount()); ++v)
            if (comp.find(v) == v) {
                ++c.weakComponents;
                c.largestComponent = std::max(c.largestComponent, comp.size[static_cast<std::size_t>(v)]);
            }
    }
    c.edgeDisjointPaths = static_cast<double>(LayeredFlow(network).run());
    for (int l = 0; l < network.layerCount(); ++l)
        c.assortativity.push_back(assortativity(network.layer(l)));
    return c;
}

} // namespace rewire
