#include "graph/model_io.h"
#include "helpers.h"

#include <catch2/catch.hpp>

#include <fstream>

using namespace rewire;
using namespace rewire::test;

namespace {

NetworkGraph sample()
{
    NetworkGraph g({randomLayer(20, 15, 0.2, 1, {3}), randomLayer(15, 4, 1.0, 2)});
    g.attributes()["activation"] = "allrelu:0.6";
    g.attributes()["input_shape"] = "4x5";
    const int v = g.layer(0).addEdgeProperty("velocity");
    g.layer(0).edgeProperty(v)[0] = 0.25f;
    const int bv = g.layer(1).addNeuronProperty("bias_velocity");
    g.layer(1).neuronProperty(bv)[3] = -0.5f;
    return g;
}

void expectSame(const NetworkGraph& a, const NetworkGraph& b)
{
    REQUIRE(a.architecture() == b.architecture());
    REQUIRE(a.attributes() == b.attributes());
    for (int l = 0; l < a.layerCount(); ++l) {
        const auto &x = a.layer(l), &y = b.layer(l);
        REQUIRE(std::equal(x.rowPtr().begin(), x.rowPtr().end(), y.rowPtr().begin(), y.rowPtr().end()));
        REQUIRE(std::equal(x.colIdx().begin(), x.colIdx().end(), y.colIdx().begin(), y.colIdx().end()));
        REQUIRE(std::equal(x.weights().begin(), x.weights().end(), y.weights().begin(), y.weights().end()));
        REQUIRE(std::equal(x.bias().begin(), x.bias().end(), y.bias().begin(), y.bias().end()));
    }
}

} // namespace

TEST_CASE("model files round-trip exactly", "[graph][io]")
{
    const auto dir = tempDir("model");
    const NetworkGraph g = sample();
    saveModel(g, dir / "m.rwm");
    expectSame(g, loadModel(dir / "m.rwm"));
    REQUIRE(loadModel(dir / "m.rwm").layer(0).edgePropertyCount() == 0);
    saveModel(g, dir / "ckpt.rwm", true);
    const NetworkGraph c = loadModel(dir / "ckpt.rwm");
    REQUIRE(c.layer(0).edgeProperty(c.layer(0).findEdgeProperty("velocity"))[0] == 0.25f);
    REQUIRE(c.layer(1).neuronPropertyCount() == 1);
    REQUIRE(c.layer(1).neuronProperty(c.layer(1).findNeuronProperty("bias_velocity"))[3] == -0.5f);
    REQUIRE(c.layer(0).neuronPropertyCount() == 0);
    // Plain models stay format 1, which older builds read; checkpoints are format 2.
    const auto version = [](const std::filesystem::path& p) { return static_cast<int>(readFile(p).at(8)); };
    REQUIRE(version(dir / "m.rwm") == 1);
    REQUIRE(version(dir / "ckpt.rwm") == 2);
    REQUIRE(loadModel(dir / "m.rwm").layer(1).neuronPropertyCount() == 0);
    // No temporary files are left behind.
    int files = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        files += e.is_regular_file();
    REQUIRE(files == 2);
}

TEST_CASE("extra attributes are saved without touching the network", "[graph][io]")
{
    const auto dir = tempDir("model-extra");
    const NetworkGraph g = sample();
    const std::map<std::string, std::string> extra{{"checkpoint.epochs", "7"}, {"activation", "relu"}};
    saveModel(g, dir / "c.rwm", true, &extra);
    const NetworkGraph c = loadModel(dir / "c.rwm");
    REQUIRE(c.attributes().at("checkpoint.epochs") == "7");
    REQUIRE(c.attributes().at("activation") == "relu"); // the extra one wins
    REQUIRE(c.attributes().at("input_shape") == "4x5");
    REQUIRE(g.attributes().at("activation") == "allrelu:0.6");
    REQUIRE(g.attributes().count("checkpoint.epochs") == 0);
}

TEST_CASE("damaged model files fail with a message naming the file and the problem", "[graph][io]")
{
    const auto dir = tempDir("model-bad");
    const auto good = dir / "good.rwm";
    saveModel(sample(), good);
    std::ifstream in(good, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto write = [&](const std::string& name, const std::string& content) {
        std::ofstream(dir / name, std::ios::binary) << content;
        return dir / name;
    };
    REQUIRE_THROWS_WITH(loadModel(dir / "missing.rwm"), Catch::Contains("missing.rwm: cannot open"));
    REQUIRE_THROWS_WITH(loadModel(write("magic.rwm", "PK\x03\x04" + bytes.substr(4))), Catch::Contains("not a Rewire model"));
    REQUIRE_THROWS_WITH(loadModel(write("short.rwm", bytes.substr(0, bytes.size() - 10))), Catch::Contains("truncated"));
    std::string flipped = bytes;
    flipped[bytes.size() / 2] ^= 0x40;
    REQUIRE_THROWS_WITH(loadModel(write("flip.rwm", flipped)), Catch::Contains("checksum mismatch"));
    std::string future = bytes;
    future[8] = 9;
    REQUIRE_THROWS_WITH(loadModel(write("future.rwm", future)), Catch::Contains("format version 9"));
    REQUIRE_THROWS_AS(loadModel(write("empty.rwm", "")), ModelFileError);
}
