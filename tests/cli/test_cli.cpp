// `rewire` end to end: the binary is run as a user would, on a tiny synthetic dataset.

#include "analysis/topology_evolution.h"
#include "run/run_folder.h"
#include "graph/json.h"
#include "graph/model_io.h"
#include "cli/cli_helpers.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>

using namespace rewire;
using namespace rewire::test;
namespace fs = std::filesystem;


TEST_CASE("rewire train writes a complete run folder", "[cli]")
{
    const auto dir = tempDir("cli-train");
    const Result r = run("train " + kTiny + " --out " + (dir / "run").string());
    INFO(r.output);
    REQUIRE(r.code == 0);
    for (const char* f : {"config.json", "metrics.csv", "model.rwm", "summary.json"})
        REQUIRE(fs::exists(dir / "run" / f));
    const std::string metrics = readFile(dir / "run" / "metrics.csv");
    REQUIRE(metrics.rfind("epoch,train_loss,train_accuracy,test_loss,test_accuracy,connections,connections_l0,"
                          "connections_l1,connections_l2,pruned,regrown,alpha,beta,loss_before_step,loss_after_step,"
                          "weight_updates,train_flops,epoch_seconds,evolution_seconds,eval_seconds,measure_seconds\n",
                          0) == 0);
    REQUIRE(std::count(metrics.begin(), metrics.end(), '\n') == 4);
    {
        // Seed 002's efficiency columns: SET keeps the count, so α = accuracy / connections and
        // β = loss × connections of the same row.
        const auto lines = splitLines(metrics);
        const auto head = splitCells(lines.front()), last = splitCells(lines.back());
        auto cell = [&](const std::string& name) {
            const auto at = std::find(head.begin(), head.end(), name) - head.begin();
            REQUIRE(at < static_cast<std::ptrdiff_t>(last.size()));
            return std::stod(last[static_cast<std::size_t>(at)]);
        };
        const double c = cell("connections");
        REQUIRE(c > 0);
        CHECK(cell("alpha") == Approx(cell("test_accuracy") / c).epsilon(1e-5));
        CHECK(cell("beta") == Approx(cell("test_loss") * c).epsilon(1e-5));
    }
    const NetworkGraph g = loadModel(dir / "run" / "model.rwm");
    REQUIRE(formatArchitecture(g.architecture()) == "20-40-30-3");
    REQUIRE(readFile(dir / "run" / "summary.json").find("\"status\": \"completed\"") != std::string::npos);

    // The resolved config trains again through --config.
    const Result again = run("train --config " + (dir / "run" / "config.json").string() + " --quiet --out " +
                             (dir / "again").string());
    INFO(again.output);
    REQUIRE(again.code == 0);
    REQUIRE(metricsWithoutTimes(dir / "run" / "metrics.csv") == metricsWithoutTimes(dir / "again" / "metrics.csv"));

    const Result info = run("info " + (dir / "run" / "model.rwm").string());
    REQUIRE(info.code == 0);
    REQUIRE(info.output.find("architecture  20-40-30-3") != std::string::npos);
    REQUIRE(info.output.find("density") != std::string::npos);

    // A second run into the same folder is refused without --force.
    const Result clash = run("train " + kTiny + " --out " + (dir / "run").string());
    REQUIRE(clash.code == 2);
    REQUIRE(clash.output.find("already holds a run") != std::string::npos);
}

TEST_CASE("rewire train reports a validation split and lists datasets", "[cli]")
{
    const auto dir = tempDir("cli-val");
    const Result r = run("train " + kTiny + " --validation 0.25 --out " + (dir / "run").string());
    INFO(r.output);
    REQUIRE(r.code == 0);
    const std::string metrics = readFile(dir / "run" / "metrics.csv");
    REQUIRE(metrics.rfind("epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,test_loss,", 0) == 0);
    REQUIRE(readFile(dir / "run" / "config.json").find("\"validation\": 0.25") != std::string::npos);
    const Result bad = run("train " + kTiny + " --validation 1.5 --out " + (dir / "bad").string());
    REQUIRE(bad.code == 2);
    REQUIRE(bad.output.find("--validation 1.5: must be in [0, 1)") != std::string::npos);
    const Result list = run("datasets");
    REQUIRE(list.code == 0);
    REQUIRE(list.output.find("synthetic:spirals") != std::string::npos);
    REQUIRE(list.output.find("libsvm:FILE") != std::string::npos);
}

