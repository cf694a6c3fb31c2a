#include "core/methods/parts.h"

#include "core/config.h"
#include "core/evolution.h"
#include "core/init.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace rewire {

namespace {

const EpochRecord& lastRecord(const TopologyContext& ctx)
{
    if (ctx.state.history.empty())
        throw std::logic_error("topology step before any epoch was recorded");
    return ctx.state.history.back();
}

} // namespace

double EveryEpoch::fraction(const TrainConfig& config, int epoch, int epochs)
{
    if (config.evolveEvery > 1 && epoch % config.evolveEvery != 0)
        return 0.0;
    if (config.zetaSchedule != "cosine")
        return config.zeta;
    const double end = 0.75 * epochs;
    if (epoch >= end)
        return 0.0;
    return 0.5 * config.zeta * (1.0 + std::cos(std::numbers::pi * epoch / end));
}

StepPlan EveryEpoch::plan(const TopologyContext& ctx) const
{
    StepPlan p;
    p.dropFraction = fraction(ctx.config, ctx.epoch, ctx.epochs);
    p.active = p.dropFraction > 0.0;
    if (!p.active && ctx.config.zeta > 0.0)
        p.note = "no step after this epoch (--evolve-every, --zeta-schedule)";
    return p;
}

double AccuracyRatio::theta(double accuracy, double k)
{
    const double den = k - std::fabs(accuracy) * 2.0 * k + 1.0; // > 0 for k in [0, 1), accuracy in [0, 1]
    const double t = 1.0 - (accuracy - accuracy * k) / den;
    return std::clamp(t, 0.0, 1.0);
}

StepPlan AccuracyRatio::plan(const TopologyContext& ctx) const
{
    StepPlan p = EveryEpoch().plan(ctx);
    const EpochRecord& r = lastRecord(ctx);
    const double acc = m_validation ? r.validationAccuracy : r.trainAccuracy;
    p.growRatio = std::isfinite(acc) ? theta(acc, m_k) : 1.0;
    return p;
}

double LossRatio::theta(double loss, double firstLoss)
{
    if (!(firstLoss > 0.0))
        return loss > 0.0 ? 1.0 : 0.0;
    return std::clamp(loss / firstLoss, 0.0, 1.0);
}

StepPlan LossRatio::plan(const TopologyContext& ctx) const
{
    StepPlan p = EveryEpoch().plan(ctx);
    const auto& h = ctx.state.history;
    const EpochRecord& r = lastRecord(ctx);
    const double loss = m_validation ? r.validationLoss : r.trainLoss;
    const double first = m_validation ? h.front().validationLoss : h.front().trainLoss;
    p.growRatio = std::isfinite(loss) && std::isfinite(first) ? theta(loss, first) : 1.0;
    return p;
}

bool LossGate::paused(const std::vector<double>& losses, int window)
{
    const std::size_t n = losses.size();
    if (window < 1 || n < static_cast<std::size_t>(window) + 2)
        return false;
    return losses[n - 1] > losses[n - 1 - static_cast<std::size_t>(window)];
}

StepPlan LossGate::plan(const TopologyContext& ctx) const
{
    std::vector<double> losses;
    for (const EpochRecord& r : ctx.state.history)
        losses.push_back(m_validation ? r.validationLoss : r.trainLoss);
    if (paused(losses, m_window)) {
        StepPlan p;
        p.note = "paused: loss above that of " + std::to_string(m_window) + " epochs earlier";
        return p;
    }
    return m_inner->plan(ctx);
}

StepPlan Periodic::plan(const TopologyContext& ctx) const
{
    StepPlan p;
    p.active = ctx.epoch >= m_start && ctx.epoch % m_period == 0;
    p.growRatio = 0.0;
    return p;
}

StepPlan CubicPruning::plan(const TopologyContext& ctx) const
{
    StepPlan p;
    const int end = endEpoch(ctx.epochs);
    if (ctx.epoch < 1 || ctx.epoch > end) {
        p.note = "fine-tuning: the final density was reached";
        return p;
    }
    const double frac = static_cast<double>(ctx.epoch) / end;
    p.active = true;
    p.growRatio = 0.0;
    p.pruneProgress = 1.0 - std::pow(1.0 - frac, 3.0);
    return p;
}

