#include "analysis/topology_evolution.h"

#include <fmt/format.h>
#include <iterator>

#include "analysis/degrees.h"
#include "analysis/layer_summary.h"
#include "graph/json.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace rewire {

namespace {

// Both layers' rows merged position by position, over the positions `keep` accepts.
template <class Keep>
std::vector<LayerTurnover> turnover(const NetworkGraph& a, const NetworkGraph& b, std::vector<LayerEdgeChanges>* changes, Keep keep)
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
            const auto skip = [&](const SparseLayer& g, EdgeIndex& k, EdgeIndex end) {
                while (k < end && !keep(l, g.colIdx()[k], j))
                    ++k;
            };
            skip(x, p, pe);
            skip(y, q, qe);
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
                skip(x, p, pe);
                skip(y, q, qe);
            }
        }
        const EdgeIndex unite = t.common + t.added + t.removed;
        t.jaccardDistance = unite ? 1.0 - static_cast<double>(t.common) / static_cast<double>(unite) : 0.0;
        out.push_back(t);
    }
    return out;
}

} // namespace

std::vector<LayerTurnover> maskTurnover(const NetworkGraph& a, const NetworkGraph& b, std::vector<LayerEdgeChanges>* changes)
{
    return turnover(a, b, changes, [](int, NeuronIndex, NeuronIndex) { return true; });
}

std::vector<LayerTurnover> maskTurnover(const NetworkGraph& a, const NetworkGraph& b, std::vector<LayerEdgeChanges>* changes,
                                        const std::function<bool(int, NeuronIndex, NeuronIndex)>& keep)
{
    return turnover(a, b, changes, keep);
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

void fillExploration(TopologyRow& r, const SparseLayer& layer)
{
    if (const ExploredPositions* x = layer.explored()) {
        r.hasExploration = true;
        r.explored = x->count(); // the sketch's estimate costs a pass over its registers: once
        r.explorationRate = x->positions() ? r.explored / static_cast<double>(x->positions()) : 0.0;
        r.explorationError = x->relativeError();
    }
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
        fillExploration(r, network.layer(l));
        rows.push_back(r);
    }
    return rows;
}

std::string topologyCsvHeader()
{
    return "epoch,layer,edges,density,max_in_degree,sd_in_degree,max_out_degree,sd_out_degree,isolated_inputs,"
           "isolated_outputs,mean_abs_weight,turnover,added,removed,explored,exploration_rate,exploration_rel_error\n";
}

std::string topologyCsvRow(const TopologyRow& r)
{
    std::string s = fmt::format("{},{},{},{:.6f},{},{:.4f},{},{:.4f},{},{},{:.6f},", r.epoch, r.layer, r.edges, r.density,
                                r.maxInDegree, r.sdInDegree, r.maxOutDegree, r.sdOutDegree, r.isolatedInputs,
                                r.isolatedOutputs, r.meanAbsWeight);
    if (r.hasPrevious)
        fmt::format_to(std::back_inserter(s), "{:.6f},{},{},", r.turnover.jaccardDistance, r.turnover.added,
                       r.turnover.removed);
    else
        s += ",,,";
    if (r.hasExploration)
        fmt::format_to(std::back_inserter(s), "{:.0f},{:.6g},{:.2g}\n", r.explored, r.explorationRate, r.explorationError);
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

std::vector<TopologyRow> explorationRows(int epoch, const NetworkGraph& network)
{
    std::vector<TopologyRow> rows(static_cast<std::size_t>(network.layerCount()));
    for (int l = 0; l < network.layerCount(); ++l) {
        rows[static_cast<std::size_t>(l)].epoch = epoch;
        rows[static_cast<std::size_t>(l)].layer = l;
        fillExploration(rows[static_cast<std::size_t>(l)], network.layer(l));
    }
    return rows;
}

NetworkExploration networkExploration(const std::vector<TopologyRow>& rows, const NetworkGraph& network)
{
    NetworkExploration x;
    double explored = 0, positions = 0;
    for (const TopologyRow& r : rows) {
        if (!r.hasExploration || r.layer < 0 || r.layer >= network.layerCount())
            return {};
        const SparseLayer& l = network.layer(r.layer);
        explored += r.explored;
        positions += static_cast<double>(l.inputs()) * static_cast<double>(l.outputs());
        x.perLayer.push_back(r.explorationRate);
        x.estimated = x.estimated || r.explorationError > 0;
    }
    x.tracked = positions > 0;
    x.rate = x.tracked ? explored / positions : 0.0;
    return x;
}

ExplorationTable readExplorationTable(const std::string& csv, const std::string& what)
{
    if (csv.empty())
        throw std::invalid_argument(what + ": empty, expected a header line");
    const std::vector<std::string> lines = splitText(csv, '\n');
    const std::vector<std::string> header = splitText(lines.front(), ',');
    const auto column = [&](const char* name) -> std::ptrdiff_t {
        const auto it = std::find(header.begin(), header.end(), name);
        return it == header.end() ? -1 : it - header.begin();
    };
    const std::ptrdiff_t epochCol = column("epoch"), layerCol = column("layer"), exploredCol = column("explored"),
                         rateCol = column("exploration_rate"), errorCol = column("exploration_rel_error");
    if (epochCol < 0 || layerCol < 0)
        throw std::invalid_argument(what + ": the header has no epoch and layer columns");
    ExplorationTable table;
    if (exploredCol < 0 || rateCol < 0 || errorCol < 0)
        return table; // a run from before the exploration rate
    for (std::size_t i = 1; i < lines.size(); ++i) {
        if (lines[i].empty())
            continue;
        const std::vector<std::string> f = splitText(lines[i], ',');
        const auto fail = [&](const std::string& why) {
            throw std::invalid_argument(what + ", line " + std::to_string(i + 1) + ": " + why);
        };
        if (f.size() != header.size())
            fail(std::to_string(f.size()) + " fields, the header has " + std::to_string(header.size()));
        const auto number = [&](std::ptrdiff_t c) {
            const std::string& t = f[static_cast<std::size_t>(c)];
            double v = 0;
            if (!readNumber(t, v))
                fail("\"" + t.substr(0, 32) + "\" in column " + header[static_cast<std::size_t>(c)] + " is not a number");
            return v;
        };
        const double epoch = number(epochCol), layer = number(layerCol);
        if (epoch != std::floor(epoch) || layer != std::floor(layer) || std::abs(epoch) > 1e9 || std::abs(layer) > 1e9)
            fail("epoch and layer must be whole numbers");
        if (f[static_cast<std::size_t>(exploredCol)].empty())
            continue;
        ExplorationFigures x{number(exploredCol), number(rateCol), number(errorCol)};
        if (!(x.explored >= 0) || !(x.rate >= 0 && x.rate <= 1) || !(x.error >= 0 && x.error < 1))
            fail("exploration figures out of range");
        table[{static_cast<int>(epoch), static_cast<int>(layer)}] = x;
    }
    return table;
}

void applyExploration(const ExplorationTable& table, std::vector<TopologyRow>& rows)
{
    for (TopologyRow& r : rows)
        if (const auto it = table.find({r.epoch, r.layer}); it != table.end()) {
            r.hasExploration = true;
            r.explored = it->second.explored;
            r.explorationRate = it->second.rate;
            r.explorationError = it->second.error;
        }
}

} // namespace rewire
