#include "analysis/topology_evolution.h"

#include <fmt/format.h>
#include <iterator>

#include "analysis/degrees.h"
#include "analysis/layer_summary.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace rewire {

std::vector<LayerTurnover> maskTurnover(const NetworkGraph& a, const NetworkGraph& b,
                                        std::vector<LayerEdgeChanges>* changes)
{
    if (a.architecture() != b.architecture())
        throw std::invalid_argument("turnover needs equal architectures, got " + formatArchitecture(a.architecture()) +
                                    " and " + formatArchitecture(b.architecture()));
    std::vector<LayerTurnover> out;
    if (changes)
        changes->assign(static_cast<std::size_t>(a.layerCount()), {});
    for (int l = 0; l < a.layerCount(); ++l) {
        const SparseLayer &x = a.layer(l), &y = b.layer(l);
        LayerEdgeChanges* c = changes ? &(*changes)[static_cast<std::size_t>(l)] : nullptr;
        LayerTurnover t;
        for (NeuronIndex j = 0; j < x.outputs(); ++j) {
            EdgeIndex p = x.rowPtr()[j], q = y.rowPtr()[j];
            const EdgeIndex pe = x.rowPtr()[j + 1], qe = y.rowPtr()[j + 1];
            while (p < pe || q < qe) {
                if (p < pe && q < qe && x.colIdx()[p] == y.colIdx()[q]) {
                    ++t.common, ++p, ++q;
                } else if (q == qe || (p < pe && x.colIdx()[p] < y.colIdx()[q])) {
                    ++t.removed;
                    if (c)
                        c->removed.push_back({x.colIdx()[p], j, x.weights()[p]});
                    ++p;
                } else {
                    ++t.added;
                    if (c)
                        c->added.push_back({y.colIdx()[q], j, y.weights()[q]});
                    ++q;
                }
            }
        }
        const EdgeIndex unite = t.common + t.added + t.removed;
        t.jaccardDistance = unite ? 1.0 - static_cast<double>(t.common) / static_cast<double>(unite) : 0.0;
        out.push_back(t);
    }
    return out;
}

namespace {

double sd(const std::vector<std::int64_t>& v)
{
    if (v.empty())
        return 0;
    double m = 0, q = 0;
    for (auto x : v)
        m += static_cast<double>(x);
    m /= static_cast<double>(v.size());
    for (auto x : v)
        q += (static_cast<double>(x) - m) * (static_cast<double>(x) - m);
    return std::sqrt(q / static_cast<double>(v.size()));
}

} // namespace

std::vector<TopologyRow> topologyRows(int epoch, const NetworkGraph& network, const NetworkGraph* previous)
{
    std::vector<TopologyRow> rows;
    const auto summary = summarizeLayers(network);
    const auto turnover = previous ? maskTurnover(*previous, network) : std::vector<LayerTurnover>{};
    for (int l = 0; l < network.layerCount(); ++l) {
        const LayerSummary& s = summary[static_cast<std::size_t>(l)];
        TopologyRow r;
        r.epoch = epoch;
        r.layer = l;
        r.edges = s.edges;
        r.density = s.density;
        r.maxInDegree = s.maxInDegree;
        r.maxOutDegree = s.maxOutDegree;
        r.sdInDegree = sd(degreeSequence(network.layer(l), Side::In));
        r.sdOutDegree = sd(degreeSequence(network.layer(l), Side::Out));
        r.isolatedInputs = s.isolatedInputs;
        r.isolatedOutputs = s.isolatedOutputs;
        r.meanAbsWeight = s.meanAbsWeight;
        if (previous) {
            r.hasPrevious = true;
            r.turnover = turnover[static_cast<std::size_t>(l)];
        }
        rows.push_back(r);
    }
    return rows;
}

std::string topologyCsvHeader()
{
    return "epoch,layer,edges,density,max_in_degree,sd_in_degree,max_out_degree,sd_out_degree,isolated_inputs,"
           "isolated_outputs,mean_abs_weight,turnover,added,removed\n";
}

std::string topologyCsvRow(const TopologyRow& r)
{
    std::string s = fmt::format("{},{},{},{:.6f},{},{:.4f},{},{:.4f},{},{},{:.6f},", r.epoch, r.layer, r.edges, r.density,
                                r.maxInDegree, r.sdInDegree, r.maxOutDegree, r.sdOutDegree, r.isolatedInputs,
                                r.isolatedOutputs, r.meanAbsWeight);
    if (r.hasPrevious)
        fmt::format_to(std::back_inserter(s), "{:.6f},{},{}\n", r.turnover.jaccardDistance, r.turnover.added,
                       r.turnover.removed);
    else
        s += ",,\n";
    return s;
}

std::string snapshotDegreeRows(int epoch, const NetworkGraph& network)
{
    std::string s;
    for (int l = 0; l < network.layerCount(); ++l)
        for (Side side : {Side::In, Side::Out}) {
            const DegreeDistribution d = degreeDistribution(degreeSequence(network.layer(l), side));
            for (std::size_t k = 0; k < d.degree.size(); ++k)
                fmt::format_to(std::back_inserter(s), "{},{},{},{},{}\n", epoch, l, toString(side), d.degree[k], d.count[k]);
        }
    return s;
}

} // namespace rewire
