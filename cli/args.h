#pragma once
// Command-line parsing with CLI11 (libcli11-dev): --key value, --key=value, boolean --flags,
// positional arguments. `rewire train` builds its parser from the options table (core/options.h).

#include <charconv>
#include <initializer_list>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace CLI {
class App;
}

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

// `valued` lists options that take a value (the last occurrence wins), `booleans` those that do
// not; anything else is a UsageError naming it. One-letter names are short options (-o).
Args parseArgs(int argc, char** argv, int first, const std::set<std::string>& valued,
               const std::set<std::string>& booleans);

// Parses argv[first..argc) with `app` (which must allow extras): true, or false after printing
// the help for --help. A parse error or an unknown option is a UsageError naming it.
bool parseCommand(CLI::App& app, int argc, char** argv, int first);

// After a CLI11 parse that allowed extras: a UsageError naming the first unknown option or
// stray argument, as every subcommand reports them.
void rethrowUnknown(const CLI::App& app);

// The whole of `text` as a number (std::from_chars: no locale, no hex, no trailing characters).
template <class T>
bool parseWhole(const std::string& text, T& value)
{
    const auto r = std::from_chars(text.data(), text.data() + text.size(), value);
    return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

// Option `name`, if given, as one of `choices`; else a UsageError listing them ("a, b or c").
template <class E>
void pickChoice(const Args& args, const std::string& name, std::initializer_list<std::pair<const char*, E>> choices, E& value)
{
    const std::string* given = args.option(name);
    if (!given)
        return;
    std::string list;
    std::size_t k = 0;
    for (const auto& [text, choice] : choices) {
        if (*given == text) {
            value = choice;
            return;
        }
        list += (k == 0 ? "" : k + 1 == choices.size() ? " or " : ", ") + std::string(text);
        ++k;
    }
    throw UsageError("--" + name + " " + *given + ": expected " + list);
}

// A model file, or the model a run folder stands for (findRunModel: model.rwm, else the checkpoint
// or newest snapshot of a killed run, said on stderr).
std::string modelPath(const std::string& fileOrRunDir);

} // namespace rewire::cli