TEST_CASE("snapshots during training and rewire analyze of the run folder", "[cli][analysis]")
{
    const auto dir = tempDir("cli-snap");
    const Result r = run("train " + kTiny + " --epochs 4 --snapshot-every 2 --out " + (dir / "run").string());
    INFO(r.output);
    REQUIRE(r.code == 0);
    for (const char* f : {"epoch_0000.rwm", "epoch_0002.rwm", "epoch_0004.rwm"})
        REQUIRE(fs::exists(dir / "run" / "snapshots" / f));
    const std::string topo = readFile(dir / "run" / "topology.csv");
    REQUIRE(std::count(topo.begin(), topo.end(), '\n') == 1 + 3 * 3); // header + 3 snapshots x 3 layers
    // The exploration rate: at epoch 0 the density itself; SET's regrowth then explores more.
    REQUIRE(topo.find(",turnover,added,removed,explored,exploration_rate,exploration_rel_error\n") != std::string::npos);
    {
        std::vector<TopologyRow> rows(2);
        rows[0].epoch = 0;
        rows[1].epoch = 4;
        applyExploration(readExplorationTable(topo, "topology.csv"), rows);
        REQUIRE(rows[0].hasExploration);
        REQUIRE(rows[0].explorationError == 0); // 20 x 40 positions: an exact count
        const NetworkGraph first = loadModel(dir / "run" / "snapshots" / "epoch_0000.rwm");
        REQUIRE(rows[0].explored == static_cast<double>(first.layer(0).edgeCount()));
        REQUIRE(rows[0].explorationRate == Approx(first.layer(0).density()).epsilon(1e-5));
        REQUIRE(rows[1].explored > rows[0].explored);
        const Json summary = Json::parse(readFile(dir / "run" / "summary.json"), "summary.json");
        REQUIRE(summary.find("exploration_rate")->asNumber() > 0);
        REQUIRE(summary.find("exploration_rate_per_layer")->asArray().size() == 3);
        REQUIRE(summary.find("exploration_rate_per_layer")->asArray()[2].asNumber() == 1.0); // 30 -> 3 is dense
    }
    const Result a = run("analyze " + (dir / "run").string() + " --out " + (dir / "an").string() + " --plots");
    INFO(a.output);
    REQUIRE(a.code == 0);
    // --plots: the pictures are PNGs of the stated size class (3 panels side by side at most).
    for (const char* f : {"degree_ccdf.png", "turnover.png", "input_map_sheet.png"}) {
        const std::string png = readFile(dir / "an" / f);
        REQUIRE(png.rfind("\x89PNG\r\n\x1a\n", 0) == 0);
        REQUIRE(png.size() > 5000);
    }
    REQUIRE(a.output.find("plots: " + (dir / "an" / "degree_ccdf.png").string()) != std::string::npos);
    REQUIRE(a.output.find("exploration rate at epoch 4 (share of positions ever active): layer 0 ") != std::string::npos);
    // A model (no snapshots) cannot be drawn over time: one usage error, nothing written.
    const Result noSnaps = run("analyze " + (dir / "run" / "model.rwm").string() + " --plots --out " + (dir / "an3").string());
    REQUIRE(noSnaps.code == 2);
    REQUIRE(noSnaps.output.find("--plots draws a run's snapshots") != std::string::npos);
    REQUIRE(!fs::exists(dir / "an3"));
    for (const char* f : {"layers.csv", "neurons.csv", "degree_distribution.csv", "powerlaw.csv", "turnover.csv",
                          "snapshots/epoch_0002/neurons.csv"})
        REQUIRE(fs::exists(dir / "an" / f));
    REQUIRE(readFile(dir / "an" / "turnover.csv") == topo);
    // neurons.csv has one row per neuron: 20 + 40 + 30 + 3.
    const std::string neurons = readFile(dir / "an" / "neurons.csv");
    REQUIRE(std::count(neurons.begin(), neurons.end(), '\n') == 1 + 93);
    const Result d = run("distance " + (dir / "run").string() + " " + (dir / "run" / "snapshots" / "epoch_0000.rwm").string() + " --csv");
    INFO(d.output);
    REQUIRE(d.code == 0);
    REQUIRE(d.output.rfind("layer,nnstd,gap\n0,", 0) == 0);
    REQUIRE(d.output.find(",0\nmean,") != std::string::npos); // exact: no gap
    REQUIRE(d.output.find("mean,0.") != std::string::npos);
    REQUIRE(d.output.find("\nhidden_mean,0.") != std::string::npos);
    const Result ranged = run("distance " + (dir / "run").string() + " " + (dir / "run" / "snapshots" / "epoch_0000.rwm").string() +
                              " --csv --tie-breaks 2 --outputs index");
    INFO(ranged.output);
    REQUIRE(ranged.code == 0);
    REQUIRE(ranged.output.rfind("layer,nnstd,min,max,gap\n0,", 0) == 0);
    // The auction on the same pair: its layer 0 is at most its stated gap above the exact one.
    const Result auction = run("distance " + (dir / "run").string() + " " + (dir / "run" / "snapshots" / "epoch_0000.rwm").string() +
                               " --csv --solver auction --epsilon 1e-6 --threads 3");
    INFO(auction.output);
    REQUIRE(auction.code == 0);
    const auto layer0 = [](const std::string& out) {
        const std::size_t at = out.find("\n0,") + 3;
        const std::size_t comma = out.find(',', at);
        return std::pair{std::stod(out.substr(at, comma - at)), std::stod(out.substr(comma + 1, out.find('\n', comma) - comma - 1))};
    };
    const auto [exact0, exactGap] = layer0(d.output);
    const auto [auction0, auctionGap] = layer0(auction.output);
    REQUIRE(exactGap == 0.0);
    REQUIRE(auctionGap >= 0.0);
    REQUIRE(auctionGap < 3e-6); // (n + m) ε / n, n = m
    REQUIRE(auction0 >= exact0 - 1e-6);
    REQUIRE(auction0 <= exact0 + auctionGap + 1e-6);
    // The auction over groups: the same bound.
    const Result grouped = run("distance " + (dir / "run").string() + " " + (dir / "run" / "snapshots" / "epoch_0000.rwm").string() +
                               " --csv --solver grouped --epsilon 1e-6");
    INFO(grouped.output);
    REQUIRE(grouped.code == 0);
    const auto [grouped0, groupedGap] = layer0(grouped.output);
    REQUIRE(groupedGap >= 0.0);
    REQUIRE(groupedGap < 3e-6);
    REQUIRE(grouped0 >= exact0 - 1e-6);
    REQUIRE(grouped0 <= exact0 + groupedGap + 1e-6);
    const Result badSolver = run("distance " + (dir / "run").string() + " " + (dir / "run").string() + " --solver fast");
    REQUIRE(badSolver.code != 0);
    REQUIRE(badSolver.output.find("--solver fast: expected auto, exact, auction or grouped") != std::string::npos);
    // On one thread: the same figures.
    const Result oneThread = run("distance " + (dir / "run").string() + " " + (dir / "run" / "snapshots" / "epoch_0000.rwm").string() +
                                 " --csv --solver auction --epsilon 1e-6 --threads 1");
    REQUIRE(oneThread.code == 0);
    REQUIRE(oneThread.output == auction.output);
    const Result badThreads = run("distance " + (dir / "run").string() + " " + (dir / "run").string() + " --threads -2");
    REQUIRE(badThreads.code != 0);
    REQUIRE(badThreads.output.find("--threads -2: expected an integer from 0 to 1024") != std::string::npos);
    const Result badEpsilon = run("distance " + (dir / "run").string() + " " + (dir / "run").string() + " --epsilon 0.5");
    REQUIRE(badEpsilon.code != 0);
    REQUIRE(badEpsilon.output.find("--epsilon 0.5: expected a number from 1e-12 to 0.01") != std::string::npos);
    const Result badStart = run("distance " + (dir / "run").string() + " " + (dir / "run").string() + " --start-epsilon 0");
    REQUIRE(badStart.code != 0);
    REQUIRE(badStart.output.find("--start-epsilon 0: expected a number from 1e-12 to 0.1") != std::string::npos);
    // Phases from a coarser first step: the same bound on layer 0, another bidding order.
    const Result coarseStart = run("distance " + (dir / "run").string() + " " + (dir / "run" / "snapshots" / "epoch_0000.rwm").string() +
                                   " --csv --solver auction --epsilon 1e-6 --start-epsilon 0.01");
    INFO(coarseStart.output);
    REQUIRE(coarseStart.code == 0);
    const auto [coarse0, coarseGap] = layer0(coarseStart.output);
    REQUIRE(coarseGap < 3e-6);
    REQUIRE(coarse0 >= exact0 - 1e-6);
    REQUIRE(coarse0 <= exact0 + coarseGap + 1e-6);
    const Result badOutputs = run("distance " + (dir / "run").string() + " " + (dir / "run").string() + " --outputs classes");
    REQUIRE(badOutputs.code != 0);
    REQUIRE(badOutputs.output.find("--outputs classes: expected assign or index") != std::string::npos);
    const Result same = run("distance " + (dir / "run").string() + " " + (dir / "run").string() + " --csv");
    REQUIRE(same.output.find("mean,0.000000") != std::string::npos);
    const Result bad = run("analyze " + (dir / "nothing").string());
    REQUIRE(bad.code == 1);
    REQUIRE(bad.output.find("cannot open model file") != std::string::npos);
    // Options of analyze: one usage error naming the flag and the value, before any work (1e-6
    // ran for years: 2.5e11 bootstrap samples per fit; std::stod's own text reached the user).
    const std::vector<std::pair<std::string, std::string>> badFlags{
        {"--powerlaw-precision 1e-6", "--powerlaw-precision 1e-6: expected 0 (no p-values) or a value in [0.01, 1)"},
        {"--powerlaw-precision 0x1p-3", "--powerlaw-precision 0x1p-3: expected a number"},
        {"--powerlaw-precision 1", "--powerlaw-precision 1: expected 0"},
        {"--seed -1", "--seed -1: expected an integer from 0 to 2^64-1"},
        {"--seed 12abc", "--seed 12abc: expected an integer"},
        {"--bootstrap -1", "--bootstrap -1: expected an integer from 0 to 100000"},
        {"--bootstrap 1e3", "--bootstrap 1e3: expected an integer from 0 to 100000"},
        {"--min-tail 1", "--min-tail 1: expected an integer from 2 to"},
        {"--threads x", "--threads x: expected an integer from 0 to 1024"},
        {"--bootstrap 10 --powerlaw-precision 0.1", "--powerlaw-precision and --bootstrap set the same thing"}};
    for (const auto& [flags, message] : badFlags) {
        const Result u = run("analyze " + (dir / "run").string() + " " + flags + " --out " + (dir / "an2").string());
        INFO(u.output);
        REQUIRE(u.code == 2);
        REQUIRE(u.output.find(message) != std::string::npos);
        REQUIRE(!fs::exists(dir / "an2"));
    }
}

