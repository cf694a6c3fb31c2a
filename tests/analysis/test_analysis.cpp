// Analysis of hand-built networks: exact degrees, strengths, distributions, dead neurons, and the
// CSV files of `rewire analyze` against golden text.

#include "analysis/analyze_report.h"
#include "analysis/degrees.h"
#include "analysis/input_map.h"
#include "analysis/neuron_table.h"
#include "analysis/power_law.h"
#include "analysis/topology_evolution.h"
#include "core/rng.h"
#include "helpers.h"

#include <catch2/catch.hpp>

#include <tuple>

#include <algorithm>
#include <fstream>
#include <sstream>

using namespace rewire;
using namespace rewire::test;

namespace {

// 4 -> 3 -> 2.  Input 3 has no edge; hidden 1 has an input but no outgoing edge (dead: reaches no
// output); hidden 2 feeds output 0 but receives nothing (dead: unreachable from the inputs).
NetworkGraph handBuilt()
{
    SparseLayer a = SparseLayer::fromEdges(4, 3, {{0, 0, 0.5f}, {0, 1, -1.5f}, {1, 1, 2.0f}, {0, 2, -0.25f}});
    SparseLayer b = SparseLayer::fromEdges(3, 2, {{0, 0, 1.0f}, {1, 0, -3.0f}, {0, 2, 0.75f}});
    NetworkGraph g({a, b});
    g.attributes()["input_shape"] = "2x2";
    return g;
}


} // namespace

TEST_CASE("degree and strength sequences of a hand-built layer", "[analysis]")
{
    const NetworkGraph g = handBuilt();
    REQUIRE(degreeSequence(g.layer(0), Side::In) == std::vector<std::int64_t>{3, 1, 0});
    REQUIRE(degreeSequence(g.layer(0), Side::Out) == std::vector<std::int64_t>{1, 2, 1, 0});
    const auto in = strengthSequence(g.layer(0), Side::In);
    REQUIRE(in[0] == Approx(2.25));
    REQUIRE(in[1] == Approx(2.0));
    REQUIRE(in[2] == 0.0);
    const auto out = strengthSequence(g.layer(0), Side::Out);
    REQUIRE(out[1] == Approx(3.5));
    REQUIRE(out[3] == 0.0);
}

TEST_CASE("degree distribution: histogram, CCDF, log bins", "[analysis]")
{
    const std::vector<std::int64_t> v{0, 1, 1, 2, 3, 3, 3, 8};
    const DegreeDistribution d = degreeDistribution(v);
    REQUIRE(d.degree == std::vector<std::int64_t>{0, 1, 2, 3, 8});
    REQUIRE(d.count == std::vector<std::int64_t>{1, 2, 1, 3, 1});
    REQUIRE(d.ccdf[0] == 1.0);
    REQUIRE(d.ccdf[3] == Approx(4.0 / 8));
    REQUIRE(d.ccdf[4] == Approx(1.0 / 8));
    REQUIRE(d.zeros == 1);
    REQUIRE(d.max == 8);
    REQUIRE(d.mean == Approx(21.0 / 8));
    REQUIRE(d.logBins.size() == 4); // [1,2) [2,4) [4,8) [8,16)
    REQUIRE(d.logBins[0].count == 2);
    REQUIRE(d.logBins[1].count == 4);
    REQUIRE(d.logBins[2].count == 0);
    REQUIRE(d.logBins[3].count == 1);
    REQUIRE(d.logBins[1].density == Approx(4.0 / (8 * 2)));
}

