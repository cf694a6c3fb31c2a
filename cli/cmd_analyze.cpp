#include "analysis/analyze_report.h"
#include "analysis/evolution_plots.h"
#include "analysis/input_map.h"
#include "analysis/neuron_table.h"
#include "analysis/topology_evolution.h"
#include "graph/atomic_file.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "run/run_folder.h"
#include "graph/model_io.h"

#include <cmath>
#include <fmt/format.h>
#include <chrono>
#include <unistd.h>
#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <memory>

namespace rewire::cli {

namespace {

// A share as a percentage with three significant digits, down to the 1e-6 of a 5M x 5M layer.
std::string formatShare(double share)
{
    return fmt::format("{:.3g} %", 100.0 * share);
}

} // namespace

int runAnalyze(int argc, char** argv)
{
    const Args args = parseArgs(argc, argv, 2, {"out", "seed", "powerlaw-precision", "bootstrap", "min-tail", "threads"}, {"help", "plots"});
    if (args.flag("help")) {
        std::puts("usage: rewire analyze MODEL.rwm|RUN_DIR --out DIR\n"
                  "  writes layers.csv, neurons.csv, degree_distribution.csv, features.csv, input_map.csv and\n"
                  "  input_map_{degree,strength}.png and powerlaw.csv for the model (a run folder's model.rwm)\n"
                  "  power laws as Clauset, Shalizi & Newman (2009): exact xmin scan, bootstrap p-value with its\n"
                  "  standard error, likelihood-ratio tests against five alternatives (powerlaw_comparisons.csv)\n"
                  "  --bootstrap B            bootstrap samples per power-law fit (0: no p-value) [1000]\n"
                  "  --powerlaw-precision P   the same as B = ceil(0.25/P^2), P in [0.01, 1)\n"
                  "  --min-tail M             no verdict for tails of fewer values             [50]\n"
                  "  --seed S                 seed of the power-law bootstrap                  [1]\n"
                  "  --threads T              bootstrap threads (0 = every core)               [0]\n"
                  "  --plots                  a run folder with snapshots: degree_ccdf.png (in-degree CCDFs per\n"
                  "                           layer over the snapshots, log-log, fitted tail dashed) and\n"
                  "                           turnover.png (mask turnover over epochs) and input_map_sheet.png\n"
                  "                           (the input map of every snapshot on one colour scale)");
        return 0;
    }
    if (args.positional.size() != 1)
        throw UsageError("expected one model file or run folder, got " + std::to_string(args.positional.size()) +
                         " arguments");
    namespace fs = std::filesystem;
    const fs::path model = modelPath(args.positional[0]);
    const fs::path runDir = fs::is_directory(args.positional[0]) ? fs::path(args.positional[0]) : fs::path();
    if (args.flag("plots") && (runDir.empty() || !fs::is_directory(runDir / "snapshots")))
        throw UsageError("--plots draws a run's snapshots: give a run folder trained with --snapshot-every K (" +
                         args.positional[0] + " has no snapshots/)");
    AnalysisOptions options;
    // parseWhole: whole text, no locale, no hex; the flag and the text in every message.
    if (const std::string* s = args.option("seed"))
        if (!parseWhole(*s, options.seed))
            throw UsageError("--seed " + *s + ": expected an integer from 0 to 2^64-1");
    if (const std::string* p = args.option("powerlaw-precision")) {
        double precision = 0;
        if (!parseWhole(*p, precision))
            throw UsageError("--powerlaw-precision " + *p + ": expected a number");
        // CSN's rule: ceil(0.25 / precision^2) samples; 1e-6 would be 2.5e11 per fit.
        if (!(precision == 0 || (precision >= 0.01 && precision < 1)))
            throw UsageError("--powerlaw-precision " + *p +
                             ": expected 0 (no p-values) or a value in [0.01, 1): 0.25 / precision^2 bootstrap "
                             "samples per fit, at most 2,500");
        if (args.option("bootstrap"))
            throw UsageError("--powerlaw-precision and --bootstrap set the same thing; give one");
        options.bootstrapSamples = precision == 0 ? 0 : static_cast<int>(std::ceil(0.25 / (precision * precision) - 1e-9));
    }
    auto integer = [&](const char* name, long long lo, long long hi, long long& value) {
        if (const std::string* s = args.option(name))
            if (!parseWhole(*s, value) || value < lo || value > hi)
                throw UsageError(fmt::format("--{} {}: expected an integer from {} to {}", name, *s, lo, hi));
    };
    long long bootstrap = options.bootstrapSamples, minTail = options.minTail, threads = 0;
    integer("bootstrap", 0, 100000, bootstrap);
    integer("min-tail", 2, 1000000000, minTail);
    integer("threads", 0, 1024, threads);
    options.bootstrapSamples = static_cast<int>(bootstrap);
    options.minTail = minTail;
    options.threads = static_cast<int>(threads);
    // Power-law p-values take a while: on a terminal, a line says which fit runs and how far its
    // bootstrap is.
    if (options.bootstrapSamples > 0 && ::isatty(2))
        options.progress = [](int done, int total, const std::string& what) {
            if (done < total)
                std::fprintf(stderr, "\r  power-law fits %d/%d: %-60s", done, total, what.c_str());
            else
                std::fprintf(stderr, "\r%100s\r", "");
            std::fflush(stderr);
        };
    const auto t0 = std::chrono::steady_clock::now();
    const NetworkGraph g = loadNetworkOnly(model);
    const fs::path out = args.option("out") ? fs::path(*args.option("out")) : model.parent_path() / "analysis";
    const auto files = writeAnalysis(g, out, options);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    NeuronTable t(g);
    t.run();
    long long dead = 0;
    for (auto d : t.deadPerSet())
        dead += d;
    std::printf("%s: %s, %lld connections, %lld dead hidden neurons; analysed in %.2fs\nwrote %s/{", model.string().c_str(),
                formatArchitecture(g.architecture()).c_str(), static_cast<long long>(g.edgeCount()), dead, secs,
                out.string().c_str());
    for (std::size_t i = 0; i < files.size(); ++i)
        std::printf("%s%s", i ? "," : "", files[i].c_str());
    std::puts("}");
    const auto ranked = rankInputFeatures(g);
    const auto [rows, cols] = inputGrid(g);
    std::printf("top input features by strength:");
    for (std::size_t k = 0; k < std::min<std::size_t>(10, ranked.size()); ++k) {
        if (rows > 1)
            std::printf(" %d(r%d,c%d)", ranked[k].feature, ranked[k].feature / cols, ranked[k].feature % cols);
        else
            std::printf(" %d", ranked[k].feature);
    }
    std::puts("");

    // A run folder: every snapshot (power-law p-values skipped for speed) and the turnover table.
    if (!runDir.empty() && fs::is_directory(runDir / "snapshots")) {
        const std::vector<SnapshotFile> snaps = listSnapshots(runDir);
        AnalysisOptions quick = options;
        quick.bootstrapSamples = 0;
        std::string table = topologyCsvHeader();
        std::unique_ptr<NetworkGraph> previous;
        EvolutionPlots plots;
        // The exploration rate needs the whole training history, which only the run's own
        // topology table has (snapshots hold one topology each).
        ExplorationTable exploration;
        if (fs::is_regular_file(runDir / "topology.csv"))
            exploration = readExplorationTable(readWholeFile(runDir / "topology.csv"), (runDir / "topology.csv").string());
        std::vector<TopologyRow> lastRows;
        for (const auto& [epoch, p] : snaps) {
            const std::string stem = p.stem().string(); // epoch_NNNN
            NetworkGraph snap = loadModel(p);
            writeAnalysis(snap, out / "snapshots" / stem, quick);
            std::vector<TopologyRow> rows = topologyRows(epoch, snap, previous.get());
            applyExploration(exploration, rows);
            for (const TopologyRow& r : rows)
                table += topologyCsvRow(r);
            lastRows = rows;
            if (args.flag("plots"))
                plots.addSnapshot(epoch, snap, rows);
            previous = std::make_unique<NetworkGraph>(std::move(snap));
        }
        writeTextFileAtomic(out / "turnover.csv", table);
        std::printf("analysed %zu snapshots into %s/snapshots/, turnover table %s/turnover.csv\n", snaps.size(),
                    out.string().c_str(), out.string().c_str());
        if (const NetworkExploration x = networkExploration(lastRows, g); x.tracked) {
            std::printf("exploration rate at epoch %d (share of positions ever active):", lastRows.front().epoch);
            for (const TopologyRow& r : lastRows)
                std::printf(" layer %d %s%s", r.layer, formatShare(r.explorationRate).c_str(), r.explorationError > 0 ? "*" : "");
            std::printf("; network %s", formatShare(x.rate).c_str());
            std::puts(x.estimated ? " (* HyperLogLog estimate, ±0.41 %)" : "");
        }
        if (args.flag("plots")) {
            const auto pictures = plots.write(out, g);
            std::printf("plots:");
            for (const auto& f : pictures)
                std::printf(" %s/%s", out.string().c_str(), f.c_str());
            std::puts("");
        }
    }
    return 0;
}

} // namespace rewire::cli
