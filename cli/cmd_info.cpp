#include "analysis/layer_summary.h"
#include "cli/args.h"
#include "run/run_folder.h"
#include "cli/commands.h"
#include "graph/model_io.h"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

namespace rewire::cli {

int runInfo(int argc, char** argv)
{
    const Args args = parseArgs(argc, argv, 2, {}, {"help"});
    if (args.flag("help")) {
        std::puts("usage: rewire info MODEL.rwm|RUN_DIR\n  prints the architecture, edge counts and densities of a model file, its saved optimiser "
                  "state\n  and, for a checkpoint, the epoch it holds");
        return 0;
    }
    if (args.positional.size() != 1)
        throw UsageError("expected one model file, got " + std::to_string(args.positional.size()) + " arguments");
    const std::string file = modelPath(args.positional[0]);
    const NetworkGraph g = loadModel(file);
    std::printf("model         %s\n", file.c_str());
    std::printf("architecture  %s\n", formatArchitecture(g.architecture()).c_str());
    std::printf("neurons       %llu\n", static_cast<unsigned long long>(g.vertexCount()));
    std::printf("connections   %lld\n", static_cast<long long>(g.edgeCount()));
    for (const auto& [k, v] : g.attributes())
        if (k.rfind("checkpoint.", 0) != 0) // a checkpoint's own records are summarised below
            std::printf("%-13s %s\n", k.c_str(), v.c_str());
    std::string state;
    for (int p = 0; p < (g.layerCount() ? g.layer(0).edgePropertyCount() : 0); ++p)
        state += (state.empty() ? "" : ", ") + g.layer(0).edgePropertyName(p) + " (per edge)";
    for (int p = 0; p < (g.layerCount() ? g.layer(0).neuronPropertyCount() : 0); ++p)
        state += (state.empty() ? "" : ", ") + g.layer(0).neuronPropertyName(p) + " (per neuron)";
    if (!state.empty())
        std::printf("state         %s\n", state.c_str());
    if (const auto it = g.attributes().find("checkpoint.epochs"); it != g.attributes().end()) {
        const auto metrics = g.attributes().find("checkpoint.metrics");
        long rows = 0;
        if (metrics != g.attributes().end())
            for (char c : metrics->second)
                rows += c == '\n';
        std::printf("checkpoint    after epoch %s, with the metrics of %ld epochs; continue the run with "
                    "`rewire train --resume %s`\n",
                    it->second.c_str(), rows > 0 ? rows - 1 : 0,
                    std::filesystem::path(file).parent_path().empty() ? "." : std::filesystem::path(file).parent_path().c_str());
    }
    std::printf("\n%5s %15s %10s %9s %9s %7s %7s %9s %9s %9s\n", "layer", "size", "edges", "density", "mean in",
                "max in", "max out", "no-out", "no-in", "mean |w|");
    for (const LayerSummary& s : summarizeLayers(g)) {
        const std::string size = fmt::format("{}x{}", s.inputs, s.outputs);
        std::printf("%5d %15s %10lld %8.3f%% %9.2f %7d %7d %9d %9d %9.4f\n", s.layer, size.c_str(),
                    static_cast<long long>(s.edges), 100.0 * s.density, s.meanInDegree, s.maxInDegree, s.maxOutDegree,
                    s.isolatedInputs, s.isolatedOutputs, s.meanAbsWeight);
    }
    return 0;
}

} // namespace rewire::cli
