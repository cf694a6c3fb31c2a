#include "analysis/input_map.h"

#include "analysis/degrees.h"

#include <algorithm>
#include <charconv>
#include <sstream>

namespace rewire {

std::vector<InputFeature> rankInputFeatures(const NetworkGraph& network)
{
    std::vector<InputFeature> f;
    if (network.layerCount() == 0)
        return f;
    const auto deg = degreeSequence(network.layer(0), Side::Out);
    const auto str = strengthSequence(network.layer(0), Side::Out);
    for (std::size_t i = 0; i < deg.size(); ++i)
        f.push_back({static_cast<NeuronIndex>(i), deg[i], str[i]});
    std::stable_sort(f.begin(), f.end(), [](const InputFeature& a, const InputFeature& b) { return a.strength > b.strength; });
    return f;
}

std::pair<int, int> inputGrid(const NetworkGraph& network)
{
    const int n = network.layerCount() ? network.layer(0).inputs() : 0;
    const auto it = network.attributes().find("input_shape");
    if (n == 0 || it == network.attributes().end() || it->second.empty() || it->second.back() == 'x')
        return {1, n};
    // "28x28" or "3x32x32": every dimension a positive integer and their product the input count;
    // anything else (a saved attribute is the file's word, not ours) is a single row.
    std::vector<long long> dims;
    std::stringstream s(it->second);
    std::string part;
    long long total = 1;
    while (std::getline(s, part, 'x')) {
        long long d = 0;
        const auto r = std::from_chars(part.data(), part.data() + part.size(), d);
        if (r.ec != std::errc() || r.ptr != part.data() + part.size() || d < 1 || d > n || total > n / d)
            return {1, n};
        total *= d;
        dims.push_back(d);
    }
    if (dims.size() < 2 || total != n)
        return {1, n};
    const int cols = static_cast<int>(dims.back());
    return {n / cols, cols};
}

} // namespace rewire
