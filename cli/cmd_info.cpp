#include "analysis/layer_summary.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "graph/model_io.h"

#include <cstdio>

namespace rewire::cli {

int runInfo(int argc, char** argv)
{
    const Args args = parseArgs(argc, argv, 2, {}, {"help"});
    if (args.flag("help")) {
        std::puts("usage: rewire info MODEL.rwm\n  prints the architecture, edge counts and densities of a model file");
        return 0;
    }
    if (args.positional.size() != 1)
        throw UsageError("expected one model file, got " + std::to_string(args.positional.size()) + " arguments");
    const NetworkGraph g = loadModel(args.positional[0]);
    std::printf("model         %s\n", args.positional[0].c_str());
    std::printf("architecture  %s\n", formatArchitecture(g.architecture()).c_str());
    std::printf("neurons       %llu\n", static_cast<unsigned long long>(g.vertexCount()));
    std::printf("connections   %lld\n", static_cast<long long>(g.edgeCount()));
    for (const auto& [k, v] : g.attributes())
        std::printf("%-13s %s\n", k.c_str(), v.c_str());
    std::printf("\n%5s %15s %10s %9s %9s %7s %7s %9s %9s %9s\n", "layer", "size", "edges", "density", "mean in",
                "max in", "max out", "no-out", "no-in", "mean |w|");
    for (const LayerSummary& s : summarizeLayers(g)) {
        char size[32];
        std::snprintf(size, sizeof size, "%dx%d", s.inputs, s.outputs);
        std::printf("%5d %15s %10lld %8.3f%% %9.2f %7d %7d %9d %9d %9.4f\n", s.layer, size,
                    static_cast<long long>(s.edges), 100.0 * s.density, s.meanInDegree, s.maxInDegree, s.maxOutDegree,
                    s.isolatedInputs, s.isolatedOutputs, s.meanAbsWeight);
    }
    return 0;
}

} // namespace rewire::cli
