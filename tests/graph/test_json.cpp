#include "graph/json.h"

#include <catch2/catch.hpp>

using namespace rewire;

TEST_CASE("JSON parses, keeps key order and round-trips", "[graph][json]")
{
    const Json j = Json::parse(R"({"b": 1.5, "a": "x\"y", "list": [1, true, null], "n": {"k": -2e-3}})");
    REQUIRE(j.find("b")->asNumber() == 1.5);
    REQUIRE(j.find("a")->asString() == "x\"y");
    REQUIRE(j.find("list")->asArray().size() == 3);
    REQUIRE(j.find("n")->find("k")->asNumber() == Approx(-0.002));
    REQUIRE(j.asObject().front().first == "b");
    const Json again = Json::parse(j.dump());
    REQUIRE(again.dump() == j.dump());
    REQUIRE(Json(3).dump() == "3");
}

TEST_CASE("JSON syntax errors give line and column", "[graph][json]")
{
    REQUIRE_THROWS_WITH(Json::parse("{\n  \"a\": 1,\n  \"b\" 2\n}", "cfg.json"), Catch::Contains("cfg.json:3:7"));
    REQUIRE_THROWS_WITH(Json::parse("{\"a\": 1, \"a\": 2}"), Catch::Contains("duplicate key"));
    REQUIRE_THROWS_WITH(Json::parse("[1, 2"), Catch::Contains("expected ',' or ']'"));
    REQUIRE_THROWS_WITH(Json::parse("{} x"), Catch::Contains("unexpected text"));
}

TEST_CASE("numbers are written as the shortest text that reads back exactly", "[graph][json]")
{
    REQUIRE(formatNumber(0.01) == "0.01");
    REQUIRE(formatNumber(2e-4) == "0.0002");
    REQUIRE(formatNumber(1e-5) == "1e-05");
    REQUIRE(formatNumber(60000) == "60000");
    REQUIRE(formatNumber(-3) == "-3");
    for (double x : {0.1 + 0.2, 0.0123456789012345, 1.0 / 3.0, 6.02214076e23, -2.5e-300}) {
        const std::string text = formatNumber(x);
        REQUIRE(std::stod(text) == x);
        REQUIRE(Json::parse(Json(x).dump()).asNumber() == x); // through a JSON file too
    }
}
