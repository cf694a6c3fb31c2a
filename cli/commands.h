#pragma once
// `rewire` subcommands. Each returns the process exit code:
// 0 success, 1 bad data or file, 2 bad usage or option, 3 training diverged, 130 interrupted.

namespace rewire::cli {

int runTrain(int argc, char** argv);
int runCompare(int argc, char** argv);
int runInfo(int argc, char** argv);
int runDatasets(int argc, char** argv);
int runAnalyze(int argc, char** argv);
int runDistance(int argc, char** argv);
int runExport(int argc, char** argv);

} // namespace rewire::cli
