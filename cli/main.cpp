// rewire: the headless front end (train, info).

#include "cli/args.h"
#include "cli/commands.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>

namespace {

struct Command {
    const char* name;
    int (*run)(int, char**);
    const char* summary;
};

// The one list of subcommands: dispatch, the usage text and the unknown-command message use it.
const Command kCommands[] = {
    {"train", rewire::cli::runTrain, "train a sparse MLP with any registered method and write a run folder"},
    {"compare", rewire::cli::runCompare, "train several methods on the same data and seeds; summary, table and plot"},
    {"info", rewire::cli::runInfo, "print the layers, sizes and densities of a model file"},
    {"analyze", rewire::cli::runAnalyze, "degree distributions, strengths, dead neurons, input maps of a model (CSV, PNG)"},
    {"distance", rewire::cli::runDistance, "NNSTD topology distance between two models, per layer and mean"},
    {"export", rewire::cli::runExport, "write a model as GraphML, GEXF, an edge list or Matrix Market"},
    {"datasets", rewire::cli::runDatasets, "list the built-in datasets and the formats --dataset accepts"},
};

void usage(FILE* out)
{
    std::fputs("rewire - truly sparse neural networks as graphs\n\nusage: rewire <command> [options]\n\ncommands:\n", out);
    for (const Command& c : kCommands)
        std::fprintf(out, "  %-9s %s\n", c.name, c.summary);
    std::fputs("  help      this text; `rewire <command> --help` for a command's options\n\n"
               "quick start:\n"
               "  rewire train --out runs/first      # SET on Fashion-MNIST (or the built-in synthetic set)\n"
               "  rewire info runs/first/model.rwm\n",
               out);
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2 || !std::strcmp(argv[1], "help") || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!std::strcmp(argv[1], "--version")) {
        std::puts("rewire 0.1.0");
        return 0;
    }
    const std::string cmd = argv[1];
    try {
        for (const Command& c : kCommands)
            if (cmd == c.name)
                return c.run(argc, argv);
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "rewire %s: out of memory (the model or the data needs more memory than is free)\n",
                     cmd.c_str());
        return 1;
    } catch (const rewire::cli::UsageError& e) {
        std::fprintf(stderr, "rewire %s: %s\n", cmd.c_str(), e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rewire %s: %s\n", cmd.c_str(), e.what());
        return 1;
    }
    std::string names;
    for (const Command& c : kCommands)
        names += std::string(c.name) + ", ";
    std::fprintf(stderr, "rewire: unknown command \"%s\" (expected %shelp)\n", cmd.c_str(), names.c_str());
    return 2;
}
