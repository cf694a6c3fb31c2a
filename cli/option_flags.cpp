#include "cli/option_flags.h"

#include "core/options.h"

namespace rewire::cli {

namespace {

const char* kGroupTitles[][2] = {{"data", "data"}, {"model", "model"}, {"method", "method options"},
                                  {"training", "training"}, {"run", "run"}};

std::string groupTitle(const std::string& group)
{
    for (const auto& g : kGroupTitles)
        if (group == g[0])
            return g[1];
    return group;
}

} // namespace

std::size_t displayWidth(const std::string& text)
{
    std::size_t n = 0;
    for (unsigned char c : text)
        n += (c & 0xC0) != 0x80;
    return n;
}

std::string wrapHelp(const std::string& text, std::size_t width)
{
    std::string out, line, word;
    const auto columns = displayWidth;
    auto flush = [&] {
        if (word.empty())
            return;
        if (!line.empty() && columns(line) + 1 + columns(word) > width) {
            out += line + "\n";
            line.clear();
        }
        line += (line.empty() ? "" : " ") + word;
        word.clear();
    };
    for (char c : text) {
        if (c == ' ')
            flush();
        else
            word += c;
    }
    flush();
    return out + line;
}

void OptionFlags::addTo(CLI::App& app, const std::set<std::string>& skip)
{
    for (const OptionSpec& o : trainOptions()) {
        if (skip.count(o.key))
            continue;
        std::string help = o.help;
        if (const std::string range = optionRange(o); !range.empty() && o.kind != OptionKind::Text)
            help += " {" + range + "}";
        CLI::Option* opt = app.add_option("--" + o.key, m_values[o.key], wrapHelp(help));
        opt->group(groupTitle(o.group))
            ->type_name(o.valueName)
            ->default_str(optionDefault(o))
            ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
        m_options.emplace_back(o.key, opt);
    }
}

std::vector<std::pair<std::string, std::string>> OptionFlags::given() const
{
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [key, opt] : m_options)
        if (opt->count() > 0)
            out.emplace_back(key, m_values.at(key));
    return out;
}

} // namespace rewire::cli
