#include "analysis/neuron_table.h"

#include "analysis/degrees.h"
#include "graph/bgl_view.h"

#include <boost/graph/breadth_first_search.hpp>

#include <deque>

namespace rewire {

void NeuronTable::run()
{
    const NetworkGraph& g = m_network;
    m_rows.clear();
    const int L = g.layerCount();
    if (L == 0)
        return;
    // Reachable from the inputs: BFS from every input, sharing one colour map.
    std::vector<boost::default_color_type> color(num_vertices(g), boost::white_color);
    auto colorMap = boost::make_iterator_property_map(color.begin(), get(boost::vertex_index, g));
    boost::queue<VertexId> queue;
    for (VertexId v = 0; v < static_cast<VertexId>(g.neuronSetSize(0)); ++v)
        if (color[v] == boost::white_color)
            boost::breadth_first_visit(g, v, queue, boost::default_bfs_visitor(), colorMap);
    // Reaching an output: sweep the layers backwards.
    std::vector<std::vector<char>> reaches(static_cast<std::size_t>(L) + 1);
    reaches[L].assign(static_cast<std::size_t>(g.neuronSetSize(L)), 1);
    for (int l = L - 1; l >= 0; --l) {
        const SparseLayer& layer = g.layer(l);
        reaches[l].assign(static_cast<std::size_t>(layer.inputs()), 0);
        const auto col = layer.colIdx();
        for (NeuronIndex j = 0; j < layer.outputs(); ++j)
            if (reaches[l + 1][j])
                for (EdgeIndex e = layer.rowPtr()[j]; e < layer.rowPtr()[j + 1]; ++e)
                    reaches[l][col[e]] = 1;
    }
    m_rows.reserve(static_cast<std::size_t>(g.vertexCount()));
    for (int k = 0; k <= L; ++k) {
        const NeuronIndex n = g.neuronSetSize(k);
        std::vector<std::int64_t> inDeg(n, 0), outDeg(n, 0);
        std::vector<double> inStr(n, 0.0), outStr(n, 0.0);
        if (k > 0) {
            inDeg = degreeSequence(g.layer(k - 1), Side::In);
            inStr = strengthSequence(g.layer(k - 1), Side::In);
        }
        if (k < L) {
            outDeg = degreeSequence(g.layer(k), Side::Out);
            outStr = strengthSequence(g.layer(k), Side::Out);
        }
        for (NeuronIndex i = 0; i < n; ++i) {
            NeuronRow r;
            r.set = k;
            r.index = i;
            r.inDegree = inDeg[i];
            r.outDegree = outDeg[i];
            r.inStrength = inStr[i];
            r.outStrength = outStr[i];
            r.importance = inStr[i];
            r.fromInput = color[g.vertexOffset(k) + static_cast<VertexId>(i)] != boost::white_color;
            r.toOutput = reaches[k][i] != 0;
            r.dead = k > 0 && k < L && !(r.fromInput && r.toOutput);
            m_rows.push_back(r);
        }
    }
}

std::vector<std::int64_t> NeuronTable::deadPerSet() const
{
    std::vector<std::int64_t> dead(static_cast<std::size_t>(m_network.neuronSetCount()), 0);
    for (const auto& r : m_rows)
        dead[static_cast<std::size_t>(r.set)] += r.dead;
    return dead;
}

} // namespace rewire