StepPlan RoundPruning::plan(const TopologyContext& ctx) const
{
    StepPlan p;
    const int length = std::max(1, ctx.epochs / (m_rounds + 1));
    if (ctx.epoch % length != 0 || ctx.epoch / length > m_rounds) {
        p.note = "training between pruning rounds";
        return p;
    }
    p.active = true;
    p.growRatio = 0.0;
    p.pruneProgress = static_cast<double>(ctx.epoch / length) / m_rounds;
    return p;
}

StepPlan AtStart::plan(const TopologyContext& ctx) const
{
    StepPlan p;
    p.active = ctx.epoch == 0;
    p.growRatio = 0.0;
    return p;
}

EdgeIndex PruneToTarget::keepCount(EdgeIndex possible, EdgeIndex final, double x, bool geometric)
{
    x = std::clamp(x, 0.0, 1.0);
    const double p = static_cast<double>(possible), f = static_cast<double>(final);
    const double keep = geometric ? p * std::pow(f / p, x) : p - x * (p - f);
    return std::clamp<EdgeIndex>(static_cast<EdgeIndex>(std::llround(keep)), final, possible);
}

void PruneToTarget::prepare(NetworkGraph& network) const
{
    if (!m_rewind)
        return;
    for (SparseLayer& layer : network.layers()) {
        const int w = layer.addEdgeProperty("init_weight");
        std::copy(layer.weights().begin(), layer.weights().end(), layer.edgeProperty(w).begin());
        const int b = layer.addNeuronProperty("init_bias");
        std::copy(layer.bias().begin(), layer.bias().end(), layer.neuronProperty(b).begin());
    }
}

void PruneToTarget::rewindLayer(SparseLayer& layer, int l)
{
    const int iw = layer.findEdgeProperty("init_weight"), ib = layer.findNeuronProperty("init_bias");
    if (iw < 0 || ib < 0)
        throw std::invalid_argument("layer " + std::to_string(l + 1) +
                                    ": no init_weight/init_bias to rewind to (a network IMP did not start)");
    std::copy(layer.edgeProperty(iw).begin(), layer.edgeProperty(iw).end(), layer.weights().begin());
    std::copy(layer.neuronProperty(ib).begin(), layer.neuronProperty(ib).end(), layer.bias().begin());
    for (int p = 0; p < layer.edgePropertyCount(); ++p)
        if (isOptimiserState(layer.edgePropertyName(p)))
            std::fill(layer.edgeProperty(p).begin(), layer.edgeProperty(p).end(), 0.0f);
    for (int p = 0; p < layer.neuronPropertyCount(); ++p)
        if (isOptimiserState(layer.neuronPropertyName(p)))
            std::fill(layer.neuronProperty(p).begin(), layer.neuronProperty(p).end(), 0.0f);
}

std::vector<std::uint8_t> PruneToTarget::keep(const TopologyContext& ctx, int l, const StepPlan& plan) const
{
    SparseLayer& layer = ctx.network.layer(l);
    const auto n = layer.edgeCount();
    const EdgeIndex possible = static_cast<EdgeIndex>(layer.inputs()) * layer.outputs();
    const EdgeIndex final = erdosRenyiEdgeCount(layer.inputs(), layer.outputs(), ctx.config.epsilon);
    const EdgeIndex target = std::min(n, keepCount(possible, final, plan.pruneProgress, m_geometric));
    const auto w = layer.weights();
    const auto keep = dropSmallest(n, n - target, [&](EdgeIndex e) { return std::fabs(w[static_cast<std::size_t>(e)]); });
    if (m_rewind) {
        // This layer's mask is taken: rewind it. The layers the step leaves alone (the dense output
        // layer) rewind with the last pruned one, after every mask was computed from trained weights.
        rewindLayer(layer, l);
        bool lastPruned = true;
        for (int k = l + 1; k < ctx.network.layerCount(); ++k)
            lastPruned = lastPruned && !ctx.evolving[static_cast<std::size_t>(k)];
        if (lastPruned)
            for (int k = 0; k < ctx.network.layerCount(); ++k)
                if (!ctx.evolving[static_cast<std::size_t>(k)])
                    rewindLayer(ctx.network.layer(k), k);
    }
    return keep;
}

