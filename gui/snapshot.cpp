#include "gui/snapshot.h"

#include "analysis/input_map.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace rewire::gui {

namespace {

// The analysis of the whole network `net` into s (s.network and s.sketch already set).
void analyse(Snapshot& s, const NetworkGraph& net, const Snapshot* previous)
{
    NeuronTable table(net);
    table.run();
    s.neurons = table.takeRows();
    const std::vector<NeuronIndex> arch = net.architecture();
    s.setStart.assign(arch.size() + 1, 0);
    for (std::size_t k = 0; k < arch.size(); ++k)
        s.setStart[k + 1] = s.setStart[k] + static_cast<std::size_t>(arch[k]);

    // Rank within each neuron set: importance (incoming strength); inputs by outgoing strength;
    // ties by index. (Sorted as (score, index) pairs side by side: no indirection per comparison.)
    s.rank.assign(s.neurons.size(), 0);
    std::vector<std::pair<double, std::size_t>> order;
    for (std::size_t k = 0; k < arch.size(); ++k) {
        order.clear();
        for (std::size_t i = s.setStart[k]; i < s.setStart[k + 1]; ++i)
            if (const double score = k == 0 ? s.neurons[i].outStrength : s.neurons[i].importance; std::isnan(score))
                order.emplace_back(-std::numeric_limits<double>::infinity(), i); // (a strict order, NaN or not)
            else
                order.emplace_back(score, i);
        std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
            return a.first != b.first ? a.first > b.first : a.second < b.second;
        });
        for (std::size_t r = 0; r < order.size(); ++r)
            s.rank[order[r].second] = static_cast<int>(r) + 1;
    }
    s.layers = summarizeLayers(net);
    s.inputGrid = inputGrid(net);

    // Turnover against a snapshot of the same kind: two copies exactly, two sketches on their sample.
    s.hasPrevious = previous && previous->network && previous->network->architecture() == arch &&
                    (previous->sketch != nullptr) == (s.sketch != nullptr);
    s.previousEpoch = s.hasPrevious ? previous->epoch : 0;
    s.previousBatch = s.hasPrevious ? previous->batch : 0;
    s.rankChange.assign(s.neurons.size(), 0);
    s.turnover.clear();
    s.changes.clear();
    if (s.hasPrevious) {
        for (std::size_t i = 0; i < s.rank.size(); ++i)
            s.rankChange[i] = previous->rank[i] - s.rank[i];
        s.turnover = s.sketch ? sampledTurnover(*previous->sketch, *s.sketch, &s.changes)
                              : maskTurnover(*previous->network, net, &s.changes);
        s.turnoverHistory = previous->turnoverHistory;
        EdgeIndex common = 0, unite = 0;
        for (const LayerTurnover& t : s.turnover) {
            common += t.common;
            unite += t.common + t.added + t.removed;
        }
        if (s.batch == 0 && previous->batch == 0)
            s.turnoverHistory.push_back(
                {s.epoch, unite ? 1.0 - static_cast<double>(common) / static_cast<double>(unite) : 0.0});
    }
}

} // namespace

void analyseSnapshot(Snapshot& s, std::shared_ptr<const NetworkGraph> network, const Snapshot* previous)
{
    s.network = std::move(network);
    s.sketch.reset();
    analyse(s, *s.network, previous);
}

void analyseSketched(Snapshot& s, const NetworkGraph& network, const SketchOptions& options, const Snapshot* previous)
{
    auto sketch = std::make_shared<const NetworkSketch>(sketchNetwork(network, options));
    s.network = std::shared_ptr<const NetworkGraph>(sketch, &sketch->graph);
    s.sketch = std::move(sketch);
    analyse(s, network, previous);
}

void fixSampleRates(SketchOptions& options, const NetworkGraph& network)
{
    if (static_cast<int>(options.shifts.size()) != network.layerCount())
        options.shifts = sampleShifts(network, options.sampleTarget);
}

EdgeIndex Snapshot::edgeCount() const
{
    EdgeIndex edges = 0;
    for (const LayerSummary& l : layers)
        edges += l.edges;
    return edges;
}

std::vector<std::int64_t> Snapshot::degrees(int set, bool in) const
{
    std::vector<std::int64_t> out;
    out.reserve(setStart[static_cast<std::size_t>(set) + 1] - setStart[static_cast<std::size_t>(set)]);
    for (std::size_t r = setStart[static_cast<std::size_t>(set)]; r < setStart[static_cast<std::size_t>(set) + 1]; ++r)
        out.push_back(in ? neurons[r].inDegree : neurons[r].outDegree);
    return out;
}

std::size_t Snapshot::memoryBytes() const
{
    std::size_t bytes = sizeof(Snapshot) + (sketch ? sketch->memoryBytes() : network ? network->memoryBytes() : 0);
    bytes += neurons.size() * sizeof(NeuronRow) + (rank.size() + rankChange.size()) * sizeof(int) +
             setStart.size() * sizeof(std::size_t) + layers.size() * sizeof(LayerSummary) +
             turnover.size() * sizeof(LayerTurnover) + turnoverHistory.size() * sizeof(TurnoverPoint) +
             metrics.size() * sizeof(EpochMetrics);
    for (const LayerEdgeChanges& c : changes)
        bytes += (c.added.size() + c.removed.size()) * sizeof(ChangedEdge);
    return bytes;
}

int thinSnapshots(std::vector<SnapshotPtr>& history, std::size_t budgetBytes, int* keep)
{
    std::size_t total = 0;
    for (const SnapshotPtr& s : history)
        total += s->memoryBytes();
    int dropped = 0;
    while (total > budgetBytes && history.size() > 2) {
        int best = -1;
        double bestGap = 0;
        for (int i = 1; i + 1 < static_cast<int>(history.size()); ++i) {
            if (keep && i == *keep)
                continue;
            const double gap = history[static_cast<std::size_t>(i) + 1]->position() -
                               history[static_cast<std::size_t>(i) - 1]->position();
            if (best < 0 || gap < bestGap) {
                best = i;
                bestGap = gap;
            }
        }
        if (best < 0)
            break; // only the ends and the kept one are left
        total -= history[static_cast<std::size_t>(best)]->memoryBytes();
        history.erase(history.begin() + best);
        if (keep && *keep > best)
            --*keep;
        ++dropped;
    }
    return dropped;
}

} // namespace rewire::gui
