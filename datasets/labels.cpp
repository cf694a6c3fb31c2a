#include "datasets/labels.h"

#include "datasets/dataset.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>

namespace rewire {

namespace {

bool integral(const std::string& t, long long& v)
{
    double d = 0;
    const char* b = t.data();
    if (!t.empty() && t[0] == '+')
        ++b;
    const auto r = std::from_chars(b, t.data() + t.size(), d);
    if (r.ec != std::errc() || r.ptr != t.data() + t.size() || !std::isfinite(d) || d != std::nearbyint(d) ||
        std::fabs(d) > 1e9)
        return false;
    v = static_cast<long long>(d);
    return true;
}

} // namespace

MappedLabels mapLabels(const std::vector<std::string>& text)
{
    MappedLabels m;
    std::vector<long long> values(text.size());
    bool allIntegral = true;
    for (std::size_t i = 0; i < text.size() && allIntegral; ++i)
        allIntegral = integral(text[i], values[i]);
    if (allIntegral) {
        const std::set<long long> distinct(values.begin(), values.end());
        const bool plusMinus = std::all_of(distinct.begin(), distinct.end(), [](long long v) { return v == -1 || v == 1; });
        if (plusMinus) {
            for (long long v : values)
                m.y.push_back(v > 0 ? 1 : 0);
            m.classes = 2;
            return m;
        }
        if (!distinct.empty() && *distinct.begin() >= 0 && *distinct.rbegin() < (1 << 20)) {
            for (long long v : values)
                m.y.push_back(static_cast<std::int32_t>(v));
            m.classes = static_cast<int>(*distinct.rbegin()) + 1;
            return m;
        }
        std::map<long long, int> id;
        for (long long v : distinct) {
            id.emplace(v, static_cast<int>(m.names.size()));
            m.names.push_back(std::to_string(v));
        }
        for (long long v : values)
            m.y.push_back(id[v]);
        m.classes = static_cast<int>(m.names.size());
        return m;
    }
    std::map<std::string, int> id;
    for (const auto& t : text)
        id.emplace(t, 0);
    for (auto& [t, i] : id) {
        i = static_cast<int>(m.names.size());
        m.names.push_back(t);
    }
    for (const auto& t : text)
        m.y.push_back(id[t]);
    m.classes = static_cast<int>(m.names.size());
    return m;
}

void alignClasses(const Dataset& train, Dataset& other)
{
    if (train.classNames.empty() && other.classNames.empty())
        return; // both numbered by the label values themselves: already the same classes
    if (train.classNames.empty())
        throw DatasetError(other.name + ": labels are names (\"" + other.classNames.front() + "\", ...) but " +
                           train.name + " has numeric class labels");
    std::map<std::string, int> id;
    for (std::size_t c = 0; c < train.classNames.size(); ++c)
        id.emplace(train.classNames[c], static_cast<int>(c));
    for (std::size_t i = 0; i < other.y.size(); ++i) {
        const std::string name = other.classNames.empty() ? std::to_string(other.y[i])
                                                          : other.classNames[static_cast<std::size_t>(other.y[i])];
        const auto it = id.find(name);
        if (it == id.end()) {
            std::string known;
            for (std::size_t c = 0; c < train.classNames.size() && c < 10; ++c)
                known += (c ? ", " : "") + train.classNames[c];
            throw DatasetError(other.name + ": sample " + std::to_string(i + 1) + " has class \"" + name +
                               "\", which " + train.name + " does not have (its classes: " + known +
                               (train.classNames.size() > 10 ? ", ..." : "") + ")");
        }
        other.y[i] = it->second;
    }
    other.classNames = train.classNames;
    other.classes = train.classes;
}

void setLabels(Dataset& d, const std::vector<std::string>& text)
{
    MappedLabels m = mapLabels(text);
    d.y = std::move(m.y);
    d.classes = m.classes;
    d.classNames = std::move(m.names);
}

} // namespace rewire
