#include "analysis/input_map.h"

#include "analysis/degrees.h"

#include <algorithm>
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
    if (it != network.attributes().end()) {
        std::vector<int> dims;
        std::stringstream s(it->second);
        std::string part;
        while (std::getline(s, part, 'x'))
            dims.push_back(std::atoi(part.c_str()));
        long total = 1;
        for (int d : dims)
            total *= d;
        if (dims.size() >= 2 && total == n) {
            const int cols = dims.back();
            return {n / cols, cols};
        }
    }
    return {1, n};
}

} // namespace rewire
