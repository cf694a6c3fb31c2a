#include "analysis/layer_summary.h"

#include <catch2/catch.hpp>

using namespace rewire;

TEST_CASE("layer summary of a hand-built network", "[analysis]")
{
    // 4 -> 3: input 3 unused, output 2 receives nothing.
    SparseLayer a = SparseLayer::fromEdges(4, 3, {{0, 0, 0.5f}, {0, 1, -1.5f}, {1, 1, 2.0f}, {0, 2, -0.5f}});
    SparseLayer b = SparseLayer::dense(3, 2, {1, -1, 1, -1, 1, -1});
    const auto s = summarizeLayers(NetworkGraph({a, b}));
    REQUIRE(s.size() == 2);
    REQUIRE(s[0].edges == 4);
    REQUIRE(s[0].density == Approx(4.0 / 12.0));
    REQUIRE(s[0].maxInDegree == 3);
    REQUIRE(s[0].maxOutDegree == 2);
    REQUIRE(s[0].isolatedInputs == 1);
    REQUIRE(s[0].isolatedOutputs == 1);
    REQUIRE(s[0].meanAbsWeight == Approx(4.5 / 4));
    REQUIRE(s[0].positiveFraction == Approx(0.5));
    REQUIRE(s[1].density == 1.0);
    REQUIRE(s[1].isolatedInputs == 0);
}