TEST_CASE("same seed: identical metrics.csv and model, whatever the threads", "[cli][determinism]")
{
    const auto dir = tempDir("cli-det");
    REQUIRE(run("train " + kTiny + " --threads 2 --out " + (dir / "a").string()).code == 0);
    REQUIRE(run("train " + kTiny + " --threads 2 --out " + (dir / "b").string()).code == 0);
    const auto a = metricsWithoutTimes(dir / "a" / "metrics.csv");
    REQUIRE(a.size() == 4);
    REQUIRE(a == metricsWithoutTimes(dir / "b" / "metrics.csv"));
    REQUIRE(readFile(dir / "a" / "model.rwm") == readFile(dir / "b" / "model.rwm"));
    // auto (the default) takes the free cores, 1 or 2 here; 1 and 3 threads give the same bits.
    const auto viaAuto = run("train " + kTiny + " --out " + (dir / "auto").string());
    REQUIRE(viaAuto.code == 0);
    REQUIRE(readFile(dir / "auto" / "config.json").find("\"threads\": \"auto\"") != std::string::npos);
    REQUIRE(readFile(dir / "auto" / "summary.json").find("\"threads\": ") != std::string::npos);
    for (const char* t : {"1", "3"}) {
        const std::string sub = std::string("t") + t;
        REQUIRE(run("train " + kTiny + " --threads " + t + " --out " + (dir / sub).string()).code == 0);
        REQUIRE(a == metricsWithoutTimes(dir / sub / "metrics.csv"));
        REQUIRE(readFile(dir / "a" / "model.rwm") == readFile(dir / sub / "model.rwm"));
    }
    REQUIRE(a == metricsWithoutTimes(dir / "auto" / "metrics.csv"));
    REQUIRE(run("train " + kTiny + " --seed 8 --out " + (dir / "c").string()).code == 0);
    REQUIRE(a != metricsWithoutTimes(dir / "c" / "metrics.csv"));
}

