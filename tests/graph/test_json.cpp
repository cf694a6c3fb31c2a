#include "graph/json.h"
#include "helpers.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

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
    REQUIRE_THROWS_WITH(Json::parse("[1, 2"), Catch::Contains("unexpected end of input; expected ']'"));
    REQUIRE_THROWS_WITH(Json::parse("{} x"), Catch::Contains("1:4: syntax error") && Catch::Contains("expected end of input"));
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

TEST_CASE("JSON is RFC 8259: no hex or leading zeros, surrogate pairs decoded, bounded depth", "[graph][json]")
{
    // The hand-written parser read these as 16 and 7.
    REQUIRE_THROWS_WITH(Json::parse(R"({"a": 0x10})", "c.json"), Catch::Contains("c.json:1:"));
    REQUIRE_THROWS_WITH(Json::parse(R"({"a": 007})", "c.json"), Catch::Contains("c.json:1:"));
    // A surrogate pair is one code point, U+1F600, four bytes of UTF-8 (it wrote two 3-byte halves).
    REQUIRE(Json::parse(R"(["\ud83d\ude00"])").asArray()[0].asString() == "\xF0\x9F\x98\x80");
    REQUIRE_THROWS(Json::parse(R"(["\ud83d"])")); // a lone high surrogate
    // Found by fuzz_json: a number beyond a double escaped as the library's own exception type.
    REQUIRE_THROWS_AS(Json::parse("[3e3333333]", "big.json"), std::runtime_error);
    REQUIRE_THROWS_WITH(Json::parse("[3e3333333]", "big.json"), Catch::Contains("big.json: number overflow parsing '3e3333333'"));
    // 50,000 levels (the old recursive parser overflowed the stack): an error naming the limit.
    for (const char* open : {"[", "{\"k\":"}) {
        std::string deep;
        for (int i = 0; i < 50000; ++i)
            deep += open;
        REQUIRE_THROWS_WITH(Json::parse(deep, "deep.json"), Catch::Contains("deep.json: nested deeper than 256 levels"));
    }
    std::string ok;
    for (int i = 0; i < Json::kMaxDepth; ++i)
        ok += "[";
    ok += std::string(static_cast<std::size_t>(Json::kMaxDepth), ']');
    REQUIRE(Json::parse(ok).isArray());
}

TEST_CASE("JSON output is always valid JSON: no NaN tokens, UTF-8 strings", "[graph][json]")
{
    Json j;
    j.set("loss", std::nan(""));
    j.set("big", 1.0 / 0.0);
    j.set("name", std::string("caf\xE9 \xFF")); // Latin-1 bytes, not UTF-8
    const std::string text = j.dump();
    REQUIRE(text.find("nan") == std::string::npos);
    REQUIRE(text.find("inf") == std::string::npos);
    const Json back = Json::parse(text);
    REQUIRE(back.find("loss")->isNull());
    REQUIRE(back.find("big")->isNull());
    REQUIRE(back.find("name")->asString() == "caf\xEF\xBF\xBD \xEF\xBF\xBD"); // U+FFFD for each bad byte
}

TEST_CASE("numbers in JSON and flags do not follow the locale (a German desktop)", "[graph][json][locale]")
{
    rewire::test::GermanNumbers german;
    REQUIRE(german.active()); // printf now writes 0,5
    REQUIRE(formatNumber(0.6) == "0.6");
    REQUIRE(formatNumber(2e-4) == "0.0002");
    REQUIRE(formatNumber(1e-5) == "1e-05");
    double v = 0;
    REQUIRE(readNumber("0.6", v));
    REQUIRE(v == 0.6);
    REQUIRE(!readNumber("0,6", v));
    REQUIRE(Json::parse(R"({"lr": 0.01})").find("lr")->asNumber() == 0.01);
    Json j;
    j.set("alpha", 0.75);
    REQUIRE(j.dump(-1) == R"({"alpha":0.75})");
}