TEST_CASE("dead neurons: unreachable from inputs or reaching no output", "[analysis]")
{
    const NetworkGraph g = handBuilt();
    NeuronTable t(g);
    t.run();
    REQUIRE(t.rows().size() == 9);
    const auto& h1 = t.rows()[5]; // set 1, index 1
    REQUIRE(h1.set == 1);
    REQUIRE(h1.index == 1);
    REQUIRE(h1.fromInput);
    REQUIRE_FALSE(h1.toOutput);
    REQUIRE(h1.dead);
    const auto& h2 = t.rows()[6];
    REQUIRE_FALSE(h2.fromInput);
    REQUIRE(h2.toOutput);
    REQUIRE(h2.dead);
    REQUIRE_FALSE(t.rows()[4].dead); // hidden 0: both ways
    REQUIRE(t.rows()[4].importance == Approx(2.25));
    REQUIRE_FALSE(t.rows()[3].dead); // an isolated input is not a hidden neuron
    REQUIRE(t.deadPerSet() == std::vector<std::int64_t>{0, 2, 0});
}

TEST_CASE("input features ranked by strength and laid out in the image shape", "[analysis]")
{
    const NetworkGraph g = handBuilt();
    const auto r = rankInputFeatures(g);
    REQUIRE(r[0].feature == 1);
    REQUIRE(r[0].strength == Approx(3.5));
    REQUIRE(r[3].feature == 3);
    REQUIRE(inputGrid(g) == std::pair<int, int>{2, 2});
    // A saved attribute is the file's word: anything that is not positive integers whose product
    // is the input count lays the inputs out in one row.
    NetworkGraph h = handBuilt();
    for (const char* shape : {"2x3", "4", "x", "2xx2", "-2x-2", "0x4", "99999999999x2", "2x2x", "1x4"}) {
        h.attributes()["input_shape"] = shape;
        INFO(shape);
        REQUIRE(inputGrid(h) == std::pair<int, int>{1, 4});
    }
}

TEST_CASE("a valid model with a 0-input first layer and an input_shape analyses without a crash", "[analysis]")
{
    // It stopped with SIGFPE (0 / 0 columns) in `rewire analyze`.
    NetworkGraph g({SparseLayer::fromEdges(0, 3, {}), SparseLayer::fromEdges(3, 2, {{0, 0, 1.0f}})});
    g.attributes()["input_shape"] = "0x0";
    REQUIRE(inputGrid(g) == std::pair<int, int>{1, 0});
    const auto dir = tempDir("analysis-zero-inputs");
    const auto files = writeAnalysis(g, dir);
    REQUIRE(std::find(files.begin(), files.end(), "input_map.csv") != files.end());
    std::ifstream in(dir / "input_map.csv");
    std::string header, row;
    std::getline(in, header);
    REQUIRE(header == "row,col,feature,out_degree,strength");
    REQUIRE(!std::getline(in, row)); // no inputs, no rows
}

TEST_CASE("writeAnalysis reports each power-law fit before it runs", "[analysis]")
{
    const auto dir = tempDir("analysis-progress");
    std::vector<std::tuple<int, int, std::string>> calls;
    AnalysisOptions options;
    options.progress = [&](int done, int total, const std::string& what) { calls.emplace_back(done, total, what); };
    writeAnalysis(handBuilt(), dir, options);
    const int layers = handBuilt().layerCount();
    REQUIRE(calls.size() == static_cast<std::size_t>(4 * layers + 1));
    REQUIRE(calls.front() == std::tuple<int, int, std::string>{0, 4 * layers, "layer 0 in-degree"});
    REQUIRE(calls[3] == std::tuple<int, int, std::string>{3, 4 * layers, "layer 0 out-strength"});
    REQUIRE(calls.back() == std::tuple<int, int, std::string>{4 * layers, 4 * layers, ""});
}