TEST_CASE("bad flags end with one clear error and write nothing", "[cli][errors]")
{
    const auto dir = tempDir("cli-bad");
    struct Bad {
        std::string flags, message;
        int code;
    };
    const std::vector<Bad> cases{
        {"--epsilon -1", "--epsilon -1: must be > 0", 2},
        {"--zeta 1.5", "--zeta 1.5: must be in [0, 1)", 2},
        {"--arch 784-100-10", "--arch 784-100-10: input size 784 does not match the 20 features", 2},
        {"--epochs 0", "--epochs 0: must be >= 1", 2},
        {"--lr abc", "--lr abc: expected a number", 2},
        {"--activation swish", "--activation swish: unknown", 2},
        {"--method sparse-momentum", "--method sparse-momentum: unknown", 2},
        {"--frobnicate 3", "unknown option --frobnicate", 2},
        {"--threads 0", "--threads 0: expected auto or a count from 1 to 1024", 2},
        {"--threads many", "--threads many: expected an integer", 2},
        // ~470 GB by the estimate: refused before anything is allocated (CI has 24 GiB).
        {"--arch 20-200000000-3 --method dense", "--arch 20-200000000-3: the dense run needs about", 2},
        // Sparse, but 200M neurons x 128 batch columns of activations and deltas (~190 GiB).
        {"--arch 20-100000000-100000000-3 --epsilon 1", "rewire train --dry-run shows every part", 2},
        {"--dataset csv:/no/such/file.csv", "/no/such/file.csv: file not found", 1},
        {"--config /no/such.json", "--config /no/such.json: no such file", 2},
        // Reading a directory as a file raised the C++ library's own "basic_filebuf::underflow".
        {"--config /tmp", "--config /tmp: is a directory, expected a file", 2},
        {"--dataset npy:/tmp,/tmp", "/tmp: is a directory, expected a file", 1},
        {"--dataset npz:/tmp", "/tmp: is a directory, expected a file", 1},
        {"--checkpoint-every -3", "--checkpoint-every -3: expected auto, 0 (no checkpoints) or a number of epochs >= 1", 2},
        {"--checkpoint-every often", "--checkpoint-every often: expected an integer", 2},
        {"--dataset synthetic:xor:samples=1e300", "samples=1e300: expected a whole number from 1 to", 2},
    };
    for (const auto& c : cases) {
        // Flags after kTiny override its values.
        const Result r = run("train " + kTiny + " " + c.flags + " --out " + (dir / "x").string());
        INFO(c.flags << " -> " << r.output);
        REQUIRE(r.code == c.code);
        REQUIRE(r.output.find(c.message) != std::string::npos);
        REQUIRE(std::count(r.output.begin(), r.output.end(), '\n') == 1); // one line
        REQUIRE_FALSE(fs::exists(dir / "x"));
    }
    const Result info = run("info " + (dir / "missing.rwm").string());
    REQUIRE(info.code == 1);
    REQUIRE(info.output.find("missing.rwm: cannot open model file") != std::string::npos);
}

