#include "cli/args.h"
#include "run/run_folder.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <map>

namespace rewire::cli {

const std::string* Args::option(const std::string& name) const
{
    const std::string* found = nullptr;
    for (const auto& [k, v] : options)
        if (k == name)
            found = &v; // the last occurrence wins
    return found;
}

void rethrowUnknown(const CLI::App& app)
{
    for (const std::string& extra : app.remaining())
        if (extra.rfind("-", 0) == 0 && extra.size() > 1)
            throw UsageError("unknown option " + (extra.rfind("--", 0) == 0 ? extra.substr(0, extra.find('=')) : extra));
    if (!app.remaining().empty())
        throw UsageError("unexpected argument \"" + app.remaining().front() + "\" (options start with --)");
}

bool parseCommand(CLI::App& app, int argc, char** argv, int first)
{
    try {
        std::vector<std::string> rest(argv + first, argv + argc);
        std::reverse(rest.begin(), rest.end()); // CLI11 takes its arguments last first
        app.parse(rest);
    } catch (const CLI::CallForHelp&) {
        std::fputs(app.help().c_str(), stdout);
        return false;
    } catch (const CLI::ParseError& e) {
        throw UsageError(e.what());
    }
    rethrowUnknown(app);
    return true;
}

Args parseArgs(int argc, char** argv, int first, const std::set<std::string>& valued,
               const std::set<std::string>& booleans)
{
    CLI::App app;
    app.set_help_flag(); // --help is one of `booleans` where a command has it
    app.allow_extras();
    Args a;
    std::map<std::string, std::vector<std::string>> values;
    std::map<std::string, CLI::Option*> flags;
    for (const std::string& key : valued)
        app.add_option((key.size() == 1 ? "-" : "--") + key, values[key])
            ->type_size(1)
            ->allow_extra_args(false)
            ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    for (const std::string& key : booleans)
        flags[key] = app.add_flag((key.size() == 1 ? "-" : "--") + key);
    app.add_option("args", a.positional);
    parseCommand(app, argc, argv, first); // no help flag here: the commands answer --help
    for (auto& [key, v] : values)
        for (std::string& x : v)
            a.options.emplace_back(key, std::move(x));
    for (const auto& [key, opt] : flags)
        if (opt->count() > 0)
            a.flags.insert(key);
    return a;
}

std::string modelPath(const std::string& fileOrRunDir)
{
    const std::filesystem::path p(fileOrRunDir);
    if (!std::filesystem::is_directory(p))
        return fileOrRunDir;
    const RunModel found = findRunModel(p);
    if (!found.note.empty())
        std::fprintf(stderr, "note: %s\n", found.note.c_str());
    return found.path.string();
}

} // namespace rewire::cli