std::vector<std::uint8_t> SnipDrop::keep(const TopologyContext& ctx, int l, const StepPlan& /*plan*/) const
{
    if (m_cache->epoch != ctx.epoch) {
        // Every sparsified layer's saliencies, one global cut.
        struct Scored {
            float score;
            int layer;
            EdgeIndex edge;
        };
        std::vector<Scored> all;
        EdgeIndex budget = 0;
        m_cache->keep.assign(static_cast<std::size_t>(ctx.network.layerCount()), {});
        for (int k = 0; k < ctx.network.layerCount(); ++k) {
            const SparseLayer& layer = ctx.network.layer(k);
            m_cache->keep[static_cast<std::size_t>(k)].assign(static_cast<std::size_t>(layer.edgeCount()),
                                                              ctx.evolving[static_cast<std::size_t>(k)] ? 0 : 1);
            if (!ctx.evolving[static_cast<std::size_t>(k)])
                continue;
            budget += std::min(layer.edgeCount(), erdosRenyiEdgeCount(layer.inputs(), layer.outputs(), ctx.config.epsilon));
            const auto g = ctx.probe->edgeGradients(k);
            const auto w = layer.weights();
            for (EdgeIndex e = 0; e < layer.edgeCount(); ++e)
                all.push_back({std::fabs(g[static_cast<std::size_t>(e)] * w[static_cast<std::size_t>(e)]), k, e});
        }
        const auto better = [](const Scored& a, const Scored& b) {
            if (a.score != b.score)
                return a.score > b.score;
            return a.layer != b.layer ? a.layer < b.layer : a.edge < b.edge;
        };
        budget = std::min<EdgeIndex>(budget, static_cast<EdgeIndex>(all.size()));
        if (budget > 0)
            std::nth_element(all.begin(), all.begin() + (budget - 1), all.end(), better);
        for (EdgeIndex q = 0; q < budget; ++q)
            m_cache->keep[static_cast<std::size_t>(all[static_cast<std::size_t>(q)].layer)]
                         [static_cast<std::size_t>(all[static_cast<std::size_t>(q)].edge)] = 1;
        m_cache->epoch = ctx.epoch;
    }
    return std::move(m_cache->keep[static_cast<std::size_t>(l)]);
}

std::vector<std::uint8_t> MagnitudeBySign::keep(const TopologyContext& ctx, int l, const StepPlan& plan) const
{
    return setPruneMask(ctx.network.layer(l).weights(), plan.dropFraction);
}

std::vector<std::uint8_t> MagnitudeDrop::keep(const TopologyContext& ctx, int l, const StepPlan& plan) const
{
    const auto w = ctx.network.layer(l).weights();
    const auto n = static_cast<EdgeIndex>(w.size());
    const auto drop = static_cast<EdgeIndex>(std::llround(plan.dropFraction * static_cast<double>(n)));
    return dropSmallest(n, drop, [&](EdgeIndex e) { return std::fabs(w[static_cast<std::size_t>(e)]); });
}

double ImportanceDrop::threshold(std::vector<double> importance, double percentile)
{
    if (importance.empty())
        return -std::numeric_limits<double>::infinity();
    std::sort(importance.begin(), importance.end());
    const double rank = percentile / 100.0 * static_cast<double>(importance.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(rank));
    const std::size_t hi = std::min(lo + 1, importance.size() - 1);
    return importance[lo] + (rank - static_cast<double>(lo)) * (importance[hi] - importance[lo]);
}

std::vector<std::uint8_t> ImportanceDrop::keep(const TopologyContext& ctx, int l, const StepPlan& /*plan*/) const
{
    const SparseLayer& layer = ctx.network.layer(l);
    std::vector<std::uint8_t> keep(static_cast<std::size_t>(layer.edgeCount()), 1);
    if (l + 1 >= ctx.network.layerCount())
        return keep;
    const auto rows = layer.rowPtr();
    const auto w = layer.weights();
    std::vector<double> importance(static_cast<std::size_t>(layer.outputs()), 0.0), live;
    for (NeuronIndex j = 0; j < layer.outputs(); ++j) {
        double s = 0.0;
        for (EdgeIndex e = rows[j]; e < rows[j + 1]; ++e)
            s += std::fabs(static_cast<double>(w[static_cast<std::size_t>(e)]));
        importance[static_cast<std::size_t>(j)] = s;
        if (rows[j + 1] > rows[j])
            live.push_back(s);
    }
    const double t = threshold(std::move(live), m_percentile);
    // The most important live neuron always stays (the first of equals), so a round never empties
    // a layer, even when every importance is the same.
    NeuronIndex top = -1;
    for (NeuronIndex j = 0; j < layer.outputs(); ++j)
        if (rows[j + 1] > rows[j] && (top < 0 || importance[static_cast<std::size_t>(j)] > importance[static_cast<std::size_t>(top)]))
            top = j;
    for (NeuronIndex j = 0; j < layer.outputs(); ++j)
        if (j != top && importance[static_cast<std::size_t>(j)] <= t)
            for (EdgeIndex e = rows[j]; e < rows[j + 1]; ++e)
                keep[static_cast<std::size_t>(e)] = 0;
    return keep;
}