TEST_CASE("train --dry-run prints the memory per part and whether it fits, and writes nothing", "[cli]")
{
    const auto dir = tempDir("cli-dry-run");
    const Result fits = run("train " + kTiny + " --dry-run --out " + (dir / "x").string());
    INFO(fits.output);
    REQUIRE(fits.code == 0);
    for (const char* part : {"edges", "optimiser state", "activations", "data", "topology step", "peak", "fits"})
        REQUIRE(fits.output.find(part) != std::string::npos);
    REQUIRE_FALSE(fs::exists(dir / "x"));
    const Result huge = run("train " + kTiny + " --arch 20-100000000-100000000-3 --epsilon 1 --dry-run");
    INFO(huge.output);
    REQUIRE(huge.code == 1);
    REQUIRE(huge.output.find("does not fit") != std::string::npos);
    // The data's shape is known, so a mismatched input layer is an error, not a plan.
    const Result mismatch = run("train " + kTiny + " --arch 7-5-3 --dry-run");
    REQUIRE(mismatch.code == 2);
    REQUIRE(mismatch.output.find("--arch 7-5-3: input size 7 does not match the 20 features") != std::string::npos);
}

TEST_CASE("hostile --config files end in one clear error, nothing written", "[cli][errors]")
{
    const auto dir = tempDir("cli-config");
    const auto write = [&](const std::string& name, const std::string& text) {
        std::ofstream(dir / name) << text;
        return (dir / name).string();
    };
    struct Bad {
        std::string file, message;
    };
    const std::vector<Bad> cases{
        // 50,000 levels: a stack overflow (SIGSEGV) with the old recursive parser.
        {write("deep.json", std::string(50000, '[')), "deep.json: nested deeper than 256 levels"},
        {write("hex.json", R"({"lr": 0x10})"), "hex.json:1:9: syntax error"},
        {write("zeros.json", R"({"epochs": 007})"), "zeros.json:1:"},
        {write("dup.json", R"({"lr": 0.1, "lr": 0.2})"), "dup.json: duplicate key \"lr\""},
    };
    for (const Bad& b : cases) {
        const auto r = run("train " + kTiny + " --config " + b.file + " --out " + (dir / "run").string());
        INFO(r.output);
        REQUIRE(r.code == 2);
        REQUIRE(r.output.find(b.message) != std::string::npos);
        REQUIRE(!std::filesystem::exists(dir / "run"));
    }
}

