#include "cli/args.h"
#include "run/run_folder.h"
#include "cli/commands.h"
#include "graph/export.h"
#include "graph/model_io.h"

#include <cstdio>
#include <filesystem>

namespace rewire::cli {

int runExport(int argc, char** argv)
{
    const Args args = parseArgs(argc, argv, 2, {"format", "o", "out"}, {"help"});
    if (args.flag("help")) {
        std::puts("usage: rewire export MODEL.rwm|RUN_DIR --format graphml|gexf|edgelist|mtx|npz -o FILE\n"
                  "  graphml: GraphML (node layer and index as int; edge weight, abs_weight, layer;\n"
                  "           networkx.read_graphml, igraph and Gephi read it)\n"
                  "  gexf:    GEXF 1.2draft (edge weight |w|, signed w as an attribute; networkx.read_gexf\n"
                  "           and Gephi read it)\n"
                  "  edgelist: CSV source,target,layer,weight with global vertex ids\n"
                  "  mtx:     Matrix Market per layer, FILE_layerN.mtx (rows = outputs)\n"
                  "  npz:     scipy.sparse CSR per layer, FILE_layerN.npz (rows = outputs;\n"
                  "           scipy.sparse.load_npz reads it)");
        return 0;
    }
    if (args.positional.size() != 1)
        throw UsageError("expected one model file or run folder");
    const std::string* format = args.option("format");
    const std::string* out = args.option("o") ? args.option("o") : args.option("out");
    if (!format || !out)
        throw UsageError("--format and -o FILE are required");
    ExportFormat f;
    try {
        f = parseExportFormat(*format);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    const std::string input = modelPath(args.positional[0]);
    std::error_code ec;
    if (std::filesystem::exists(*out, ec) && std::filesystem::equivalent(input, *out, ec))
        throw UsageError("-o " + *out + ": is the input model " + input + "; export writes a new file, pick another path");
    const NetworkGraph g = loadNetworkOnly(input);
    for (const auto& p : exportNetwork(g, f, *out))
        std::printf("wrote %s\n", p.string().c_str());
    return 0;
}

} // namespace rewire::cli
