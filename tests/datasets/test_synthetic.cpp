#include "datasets/synthetic.h"

#include <catch2/catch.hpp>

using namespace rewire;

TEST_CASE("madelon generator: sizes, balance, determinism", "[datasets][synthetic]")
{
    MadelonOptions o;
    o.samples = 400;
    o.features = 50;
    o.informative = 5;
    o.redundant = 5;
    o.repeated = 2;
    o.classes = 4;
    o.clustersPerClass = 2;
    o.flipY = 0.0;
    const Dataset a = makeMadelon(o), b = makeMadelon(o);
    REQUIRE(a.samples() == 400);
    REQUIRE(a.features() == 50);
    REQUIRE(a.classes == 4);
    REQUIRE(a.x == b.x);
    REQUIRE(a.y == b.y);
    std::vector<int> count(4, 0);
    for (int y : a.y)
        ++count[y];
    REQUIRE(count == std::vector<int>{100, 100, 100, 100});
    o.seed = 2;
    REQUIRE(makeMadelon(o).x != a.x);
}

TEST_CASE("madelon generator rejects impossible options by name", "[datasets][synthetic]")
{
    MadelonOptions o;
    o.features = 5;
    o.informative = 4;
    o.redundant = 2;
    REQUIRE_THROWS_WITH(makeMadelon(o), Catch::Contains("exceeds features = 5"));
    o = {};
    o.informative = 2;
    o.classes = 3;
    REQUIRE_THROWS_WITH(makeMadelon(o), Catch::Contains("exceeds 2^informative"));
    o = {};
    o.samples = 0;
    REQUIRE_THROWS_WITH(makeMadelon(o), Catch::Contains("samples must be >= 1"));
    // More than the machine has: one error naming the generator and the sizes, before allocating
    // (it was std::bad_alloc, "out of memory", naming nothing).
    o = {};
    o.samples = 99999999999;
    REQUIRE_THROWS_WITH(makeMadelon(o), Catch::Contains("synthetic madelon: 99999999999 samples x") &&
                                            Catch::Contains("GiB of memory is available"));
    REQUIRE_THROWS_WITH(makeXor(999999999999, 0.1, 1), Catch::Contains("synthetic xor: 999999999999 samples x 2 features"));
}