TEST_CASE("rewire analyze tables match golden files", "[analysis][golden]")
{
    const auto dir = tempDir("analysis-golden");
    const auto files = writeAnalysis(handBuilt(), dir);
    REQUIRE(files.size() == 11);
    REQUIRE(readFile(dir / "degree_logbins.csv").rfind("layer,side,lower,upper,count,density\n0,in,1,2,1,0.333333\n"
                                                       "0,in,2,4,1,0.166667\n", 0) == 0);
    // 8 neurons connected, input 3 alone; two paths input -> hidden 0 -> output 0 / 1.
    REQUIRE(readFile(dir / "network.csv") ==
            "neurons,edges,weak_components,largest_component,edge_disjoint_paths,dead_neurons\n9,7,2,8,2,2\n");
    // 3 positive in-degrees in layer 0: too few to fit, and the row says so instead of giving alpha.
    REQUIRE(readFile(dir / "powerlaw.csv").find("0,in,degree,2,2,,,,,,,,,,\"no fit: 2 positive values") != std::string::npos);
    REQUIRE(readFile(dir / "layers.csv") ==
            "layer,inputs,outputs,edges,density,mean_in_degree,max_in_degree,max_out_degree,isolated_inputs,"
            "isolated_outputs,dead_outputs,mean_abs_weight,positive_fraction,assortativity\n"
            "0,4,3,4,0.333333,1.3333,3,2,1,1,2,1.062500,0.500000,-0.577350\n"
            "1,3,2,3,0.500000,1.5000,2,2,1,0,0,1.583333,0.666667,-0.500000\n");
    REQUIRE(readFile(dir / "neurons.csv") ==
            "layer,index,in_degree,out_degree,in_strength,out_strength,importance,dead\n"
            "0,0,0,1,0,0.5,0,0\n"
            "0,1,0,2,0,3.5,0,0\n"
            "0,2,0,1,0,0.25,0,0\n"
            "0,3,0,0,0,0,0,0\n"
            "1,0,3,2,2.25,4,2.25,0\n"
            "1,1,1,0,2,0,2,1\n"
            "1,2,0,1,0,0.75,0,1\n"
            "2,0,2,0,1.75,0,1.75,0\n"
            "2,1,1,0,3,0,3,0\n");
    REQUIRE(readFile(dir / "degree_distribution.csv") ==
            "layer,side,degree,count,ccdf\n"
            "0,in,0,1,1\n0,in,1,1,0.666667\n0,in,3,1,0.333333\n"
            "0,out,0,1,1\n0,out,1,2,0.75\n0,out,2,1,0.25\n"
            "1,in,1,1,1\n1,in,2,1,0.5\n"
            "1,out,0,1,1\n1,out,1,1,0.666667\n1,out,2,1,0.333333\n");
    const std::string png = readFile(dir / "input_map_degree.png");
    REQUIRE(png.rfind("\x89PNG\r\n\x1a\n", 0) == 0);
}

TEST_CASE("mask turnover between two snapshots", "[analysis][turnover]")
{
    const NetworkGraph a = handBuilt();
    // b: layer 0 drops 0->0 and adds 3->2; layer 1 unchanged.
    SparseLayer l0 = SparseLayer::fromEdges(4, 3, {{0, 1, -1.5f}, {1, 1, 2.0f}, {0, 2, -0.25f}, {2, 3, 0.1f}});
    const NetworkGraph b({l0, a.layer(1)});
    const auto t = maskTurnover(a, b);
    REQUIRE(t[0].common == 3);
    REQUIRE(t[0].added == 1);
    REQUIRE(t[0].removed == 1);
    REQUIRE(t[0].jaccardDistance == Approx(1.0 - 3.0 / 5.0));
    REQUIRE(t[1].jaccardDistance == 0.0);
    std::vector<LayerEdgeChanges> changes;
    REQUIRE(maskTurnover(a, b, &changes)[0].added == 1);
    REQUIRE(changes.size() == 2);
    REQUIRE(changes[0].added.size() == 1);
    REQUIRE(changes[0].added[0].from == 3);
    REQUIRE(changes[0].added[0].to == 2);
    REQUIRE(changes[0].added[0].weight == 0.1f);
    REQUIRE(changes[0].removed.size() == 1);
    REQUIRE(changes[0].removed[0].from == 0);
    REQUIRE(changes[0].removed[0].to == 0);
    REQUIRE(changes[0].removed[0].weight == a.layer(0).weights()[0]);
    REQUIRE(changes[1].added.empty());
    REQUIRE(changes[1].removed.empty());
    REQUIRE(maskTurnover(a, a)[0].jaccardDistance == 0.0);
    const NetworkGraph c({SparseLayer(4, 5), SparseLayer(5, 2)});
    REQUIRE_THROWS_WITH(maskTurnover(a, c), Catch::Contains("4-3-2 and 4-5-2"));
    const auto rows = topologyRows(7, b, &a);
    REQUIRE(rows[0].epoch == 7);
    REQUIRE(rows[0].hasPrevious);
    // b does not track its explored positions: the exploration columns stay empty.
    REQUIRE(topologyCsvRow(rows[0]).find(",0.400000,1,1,,,\n") != std::string::npos);
}

