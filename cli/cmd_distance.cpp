#include "analysis/topology_distance.h"
#include "cli/args.h"
#include "run/run_folder.h"
#include "cli/commands.h"
#include "graph/model_io.h"

#include <charconv>
#include <chrono>
#include <fmt/format.h>
#include <cstdio>
#include <filesystem>

namespace rewire::cli {

int runDistance(int argc, char** argv)
{
    const Args args = parseArgs(argc, argv, 2, {"outputs", "tie-breaks", "seed"}, {"help", "csv"});
    if (args.flag("help")) {
        std::puts("usage: rewire distance A B [--csv] [--outputs assign|index] [--tie-breaks K] [--seed S]\n"
                  "  NNSTD topology distance (Liu et al. 2020) between two models or run folders of one\n"
                  "  architecture: per layer in [0, 1], the mean over every layer and over the hidden ones\n"
                  "  --outputs assign|index  output neurons assigned like the other layers, as the reference\n"
                  "                          implementation does, or matched by index (classes)  [assign]\n"
                  "  --tie-breaks K          also the smallest and largest values over K seeded random\n"
                  "                          tie-breaks of the assignments, in both directions   [0]\n"
                  "  --seed S                seed of those tie-breaks                             [1]\n"
                  "  Ties are otherwise broken canonically, by a rule that does not depend on which network\n"
                  "  is A: d(A, B) = d(B, A).");
        return 0;
    }
    if (args.positional.size() != 2)
        throw UsageError("expected two models or run folders, got " + std::to_string(args.positional.size()));
    NnstdOptions options;
    if (const std::string* o = args.option("outputs")) {
        if (*o == "assign")
            options.outputs = OutputMatching::Assign;
        else if (*o == "index")
            options.outputs = OutputMatching::Index;
        else
            throw UsageError("--outputs " + *o + ": expected assign or index");
    }
    if (const std::string* k = args.option("tie-breaks")) {
        const auto r = std::from_chars(k->data(), k->data() + k->size(), options.tieBreaks);
        if (r.ec != std::errc() || r.ptr != k->data() + k->size() || options.tieBreaks < 0 || options.tieBreaks > 10000)
            throw UsageError("--tie-breaks " + *k + ": expected an integer from 0 to 10000");
    }
    if (const std::string* sd = args.option("seed")) {
        const auto r = std::from_chars(sd->data(), sd->data() + sd->size(), options.seed);
        if (r.ec != std::errc() || r.ptr != sd->data() + sd->size())
            throw UsageError("--seed " + *sd + ": expected an integer from 0 to 2^64-1");
    }
    const auto t0 = std::chrono::steady_clock::now();
    const NetworkGraph a = loadNetworkOnly(modelPath(args.positional[0])),
                       b = loadNetworkOnly(modelPath(args.positional[1]));
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
        std::puts(range ? "layer,nnstd,min,max" : "layer,nnstd");
        auto row = [&](const std::string& name, double v, double lo, double hi) {
            if (range)
                std::printf("%s,%.6f,%.6f,%.6f\n", name.c_str(), v, lo, hi);
            else
                std::printf("%s,%.6f\n", name.c_str(), v);
        };
        for (std::size_t l = 0; l < L; ++l)
            row(std::to_string(l), d.perLayer[l], d.perLayerMin[l], d.perLayerMax[l]);
        row("mean", d.mean, d.meanMin, d.meanMax);
        if (L > 1)
            row("hidden_mean", d.hiddenMean, d.hiddenMeanMin, d.hiddenMeanMax);
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
        std::printf("  layer %zu       %.4f%s%s\n", l, d.perLayer[l], rangeText(d.perLayerMin[l], d.perLayerMax[l]).c_str(),
                    l + 1 == L ? (options.outputs == OutputMatching::Index ? "  (outputs matched by index)"
                                                                           : "  (outputs assigned)")
                               : "");
    std::printf("  mean          %.4f%s\n", d.mean, rangeText(d.meanMin, d.meanMax).c_str());
    if (L > 1)
        std::printf("  hidden mean   %.4f%s   (layers 0-%zu)\n", d.hiddenMean,
                    rangeText(d.hiddenMeanMin, d.hiddenMeanMax).c_str(), L - 2);
    std::printf("  (%.2fs)\n", secs);
    return 0;
}

} // namespace rewire::cli