TEST_CASE("nothing of the user's is overwritten: --out, --force and export -o", "[cli][files]")
{
    const auto dir = tempDir("cli-files");
    // A folder with the user's own files is not a run folder: refused, even with --force.
    fs::create_directories(dir / "mine");
    std::ofstream(dir / "mine" / "notes.txt") << "keep me";
    for (const char* force : {"", " --force"}) {
        const Result r = run("train " + kTiny + " --out " + (dir / "mine").string() + force);
        INFO(r.output);
        REQUIRE(r.code == 2);
        REQUIRE(r.output.find("is not a Rewire run folder") != std::string::npos);
    }
    REQUIRE(readFile(dir / "mine" / "notes.txt") == "keep me");
    REQUIRE(!fs::exists(dir / "mine" / "metrics.csv"));

    // --force replaces a run, and none of the old run's files survive it.
    REQUIRE(run("train " + kTiny + " --epochs 4 --snapshot-every 1 --out " + (dir / "run").string()).code == 0);
    REQUIRE(fs::exists(dir / "run" / "snapshots" / "epoch_0004.rwm"));
    std::ofstream(dir / "run" / "metrics.csv.tmp-999") << "orphan";
    std::ofstream(dir / "run" / "readme.txt") << "the user's";
    const Result again = run("train " + kTiny + " --epochs 2 --out " + (dir / "run").string() + " --force");
    INFO(again.output);
    REQUIRE(again.code == 0);
    REQUIRE(!fs::exists(dir / "run" / "snapshots"));
    REQUIRE(!fs::exists(dir / "run" / "topology.csv"));
    REQUIRE(!fs::exists(dir / "run" / "topology_degrees.csv"));
    REQUIRE(!fs::exists(dir / "run" / "metrics.csv.tmp-999"));
    REQUIRE(readFile(dir / "run" / "readme.txt") == "the user's");
    REQUIRE(metricsWithoutTimes(dir / "run" / "metrics.csv").size() == 1 + 2); // header + 2 epochs

    // export -o never replaces its own input model.
    const fs::path model = dir / "run" / "model.rwm";
    const std::string before = readFile(model);
    const Result self = run("export " + model.string() + " --format edgelist -o " + model.string());
    REQUIRE(self.code == 2);
    REQUIRE(self.output.find("is the input model") != std::string::npos);
    REQUIRE(readFile(model) == before);

    // A symbolic link is followed (the link stays a link); a FIFO is written through (it was
    // replaced by a regular file, which a reader waiting on the FIFO never saw).
    std::ofstream(dir / "target.csv") << "old";
    fs::create_symlink(dir / "target.csv", dir / "link.csv");
    REQUIRE(run("export " + model.string() + " --format edgelist -o " + (dir / "link.csv").string()).code == 0);
    REQUIRE(fs::is_symlink(dir / "link.csv"));
    REQUIRE(readFile(dir / "target.csv").rfind("source,target,layer,weight", 0) == 0);
    const fs::path fifo = dir / "pipe.csv";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    const std::string reader = "sh -c 'cat " + fifo.string() + " > " + (dir / "fromfifo.csv").string() + "' &";
    REQUIRE(std::system(reader.c_str()) == 0);
    const Result viaFifo = run("export " + model.string() + " --format edgelist -o " + fifo.string());
    INFO(viaFifo.output);
    REQUIRE(viaFifo.code == 0);
    REQUIRE(fs::is_fifo(fifo));
    for (int i = 0; i < 200 && readFile(dir / "fromfifo.csv") != readFile(dir / "target.csv"); ++i)
        ::usleep(10000); // the reader may still be writing its copy
    REQUIRE(readFile(dir / "fromfifo.csv") == readFile(dir / "target.csv"));
}

