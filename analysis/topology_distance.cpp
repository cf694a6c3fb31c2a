#include "analysis/topology_distance.h"

#include "analysis/assignment.h"
#include "graph/hash.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace rewire {

namespace {

// The tie-break weight in [0, 1) of pairing A's neuron j with B's neuron k in layer l.
using TieBreak = std::function<double(int layer, int j, int k)>;

struct Directed {
    std::vector<double> perLayer;
    std::vector<std::vector<int>> matching;
};

Directed directed(const NetworkGraph& a, const NetworkGraph& b, OutputMatching outputs, const TieBreak& tie)
{
    Directed d;
    const int L = a.layerCount();
    // bOfA[i]: B's neuron matched to A's neuron i in the current input set.
    std::vector<int> bOfA(static_cast<std::size_t>(L ? a.layer(0).inputs() : 0));
    std::iota(bOfA.begin(), bOfA.end(), 0);
    for (int l = 0; l < L; ++l) {
        const SparseLayer &la = a.layer(l), &lb = b.layer(l);
        const int n = la.outputs();
        std::vector<int> inter(static_cast<std::size_t>(n) * n, 0);
        for (NeuronIndex i = 0; i < la.inputs(); ++i) {
            const int bi = bOfA[static_cast<std::size_t>(i)];
            for (EdgeIndex p = la.colPtr()[i]; p < la.colPtr()[i + 1]; ++p) {
                int* row = inter.data() + static_cast<std::size_t>(la.cscRow()[p]) * n;
                for (EdgeIndex q = lb.colPtr()[bi]; q < lb.colPtr()[bi + 1]; ++q)
                    ++row[lb.cscRow()[q]];
            }
        }
        // The Jaccard distance of A's j and B's k; the solver sees it plus the tie-break.
        auto jaccard = [&](int j, int k) {
            const double c = inter[static_cast<std::size_t>(j) * n + k];
            const double unite = la.inDegree(j) + lb.inDegree(k) - c;
            return unite > 0 ? 1.0 - c / unite : 0.0;
        };
        std::vector<double> perturbed(inter.size());
        const double eps = 1e-9 / std::max(n, 1);
        for (int j = 0; j < n; ++j)
            for (int k = 0; k < n; ++k)
                perturbed[static_cast<std::size_t>(j) * n + k] = jaccard(j, k) + eps * tie(l, j, k);
        std::vector<int> match(static_cast<std::size_t>(n));
        if (l == L - 1 && outputs == OutputMatching::Index)
            std::iota(match.begin(), match.end(), 0);
        else
            match = solveAssignment(perturbed, n);
        double total = 0;
        for (int j = 0; j < n; ++j)
            total += jaccard(j, match[static_cast<std::size_t>(j)]);
        d.perLayer.push_back(n ? total / n : 0.0);
        d.matching.push_back(match);
        bOfA = match;
    }
    return d;
}

double meanOf(const std::vector<double>& v, std::size_t count)
{
    if (count == 0)
        return std::numeric_limits<double>::quiet_NaN();
    return std::accumulate(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(count), 0.0) / static_cast<double>(count);
}

} // namespace

TopologyDistance topologyDistance(const NetworkGraph& a, const NetworkGraph& b, const NnstdOptions& options)
{
    if (a.architecture() != b.architecture())
        throw std::invalid_argument("NNSTD needs equal architectures, got " + formatArchitecture(a.architecture()) +
                                    " and " + formatArchitecture(b.architecture()));
    if (options.tieBreaks < 0)
        throw std::invalid_argument("NNSTD: tie-breaks must be >= 0");
    const std::size_t L = static_cast<std::size_t>(a.layerCount());
    const std::size_t hidden = L > 0 ? L - 1 : 0;
    // Canonical: a hash of the layer and the unordered pair, the same from either side.
    const TieBreak canonical = [](int l, int j, int k) {
        const auto lo = static_cast<std::uint64_t>(std::min(j, k)), hi = static_cast<std::uint64_t>(std::max(j, k));
        return unitInterval(splitmix64(splitmix64(splitmix64(static_cast<std::uint64_t>(l)) ^ lo) ^ (hi << 1)));
    };
    Directed c = directed(a, b, options.outputs, canonical);
    TopologyDistance d;
    d.perLayer = c.perLayer;
    d.matching = std::move(c.matching);
    d.mean = meanOf(d.perLayer, L);
    d.hiddenMean = meanOf(d.perLayer, hidden);
    d.perLayerMin = d.perLayerMax = d.perLayer;
    d.meanMin = d.meanMax = d.mean;
    d.hiddenMeanMin = d.hiddenMeanMax = d.hiddenMean;
    d.tieBreaksTried = 1;
    for (int s = 1; s <= options.tieBreaks; ++s) {
        const std::uint64_t seed = hashCounter(options.seed, static_cast<std::uint64_t>(s));
        const TieBreak random = [seed](int l, int j, int k) {
            return unitInterval(splitmix64(splitmix64(splitmix64(seed ^ static_cast<std::uint64_t>(l)) ^ static_cast<std::uint64_t>(j)) ^
                            (static_cast<std::uint64_t>(k) << 20)));
        };
        for (int direction = 0; direction < 2; ++direction) {
            const Directed r = direction == 0 ? directed(a, b, options.outputs, random)
                                              : directed(b, a, options.outputs, random);
            for (std::size_t l = 0; l < L; ++l) {
                d.perLayerMin[l] = std::min(d.perLayerMin[l], r.perLayer[l]);
                d.perLayerMax[l] = std::max(d.perLayerMax[l], r.perLayer[l]);
            }
            const double m = meanOf(r.perLayer, L), h = meanOf(r.perLayer, hidden);
            d.meanMin = std::min(d.meanMin, m);
            d.meanMax = std::max(d.meanMax, m);
            if (hidden > 0) {
                d.hiddenMeanMin = std::min(d.hiddenMeanMin, h);
                d.hiddenMeanMax = std::max(d.hiddenMeanMax, h);
            }
        }
        ++d.tieBreaksTried;
    }
    return d;
}

} // namespace rewire
