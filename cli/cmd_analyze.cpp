#include "analysis/analyze_report.h"
#include "analysis/input_map.h"
#include "analysis/neuron_table.h"
#include "analysis/topology_evolution.h"
#include "graph/atomic_file.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "run/run_folder.h"
#include "graph/model_io.h"

#include <charconv>
#include <chrono>
#include <unistd.h>
#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <memory>

namespace rewire::cli {

int runAnalyze(int argc, char** argv)
{
    const Args args = parseArgs(argc, argv, 2, {"out", "seed", "powerlaw-precision"}, {"help"});
    if (args.flag("help")) {
        std::puts("usage: rewire analyze MODEL.rwm|RUN_DIR --out DIR\n"
                  "  writes layers.csv, neurons.csv, degree_distribution.csv, features.csv, input_map.csv and\n"
                  "  input_map_{degree,strength}.png and powerlaw.csv for the model (a run folder's model.rwm)\n"
                  "  --seed S                 seed of the power-law bootstrap                  [1]\n"
                  "  --powerlaw-precision P   p-value precision: ceil(0.25/P^2) bootstrap fits [0.1]\n"
                  "                           (0 skips the p-value; 0.01, 2,500 fits, at the finest)");
        return 0;
    }
    if (args.positional.size() != 1)
        throw UsageError("expected one model file or run folder, got " + std::to_string(args.positional.size()) +
                         " arguments");
    namespace fs = std::filesystem;
    const fs::path model = modelPath(args.positional[0]);
    const fs::path runDir = fs::is_directory(args.positional[0]) ? fs::path(args.positional[0]) : fs::path();
    AnalysisOptions options;
    // from_chars: whole text, no locale, no hex; the flag and the text in every message.
    if (const std::string* s = args.option("seed")) {
        const auto r = std::from_chars(s->data(), s->data() + s->size(), options.seed);
        if (r.ec != std::errc() || r.ptr != s->data() + s->size())
            throw UsageError("--seed " + *s + ": expected an integer from 0 to 2^64-1");
    }
    if (const std::string* p = args.option("powerlaw-precision")) {
        const auto r = std::from_chars(p->data(), p->data() + p->size(), options.powerLawPrecision);
        if (r.ec != std::errc() || r.ptr != p->data() + p->size())
            throw UsageError("--powerlaw-precision " + *p + ": expected a number");
        // igraph draws ceil(0.25 / precision^2) bootstrap samples per fit, with no way to stop it:
        // 1e-6 would be 2.5e11 samples per fit, years of work. 0.01 is 2,500.
        if (!(options.powerLawPrecision == 0 || (options.powerLawPrecision >= 0.01 && options.powerLawPrecision < 1)))
            throw UsageError("--powerlaw-precision " + *p +
                             ": expected 0 (no p-values) or a value in [0.01, 1): 0.25 / precision^2 bootstrap "
                             "samples per fit, at most 2,500");
    }
    // Power-law p-values take a while (0.25 / precision^2 bootstrap samples per fit): on a
    // terminal, a line says which fit runs and how many are done.
    if (options.powerLawPrecision > 0 && ::isatty(2))
        options.progress = [](int done, int total, const std::string& what) {
            if (done < total)
                std::fprintf(stderr, "\r  power-law fits %d/%d: %s (bootstrap p-values)   ", done, total, what.c_str());
            else
                std::fprintf(stderr, "\r%78s\r", "");
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
        quick.powerLawPrecision = 0;
        std::string table = topologyCsvHeader();
        std::unique_ptr<NetworkGraph> previous;
        for (const auto& [epoch, p] : snaps) {
            const std::string stem = p.stem().string(); // epoch_NNNN
            NetworkGraph snap = loadModel(p);
            writeAnalysis(snap, out / "snapshots" / stem, quick);
            for (const TopologyRow& r : topologyRows(epoch, snap, previous.get()))
                table += topologyCsvRow(r);
            previous = std::make_unique<NetworkGraph>(std::move(snap));
        }
        writeTextFileAtomic(out / "turnover.csv", table);
        std::printf("analysed %zu snapshots into %s/snapshots/, turnover table %s/turnover.csv\n", snaps.size(),
                    out.string().c_str(), out.string().c_str());
    }
    return 0;
}

} // namespace rewire::cli
