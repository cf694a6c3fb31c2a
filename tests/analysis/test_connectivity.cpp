// Connectivity (analysis/connectivity.h) against igraph, the oracle: the previous implementation,
// kept here, built an igraph copy of the network (too big at 10M neurons) and asked igraph.
#include "analysis/connectivity.h"
#include "core/init.h"
#include "graph/igraph_bridge.h"
#include "helpers.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace rewire;
using namespace rewire::test;

namespace {

struct IntVector {
    igraph_vector_int_t v;
    explicit IntVector(igraph_integer_t n = 0) { igraphCheck(igraph_vector_int_init(&v, n), "igraph_vector_int_init"); }
    ~IntVector() { igraph_vector_int_destroy(&v); }
};

struct RealVector {
    igraph_vector_t v;
    explicit RealVector(igraph_integer_t n = 0) { igraphCheck(igraph_vector_init(&v, n), "igraph_vector_init"); }
    ~RealVector() { igraph_vector_destroy(&v); }
};

struct Graph {
    igraph_t g;
    Graph(const igraph_vector_int_t& edges, igraph_integer_t n)
    {
        igraphCheck(igraph_create(&g, &edges, n, IGRAPH_DIRECTED), "igraph_create");
    }
    ~Graph() { igraph_destroy(&g); }
};

Connectivity igraphConnectivity(const NetworkGraph& network)
{
    installIgraphErrorHandler();
    Connectivity c;
    if (network.layerCount() == 0)
        return c;
    {
        IgraphNetwork ig(network);
        IntVector membership, sizes;
        igraph_integer_t count = 0;
        igraphCheck(igraph_connected_components(ig.graph(), &membership.v, &sizes.v, &count, IGRAPH_WEAK),
                    "igraph_connected_components");
        c.weakComponents = count;
        for (igraph_integer_t k = 0; k < igraph_vector_int_size(&sizes.v); ++k)
            c.largestComponent = std::max<std::int64_t>(c.largestComponent, VECTOR(sizes.v)[k]);
    }
    {
        // Super source -> every input, every output -> super sink, each with the capacity of the
        // neuron's edges (never the bottleneck); network edges have capacity 1.
        const auto V = static_cast<igraph_integer_t>(network.vertexCount());
        const igraph_integer_t source = V, sink = V + 1;
        const NeuronIndex inputs = network.neuronSetSize(0), outputs = network.neuronSetSize(network.layerCount());
        const igraph_integer_t E = network.edgeCount() + inputs + outputs;
        IntVector edges(2 * E);
        RealVector capacity(E);
        igraph_integer_t k = 0;
        auto add = [&](igraph_integer_t from, igraph_integer_t to, double cap) {
            VECTOR(edges.v)[2 * k] = from;
            VECTOR(edges.v)[2 * k + 1] = to;
            VECTOR(capacity.v)[k] = cap;
            ++k;
        };
        for (int l = 0; l < network.layerCount(); ++l) {
            const SparseLayer& s = network.layer(l);
            const auto in0 = static_cast<igraph_integer_t>(network.vertexOffset(l));
            const auto out0 = static_cast<igraph_integer_t>(network.vertexOffset(l + 1));
            for (NeuronIndex j = 0; j < s.outputs(); ++j)
                for (EdgeIndex e = s.rowPtr()[j]; e < s.rowPtr()[j + 1]; ++e)
                    add(in0 + s.colIdx()[e], out0 + j, 1.0);
        }
        for (NeuronIndex i = 0; i < inputs; ++i)
            add(source, i, network.layer(0).outDegree(i) + 1.0);
        const SparseLayer& last = network.layer(network.layerCount() - 1);
        const auto lastOff = static_cast<igraph_integer_t>(network.vertexOffset(network.layerCount()));
        for (NeuronIndex j = 0; j < outputs; ++j)
            add(lastOff + j, sink, last.inDegree(j) + 1.0);
        Graph flow(edges.v, V + 2);
        igraph_real_t value = 0;
        igraphCheck(igraph_maxflow_value(&flow.g, &value, source, sink, &capacity.v, nullptr), "igraph_maxflow_value");
        c.edgeDisjointPaths = value;
    }
    for (int l = 0; l < network.layerCount(); ++l) {
        IgraphNetwork layer(NetworkGraph({network.layer(l)}));
        igraph_real_t r = std::numeric_limits<double>::quiet_NaN();
        if (igraph_assortativity_degree(layer.graph(), &r, true) != IGRAPH_SUCCESS)
            r = std::numeric_limits<double>::quiet_NaN();
        c.assortativity.push_back(r);
    }
    return c;
}

} // namespace

TEST_CASE("connectivity without a graph copy equals igraph's components, max-flow and assortativity",
          "[analysis][connectivity]")
{
    const std::vector<std::pair<std::vector<NeuronIndex>, double>> cases{
        {{30, 40, 35, 5}, 1.0},   {{30, 40, 35, 5}, 4.0},  {{50, 200, 200, 3}, 0.6}, {{20, 500, 20}, 0.5},
        {{100, 300, 300, 300, 10}, 2.0}, {{8, 8, 8}, 20.0}, {{200, 50, 400, 2}, 0.3}};
    int seed = 1;
    for (const auto& [arch, eps] : cases) {
        for (int rep = 0; rep < 3; ++rep, ++seed) {
            const NetworkGraph g = erNetwork(arch, eps, static_cast<std::uint64_t>(seed));
            INFO(formatArchitecture(g.architecture()) << " eps " << eps << " seed " << seed << ", " << g.edgeCount() << " edges");
            const Connectivity mine = connectivity(g), ref = igraphConnectivity(g);
            REQUIRE(mine.weakComponents == ref.weakComponents);
            REQUIRE(mine.largestComponent == ref.largestComponent);
            REQUIRE(mine.edgeDisjointPaths == ref.edgeDisjointPaths);
            REQUIRE(mine.assortativity.size() == ref.assortativity.size());
            for (std::size_t l = 0; l < ref.assortativity.size(); ++l) {
                if (std::isnan(ref.assortativity[l]))
                    REQUIRE(std::isnan(mine.assortativity[l]));
                else
                    REQUIRE(mine.assortativity[l] == Approx(ref.assortativity[l]).margin(1e-12));
            }
        }
    }
}
