#include "graph/explored_positions.h"
#include "graph/model_io.h"
#include "graph/sparse_layer.h"
#include "helpers.h"

#include <catch2/catch.hpp>

#include <zlib.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <set>

using namespace rewire;
using namespace rewire::test;

TEST_CASE("explored positions of a small layer are an exact set", "[graph][exploration]")
{
    ExploredPositions x(7, 5); // 35 positions: one word, 29 bits of it unused
    REQUIRE(x.exact());
    REQUIRE(x.positions() == 35);
    REQUIRE(x.count() == 0);
    x.add(4, 6); // the last position
    x.add(0, 0);
    x.add(4, 6); // again: still one
    x.add(2, 3);
    REQUIRE(x.count() == 3);
    REQUIRE(x.rate() == Approx(3.0 / 35.0));
    REQUIRE(x.relativeError() == 0);
    ExploredPositions y(7, 5);
    y.add(2, 3);
    y.add(1, 1);
    x.merge(y);
    REQUIRE(x.count() == 4);
    // The stored form comes back equal; stray bits past the last position are refused.
    REQUIRE(ExploredPositions::fromBits(7, 5, {x.bits().begin(), x.bits().end()}) == x);
    REQUIRE_THROWS_WITH(ExploredPositions::fromBits(7, 5, {std::uint64_t{1} << 40}), Catch::Contains("past the last"));
    REQUIRE_THROWS_WITH(ExploredPositions::fromBits(7, 5, {0, 0}), Catch::Contains("2 bitmap words"));
    REQUIRE_THROWS_WITH(ExploredPositions::fromRegisters(7, 5, {}), Catch::Contains("takes a bitmap"));
    REQUIRE_THROWS_WITH(x.merge(ExploredPositions(5, 7)), Catch::Contains("5x7 into 7x5"));
}

TEST_CASE("the sketch of a huge layer estimates distinct positions within its standard error", "[graph][exploration]")
{
    // 100000 x 100000 positions: far above the bitmap limit.
    const std::int32_t n = 100000;
    REQUIRE(ExploredPositions::memoryBytesFor(n, n) == ExploredPositions::kRegisters);
    REQUIRE(ExploredPositions::memoryBytesFor(1000, 1000) == 1000000 / 64 * 8);
    std::mt19937_64 rng(7);
    for (const std::int64_t distinct : {0, 1, 100, 5000, 60000, 200000, 3000000}) {
        ExploredPositions x(n, n);
        REQUIRE_FALSE(x.exact());
        std::set<std::uint64_t> seen;
        while (static_cast<std::int64_t>(seen.size()) < distinct) {
            const std::uint64_t key = rng() % (static_cast<std::uint64_t>(n) * n);
            if (seen.insert(key).second) {
                x.add(static_cast<std::int32_t>(key / n), static_cast<std::int32_t>(key % n));
                x.add(static_cast<std::int32_t>(key / n), static_cast<std::int32_t>(key % n)); // duplicates do not count
            }
        }
        const double estimate = x.count();
        INFO("distinct " << distinct << ", estimate " << estimate);
        if (distinct == 0)
            REQUIRE(estimate == 0);
        else
            // 4 standard errors (1.04 / 256): the small and middle ranges too, where plain
            // HyperLogLog needs bias tables or a switch to linear counting.
            REQUIRE(std::abs(estimate / static_cast<double>(distinct) - 1.0) < 4 * x.relativeError());
        REQUIRE(x.rate() == Approx(estimate / 1e10));
    }
}

TEST_CASE("sketches do not depend on the order of insertion and merge as a union", "[graph][exploration]")
{
    const std::int32_t n = 50000;
    std::vector<std::pair<std::int32_t, std::int32_t>> a, b;
    std::mt19937_64 rng(3);
    for (int i = 0; i < 20000; ++i) {
        a.emplace_back(static_cast<std::int32_t>(rng() % n), static_cast<std::int32_t>(rng() % n));
        b.emplace_back(static_cast<std::int32_t>(rng() % n), static_cast<std::int32_t>(rng() % n));
    }
    ExploredPositions sa(n, n), sb(n, n), all(n, n), reversed(n, n);
    for (auto [o, i] : a) {
        sa.add(o, i);
        all.add(o, i);
    }
    for (auto [o, i] : b) {
        sb.add(o, i);
        all.add(o, i);
    }
    for (auto it = b.rbegin(); it != b.rend(); ++it)
        reversed.add(it->first, it->second);
    for (auto it = a.rbegin(); it != a.rend(); ++it)
        reversed.add(it->first, it->second);
    REQUIRE(reversed == all);
    ExploredPositions merged = sa;
    merged.merge(sb);
    REQUIRE(merged == all);
    REQUIRE(ExploredPositions::fromRegisters(n, n, {all.registers().begin(), all.registers().end()}) == all);
    std::vector<std::uint8_t> bad(all.registers().begin(), all.registers().end());
    bad[5] = 60;
    REQUIRE_THROWS_WITH(ExploredPositions::fromRegisters(n, n, bad), Catch::Contains("register 60"));
    REQUIRE_THROWS_WITH(ExploredPositions::fromRegisters(n, n, {1, 2}), Catch::Contains("2 sketch registers"));
}