std::vector<NewEdge> UniformGrow::grow(const TopologyContext& ctx, int l, std::span<const std::uint8_t> keep,
                                       EdgeIndex count, Rng& rng) const
{
    return randomAbsentPositions(ctx.network.layer(l), keep, count, rng);
}

std::vector<NewEdge> NeighbourGrow::grow(const TopologyContext& ctx, int l, std::span<const std::uint8_t> keep,
                                         EdgeIndex count, Rng& rng) const
{
    const SparseLayer& layer = ctx.network.layer(l);
    const auto inputs = static_cast<std::int64_t>(layer.inputs()), outputs = static_cast<std::int64_t>(layer.outputs());
    const auto rows = layer.rowPtr();
    const auto cols = layer.colIdx();
    auto isKept = [&](std::int64_t j, std::int64_t i) {
        const EdgeIndex e = layer.findEdge(static_cast<NeuronIndex>(j), static_cast<NeuronIndex>(i));
        return e >= 0 && keep[static_cast<std::size_t>(e)] != 0;
    };
    // Every absent neighbour position of every kept edge, once per kept neighbour.
    std::vector<std::uint64_t> keys;
    for (std::int64_t j = 0; j < outputs; ++j)
        for (EdgeIndex e = rows[static_cast<std::size_t>(j)]; e < rows[static_cast<std::size_t>(j) + 1]; ++e) {
            if (!keep[static_cast<std::size_t>(e)])
                continue;
            const std::int64_t i = cols[static_cast<std::size_t>(e)];
            for (std::int64_t dj = -1; dj <= 1; ++dj)
                for (std::int64_t di = -1; di <= 1; ++di) {
                    const std::int64_t jj = j + dj, ii = i + di;
                    if ((di == 0 && dj == 0) || jj < 0 || jj >= outputs || ii < 0 || ii >= inputs || isKept(jj, ii))
                        continue;
                    keys.push_back(static_cast<std::uint64_t>(jj * inputs + ii));
                }
        }
    std::sort(keys.begin(), keys.end());
    struct Candidate {
        std::uint64_t key;
        std::uint32_t neighbours;
    };
    std::vector<Candidate> cand;
    for (std::size_t a = 0; a < keys.size();) {
        std::size_t b = a;
        while (b < keys.size() && keys[b] == keys[a])
            ++b;
        cand.push_back({keys[a], static_cast<std::uint32_t>(b - a)});
        a = b;
    }
    keys.clear();
    keys.shrink_to_fit();
    const std::size_t take = std::min(cand.size(), static_cast<std::size_t>(count));
    if (m_most) {
        const std::uint64_t salt = rng.next(); // seeded order among equal counts
        std::partial_sort(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(take), cand.end(),
                          [salt](const Candidate& a, const Candidate& b) {
                              if (a.neighbours != b.neighbours)
                                  return a.neighbours > b.neighbours;
                              const std::uint64_t ha = hashCounter(salt, a.key), hb = hashCounter(salt, b.key);
                              return ha != hb ? ha < hb : a.key < b.key;
                          });
    } else {
        for (std::size_t a = 0; a < take; ++a) // uniform without replacement
            std::swap(cand[a], cand[a + rng.below(cand.size() - a)]);
    }
    std::vector<NewEdge> added;
    added.reserve(static_cast<std::size_t>(count));
    std::vector<std::uint64_t> chosen;
    for (std::size_t a = 0; a < take; ++a) {
        added.push_back({static_cast<NeuronIndex>(cand[a].key / static_cast<std::uint64_t>(inputs)),
                         static_cast<NeuronIndex>(cand[a].key % static_cast<std::uint64_t>(inputs)), 0.0f});
        chosen.push_back(cand[a].key);
    }
    if (static_cast<EdgeIndex>(take) < count) {
        std::sort(chosen.begin(), chosen.end());
        auto rest = randomAbsentPositions(layer, keep, count - static_cast<EdgeIndex>(take), rng, chosen);
        added.insert(added.end(), rest.begin(), rest.end());
    }
    return added;
}

