#include "analysis/degrees.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace rewire {

const char* toString(Side side) { return side == Side::In ? "in" : "out"; }

std::vector<std::int64_t> degreeSequence(const SparseLayer& layer, Side side)
{
    const auto ptr = side == Side::In ? layer.rowPtr() : layer.colPtr();
    std::vector<std::int64_t> d(ptr.size() - 1);
    for (std::size_t i = 0; i + 1 < ptr.size(); ++i)
        d[i] = ptr[i + 1] - ptr[i];
    return d;
}

std::vector<double> strengthSequence(const SparseLayer& layer, Side side)
{
    std::vector<double> s(static_cast<std::size_t>(side == Side::In ? layer.outputs() : layer.inputs()), 0.0);
    const auto w = layer.weights();
    if (side == Side::In) {
        for (NeuronIndex j = 0; j < layer.outputs(); ++j)
            for (EdgeIndex e = layer.rowPtr()[j]; e < layer.rowPtr()[j + 1]; ++e)
                s[static_cast<std::size_t>(j)] += std::fabs(w[e]);
    } else {
        const auto col = layer.colIdx();
        for (EdgeIndex e = 0; e < layer.edgeCount(); ++e)
            s[static_cast<std::size_t>(col[e])] += std::fabs(w[e]);
    }
    return s;
}

DegreeDistribution degreeDistribution(std::span<const std::int64_t> values)
{
    DegreeDistribution d;
    if (values.empty())
        return d;
    std::map<std::int64_t, std::int64_t> hist;
    double sum = 0;
    for (auto v : values) {
        ++hist[v];
        sum += static_cast<double>(v);
    }
    const auto n = static_cast<double>(values.size());
    d.mean = sum / n;
    d.max = hist.rbegin()->first;
    std::int64_t atLeast = static_cast<std::int64_t>(values.size());
    for (const auto& [v, c] : hist) {
        d.degree.push_back(v);
        d.count.push_back(c);
        d.ccdf.push_back(static_cast<double>(atLeast) / n);
        atLeast -= c;
        if (v <= 0)
            d.zeros += c;
    }
    if (d.max >= 1) {
        for (double lo = 1; lo <= static_cast<double>(d.max); lo *= 2) {
            LogBin b;
            b.lower = lo;
            b.upper = lo * 2;
            for (const auto& [v, c] : hist)
                if (static_cast<double>(v) >= b.lower && static_cast<double>(v) < b.upper)
                    b.count += c;
            b.density = static_cast<double>(b.count) / (n * (b.upper - b.lower));
            d.logBins.push_back(b);
        }
    }
    return d;
}

} // namespace rewire