TEST_CASE("a tracking layer counts every position any topology edit brought", "[graph][exploration]")
{
    SparseLayer layer = randomLayer(30, 20, 0.1, 5);
    REQUIRE(layer.explored() == nullptr); // not tracked until asked
    std::set<std::pair<int, int>> ever;
    const auto addCurrent = [&] {
        for (NeuronIndex j = 0; j < layer.outputs(); ++j)
            for (EdgeIndex e = layer.rowPtr()[static_cast<std::size_t>(j)]; e < layer.rowPtr()[static_cast<std::size_t>(j) + 1]; ++e)
                ever.insert({j, layer.colIdx()[static_cast<std::size_t>(e)]});
    };
    addCurrent();
    layer.trackExploration();
    REQUIRE(layer.explored()->count() == static_cast<double>(ever.size()));
    std::mt19937_64 rng(11);
    for (int step = 0; step < 6; ++step) {
        // Drop every third edge, add a few absent positions.
        std::vector<std::uint8_t> keep(static_cast<std::size_t>(layer.edgeCount()), 1);
        for (std::size_t e = 0; e < keep.size(); e += 3)
            keep[e] = 0;
        std::vector<NewEdge> added;
        std::set<std::pair<int, int>> chosen;
        while (added.size() < 10) {
            const auto j = static_cast<NeuronIndex>(rng() % 20), i = static_cast<NeuronIndex>(rng() % 30);
            if (layer.findEdge(j, i) < 0 && chosen.insert({j, i}).second)
                added.push_back({j, i, 0.5f});
        }
        layer.editTopology(keep, added);
        addCurrent();
        REQUIRE(layer.explored()->count() == static_cast<double>(ever.size()));
    }
    REQUIRE(ever.size() > static_cast<std::size_t>(layer.edgeCount()));
    // Copies carry the set; a saved one is installed with the current edges added.
    const SparseLayer copy = layer;
    REQUIRE(*copy.explored() == *layer.explored());
    SparseLayer fresh = randomLayer(30, 20, 0.1, 5);
    fresh.addExplored(ExploredPositions(30, 20));
    REQUIRE(fresh.explored()->count() == static_cast<double>(fresh.edgeCount()));
    REQUIRE_THROWS_WITH(fresh.addExplored(ExploredPositions(20, 30)), Catch::Contains("20 inputs x 30 outputs layer for a 30 inputs x 20 outputs"));
}

TEST_CASE("checkpoints carry the explored positions; damaged ones are refused", "[graph][exploration][io]")
{
    const auto dir = tempDir("explored-io");
    NetworkGraph g({randomLayer(40, 30, 0.2, 1), randomLayer(30, 3, 1.0, 2)});
    for (SparseLayer& l : g.layers())
        l.trackExploration();
    std::vector<std::uint8_t> keep(static_cast<std::size_t>(g.layer(0).edgeCount()), 1);
    keep[0] = keep[1] = 0;
    std::vector<NewEdge> added;
    for (NeuronIndex i = 0; i < 40 && added.size() < 2; ++i)
        if (g.layer(0).findEdge(7, i) < 0)
            added.push_back({7, i, 0.1f});
    g.layer(0).editTopology(keep, added);
    const double explored = g.layer(0).explored()->count();
    REQUIRE(explored == static_cast<double>(g.layer(0).edgeCount() + 2));

    saveModel(g, dir / "model.rwm");
    REQUIRE(loadModel(dir / "model.rwm").layer(0).explored() == nullptr); // models do not carry them
    saveModel(g, dir / "ckpt.rwm", true);
    REQUIRE(static_cast<int>(readFile(dir / "ckpt.rwm").at(8)) == 3);
    const NetworkGraph c = loadModel(dir / "ckpt.rwm");
    REQUIRE(*c.layer(0).explored() == *g.layer(0).explored());
    REQUIRE(*c.layer(1).explored() == *g.layer(1).explored());

    // A stray bit past the last position of layer 1 (3 x 30 = 90 positions: the second word's
    // bit 26 onwards), with a correct checksum: the reader names the layer and the problem.
    std::string bytes = readFile(dir / "ckpt.rwm");
    const std::size_t lastWord = bytes.size() - 8;
    std::uint64_t w = 0;
    std::memcpy(&w, bytes.data() + lastWord, 8);
    w |= std::uint64_t{1} << 40;
    std::memcpy(bytes.data() + lastWord, &w, 8);
    const auto crc = static_cast<std::uint32_t>(
        crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(bytes.data() + 32), static_cast<uInt>(bytes.size() - 32)));
    std::memcpy(bytes.data() + 24, &crc, 4);
    std::ofstream(dir / "bad.rwm", std::ios::binary) << bytes;
    REQUIRE_THROWS_WITH(loadModel(dir / "bad.rwm"), Catch::Contains("bad.rwm") && Catch::Contains("layer 1") &&
                                                         Catch::Contains("past the last"));
}
