#include "graph/export.h"
#include "graph/igraph_bridge.h"
#include "graph/npz_writer.h"
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
    REQUIRE(gexf.find("<gexf xmlns=\"http://www.gexf.net/1.2draft\" version=\"1.2\">") != std::string::npos);
    REQUIRE(std::count(gexf.begin(), gexf.end(), '\n') > 10);
    REQUIRE(gexf.find("<edge id=\"1\" source=\"2\" target=\"3\" weight=\"1.25\"><attvalues><attvalue for=\"w\" value=\"-1.25\"/>") !=
            std::string::npos);
    REQUIRE(gexf.find("<node id=\"6\" label=\"2:1\">") != std::string::npos);
    exportNetwork(g, ExportFormat::EdgeList, dir / "g.csv");
    REQUIRE(readFile(dir / "g.csv") == "source,target,layer,weight\n0,3,0,0.5\n2,3,0,-1.25\n1,4,0,2\n3,5,1,-0.75\n4,6,1,0.25\n");
    const auto files = exportNetwork(g, ExportFormat::MatrixMarket, dir / "g.mtx");
    REQUIRE(files == std::vector<std::filesystem::path>{dir / "g_layer0.mtx", dir / "g_layer1.mtx"});
    // Matrix Market files end in .mtx whatever -o says.
    REQUIRE(exportNetwork(g, ExportFormat::MatrixMarket, dir / "h.txt").front() == dir / "h_layer0.mtx");
    REQUIRE(exportNetwork(g, ExportFormat::MatrixMarket, dir / "k").back() == dir / "k_layer1.mtx");
    REQUIRE(readFile(dir / "g_layer1.mtx") == "%%MatrixMarket matrix coordinate real general\n"
                                               "% Rewire layer 1: rows = output neurons, columns = input neurons\n"
                                               "2 2 2\n1 1 -0.75\n2 2 0.25\n");
    REQUIRE_THROWS_WITH(parseExportFormat("dot"), Catch::Contains("--format dot: unknown"));
    REQUIRE_THROWS_WITH(exportNetwork(g, ExportFormat::Gexf, dir / "no" / "such" / "g.gexf"), Catch::Contains("cannot write"));
}

TEST_CASE("GraphML declares integer attributes as int", "[graph][export]")
{
    const auto dir = tempDir("export-graphml-types");
    exportNetwork(sample(), ExportFormat::GraphMl, dir / "g.graphml");
    const std::string xml = readFile(dir / "g.graphml");
    REQUIRE(xml.find("<key id=\"v_layer\" for=\"node\" attr.name=\"layer\" attr.type=\"int\"/>") != std::string::npos);
    REQUIRE(xml.find("<key id=\"v_index\" for=\"node\" attr.name=\"index\" attr.type=\"int\"/>") != std::string::npos);
    REQUIRE(xml.find("<key id=\"e_layer\" for=\"edge\" attr.name=\"layer\" attr.type=\"int\"/>") != std::string::npos);
    REQUIRE(xml.find("<edge source=\"n2\" target=\"n3\"><data key=\"e_weight\">-1.25</data><data "
                     "key=\"e_abs_weight\">1.25</data><data key=\"e_layer\">0</data></edge>") != std::string::npos);
}

TEST_CASE("npz: .npy headers and the archive's members", "[graph][export]")
{
    // numpy 1.24's own header for np.save(np.zeros(5, '<f4')), byte for byte: 128 bytes in all,
    // the dict padded with spaces to a multiple of 64.
    const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }";
    const std::string numpys = std::string("\x93NUMPY\x01\x00\x76\x00", 10) + dict + std::string(118 - 1 - dict.size(), ' ') + "\n";
    REQUIRE(npyHeader({"data", "<f4", {5}, nullptr, 0}) == numpys);
    REQUIRE(npyHeader({"s", "<i8", {2, 3}, nullptr, 0}).find("'shape': (2, 3), }") != std::string::npos);
    REQUIRE(npyHeader({"f", "|S3", {}, nullptr, 0}).find("'shape': (), }") != std::string::npos);

    const auto dir = tempDir("export-npz");
    const NetworkGraph g = sample();
    const auto files = exportNetwork(g, ExportFormat::Npz, dir / "g");
    REQUIRE(files == std::vector<std::filesystem::path>{dir / "g_layer0.npz", dir / "g_layer1.npz"});
    // Stored members: each .npy appears whole in the archive's bytes.
    const std::string zip = readFile(dir / "g_layer0.npz");
    REQUIRE(zip.substr(0, 4) == "PK\x03\x04");
    for (const char* member : {"format.npy", "shape.npy", "data.npy", "indices.npy", "indptr.npy"})
        REQUIRE(zip.find(member) != std::string::npos);
    const float w[] = {0.5f, -1.25f, 2.0f};
    const std::string data = npyHeader({"data", "<f4", {3}, nullptr, 0}) + std::string(reinterpret_cast<const char*>(w), sizeof w);
    REQUIRE(zip.find(data) != std::string::npos);
    REQUIRE(zip.find(npyHeader({"format", "|S3", {}, nullptr, 0}) + "csr") != std::string::npos);
    // A folder in the way is named; nothing is left behind.
    std::filesystem::create_directory(dir / "d_layer0.npz");
    REQUIRE_THROWS_WITH(exportNetwork(g, ExportFormat::Npz, dir / "d.npz"), Catch::Contains("d_layer0.npz: it is a directory"));
}
