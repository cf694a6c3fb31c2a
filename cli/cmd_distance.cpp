#include "analysis/topology_distance.h"
#include "cli/args.h"
#include "run/run_folder.h"
#include "cli/commands.h"
#include "graph/model_io.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace rewire::cli {

int runDistance(int argc, char** argv)
{
    const Args args = parseArgs(argc, argv, 2, {}, {"help", "csv"});
    if (args.flag("help")) {
        std::puts("usage: rewire distance A B [--csv]\n"
                  "  NNSTD topology distance (Liu et al. 2020) between two models or run folders of one\n"
                  "  architecture: per layer in [0, 1] and the mean");
        return 0;
    }
    if (args.positional.size() != 2)
        throw UsageError("expected two models or run folders, got " + std::to_string(args.positional.size()));
    const auto t0 = std::chrono::steady_clock::now();
    const NetworkGraph a = loadNetworkOnly(modelPath(args.positional[0])),
                       b = loadNetworkOnly(modelPath(args.positional[1]));
    TopologyDistance d;
    try {
        d = topologyDistance(a, b);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (args.flag("csv")) {
        std::puts("layer,nnstd");
        for (std::size_t l = 0; l < d.perLayer.size(); ++l)
            std::printf("%zu,%.6f\n", l, d.perLayer[l]);
        std::printf("mean,%.6f\n", d.mean);
        return 0;
    }
    std::printf("NNSTD %s vs %s (%s)\n", args.positional[0].c_str(), args.positional[1].c_str(),
                formatArchitecture(a.architecture()).c_str());
    for (std::size_t l = 0; l < d.perLayer.size(); ++l)
        std::printf("  layer %zu  %.4f%s\n", l, d.perLayer[l],
                    l + 1 == d.perLayer.size() ? "  (output neurons matched by index)" : "");
    std::printf("  mean     %.4f   (%.2fs)\n", d.mean, secs);
    return 0;
}

} // namespace rewire::cli
