#include "analysis/analyze_report.h"
#include "analysis/neuron_table.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "graph/model_io.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace rewire::cli {

int runAnalyze(int argc, char** argv)
{
    const Args args = parseArgs(argc, argv, 2, {"out"}, {"help"});
    if (args.flag("help")) {
        std::puts("usage: rewire analyze MODEL.rwm|RUN_DIR --out DIR\n"
                  "  writes layers.csv, neurons.csv, degree_distribution.csv, features.csv, input_map.csv and\n"
                  "  input_map_{degree,strength}.png for the model (a run folder's model.rwm)");
        return 0;
    }
    if (args.positional.size() != 1)
        throw UsageError("expected one model file or run folder, got " + std::to_string(args.positional.size()) +
                         " arguments");
    namespace fs = std::filesystem;
    fs::path model = args.positional[0];
    if (fs::is_directory(model))
        model /= "model.rwm";
    const auto t0 = std::chrono::steady_clock::now();
    const NetworkGraph g = loadModel(model);
    const fs::path out = args.option("out") ? fs::path(*args.option("out")) : model.parent_path() / "analysis";
    const auto files = writeAnalysis(g, out);
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
    return 0;
}

} // namespace rewire::cli
