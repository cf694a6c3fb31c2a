#pragma once
// Shared by the CLI tests: running the `rewire` binary (REWIRE_BIN) as a user would.

#include "helpers.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace rewire::test {

struct Result {
    int code;
    std::string output;
};

// A shell command's exit code and output (stdout and stderr).
inline Result shell(const std::string& command)
{
    const std::string cmd = command + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, p))
        out.append(buf, n);
    const int status = pclose(p);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

inline Result run(const std::string& args)
{
    const char* bin = std::getenv("REWIRE_BIN");
    REQUIRE(bin != nullptr);
    return shell(std::string(bin) + " " + args);
}


inline const std::string kTiny = "--dataset synthetic:madelon:samples=400,features=20,informative=5,redundant=3,classes=3 "
                          "--arch 20-40-30-3 --epsilon 5 --epochs 3 --batch 32 --lr 0.05 --seed 7 --quiet";

// metrics.csv without the timing columns (the last four), which legitimately differ run to run.
inline std::vector<std::string> metricsWithoutTimes(const std::filesystem::path& p)
{
    std::vector<std::string> rows;
    std::istringstream in(readFile(p));
    std::string line;
    while (std::getline(in, line)) {
        for (int k = 0; k < 4; ++k) // epoch, evolution, eval and measure seconds
            line = line.substr(0, line.rfind(','));
        rows.push_back(line);
    }
    return rows;
}


} // namespace rewire::test