TEST_CASE("topology rows carry the exploration rate and read it back from a run's table", "[analysis][exploration]")
{
    NetworkGraph g({SparseLayer::fromEdges(4, 3, {{0, 1, 0.5f}, {2, 3, -0.5f}}), SparseLayer(3, 2)});
    for (SparseLayer& l : g.layers())
        l.trackExploration();
    g.layer(0).editTopology(std::vector<std::uint8_t>{1, 0}, {{1, 1, 0.25f}});
    const auto rows = topologyRows(3, g, nullptr);
    REQUIRE(rows[0].hasExploration);
    REQUIRE(rows[0].explored == 3); // (0,1), (2,3) once, (1,1) now
    REQUIRE(rows[0].explorationRate == Approx(3.0 / 12.0));
    REQUIRE(rows[1].explored == 0);
    REQUIRE(networkExploration(rows, g).rate == Approx(3.0 / 18.0));
    const std::string csv = topologyCsvHeader() + topologyCsvRow(rows[0]) + topologyCsvRow(rows[1]);
    REQUIRE(csv.find(",3,0.25,0\n") != std::string::npos);

    std::vector<TopologyRow> back = topologyRows(3, NetworkGraph({SparseLayer(4, 3), SparseLayer(3, 2)}), nullptr);
    REQUIRE_FALSE(back[0].hasExploration);
    applyExploration(readExplorationTable(csv, "topology.csv"), back);
    REQUIRE(back[0].hasExploration);
    REQUIRE(back[0].explored == 3);
    REQUIRE(back[0].explorationRate == 0.25);
    REQUIRE(topologyCsvRow(back[0]).substr(topologyCsvRow(back[0]).rfind(",3,")) == ",3,0.25,0\n");

    // An older table without the columns changes nothing; damaged ones name the file and line.
    std::vector<TopologyRow> old = back;
    old[0].hasExploration = false;
    applyExploration(readExplorationTable("epoch,layer,edges\n3,0,2\n", "old.csv"), old);
    REQUIRE_FALSE(old[0].hasExploration);
    const std::string header = topologyCsvHeader();
    REQUIRE_THROWS_WITH(readExplorationTable("", "t.csv"), Catch::Contains("t.csv: empty"));
    REQUIRE_THROWS_WITH(readExplorationTable("a,b\n", "t.csv"), Catch::Contains("no epoch and layer"));
    REQUIRE_THROWS_WITH(readExplorationTable(header + "3,0,1\n", "t.csv"),
                        Catch::Contains("t.csv, line 2: 3 fields, the header has 17"));
    std::string bad = csv;
    bad.replace(bad.find(",3,0.25,0"), 9, ",3,1.5e0,0");
    REQUIRE_THROWS_WITH(readExplorationTable(bad, "t.csv"), Catch::Contains("line 2: exploration figures out of range"));
    bad = csv;
    bad.replace(bad.find(",3,0.25,0"), 9, ",x,0.25,0");
    REQUIRE_THROWS_WITH(readExplorationTable(bad, "t.csv"), Catch::Contains("\"x\" in column explored is not a number"));
}