TEST_CASE("a running run says so in summary.json, and SIGHUP stops it like Ctrl-C", "[cli][signals]")
{
    const auto dir = tempDir("cli-hup");
    const fs::path out = dir / "run";
    const std::string start = "sh -c '" + std::string(std::getenv("REWIRE_BIN")) + " train " + kTiny +
                              " --epochs 100000 --out " + out.string() + " >/dev/null 2>&1 & echo $! > " +
                              (dir / "pid").string() + "'";
    REQUIRE(std::system(start.c_str()) == 0);
    const auto waitFor = [](const std::function<bool()>& done) {
        for (int i = 0; i < 3000 && !done(); ++i) // 30 s at most
            ::usleep(10000);
        return done();
    };
    REQUIRE(waitFor([&] { return fs::exists(out / "metrics.csv") && metricsWithoutTimes(out / "metrics.csv").size() >= 3; }));
    const Json running = Json::parse(readFile(out / "summary.json"));
    REQUIRE(running.find("status")->asString() == "running");
    REQUIRE(running.find("epochs_completed")->isNumber()); // refreshed every few seconds
    const pid_t pid = static_cast<pid_t>(std::stol(readFile(dir / "pid")));
    REQUIRE(::kill(pid, SIGHUP) == 0);
    REQUIRE(waitFor([&] { return Json::parse(readFile(out / "summary.json")).find("status")->asString() != "running"; }));
    REQUIRE(waitFor([&] { return ::kill(pid, 0) != 0; })); // exited
    const Json done = Json::parse(readFile(out / "summary.json"));
    REQUIRE(done.find("status")->asString() == "interrupted");
    REQUIRE(fs::exists(out / "model.rwm"));
}

