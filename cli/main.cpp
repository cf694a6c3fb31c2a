// rewire: the headless front end (train, info).

#include "cli/args.h"
#include "cli/commands.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>

namespace {

const char* kUsage = R"(rewire - truly sparse neural networks as graphs

usage: rewire <command> [options]

commands:
  train     train a sparse MLP (SET, static sparse or dense) and write a run folder
  info      print the layers, sizes and densities of a model file
  analyze   degree distributions, strengths, dead neurons, input maps of a model (CSV, PNG)
  distance  NNSTD topology distance between two models, per layer and mean
  export    write a model as GraphML, GEXF, an edge list or Matrix Market
  datasets  list the built-in datasets and the formats --dataset accepts
  help      this text; `rewire <command> --help` for a command's options

quick start:
  rewire train --out runs/first      # SET on Fashion-MNIST (or the built-in synthetic set)
  rewire info runs/first/model.rwm
)";

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2 || !std::strcmp(argv[1], "help") || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
        std::fputs(kUsage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!std::strcmp(argv[1], "--version")) {
        std::puts("rewire 0.1.0");
        return 0;
    }
    const std::string cmd = argv[1];
    try {
        if (cmd == "train")
            return rewire::cli::runTrain(argc, argv);
        if (cmd == "info")
            return rewire::cli::runInfo(argc, argv);
        if (cmd == "analyze")
            return rewire::cli::runAnalyze(argc, argv);
        if (cmd == "distance")
            return rewire::cli::runDistance(argc, argv);
        if (cmd == "export")
            return rewire::cli::runExport(argc, argv);
        if (cmd == "datasets")
            return rewire::cli::runDatasets(argc, argv);
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
    std::fprintf(stderr, "rewire: unknown command \"%s\" (expected train, info, analyze, distance, export, datasets, help)\n", cmd.c_str());
    return 2;
}