std::vector<NewEdge> GradientGrow::grow(const TopologyContext& ctx, int l, std::span<const std::uint8_t> keep,
                                        EdgeIndex count, Rng& /*rng*/) const
{
    std::vector<ScoredPosition> chosen;
    if (m_selection && m_selection->epoch == ctx.epoch &&
        static_cast<std::size_t>(l) < m_selection->perLayer.size())
        chosen = std::move(m_selection->perLayer[static_cast<std::size_t>(l)]);
    else {
        const SparseLayer& layer = ctx.network.layer(l);
        chosen = topAbsentGradients(ctx.probe->pool(), layer, keep, ctx.probe->inputs(l), ctx.probe->deltas(l),
                                    ctx.probe->batch(), count);
        ctx.probe->flops += 2.0 * layer.inputs() * layer.outputs() * ctx.probe->batch();
    }
    if (static_cast<EdgeIndex>(chosen.size()) > count)
        chosen.resize(static_cast<std::size_t>(count));
    std::vector<NewEdge> added;
    added.reserve(chosen.size());
    for (const ScoredPosition& c : chosen)
        added.push_back({c.output, c.input, 0.0f});
    return added;
}

std::vector<NeuronIndex> LossGrow::topNeurons(std::span<const double> error, double share)
{
    const auto n = static_cast<NeuronIndex>(error.size());
    std::vector<NeuronIndex> order(error.size());
    for (NeuronIndex j = 0; j < n; ++j)
        order[static_cast<std::size_t>(j)] = j;
    const auto take = std::clamp<NeuronIndex>(static_cast<NeuronIndex>(std::ceil(share * n - 1e-9)), n > 0 ? 1 : 0, n);
    std::partial_sort(order.begin(), order.begin() + take, order.end(), [&](NeuronIndex a, NeuronIndex b) {
        const double ea = error[static_cast<std::size_t>(a)], eb = error[static_cast<std::size_t>(b)];
        return ea != eb ? ea > eb : a < b;
    });
    order.resize(static_cast<std::size_t>(take));
    return order;
}

std::vector<NewEdge> LossGrow::grow(const TopologyContext& ctx, int l, std::span<const std::uint8_t> keep,
                                    EdgeIndex count, Rng& rng) const
{
    const SparseLayer& layer = ctx.network.layer(l);
    const NeuronBuffer& dz = ctx.probe->deltas(l);
    const int batch = ctx.probe->batch();
    std::vector<double> error(static_cast<std::size_t>(layer.outputs()));
    for (NeuronIndex j = 0; j < layer.outputs(); ++j) {
        double sum = 0.0;
        for (int b = 0; b < batch; ++b)
            sum += dz.row(j)[b];
        error[static_cast<std::size_t>(j)] = std::abs(sum);
    }
    const std::vector<NeuronIndex> ranked = topNeurons(error, m_share);
    // Equal shares, the remainder to the first in rank; then the rows in ascending order for the
    // tiled scoring.
    std::vector<std::pair<NeuronIndex, EdgeIndex>> shares;
    const auto k = static_cast<EdgeIndex>(ranked.size());
    for (EdgeIndex r = 0; r < k; ++r)
        shares.push_back({ranked[static_cast<std::size_t>(r)], count / k + (r < count % k ? 1 : 0)});
    std::sort(shares.begin(), shares.end());
    std::vector<NeuronIndex> rows;
    std::vector<EdgeIndex> per;
    for (const auto& [j, c] : shares) {
        rows.push_back(j);
        per.push_back(c);
    }
    const auto best = topAbsentGradientsPerRow(ctx.probe->pool(), layer, keep, ctx.probe->inputs(l), dz, batch, rows, per);
    ctx.probe->flops += 2.0 * layer.inputs() * static_cast<double>(rows.size()) * batch;
    std::vector<NewEdge> added;
    std::vector<std::uint64_t> chosen;
    for (const auto& list : best)
        for (const ScoredPosition& c : list) {
            added.push_back({c.output, c.input, 0.0f});
            chosen.push_back(static_cast<std::uint64_t>(c.output) * static_cast<std::uint64_t>(layer.inputs()) +
                             static_cast<std::uint64_t>(c.input));
        }
    if (static_cast<EdgeIndex>(added.size()) < count) {
        std::sort(chosen.begin(), chosen.end());
        auto rest = randomAbsentPositions(layer, keep, count - static_cast<EdgeIndex>(added.size()), rng, chosen);
        added.insert(added.end(), rest.begin(), rest.end());
    }
    return added;
}

