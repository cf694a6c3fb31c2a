// The options table: one source for the flags, config.json, the app's form and the README.

#include "core/methods/registry.h"
#include "core/options.h"
#include "helpers.h"

#include <catch2/catch.hpp>

#include <set>

using namespace rewire;
using namespace rewire::test;

namespace {

std::string section(const std::string& text, const std::string& name)
{
    const std::string begin = "<!-- " + name + ":begin -->\n", end = "<!-- " + name + ":end -->";
    const auto a = text.find(begin), b = text.find(end);
    REQUIRE(a != std::string::npos);
    REQUIRE(b != std::string::npos);
    return text.substr(a + begin.size(), b - a - begin.size());
}

} // namespace

TEST_CASE("README's option and method tables are the ones the tables generate", "[core][options]")
{
    const std::string readme = readFile(std::filesystem::path(REWIRE_SOURCE_DIR) / "README.md");
    CHECK(section(readme, "options") == optionsMarkdown());
    CHECK(section(readme, "methods") == methodsMarkdown());
}

TEST_CASE("every option round-trips through set, toJson and merge, and its default validates", "[core][options]")
{
    std::set<std::string> keys;
    for (const OptionSpec& o : trainOptions()) {
        INFO("--" << o.key);
        REQUIRE(keys.insert(o.key).second); // unique
        REQUIRE(o.get != nullptr);
        REQUIRE(o.set != nullptr);
        REQUIRE_FALSE(o.help.empty());
        REQUIRE_FALSE(o.label.empty());
        REQUIRE_FALSE(o.valueName.empty());
        CHECK(std::set<std::string>{"data", "model", "method", "training", "run"}.count(o.group) == 1);
        if (o.kind == OptionKind::Choice) {
            REQUIRE_FALSE(o.choices.empty());
            // Every choice is accepted; anything else is refused with the choices named.
            for (const std::string& c : o.choices) {
                TrainConfig t;
                t.set(o.key, c);
                CHECK_NOTHROW(checkOption(o, t));
                CHECK(o.get(t) == c);
            }
            TrainConfig t;
            t.set(o.key, "no-such-value");
            CHECK_THROWS_WITH(checkOption(o, t), Catch::Contains("--" + o.key + " no-such-value: expected " + o.choices.front()));
        }
        if (o.kind == OptionKind::Number || o.kind == OptionKind::Integer) {
            // Just outside the range is refused, naming the flag and the range.
            TrainConfig t;
            const double outside = o.minOpen ? o.min : o.min - 1;
            CHECK_THROWS_WITH(
                [&] {
                    t.set(o.key, formatNumber(outside));
                    t.validate();
                }(),
                Catch::Contains("--" + o.key + " " + formatNumber(outside)));
        }
        // The default validates and survives config.json.
        TrainConfig d;
        CHECK_NOTHROW(checkOption(o, d));
        TrainConfig back;
        back.merge(d.toJson(), "config.json");
        CHECK(o.get(back) == optionDefault(o));
    }
    CHECK(keys.size() == TrainConfig::keys().size());
    // A non-default value of every kind round-trips through JSON.
    TrainConfig c;
    for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
             {"method", "dynset"}, {"counts", "lset"}, {"accset-k", "0.25"}, {"importance-pruning", "30:5:10"},
             {"evolve-layers", "hidden"}, {"threads", "3"}, {"checkpoint-every", "0"}, {"seed", "18446744073709551615"}})
        c.set(k, v);
    TrainConfig back;
    back.merge(Json::parse(c.toJson().dump()), "config.json");
    CHECK(back.toJson().dump() == c.toJson().dump());
    CHECK(back.seed == 18446744073709551615ULL);
    // Seeds that a double holds exactly but formatNumber would write with an exponent.
    for (std::uint64_t seed : {999999999999999ULL, 1000000000000000ULL, 1234567890123456ULL, (1ULL << 53) + 1}) {
        TrainConfig s;
        s.seed = seed;
        TrainConfig r;
        r.merge(Json::parse(s.toJson().dump()), "config.json");
        CHECK(r.seed == seed);
    }
    CHECK(back.importancePruning == "30:5:10");
}

TEST_CASE("method options name the registered methods that read them", "[core][options]")
{
    for (const MethodSpec& m : methodRegistry())
        for (const std::string& key : m.options) {
            INFO(m.name << " reads --" << key);
            const OptionSpec* o = findOption(key);
            REQUIRE(o != nullptr);
            const auto users = optionMethods(*o);
            CHECK(std::find(users.begin(), users.end(), m.name) != users.end());
        }
    const auto accK = optionMethods(*findOption("accset-k"));
    CHECK(std::find(accK.begin(), accK.end(), "accset") != accK.end());
    CHECK(std::find(accK.begin(), accK.end(), "set") == accK.end());
    CHECK(optionMethods(*findOption("importance-pruning")).empty()); // every method
    CHECK(optionMethods(*findOption("lr")).empty());
}

TEST_CASE("the architecture option: sizes, a repeated size, and what is refused", "[core][options]")
{
    TrainConfig c;
    c.arch = "65536-5000000x10-2";
    const auto sizes = c.architecture();
    REQUIRE(sizes.size() == 12);
    REQUIRE(sizes.front() == 65536);
    REQUIRE(sizes[1] == 5000000);
    REQUIRE(sizes[10] == 5000000);
    REQUIRE(sizes.back() == 2);
    c.arch = "784x1-1000x2-10";
    REQUIRE(c.architecture() == std::vector<NeuronIndex>{784, 1000, 1000, 10});
    for (const char* badArch : {"784-x2-10", "784-1000x-10", "784-1000x0-10", "784-1000x1001-10", "784-1000x2x2-10",
                                "784--10", "784-0-10", "784-1073741825-10", "784-1000x3.5-10"}) {
        c.arch = badArch;
        REQUIRE_THROWS_WITH(c.architecture(), Catch::Contains("--arch " + std::string(badArch)));
    }
    c.arch = "10-5x1000-2"; // 1002 sets: too deep
    REQUIRE_THROWS_WITH(c.architecture(), Catch::Contains("more than 1000 layers"));
}
