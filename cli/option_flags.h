#pragma once
// The options table (core/options.h) as CLI11 flags, shared by `rewire train` and `rewire compare`:
// one flag per option with its help, range, default and group.

#include <CLI/CLI.hpp>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace rewire::cli {

class OptionFlags {
public:
    // Adds --KEY for every option of the table except those in `skip`; the last occurrence wins.
    void addTo(CLI::App& app, const std::set<std::string>& skip = {});
    // The options given on the command line, in table order.
    std::vector<std::pair<std::string, std::string>> given() const;

private:
    std::map<std::string, std::string> m_values;
    std::vector<std::pair<std::string, CLI::Option*>> m_options;
};

// Columns a UTF-8 text takes in a terminal (continuation bytes take none).
std::size_t displayWidth(const std::string& text);

// Breaks help text into lines of at most `width` columns (CLI11 indents each continuation).
std::string wrapHelp(const std::string& text, std::size_t width = 72);

} // namespace rewire::cli
