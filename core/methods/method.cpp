#include "core/methods/method.h"

#include "graph/json.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace rewire {

namespace {

double number(const Json& j)
{
    if (j.isNull())
        return std::numeric_limits<double>::quiet_NaN();
    if (!j.isNumber())
        throw std::invalid_argument("expected a number or null");
    return j.asNumber();
}

} // namespace

std::string TopologyState::toText() const
{
    // Written directly (JSON, numbers exact and locale-free): a Json tree of this size draws
    // GCC 12's maybe-uninitialized false positives on std::variant in sanitizer builds.
    const auto num = [](double x) { return std::isfinite(x) ? formatNumber(x) : std::string("null"); };
    std::string out = "{\"target\": [";
    for (std::size_t l = 0; l < target.size(); ++l)
        out += (l ? ", " : "") + std::to_string(target[l]);
    out += "], \"history\": [";
    for (std::size_t e = 0; e < history.size(); ++e) {
        const EpochRecord& r = history[e];
        out += (e ? ", [" : "[") + num(r.trainLoss) + ", " + num(r.trainAccuracy) + ", " + num(r.validationLoss) + ", " +
               num(r.validationAccuracy) + "]";
    }
    return out + "]}";
}

TopologyState TopologyState::fromText(const std::string& text, int layers)
{
    try {
        const Json j = Json::parse(text, "topology.state");
        TopologyState s;
        const Json* t = j.find("target");
        const Json* h = j.find("history");
        if (!t || !h || !t->isArray() || !h->isArray())
            throw std::invalid_argument("expected target and history arrays");
        if (static_cast<int>(t->asArray().size()) != layers)
            throw std::invalid_argument("target has " + std::to_string(t->asArray().size()) + " layers, the network " +
                                        std::to_string(layers));
        for (const Json& e : t->asArray()) {
            const double v = number(e);
            if (!(v >= 0 && v <= 9.0e15) || std::floor(v) != v)
                throw std::invalid_argument("target counts must be whole numbers >= 0");
            s.target.push_back(static_cast<EdgeIndex>(v));
        }
        for (const Json& r : h->asArray()) {
            if (!r.isArray() || r.asArray().size() != 4)
                throw std::invalid_argument("history rows hold 4 numbers");
            const auto& a = r.asArray();
            s.history.push_back({number(a[0]), number(a[1]), number(a[2]), number(a[3])});
        }
        return s;
    } catch (const std::exception& e) {
        throw std::invalid_argument(std::string("attribute topology.state: ") + e.what());
    }
}

TopologyMethod::TopologyMethod(std::string name, std::unique_ptr<Schedule> schedule, std::unique_ptr<DropRule> drop,
                               std::unique_ptr<GrowRule> grow, std::unique_ptr<Budget> budget)
    : m_name(std::move(name)), m_schedule(std::move(schedule)), m_drop(std::move(drop)), m_grow(std::move(grow)),
      m_budget(std::move(budget))
{
    if (!m_schedule || !m_drop || !m_budget)
        throw std::invalid_argument("TopologyMethod " + m_name + ": schedule, drop rule and budget are required");
}

bool TopologyMethod::needsGradients() const
{
    return m_drop->needsGradients() || (m_grow && m_grow->needsGradients()) || m_budget->needsGradients();
}

std::vector<LayerChange> TopologyMethod::step(TopologyContext& ctx, Rng& rng) const
{
    const int layers = ctx.network.layerCount();
    std::vector<LayerChange> changes(static_cast<std::size_t>(layers));
    if (ctx.epoch >= ctx.epochs || (ctx.epoch == 0 && !m_schedule->atStart())) // never after the last epoch
        return changes;
    const StepPlan plan = m_schedule->plan(ctx);
    if (!plan.active)
        return changes;
    if (needsGradients()) {
        if (!ctx.probe)
            throw std::logic_error(m_name + ": the step needs a training batch's gradients and none was given");
        ctx.probe->compute();
    }
    std::vector<std::vector<std::uint8_t>> keep(static_cast<std::size_t>(layers));
    std::vector<EdgeIndex> kept(static_cast<std::size_t>(layers), 0);
    for (int l = 0; l < layers; ++l) {
        const SparseLayer& layer = ctx.network.layer(l);
        if (!ctx.evolving[static_cast<std::size_t>(l)]) {
            kept[static_cast<std::size_t>(l)] = layer.edgeCount();
            continue;
        }
        keep[static_cast<std::size_t>(l)] = m_drop->keep(ctx, l, plan);
        EdgeIndex k = 0;
        for (auto f : keep[static_cast<std::size_t>(l)])
            k += f != 0;
        kept[static_cast<std::size_t>(l)] = k;
    }
    const std::vector<EdgeIndex> counts = m_budget->growCounts(ctx, keep, kept, plan);
    for (int l = 0; l < layers; ++l) {
        if (!ctx.evolving[static_cast<std::size_t>(l)])
            continue;
        SparseLayer& layer = ctx.network.layer(l);
        const auto& k = keep[static_cast<std::size_t>(l)];
        const EdgeIndex pruned = layer.edgeCount() - kept[static_cast<std::size_t>(l)];
        const EdgeIndex count = counts[static_cast<std::size_t>(l)];
        std::vector<NewEdge> added;
        if (m_grow && count > 0)
            added = m_grow->grow(ctx, l, k, count, rng);
        if (static_cast<EdgeIndex>(added.size()) != count)
            throw std::invalid_argument(m_name + ": layer " + std::to_string(l + 1) + " has room for " +
                                        std::to_string(added.size()) + " new edges, the budget asks for " +
                                        std::to_string(count));
        if (!m_zeroNew)
            drawNewWeights(added, layer, k, ctx.init, initGain(ctx.init, ctx.network, l), rng);
        if (pruned == 0 && added.empty())
            continue;
        layer.editTopology(k, std::move(added));
        changes[static_cast<std::size_t>(l)] = {pruned, count};
        if (m_budget->shrinks())
            ctx.state.target[static_cast<std::size_t>(l)] -= pruned - count;
        else if (m_budget->retargets())
            ctx.state.target[static_cast<std::size_t>(l)] = layer.edgeCount();
    }
    return changes;
}

} // namespace rewire
