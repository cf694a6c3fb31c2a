#include "analysis/topology_evolution.h"

#include <fmt/format.h>
#include <iterator>

#include "analysis/degrees.h"
#include "analysis/layer_summary.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string_view>

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
        if (const ExploredPositions* x = network.layer(l).explored()) {
            r.hasExploration = true;
            r.explored = x->count();
            r.explorationRate = x->rate();
            r.explorationError = x->relativeError();
        }
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

double networkExplorationRate(const std::vector<TopologyRow>& rows, const NetworkGraph& network)
{
    double explored = 0, positions = 0;
    for (const TopologyRow& r : rows) {
        if (!r.hasExploration || r.layer < 0 || r.layer >= network.layerCount())
            return std::numeric_limits<double>::quiet_NaN();
        const SparseLayer& l = network.layer(r.layer);
        explored += r.explored;
        positions += static_cast<double>(l.inputs()) * static_cast<double>(l.outputs());
    }
    return rows.empty() || positions == 0 ? std::numeric_limits<double>::quiet_NaN() : explored / positions;
}

void readExplorationColumns(const std::string& csv, const std::string& what, std::vector<TopologyRow>& rows)
{
    std::vector<std::string_view> lines;
    for (std::size_t at = 0; at < csv.size();) {
        const std::size_t end = std::min(csv.find('\n', at), csv.size());
        lines.emplace_back(csv.data() + at, end - at);
        at = end + 1;
    }
    const auto split = [](std::string_view line) {
        std::vector<std::string_view> f;
        for (std::size_t at = 0;;) {
            const std::size_t end = line.find(',', at);
            f.push_back(line.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at));
            if (end == std::string_view::npos)
                return f;
            at = end + 1;
        }
    };
    if (lines.empty())
        throw std::invalid_argument(what + ": empty, expected a header line");
    const auto header = split(lines.front());
    const auto column = [&](std::string_view name) -> std::ptrdiff_t {
        for (std::size_t i = 0; i < header.size(); ++i)
            if (header[i] == name)
                return static_cast<std::ptrdiff_t>(i);
        return -1;
    };
    const std::ptrdiff_t epochCol = column("epoch"), layerCol = column("layer"), exploredCol = column("explored"),
                         rateCol = column("exploration_rate"), errorCol = column("exploration_rel_error");
    if (epochCol < 0 || layerCol < 0)
        throw std::invalid_argument(what + ": the header has no epoch and layer columns");
    if (exploredCol < 0 || rateCol < 0 || errorCol < 0)
        return; // a run from before the exploration rate
    for (std::size_t i = 1; i < lines.size(); ++i) {
        if (lines[i].empty())
            continue;
        const auto f = split(lines[i]);
        const auto fail = [&](const std::string& why) {
            throw std::invalid_argument(what + ", line " + std::to_string(i + 1) + ": " + why);
        };
        if (f.size() != header.size())
            fail(std::to_string(f.size()) + " fields, the header has " + std::to_string(header.size()));
        const auto number = [&](std::ptrdiff_t c, auto& v) {
            const std::string_view t = f[static_cast<std::size_t>(c)];
            const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
            if (r.ec != std::errc() || r.ptr != t.data() + t.size())
                fail("\"" + std::string(t.substr(0, 32)) + "\" in column " + std::string(header[static_cast<std::size_t>(c)]) +
                     " is not a number");
        };
        int epoch = 0, layer = 0;
        number(epochCol, epoch);
        number(layerCol, layer);
        if (f[static_cast<std::size_t>(exploredCol)].empty())
            continue;
        double explored = 0, rate = 0, error = 0;
        number(exploredCol, explored);
        number(rateCol, rate);
        number(errorCol, error);
        if (!(explored >= 0) || !(rate >= 0 && rate <= 1) || !(error >= 0 && error < 1))
            fail("exploration figures out of range");
        for (TopologyRow& r : rows)
            if (r.epoch == epoch && r.layer == layer) {
                r.hasExploration = true;
                r.explored = explored;
                r.explorationRate = rate;
                r.explorationError = error;
            }
    }
}

} // namespace rewire
