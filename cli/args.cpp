#include "cli/args.h"
#include "run/run_folder.h"

#include <cstdio>

#include <cctype>
#include <filesystem>

namespace rewire::cli {

const std::string* Args::option(const std::string& name) const
{
    const std::string* found = nullptr;
    for (const auto& [k, v] : options)
        if (k == name)
            found = &v; // the last occurrence wins
    return found;
}

Args parseArgs(int argc, char** argv, int first, const std::set<std::string>& valued,
               const std::set<std::string>& booleans)
{
    Args a;
    for (int i = first; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg.size() == 2 && arg[0] == '-' && std::isalpha(static_cast<unsigned char>(arg[1])))
            arg = "-" + arg; // -o is --o
        if (arg.rfind("--", 0) != 0 || arg == "--") {
            a.positional.push_back(arg);
            continue;
        }
        std::string key = arg.substr(2), value;
        const auto eq = key.find('=');
        const bool inlineValue = eq != std::string::npos;
        if (inlineValue) {
            value = key.substr(eq + 1);
            key = key.substr(0, eq);
        }
        if (booleans.count(key)) {
            if (inlineValue)
                throw UsageError("--" + key + " takes no value");
            a.flags.insert(key);
        } else if (valued.count(key)) {
            if (!inlineValue) {
                if (i + 1 >= argc)
                    throw UsageError("--" + key + " needs a value");
                value = argv[++i];
            }
            a.options.emplace_back(key, value);
        } else {
            throw UsageError("unknown option --" + key);
        }
    }
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