TEST_CASE("a full disk stops the run with one message naming the file", "[cli][files]")
{
    // A 256 KiB tmpfs in a private mount namespace (unshare: no root needed, nothing outside the
    // command sees it); the run writes until it is full.
    const auto dir = tempDir("cli-full");
    fs::create_directories(dir / "disk");
    const std::string cmd = "unshare --user --map-root-user --mount sh -c 'mount -t tmpfs -o size=256k tmpfs " +
                            (dir / "disk").string() + " && " + std::getenv("REWIRE_BIN") + " train " + kTiny +
                            " --epochs 100000 --out " + (dir / "disk" / "run").string() + "; echo \"exit $?\"; cat " +
                            (dir / "disk" / "run" / "metrics.csv").string() + " > " + (dir / "metrics.csv").string() + "'";
    const std::string out = shell(cmd).output;
    INFO(out);
    REQUIRE(out.find("exit 1") != std::string::npos);
    REQUIRE(out.find("rewire train: write error on " + (dir / "disk" / "run").string()) != std::string::npos);
    REQUIRE(out.find("(disk full?)") != std::string::npos);
    // Every row that made it to the disk is whole: a header, then complete epochs in order.
    const auto rows = metricsWithoutTimes(dir / "metrics.csv");
    REQUIRE(rows.size() > 10);
    for (std::size_t i = 1; i < rows.size(); ++i)
        REQUIRE(rows[i].rfind(std::to_string(i) + ",", 0) == 0);
}

TEST_CASE("an empty test split reads n/a, never 0 %", "[cli]")
{
    // Four samples and a 10 % stratified test share leave no test sample.
    const auto dir = tempDir("cli-empty-split");
    const Result r = run("train --dataset synthetic:xor:samples=4 --arch 2-8-2 --test-fraction 0.1 --epochs 2 --out " +
                         (dir / "run").string());
    INFO(r.output);
    REQUIRE(r.code == 0);
    REQUIRE(r.output.find("test loss n/a acc n/a") != std::string::npos);
    REQUIRE(r.output.find("test accuracy n/a (no test samples)") != std::string::npos);
    const std::string metrics = readFile(dir / "run" / "metrics.csv");
    REQUIRE(metrics.find("\n1,") != std::string::npos);
    REQUIRE(metrics.find(",n/a,n/a,") != std::string::npos);
    REQUIRE(metrics.find(",0.000000,0.000000,") == std::string::npos);
    const Json summary = Json::parse(readFile(dir / "run" / "summary.json"));
    REQUIRE(summary.find("final_test_accuracy")->isNull());
    // The run folder still reads back (the app's run browser): n/a is NaN, not an error.
    const auto back = readMetricsCsv(dir / "run" / "metrics.csv");
    REQUIRE(back.size() == 2);
    REQUIRE(std::isnan(back[1].testAccuracy));
    REQUIRE(back[1].trainAccuracy == Approx(0.5));
}
