// rewire compare end to end: run folders, summary.csv, the table, the plot, continuing, refusing.

#include "cli_helpers.h"
#include "core/init.h"
#include "graph/network_graph.h"
#include "helpers.h"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace rewire;
using namespace rewire::test;
namespace fs = std::filesystem;

TEST_CASE("rewire compare runs every method and seed, summarises, plots and continues", "[cli][compare]")
{
    const auto dir = tempDir("cli-compare");
    const std::string cmp = (dir / "cmp").string();
    // kTiny without its --quiet: compare's progress lines are checked below.
    const std::string common = "--dataset synthetic:madelon:samples=400,features=20,informative=5,redundant=3,classes=3 "
                               "--arch 20-40-30-3 --epsilon 5 --epochs 4 --batch 32 --lr 0.05 --seed 7 ";
    const Result r = run("compare --methods set,accset --seeds 2 " + common + "--out " + cmp);
    INFO(r.output);
    REQUIRE(r.code == 0);
    for (const char* run : {"set-seed7", "set-seed8", "accset-seed7", "accset-seed8"})
        REQUIRE(fs::exists(dir / "cmp" / "runs" / run / "model.rwm"));
    const auto lines = splitLines(readFile(dir / "cmp" / "summary.csv"));
    REQUIRE(lines.size() == 5);
    CHECK(lines[0] == "method,seed,epochs,final_test_accuracy,best_test_accuracy,final_test_loss,connections,alpha,beta,"
                      "weight_updates,train_flops,seconds,params");
    // Each row agrees with its run folder's last metrics row.
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const auto cells = splitCells(lines[i]);
        REQUIRE(cells.size() == 13);
        const auto metrics = splitLines(readFile(dir / "cmp" / "runs" / (cells[0] + "-seed" + cells[1]) / "metrics.csv"));
        const auto head = splitCells(metrics.front()), last = splitCells(metrics.back());
        auto col = [&](const std::string& name) {
            return last[static_cast<std::size_t>(std::find(head.begin(), head.end(), name) - head.begin())];
        };
        CHECK(cells[2] == "4");
        CHECK(cells[3] == col("test_accuracy"));
        CHECK(cells[6] == col("connections"));
        CHECK(std::stod(cells[4]) >= std::stod(cells[3]));
        CHECK(cells[9] == col("weight_updates")); // the cost of the whole run
        CHECK(std::stod(cells[10]) == Approx(std::stod(col("train_flops"))).epsilon(1e-6));
        CHECK(std::stod(cells[10]) > 0.0);
        CHECK(cells[12].find("zeta=0.3") != std::string::npos);
        if (cells[0] == "accset")
            CHECK(cells[12].find("accset-k=0") != std::string::npos);
    }
    // AccSET ends with fewer connections than SET (θ < 1 once the accuracy is above 0).
    CHECK(std::stoll(splitCells(lines[2])[6]) < std::stoll(splitCells(lines[1])[6]));
    CHECK(r.output.find("\nset             2      ") != std::string::npos); // the table: method, seeds
    CHECK(r.output.find(" ± ") != std::string::npos);
    const std::string png = readFile(dir / "cmp" / "compare.png");
    REQUIRE(png.size() > 1000);
    CHECK(png.substr(1, 3) == "PNG");

    // The same request again: every run is kept, nothing is trained.
    const Result again = run("compare --methods set,accset --seeds 2 " + common + "--out " + cmp);
    INFO(again.output);
    REQUIRE(again.code == 0);
    CHECK(again.output.find("done before") != std::string::npos);
    CHECK(readFile(dir / "cmp" / "summary.csv") == readFile(dir / "cmp" / "summary.csv"));
    // A different request into the same folder is refused, naming it.
    const Result other = run("compare --methods set --seeds 2 " + common + "--out " + cmp);
    CHECK(other.code == 2);
    CHECK(other.output.find("holds a different comparison") != std::string::npos);
    // Mistakes are named.
    CHECK(run("compare --methods set,sett " + common + "--out " + (dir / "x").string()).output.find("--method sett: unknown") !=
          std::string::npos);
    CHECK(run("compare --seeds 0 " + common + "--out " + (dir / "y").string()).output.find("--seeds 0") != std::string::npos);
    CHECK(run("compare --method set " + common).output.find("unknown option --method") != std::string::npos);
}

TEST_CASE("rewire compare runs seed 004's dense baselines at a given density", "[cli][compare]")
{
    const auto dir = tempDir("cli-compare-baselines");
    const std::string common = "--dataset synthetic:madelon:samples=300,features=20,informative=5,redundant=3,classes=3 "
                               "--arch 20-40-30-3 --epochs 2 --batch 32 --lr 0.05 --seed 3 --quiet ";
    const Result r = run("compare --methods rigl,dense,dense-params --seeds 1 --density 0.25 " + common + "--out " +
                         (dir / "cmp").string());
    INFO(r.output);
    REQUIRE(r.code == 0);
    const Json sparse = Json::parse(readFile(dir / "cmp" / "runs" / "rigl-seed3" / "config.json"));
    const Json params = Json::parse(readFile(dir / "cmp" / "runs" / "dense-params-seed3" / "config.json"));
    const Json dense = Json::parse(readFile(dir / "cmp" / "runs" / "dense-seed3" / "config.json"));
    const double eps = sparse.find("epsilon")->asNumber();
    // The smallest ε whose network reaches the density (edge counts are whole: 523 of 2,090).
    CHECK(erdosRenyiDensity({20, 40, 30, 3}, eps) >= 0.25);
    CHECK(erdosRenyiDensity({20, 40, 30, 3}, eps * (1 - 1e-6)) < 0.25);
    CHECK(dense.find("arch")->asString() == "20-40-30-3");
    CHECK(params.find("method")->asString() == "dense");
    const std::string arch = params.find("arch")->asString();
    // 523 edges + 73 biases = 596 parameters; width 15 has 20·15 + 15·15 + 15·3 + 33 = 603 (14: 549).
    CHECK(arch == "20-15-15-3");
    // --density and --epsilon together are refused.
    const Result both = run("compare --methods set --density 0.1 --epsilon 3 " + common + "--out " + (dir / "x").string());
    CHECK(both.code == 2);
    CHECK(both.output.find("--density and --epsilon") != std::string::npos);
    const Result zero = run("compare --methods set --density 0 " + common + "--out " + (dir / "y").string());
    CHECK(zero.code == 2);
    CHECK(zero.output.find("--density 0: must be in (0, 1]") != std::string::npos);
    const Result badArch = run("compare --methods set --density 0.1 --arch 20-x-3 --dataset synthetic:madelon:features=20 "
                               "--out " + (dir / "z").string());
    CHECK(badArch.code == 2);
    CHECK(badArch.output.find("--arch") != std::string::npos);
}
