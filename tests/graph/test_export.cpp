#include "graph/export.h"
#include "graph/igraph_bridge.h"
#include "helpers.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

using namespace rewire;
using namespace rewire::test;

namespace {

NetworkGraph sample()
{
    return NetworkGraph({SparseLayer::fromEdges(3, 2, {{0, 0, 0.5f}, {0, 2, -1.25f}, {1, 1, 2.0f}}),
                         SparseLayer::fromEdges(2, 2, {{0, 0, -0.75f}, {1, 1, 0.25f}})});
}


} // namespace

TEST_CASE("GraphML reads back with the same edges and weights", "[graph][export]")
{
    const auto dir = tempDir("export-graphml");
    const NetworkGraph g = sample();
    exportNetwork(g, ExportFormat::GraphMl, dir / "g.graphml");
    igraph_set_attribute_table(&igraph_cattribute_table);
    FILE* f = std::fopen((dir / "g.graphml").c_str(), "r");
    REQUIRE(f);
    igraph_t back;
    const igraph_error_t rc = igraph_read_graph_graphml(&back, f, 0);
    std::fclose(f);
    REQUIRE(rc == IGRAPH_SUCCESS);
    REQUIRE(igraph_vcount(&back) == 7);
    REQUIRE(igraph_ecount(&back) == 5);
    REQUIRE(igraph_is_directed(&back));
    const std::vector<double> expected{0.5, -1.25, 2.0, -0.75, 0.25};
    for (igraph_integer_t e = 0; e < 5; ++e) {
        REQUIRE(EAN(&back, "weight", e) == Approx(expected[static_cast<std::size_t>(e)]));
        REQUIRE(EAN(&back, "layer", e) == (e < 3 ? 0 : 1));
    }
    igraph_integer_t from, to;
    igraph_edge(&back, 1, &from, &to);
    REQUIRE(from == 2); // input 2
    REQUIRE(to == 3);   // hidden 0
    REQUIRE(VAN(&back, "layer", 5) == 2);
    REQUIRE(VAN(&back, "index", 6) == 1);
    igraph_destroy(&back);
}

TEST_CASE("GEXF, edge list and Matrix Market contents", "[graph][export]")
{
    const auto dir = tempDir("export-text");
    const NetworkGraph g = sample();
    exportNetwork(g, ExportFormat::Gexf, dir / "g.gexf");
    const std::string gexf = readFile(dir / "g.gexf");
    REQUIRE(gexf.find("<gexf xmlns=\"http://gexf.net/1.3\" version=\"1.3\">") != std::string::npos);
    REQUIRE(std::count(gexf.begin(), gexf.end(), '\n') > 10);
    REQUIRE(gexf.find("<edge id=\"1\" source=\"2\" target=\"3\" weight=\"1.25\"><attvalues><attvalue for=\"w\" value=\"-1.25\"/>") !=
            std::string::npos);
    REQUIRE(gexf.find("<node id=\"6\" label=\"2:1\">") != std::string::npos);
    exportNetwork(g, ExportFormat::EdgeList, dir / "g.csv");
    REQUIRE(readFile(dir / "g.csv") == "source,target,layer,weight\n0,3,0,0.5\n2,3,0,-1.25\n1,4,0,2\n3,5,1,-0.75\n4,6,1,0.25\n");
    const auto files = exportNetwork(g, ExportFormat::MatrixMarket, dir / "g.mtx");
    REQUIRE(files.size() == 2);
    REQUIRE(readFile(dir / "g_layer1.mtx") == "%%MatrixMarket matrix coordinate real general\n"
                                               "% Rewire layer 1: rows = output neurons, columns = input neurons\n"
                                               "2 2 2\n1 1 -0.75\n2 2 0.25\n");
    REQUIRE_THROWS_WITH(parseExportFormat("dot"), Catch::Contains("--format dot: unknown"));
    REQUIRE_THROWS_WITH(exportNetwork(g, ExportFormat::Gexf, dir / "no" / "such" / "g.gexf"), Catch::Contains("cannot write"));
}
