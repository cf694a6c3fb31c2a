#include "analysis/topology_distance.h"

#include "analysis/assignment.h"

#include <numeric>
#include <stdexcept>

namespace rewire {

TopologyDistance topologyDistance(const NetworkGraph& a, const NetworkGraph& b)
{
    if (a.architecture() != b.architecture())
        throw std::invalid_argument("NNSTD needs equal architectures, got " + formatArchitecture(a.architecture()) +
                                    " and " + formatArchitecture(b.architecture()));
    TopologyDistance d;
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
        std::vector<double> cost(inter.size());
        for (int j = 0; j < n; ++j)
            for (int k = 0; k < n; ++k) {
                const double c = inter[static_cast<std::size_t>(j) * n + k];
                const double unite = la.inDegree(j) + lb.inDegree(k) - c;
                cost[static_cast<std::size_t>(j) * n + k] = unite > 0 ? 1.0 - c / unite : 0.0;
            }
        std::vector<int> match(static_cast<std::size_t>(n));
        if (l == L - 1)
            std::iota(match.begin(), match.end(), 0);
        else
            match = solveAssignment(cost, n);
        double total = 0;
        for (int j = 0; j < n; ++j)
            total += cost[static_cast<std::size_t>(j) * n + match[static_cast<std::size_t>(j)]];
        d.perLayer.push_back(n ? total / n : 0.0);
        d.matching.push_back(match);
        bOfA = match;
    }
    for (double x : d.perLayer)
        d.mean += x;
    if (!d.perLayer.empty())
        d.mean /= static_cast<double>(d.perLayer.size());
    return d;
}

} // namespace rewire