std::vector<std::vector<ScoredPosition>> GlobalGradientBudget::selectGlobal(std::vector<std::vector<ScoredPosition>> perLayer,
                                                                             EdgeIndex k)
{
    // A k-way merge of the sorted lists under (score, layer, output, input).
    std::vector<std::size_t> at(perLayer.size(), 0);
    std::vector<std::vector<ScoredPosition>> out(perLayer.size());
    for (EdgeIndex taken = 0; taken < k; ++taken) {
        int best = -1;
        for (std::size_t l = 0; l < perLayer.size(); ++l) {
            if (at[l] >= perLayer[l].size())
                continue;
            const ScoredPosition& c = perLayer[l][at[l]];
            // Between layers only the score decides; equal scores go to the lower layer.
            if (best < 0 || c.score > perLayer[static_cast<std::size_t>(best)][at[static_cast<std::size_t>(best)]].score)
                best = static_cast<int>(l);
        }
        if (best < 0)
            break;
        out[static_cast<std::size_t>(best)].push_back(perLayer[static_cast<std::size_t>(best)][at[static_cast<std::size_t>(best)]++]);
    }
    return out;
}

std::vector<EdgeIndex> GlobalGradientBudget::growCounts(const TopologyContext& ctx,
                                                        const std::vector<std::vector<std::uint8_t>>& keep,
                                                        const std::vector<EdgeIndex>& kept, const StepPlan& plan) const
{
    EdgeIndex deficit = 0;
    for (std::size_t l = 0; l < kept.size(); ++l)
        if (ctx.evolving[l])
            deficit += std::max<EdgeIndex>(0, ctx.state.target[l] - kept[l]);
    const auto k = static_cast<EdgeIndex>(std::llround(plan.growRatio * static_cast<double>(deficit)));
    // One layer at a time: its best k, merged at once into the running global best k.
    std::vector<std::vector<ScoredPosition>> best(kept.size());
    for (std::size_t l = 0; l < kept.size(); ++l) {
        if (!ctx.evolving[l])
            continue;
        const int li = static_cast<int>(l);
        const SparseLayer& layer = ctx.network.layer(li);
        best[l] = topAbsentGradients(ctx.probe->pool(), layer, keep[l], ctx.probe->inputs(li), ctx.probe->deltas(li),
                                     ctx.probe->batch(), k);
        ctx.probe->flops += 2.0 * layer.inputs() * layer.outputs() * ctx.probe->batch();
        best = selectGlobal(std::move(best), k);
    }
    std::vector<EdgeIndex> counts(kept.size(), 0);
    for (std::size_t l = 0; l < kept.size(); ++l)
        counts[l] = static_cast<EdgeIndex>(best[l].size());
    m_selection->epoch = ctx.epoch;
    m_selection->perLayer = std::move(best);
    return counts;
}

std::vector<EdgeIndex> PerLayerBudget::growCounts(const TopologyContext& ctx,
                                                  const std::vector<std::vector<std::uint8_t>>& /*keep*/,
                                                  const std::vector<EdgeIndex>& kept, const StepPlan& plan) const
{
    std::vector<EdgeIndex> counts(kept.size(), 0);
    for (std::size_t l = 0; l < kept.size(); ++l) {
        if (!ctx.evolving[l])
            continue;
        const SparseLayer& layer = ctx.network.layer(static_cast<int>(l));
        const EdgeIndex possible = static_cast<EdgeIndex>(layer.inputs()) * layer.outputs();
        const EdgeIndex deficit = std::max<EdgeIndex>(0, ctx.state.target[l] - kept[l]);
        const auto want = static_cast<EdgeIndex>(std::llround(plan.growRatio * static_cast<double>(deficit)));
        counts[l] = std::min(want, possible - kept[l]);
    }
    return counts;
}

std::vector<EdgeIndex> ShrinkingBudget::growCounts(const TopologyContext& /*ctx*/,
                                                   const std::vector<std::vector<std::uint8_t>>& /*keep*/,
                                                   const std::vector<EdgeIndex>& kept, const StepPlan& /*plan*/) const
{
    return std::vector<EdgeIndex>(kept.size(), 0);
}

} // namespace rewire
