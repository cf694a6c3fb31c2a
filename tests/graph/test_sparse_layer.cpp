#include "graph/network_graph.h"
#include "graph/sparse_layer.h"
#include "helpers.h"

#include <catch2/catch.hpp>

#include <set>

using namespace rewire;
using namespace rewire::test;

TEST_CASE("fromEdges sorts into canonical CSR with a matching CSC view", "[graph]")
{
    SparseLayer l = SparseLayer::fromEdges(4, 3, {{2, 3, 0.5f}, {0, 1, -1.0f}, {2, 0, 2.0f}, {0, 3, 3.0f}});
    REQUIRE(l.edgeCount() == 4);
    REQUIRE(std::vector<EdgeIndex>(l.rowPtr().begin(), l.rowPtr().end()) == std::vector<EdgeIndex>{0, 2, 2, 4});
    REQUIRE(std::vector<NeuronIndex>(l.colIdx().begin(), l.colIdx().end()) == std::vector<NeuronIndex>{1, 3, 0, 3});
    REQUIRE(std::vector<float>(l.weights().begin(), l.weights().end()) == std::vector<float>{-1.0f, 3.0f, 2.0f, 0.5f});
    REQUIRE(l.inDegree(0) == 2);
    REQUIRE(l.inDegree(1) == 0);
    REQUIRE(l.outDegree(3) == 2);
    REQUIRE(l.outDegree(2) == 0);
    // CSC of input 3: outputs 0 and 2, canonical edges 1 and 3.
    const auto k0 = l.colPtr()[3];
    REQUIRE(l.cscRow()[k0] == 0);
    REQUIRE(l.cscRow()[k0 + 1] == 2);
    REQUIRE(l.cscPerm()[k0] == 1);
    REQUIRE(l.cscPerm()[k0 + 1] == 3);
    REQUIRE(l.findEdge(2, 0) == 2);
    REQUIRE(l.findEdge(1, 0) == -1);
    REQUIRE(l.density() == Approx(4.0 / 12.0));
    REQUIRE_NOTHROW(l.checkInvariants());
}

TEST_CASE("bad construction input is rejected with the sizes in the message", "[graph]")
{
    REQUIRE_THROWS_WITH(SparseLayer::fromEdges(2, 2, {{0, 1, 1.0f}, {0, 1, 2.0f}}), Catch::Contains("added twice"));
    REQUIRE_THROWS_WITH(SparseLayer::fromEdges(2, 2, {{0, 5, 1.0f}}), Catch::Contains("outside 2 inputs x 2 outputs"));
    REQUIRE_THROWS_WITH(SparseLayer::fromCsr(3, 2, {0, 2, 1}, {0, 1, 2}, {1, 1, 1}), Catch::Contains("invariant"));
    REQUIRE_THROWS_WITH(SparseLayer::fromCsr(3, 1, {0, 2}, {1, 1}, {1, 1}), Catch::Contains("strictly increasing"));
    REQUIRE_THROWS_AS(SparseLayer(-1, 2), std::invalid_argument);
}

