#include "graph/bgl_view.h"
#include "graph/igraph_bridge.h"
#include "helpers.h"

#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/graph_concepts.hpp>
#include <catch2/catch.hpp>

using namespace rewire;
using namespace rewire::test;

BOOST_CONCEPT_ASSERT((boost::IncidenceGraphConcept<NetworkGraph>));
BOOST_CONCEPT_ASSERT((boost::VertexListGraphConcept<NetworkGraph>));

namespace {

NetworkGraph smallNetwork()
{
    // 3 -> 2 -> 2; input 2 has no edges, hidden 1 receives nothing.
    SparseLayer a = SparseLayer::fromEdges(3, 2, {{0, 0, 0.5f}, {0, 1, -2.0f}});
    SparseLayer b = SparseLayer::fromEdges(2, 2, {{0, 0, 1.5f}, {1, 0, -0.25f}, {1, 1, 3.0f}});
    return NetworkGraph({a, b});
}

} // namespace

TEST_CASE("NetworkGraph numbers vertices by layer", "[graph]")
{
    const NetworkGraph g = smallNetwork();
    REQUIRE(g.architecture() == std::vector<NeuronIndex>{3, 2, 2});
    REQUIRE(g.vertexCount() == 7);
    REQUIRE(g.edgeCount() == 5);
    REQUIRE(g.vertexOffset(1) == 3);
    REQUIRE(g.locate(4) == std::pair<int, NeuronIndex>{1, 1});
    REQUIRE(g.locate(6) == std::pair<int, NeuronIndex>{2, 1});
    REQUIRE_THROWS_AS(g.locate(7), std::out_of_range);
    REQUIRE(formatArchitecture(g.architecture()) == "3-2-2");
    REQUIRE_THROWS_WITH(NetworkGraph({SparseLayer(3, 2), SparseLayer(4, 1)}),
                        Catch::Contains("layer 0 has 2 outputs but layer 1 has 4 inputs"));
}

TEST_CASE("Boost.Graph view walks the engine's arrays", "[graph][bgl]")
{
    const NetworkGraph g = smallNetwork();
    REQUIRE(num_vertices(g) == 7);
    REQUIRE(out_degree(0, g) == 1);
    REQUIRE(out_degree(2, g) == 0);
    REQUIRE(out_degree(3, g) == 2); // hidden 0 -> outputs 0 and 1
    REQUIRE(out_degree(5, g) == 0); // outputs have no out-edges
    auto [it, end] = out_edges(1, g);
    REQUIRE(end - it == 1);
    const NetworkEdge e = *it;
    REQUIRE(source(e, g) == 1);
    REQUIRE(target(e, g) == 3);
    REQUIRE(g.layer(e.layer).weights()[e.edge] == -2.0f);

    // BFS from input 0 reaches hidden 0 and both outputs, not hidden 1 or the other inputs.
    std::vector<boost::default_color_type> color(num_vertices(g));
    std::vector<int> reached;
    struct Visitor : boost::default_bfs_visitor {
        std::vector<int>* out;
        void discover_vertex(VertexId v, const NetworkGraph&) const { out->push_back(static_cast<int>(v)); }
    } vis;
    vis.out = &reached;
    boost::breadth_first_search(g, VertexId{0},
                                boost::visitor(vis).color_map(boost::make_iterator_property_map(
                                    color.begin(), get(boost::vertex_index, g))));
    std::sort(reached.begin(), reached.end());
    REQUIRE(reached == std::vector<int>{0, 3, 5, 6});
}

TEST_CASE("igraph bridge carries |w| and matches our strengths", "[graph][igraph]")
{
    const NetworkGraph g = smallNetwork();
    IgraphNetwork ig(g);
    REQUIRE(ig.vertexCount() == 7);
    REQUIRE(ig.edgeCount() == 5);
    igraph_vector_t s;
    igraph_vector_init(&s, 0);
    igraphCheck(igraph_strength(ig.graph(), &s, igraph_vss_all(), IGRAPH_IN, IGRAPH_LOOPS, ig.weights()), "strength");
    // hidden 0 (vertex 3): |0.5| + |-2| ; output 1 (vertex 6): |-0.25| + |3|
    REQUIRE(VECTOR(s)[3] == Approx(2.5));
    REQUIRE(VECTOR(s)[4] == Approx(0.0));
    REQUIRE(VECTOR(s)[6] == Approx(3.25));
    igraph_vector_destroy(&s);
    // A failing igraph call becomes an exception, not an abort.
    igraph_vector_int_t bad;
    igraph_vector_int_init(&bad, 2);
    VECTOR(bad)[0] = 0;
    VECTOR(bad)[1] = -1;
    igraph_t out;
    REQUIRE_THROWS_WITH(igraphCheck(igraph_create(&out, &bad, 3, IGRAPH_DIRECTED), "igraph_create"),
                        Catch::Contains("igraph_create failed"));
    igraph_vector_int_destroy(&bad);
}
