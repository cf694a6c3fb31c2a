#include "core/config.h"

#include "datasets/registry.h"
#include "graph/atomic_file.h"

#include "core/init.h"
#include "core/methods/registry.h"
#include "core/options.h"
#include "core/network.h"

#include <charconv>
#include <string_view>
#include <cmath>
#include <algorithm>
#include <cstdio>

namespace rewire {

namespace {

[[noreturn]] void bad(const std::string& key, const std::string& value, const std::string& expected)
{
    throw ConfigError("--" + key + " " + value + ": " + expected);
}

} // namespace

const std::vector<std::string>& TrainConfig::keys()
{
    static const std::vector<std::string> k = [] {
        std::vector<std::string> v;
        for (const OptionSpec& o : trainOptions())
            v.push_back(o.key);
        return v;
    }();
    return k;
}

std::vector<NeuronIndex> TrainConfig::architecture() const
{
    std::vector<NeuronIndex> sizes;
    std::size_t start = 0;
    while (start <= arch.size()) {
        const std::size_t dash = arch.find('-', start);
        const std::string part = arch.substr(start, dash == std::string::npos ? std::string::npos : dash - start);
        // "5000000x10": ten layers of 5,000,000 neurons.
        const std::size_t times = part.find('x');
        const auto number = [&](std::string_view text, long long hi) {
            long long v = 0;
            const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
            if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() || v < 1 || v > hi)
                bad("arch", arch,
                    "expected sizes like 784-1000-1000-10 or 784-1000x3-10, each between 1 and 2^30, repeated at most "
                    "1000 times");
            return v;
        };
        const std::string_view whole(part);
        const long long v = number(whole.substr(0, times), 1LL << 30);
        const long long n = times == std::string::npos ? 1 : number(whole.substr(times + 1), 1000);
        if (sizes.size() + static_cast<std::size_t>(n) > 1001)
            bad("arch", arch, "more than 1000 layers");
        sizes.insert(sizes.end(), static_cast<std::size_t>(n), static_cast<NeuronIndex>(v));
        if (dash == std::string::npos)
            break;
        start = dash + 1;
    }
    if (sizes.size() < 2)
        bad("arch", arch, "expected at least an input and an output size");
    return sizes;
}

void TrainConfig::validate() const
{
    for (const OptionSpec& o : trainOptions())
        checkOption(o, *this);
}

Json TrainConfig::toJson() const
{
    Json j;
    for (const OptionSpec& o : trainOptions()) {
        const std::string text = o.get(*this);
        double v = 0.0;
        // Numbers as JSON numbers, words (auto, off) as strings. Seeds of 10^15 and more stay
        // strings: JSON numbers are doubles, and formatNumber writes such a one with an exponent,
        // which an integer option does not read back.
        const bool numeric = (o.kind == OptionKind::Number || o.kind == OptionKind::Integer ||
                              (o.key == "seed" && seed < 1000000000000000ULL)) &&
                             readNumber(text, v);
        if (numeric)
            j.set(o.key, v);
        else
            j.set(o.key, text);
    }
    return j;
}

void TrainConfig::set(const std::string& key, const std::string& value)
{
    const OptionSpec* o = findOption(key);
    if (!o)
        throw ConfigError("unknown option --" + key);
    o->set(*this, value);
}

TrainConfig TrainConfig::load(const std::filesystem::path& file)
{
    TrainConfig c;
    try {
        c.merge(Json::parse(readWholeFile(file, 64 << 20), file.string()), file.string());
    } catch (const ConfigError&) {
        throw;
    } catch (const std::runtime_error& e) { // unreadable, or not JSON: the message names the file
        throw ConfigError(e.what());
    }
    return c;
}

void TrainConfig::merge(const Json& json, const std::string& source)
{
    if (!json.isObject())
        throw ConfigError(source + ": expected a JSON object of training options");
    for (const auto& [key, value] : json.asObject()) {
        if (std::find(keys().begin(), keys().end(), key) == keys().end())
            throw ConfigError(source + ": unknown key \"" + key + "\"");
        std::string text;
        if (value.isString())
            text = value.asString();
        else if (value.isNumber())
            text = formatNumber(value.asNumber());
        else
            throw ConfigError(source + ": key \"" + key + "\" must be a string or a number");
        try {
            set(key, text);
        } catch (const ConfigError& e) {
            throw ConfigError(source + ": " + e.what());
        }
    }
}

} // namespace rewire