TEST_CASE("editTopology remaps weights and every edge property through one table", "[graph]")
{
    SparseLayer l = randomLayer(30, 20, 0.3, 1);
    const int mom = l.addEdgeProperty("momentum");
    const int acc = l.addEdgeProperty("accumulator");
    REQUIRE(l.addEdgeProperty("momentum") == mom);
    // Tag each edge's state with a function of its position.
    auto tag = [](NeuronIndex j, NeuronIndex i) { return static_cast<float>(j * 1000 + i); };
    for (NeuronIndex j = 0; j < l.outputs(); ++j)
        for (EdgeIndex e = l.rowPtr()[j]; e < l.rowPtr()[j + 1]; ++e) {
            l.edgeProperty(mom)[e] = tag(j, l.colIdx()[e]);
            l.edgeProperty(acc)[e] = -tag(j, l.colIdx()[e]);
            l.weights()[e] = tag(j, l.colIdx()[e]) + 0.5f;
        }
    const auto v0 = l.topologyVersion();
    std::vector<std::uint8_t> keep(static_cast<size_t>(l.edgeCount()));
    for (size_t e = 0; e < keep.size(); ++e)
        keep[e] = e % 3 != 0;
    EdgeIndex kept = 0;
    for (auto k : keep)
        kept += k;
    std::vector<NewEdge> added;
    Rng rng(2);
    std::set<std::pair<int, int>> present;
    for (NeuronIndex j = 0; j < l.outputs(); ++j)
        for (EdgeIndex e = l.rowPtr()[j]; e < l.rowPtr()[j + 1]; ++e)
            present.insert({j, l.colIdx()[e]});
    while (added.size() < 25) {
        const auto j = static_cast<NeuronIndex>(rng.below(20)), i = static_cast<NeuronIndex>(rng.below(30));
        if (present.insert({j, i}).second)
            added.push_back({j, i, 7.0f});
    }
    l.editTopology(keep, added);
    REQUIRE(l.topologyVersion() == v0 + 1);
    REQUIRE(l.edgeCount() == kept + 25);
    REQUIRE_NOTHROW(l.checkInvariants());
    int fresh = 0;
    for (NeuronIndex j = 0; j < l.outputs(); ++j)
        for (EdgeIndex e = l.rowPtr()[j]; e < l.rowPtr()[j + 1]; ++e) {
            const float t = tag(j, l.colIdx()[e]);
            if (l.weights()[e] == 7.0f) { // a new edge: zero state
                REQUIRE(l.edgeProperty(mom)[e] == 0.0f);
                REQUIRE(l.edgeProperty(acc)[e] == 0.0f);
                ++fresh;
            } else {
                REQUIRE(l.weights()[e] == t + 0.5f);
                REQUIRE(l.edgeProperty(mom)[e] == t);
                REQUIRE(l.edgeProperty(acc)[e] == -t);
            }
        }
    REQUIRE(fresh == 25);
    // Adding an edge that already exists is an error and leaves the layer untouched.
    const EdgeIndex before = l.edgeCount();
    std::vector<std::uint8_t> all(static_cast<size_t>(before), 1);
    REQUIRE_THROWS_WITH(l.editTopology(all, {{0, l.colIdx()[l.rowPtr()[0]], 1.0f}}), Catch::Contains("already exists"));
    REQUIRE(l.edgeCount() == before);
}

TEST_CASE("dense layers are complete and row-major", "[graph]")
{
    SparseLayer d = SparseLayer::dense(3, 2, {1, 2, 3, 4, 5, 6});
    REQUIRE(d.isDense());
    REQUIRE(d.density() == 1.0);
    REQUIRE(d.weights()[d.findEdge(1, 2)] == 6.0f);
    REQUIRE_THROWS_WITH(SparseLayer::dense(3, 2, {1, 2}), Catch::Contains("2 weights for 3 inputs x 2 outputs"));
}

TEST_CASE("memoryBytes counts every array of the layer, edge properties included", "[graph]")
{
    // 3 inputs x 2 outputs, 6 edges: rowPtr 3 + colPtr 4 offsets; colIdx, cscRow 6 indices each;
    // cscPerm, cscIndex 6 each; 6 weights + 2 biases.
    SparseLayer d = SparseLayer::dense(3, 2, {1, 2, 3, 4, 5, 6});
    const std::size_t base = 7 * sizeof(EdgeIndex) + 12 * sizeof(NeuronIndex) + 12 * sizeof(std::int32_t) + 8 * sizeof(float);
    REQUIRE(d.memoryBytes() == base);
    d.addEdgeProperty("velocity");
    REQUIRE(d.memoryBytes() == base + 6 * sizeof(float));
    const NetworkGraph net({d, SparseLayer::dense(2, 1, {1, 2})});
    REQUIRE(net.memoryBytes() == net.layer(0).memoryBytes() + net.layer(1).memoryBytes());
}
