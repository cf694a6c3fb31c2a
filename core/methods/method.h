#pragma once
// A topology method = four composable parts (shared/DESIGN.md, "Methods"):
//   Schedule  when and how many: whether a step runs after this epoch, the fraction dropped and
//             the share θ of the deficit regrown;
//   DropRule  what to drop: a keep mask over a layer's existing edges;
//   GrowRule  what to add: positions absent from the kept set, never a dense matrix;
//   Budget    where the edges go: per-layer targets (or, later, one global pool).
// Every change goes through SparseLayer::editTopology, so the optimiser state (edge properties)
// stays aligned and new edges start with zero state.

#include "core/init.h"
#include "core/methods/gradient.h"
#include "core/rng.h"
#include "graph/network_graph.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace rewire {

struct TrainConfig;

// One trained epoch's figures, as the methods see them (NaN where a split is absent).
struct EpochRecord {
    double trainLoss = 0.0, trainAccuracy = 0.0;
    double validationLoss = 0.0, validationAccuracy = 0.0;
};

// What the methods keep from epoch to epoch; saved in the network's attributes
// ("topology.state") so checkpoints carry it.
struct TopologyState {
    std::vector<EdgeIndex> target;    // per layer: the edge count the budget refills towards
    std::vector<EpochRecord> history; // epochs 1..n
    std::string toText() const;
    // Throws std::invalid_argument on malformed text (checkpoint attributes are untrusted).
    static TopologyState fromText(const std::string& text, int layers);
};

struct TopologyContext {
    int epoch = 0;  // 1-based, just trained and evaluated
    int epochs = 0; // of the run
    const TrainConfig& config;
    NetworkGraph& network;
    TopologyState& state;
    std::vector<bool> evolving; // per layer: sparse and chosen by --evolve-layers
    WeightInit init;
    GradientProbe* probe = nullptr; // a training batch's gradients, for the parts that need them
};

struct StepPlan {
    bool active = false;
    double dropFraction = 0.0; // of the layer's edges (the drop rule's meaning)
    double growRatio = 1.0;    // θ: share of the deficit (target - kept) regrown
    std::string note;          // why a step was skipped or scaled, for tests and logs
    // Pruning schedules (GMP, IMP): the share x in [0, 1] of the way from dense to the final
    // density a step prunes to (see PruneToTarget); negative when unused.
    double pruneProgress = -1.0;
};

struct LayerChange {
    EdgeIndex pruned = 0, regrown = 0;
};

// Keep flags over n edges with the `drop` edges of smallest key(e) cleared (ties: the lower edge
// index goes first), as every magnitude or statistic drop rule selects. O(n) (nth_element).
template <class Key>
std::vector<std::uint8_t> dropSmallest(EdgeIndex n, EdgeIndex drop, Key key)
{
    std::vector<std::uint8_t> keep(static_cast<std::size_t>(n), 1);
    drop = std::clamp<EdgeIndex>(drop, 0, n);
    if (drop == 0)
        return keep;
    std::vector<EdgeIndex> order(static_cast<std::size_t>(n));
    for (EdgeIndex e = 0; e < n; ++e)
        order[static_cast<std::size_t>(e)] = e;
    std::nth_element(order.begin(), order.begin() + (drop - 1), order.end(), [&](EdgeIndex a, EdgeIndex b) {
        const auto ka = key(a), kb = key(b);
        return ka != kb ? ka < kb : a < b;
    });
    for (EdgeIndex q = 0; q < drop; ++q)
        keep[static_cast<std::size_t>(order[static_cast<std::size_t>(q)])] = 0;
    return keep;
}

class Schedule {
public:
    virtual ~Schedule() = default;
    virtual StepPlan plan(const TopologyContext& ctx) const = 0;
    // Whether the method also steps once before the first epoch (ctx.epoch = 0: SNIP).
    virtual bool atStart() const { return false; }
};

class DropRule {
public:
    virtual ~DropRule() = default;
    // Keep flags over layer l's edges (1 = kept).
    virtual std::vector<std::uint8_t> keep(const TopologyContext& ctx, int l, const StepPlan& plan) const = 0;
    // Whether keep() reads ctx.probe (computed once per step, before any edit).
    virtual bool needsGradients() const { return false; }
    // Whether keep() reads the gradients training captured (GradientProbe::captured).
    virtual bool needsCapturedGradients() const { return false; }
    // Called once on a new run's network before training (IMP keeps the initial weights here).
    virtual void prepare(NetworkGraph& /*network*/) const {}
};

class GrowRule {
public:
    virtual ~GrowRule() = default;
    // `count` positions absent from the kept edges of layer l (a just-dropped position may
    // return); weights are set by the caller. Fewer only when fewer positions are free. Layers
    // before l are already edited; ctx.probe describes the network before the step.
    virtual std::vector<NewEdge> grow(const TopologyContext& ctx, int l, std::span<const std::uint8_t> keep,
                                      EdgeIndex count, Rng& rng) const = 0;
    virtual bool needsGradients() const { return false; }
};

class Budget {
public:
    virtual ~Budget() = default;
    // Edges to add per layer, given each layer's keep flags (empty for layers that do not
    // evolve), what each layer kept, and the plan.
    virtual std::vector<EdgeIndex> growCounts(const TopologyContext& ctx,
                                              const std::vector<std::vector<std::uint8_t>>& keep,
                                              const std::vector<EdgeIndex>& kept, const StepPlan& plan) const = 0;
    // Whether drops lower the layers' targets for good (pruning methods) or are refilled.
    virtual bool shrinks() const { return false; }
    // Whether each layer's target becomes its edge count after the step (a global budget moves
    // edges between layers; their sum stays).
    virtual bool retargets() const { return false; }
    virtual bool needsGradients() const { return false; }
};

class TopologyMethod {
public:
    // Every part but `grow` is required; without a grow rule nothing is added.
    TopologyMethod(std::string name, std::unique_ptr<Schedule> schedule, std::unique_ptr<DropRule> drop,
                   std::unique_ptr<GrowRule> grow, std::unique_ptr<Budget> budget);
    // One step after epoch ctx.epoch on every evolving layer; per-layer changes. Throws
    // std::invalid_argument when a layer has no room for the edges its budget asks for.
    std::vector<LayerChange> step(TopologyContext& ctx, Rng& rng) const;
    const std::string& name() const { return m_name; }
    const Schedule& schedule() const { return *m_schedule; }
    // New edges start at weight 0 (seed 004, RigL) instead of a draw from the run's init.
    void setZeroNewWeights(bool on) { m_zeroNew = on; }
    bool zeroNewWeights() const { return m_zeroNew; }
    // Whether a step reads a training batch's gradients (the trainer then provides ctx.probe).
    bool needsGradients() const;
    // Whether training must keep the last batches' gradients for the step (second-order removal).
    bool needsCapturedGradients() const { return m_drop->needsCapturedGradients(); }
    void prepare(NetworkGraph& network) const { m_drop->prepare(network); }

private:
    std::string m_name;
    std::unique_ptr<Schedule> m_schedule;
    std::unique_ptr<DropRule> m_drop;
    std::unique_ptr<GrowRule> m_grow;
    std::unique_ptr<Budget> m_budget;
    bool m_zeroNew = false;
};

} // namespace rewire
