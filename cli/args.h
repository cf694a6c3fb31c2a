#pragma once
// Command-line parsing: --key value, --key=value, boolean --flags, positional arguments.

#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace rewire::cli {

class UsageError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

struct Args {
    std::vector<std::pair<std::string, std::string>> options; // in command-line order
    std::set<std::string> flags;
    std::vector<std::string> positional;

    bool flag(const std::string& name) const { return flags.count(name) > 0; }
    const std::string* option(const std::string& name) const;
};

// `valued` lists options that take a value, `booleans` those that do not; anything else is a
// UsageError naming it.
Args parseArgs(int argc, char** argv, int first, const std::set<std::string>& valued,
               const std::set<std::string>& booleans);

// A model file, or the model a run folder stands for (findRunModel: model.rwm, else the checkpoint
// or newest snapshot of a killed run, said on stderr).
std::string modelPath(const std::string& fileOrRunDir);

} // namespace rewire::cli
