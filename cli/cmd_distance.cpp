#include "analysis/topology_distance.h"
#include "cli/args.h"
#include "run/run_folder.h"
#include "cli/commands.h"
#include "graph/model_io.h"

#include <chrono>
#include <fmt/format.h>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>

namespace rewire::cli {

int runDistance(int argc, char** argv)
{
    const Args args = parseArgs(argc, argv, 2, {"outputs", "tie-breaks", "seed", "solver", "epsilon", "start-epsilon", "threads"}, {"help", "csv"});
    if (args.flag("help")) {
        std::puts("usage: rewire distance A B [--csv] [--outputs assign|index] [--tie-breaks K] [--seed S]\n"
                  "                         [--solver auto|exact|auction|grouped] [--epsilon E] [--start-epsilon E0]\n"
                  "                         [--threads T]\n"
                  "  NNSTD topology distance (Liu et al. 2020) between two models or run folders of one\n"
                  "  architecture: per layer in [0, 1], the mean over every layer and over the hidden ones\n"
                  "  --outputs assign|index  output neurons assigned like the other layers, as the reference\n"
                  "                          implementation does, or matched by index (classes)  [assign]\n"
                  "  --tie-breaks K          also the smallest and largest values over K seeded random\n"
                  "                          tie-breaks of the assignments, in both directions   [0]\n"
                  "  --seed S                seed of those tie-breaks                             [1]\n"
                  "  --solver auto|exact|auction|grouped  the exact assignment (canonical ties) or an\n"
                  "                          auction, epsilon-optimal and far faster on large layers, over\n"
                  "                          listed pairs or over groups of equal cost (faster on layers\n"
                  "                          of 500k+ neurons whose inputs reach 4-64 neurons of each\n"
                  "                          in-degree); auto: exact when a layer's pairs number at most\n"
                  "                          4M, else the auction that suits the layer                [auto]\n"
                  "  --epsilon E             the auction's final bid step: a layer's distance is at most\n"
                  "                          ~2E above the optimum of its assignment, given the layers\n"
                  "                          before (the bound found is printed)                       [1e-7]\n"
                  "  --start-epsilon E0      its first phase's step; each later phase's is a tenth of the\n"
                  "                          one before, down to E                                    [1e-4]\n"
                  "  --threads T             threads listing the auction's pairs (0: every core); the\n"
                  "                          result is the same for any number                       [0]\n"
                  "  Exact ties are broken canonically, by a rule that does not depend on which network is\n"
                  "  A: d(A, B) = d(B, A). The auction breaks them by its bidding order.");
        return 0;
    }
    if (args.positional.size() != 2)
        throw UsageError("expected two models or run folders, got " + std::to_string(args.positional.size()));
    NnstdOptions options;
    pickChoice(args, "outputs", {{"assign", OutputMatching::Assign}, {"index", OutputMatching::Index}}, options.outputs);
    pickChoice(args, "solver", {{"auto", NnstdSolver::Auto}, {"exact", NnstdSolver::Exact}, {"auction", NnstdSolver::Auction},
                                   {"grouped", NnstdSolver::Grouped}},
               options.solver);
    if (const std::string* k = args.option("tie-breaks"))
        if (!parseWhole(*k, options.tieBreaks) || options.tieBreaks < 0 || options.tieBreaks > 10000)
            throw UsageError("--tie-breaks " + *k + ": expected an integer from 0 to 10000");
    if (const std::string* sd = args.option("seed"))
        if (!parseWhole(*sd, options.seed))
            throw UsageError("--seed " + *sd + ": expected an integer from 0 to 2^64-1");
    if (const std::string* ep = args.option("epsilon"))
        if (!parseWhole(*ep, options.auctionEpsilon) || !(options.auctionEpsilon >= 1e-12 && options.auctionEpsilon <= 1e-2))
            throw UsageError("--epsilon " + *ep + ": expected a number from 1e-12 to 0.01");
    if (const std::string* ep = args.option("start-epsilon"))
        if (!parseWhole(*ep, options.auctionStartEpsilon) ||
            !(options.auctionStartEpsilon >= 1e-12 && options.auctionStartEpsilon <= 1e-1))
            throw UsageError("--start-epsilon " + *ep + ": expected a number from 1e-12 to 0.1");
    if (const std::string* th = args.option("threads"))
        if (!parseWhole(*th, options.threads) || options.threads < 0 || options.threads > 1024)
            throw UsageError("--threads " + *th + ": expected an integer from 0 to 1024");
    // Progress on large layers, on stderr: the result stays on stdout. While the auction solves a
    // layer: a live line on a terminal (at most once a second), otherwise a line a minute; and a
    // line at each of its phases' ends, once the layer has taken 2 s.
    struct Progress {
        bool tty = ::isatty(2) != 0;
        bool live = false; // a live line is showing
        std::chrono::steady_clock::time_point layerStart = std::chrono::steady_clock::now(), lastLine = layerStart;
        void clearLive()
        {
            if (live)
                std::fprintf(stderr, "\r%110s\r", "");
            live = false;
        }
    };
    const auto progress = std::make_shared<Progress>();
    options.onLayer = [progress](const NnstdLayerReport& r) {
        progress->clearLive();
        if (r.seconds < 1.0) {
            progress->layerStart = progress->lastLine = std::chrono::steady_clock::now();
            return;
        }
        const char* plural = r.phases == 1 ? "" : "s";
        const std::string detail =
            !r.auction ? std::string("exact")
            : r.grouped ? fmt::format("auction over groups: {} phase{}, {} bids; at most {:.2g} above the optimum", r.phases,
                                      plural, r.bids, r.gap)
                        : fmt::format("auction: {} phase{}, {} bids, {} listings, {} selections; at most {:.2g} above the optimum",
                                      r.phases, plural, r.bids, r.listings, r.selections, r.gap);
        std::fprintf(stderr, "  layer %d assigned in %.1f s (%s)\n", r.layer, r.seconds, detail.c_str());
        progress->layerStart = progress->lastLine = std::chrono::steady_clock::now();
    };
    options.onAuctionProgress = [progress](int layer, const AuctionProgress& p) {
        const auto now = std::chrono::steady_clock::now();
        const double elapsed = std::chrono::duration<double>(now - progress->layerStart).count(),
                     sinceLine = std::chrono::duration<double>(now - progress->lastLine).count();
        const std::string head = fmt::format("  layer {}: phase {}/{} (epsilon {:.0e})", layer, p.phase, p.phases, p.epsilon);
        if (p.phaseDone) {
            if (elapsed < 2.0)
                return;
            progress->clearLive();
            std::fprintf(stderr, "%s done: %.1fM bids so far, %.0f s\n", head.c_str(), static_cast<double>(p.bids) / 1e6, elapsed);
            progress->lastLine = now;
            return;
        }
        if (sinceLine < (progress->tty ? 1.0 : 60.0))
            return;
        const std::string line = fmt::format("{}: {:.1f}M bids, {} of {} persons unassigned, {:.0f} s", head,
                                             static_cast<double>(p.bids) / 1e6, p.free, p.persons, elapsed);
        if (progress->tty) {
            std::fprintf(stderr, "\r%-110s", line.c_str());
            progress->live = true;
        } else {
            std::fprintf(stderr, "%s\n", line.c_str());
        }
        progress->lastLine = now;
    };
    const auto t0 = std::chrono::steady_clock::now();
    const NetworkGraph a = loadNetworkOnly(modelPath(args.positional[0])),
                       b = loadNetworkOnly(modelPath(args.positional[1]));
    progress->layerStart = progress->lastLine = std::chrono::steady_clock::now();
    TopologyDistance d;
    try {
        d = topologyDistance(a, b, options);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const bool range = options.tieBreaks > 0;
    const std::size_t L = d.perLayer.size();
    if (args.flag("csv")) {
        // gap: how far above the optimum of its assignment a value can be (0: exact); a mean's
        // is the mean of its layers'.
        std::puts(range ? "layer,nnstd,min,max,gap" : "layer,nnstd,gap");
        auto row = [&](const std::string& name, double v, double lo, double hi, double gap) {
            if (range)
                std::printf("%s,%.6f,%.6f,%.6f,%.3g\n", name.c_str(), v, lo, hi, gap);
            else
                std::printf("%s,%.6f,%.3g\n", name.c_str(), v, gap);
        };
        const auto meanGap = [&](std::size_t count) {
            double s = 0;
            for (std::size_t l = 0; l < count; ++l)
                s += d.perLayerGap[l];
            return count ? s / static_cast<double>(count) : 0.0;
        };
        for (std::size_t l = 0; l < L; ++l)
            row(std::to_string(l), d.perLayer[l], d.perLayerMin[l], d.perLayerMax[l], d.perLayerGap[l]);
        row("mean", d.mean, d.meanMin, d.meanMax, meanGap(L));
        if (L > 1)
            row("hidden_mean", d.hiddenMean, d.hiddenMeanMin, d.hiddenMeanMax, meanGap(L - 1));
        return 0;
    }
    std::printf("NNSTD %s vs %s (%s)\n", args.positional[0].c_str(), args.positional[1].c_str(),
                formatArchitecture(a.architecture()).c_str());
    auto rangeText = [&](double lo, double hi) {
        return range ? fmt::format("   [{:.4f}, {:.4f}]", lo, hi) : std::string();
    };
    if (range)
        std::printf("  (ranges: smallest and largest over %d tie-breaks per direction, the canonical one included)\n",
                    d.tieBreaksTried);
    for (std::size_t l = 0; l < L; ++l)
        std::printf("  layer %zu       %.4f%s%s%s\n", l, d.perLayer[l], rangeText(d.perLayerMin[l], d.perLayerMax[l]).c_str(),
                    l + 1 == L ? (options.outputs == OutputMatching::Index ? "  (outputs matched by index)"
                                                                           : "  (outputs assigned)")
                               : "",
                    d.perLayerGap[l] > 0 ? fmt::format("  (auction: at most {:.2g} above the optimum)", d.perLayerGap[l]).c_str()
                                         : "");
    std::printf("  mean          %.4f%s\n", d.mean, rangeText(d.meanMin, d.meanMax).c_str());
    if (L > 1)
        std::printf("  hidden mean   %.4f%s   (layers 0-%zu)\n", d.hiddenMean,
                    rangeText(d.hiddenMeanMin, d.hiddenMeanMax).c_str(), L - 2);
    std::printf("  (%.2fs)\n", secs);
    return 0;
}

} // namespace rewire::cli
