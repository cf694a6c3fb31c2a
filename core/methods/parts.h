#pragma once
// The concrete parts the registered methods are made of (see method.h). Each part reads the live
// TrainConfig through the context, so changes between epochs (the app's ζ) take effect.

#include "core/methods/method.h"

#include <memory>

namespace rewire {

// ---- schedules ----

// SET: a step after every epoch but the last, dropping ζ (config.zeta), regrowing the deficit.
// With --evolve-every t only after epochs e with e % t == 0; with --zeta-schedule cosine (seed
// 004 §3.1, after RigL) the fraction is ζ/2 · (1 + cos(π e / T)), T = 3/4 of the run's epochs,
// and no step runs from e ≥ T on (the rest is fine-tuning).
class EveryEpoch : public Schedule {
public:
    StepPlan plan(const TopologyContext& ctx) const override;
    // The fraction dropped after epoch e of `epochs` under the config's ζ schedule (0: no step).
    static double fraction(const TrainConfig& config, int epoch, int epochs);
};

// Never a step (static sparse, dense).
class NoSteps : public Schedule {
public:
    StepPlan plan(const TopologyContext&) const override { return {}; }
};

// AccSET (seed 002, Algorithm 1): regrow θ of the deficit with
// θ = 1 − (acc − acc·k) / (k − |acc|·2k + 1), acc the epoch's accuracy on the training or the
// validation data; k in [0, 1) (k = 0: θ = 1 − acc).
class AccuracyRatio : public Schedule {
public:
    AccuracyRatio(double k, bool onValidation) : m_k(k), m_validation(onValidation) {}
    StepPlan plan(const TopologyContext& ctx) const override;
    static double theta(double accuracy, double k);

private:
    double m_k;
    bool m_validation;
};

// LSET: seed 002 names a loss-based ratio without a formula; Rewire uses
// θ = clamp(loss_e / loss_1, 0, 1), loss_1 the first epoch's loss.
class LossRatio : public Schedule {
public:
    explicit LossRatio(bool onValidation) : m_validation(onValidation) {}
    StepPlan plan(const TopologyContext& ctx) const override;
    static double theta(double loss, double firstLoss);

private:
    bool m_validation;
};

// DynSET (seed 002, Algorithm 2): the inner schedule's step, paused after epoch e when
// e ≥ window + 2 and loss_e > loss_{e−window} (window 3 in the paper: lengthList > 4).
class LossGate : public Schedule {
public:
    LossGate(std::unique_ptr<Schedule> inner, int window, bool onValidation)
        : m_inner(std::move(inner)), m_window(window), m_validation(onValidation)
    {
    }
    StepPlan plan(const TopologyContext& ctx) const override;
    // Whether the rule pauses after the last entry of `losses` (epochs 1..n).
    static bool paused(const std::vector<double>& losses, int window);

private:
    std::unique_ptr<Schedule> m_inner;
    int m_window;
    bool m_validation;
};

// Importance Pruning's timing (seed 003, Algorithm 2): after epoch e when e ≥ start and
// e % period == 0.
class Periodic : public Schedule {
public:
    Periodic(int period, int start) : m_period(period), m_start(start) {}
    StepPlan plan(const TopologyContext& ctx) const override;

private:
    int m_period, m_start;
};

// Gradual magnitude pruning (Zhu & Gupta 2017): after epochs e = 1 .. E_end (E_end = 3/4 of the
// run, at least 1) the density follows d(e) = d_f + (1 − d_f)(1 − e/E_end)³, from dense to the
// layer's final density d_f (Erdős–Rényi at --epsilon); the rest of the run fine-tunes.
class CubicPruning : public Schedule {
public:
    StepPlan plan(const TopologyContext& ctx) const override;
    static int endEpoch(int epochs) { return std::max(1, static_cast<int>(0.75 * epochs)); }
};

// Iterative magnitude pruning: --prune-rounds r rounds of L = epochs / (r + 1) epochs; after
// epoch k·L (k = 1 .. r) each layer keeps possible · (d_f)^(k/r) edges (the same share of the
// remaining ones every round); the last L epochs (and the remainder) retrain the final network.
class RoundPruning : public Schedule {
public:
    explicit RoundPruning(int rounds) : m_rounds(rounds) {}
    StepPlan plan(const TopologyContext& ctx) const override;

private:
    int m_rounds;
};

// One step before the first epoch only (SNIP).
class AtStart : public Schedule {
public:
    StepPlan plan(const TopologyContext& ctx) const override;
    bool atStart() const override { return true; }
};

// ---- drop rules ----

// SET: the fraction of non-negative weights closest to zero and the same fraction of negative
// weights closest to zero (setPruneMask).
class MagnitudeBySign : public DropRule {
public:
    std::vector<std::uint8_t> keep(const TopologyContext& ctx, int l, const StepPlan& plan) const override;
};

// Importance Pruning (seed 003, eq. 4 and Algorithm 2): importance I_j = Σ_i |w_ij| over a
// neuron's incoming edges; every incoming edge of the neurons with I_j ≤ t goes, t the P-th
// percentile (linear interpolation, as numpy's) of the importances of the layer's neurons that
// still have incoming edges; the most important neuron always stays, so no layer is emptied.
// Only layers into hidden neurons: pruning output neurons would remove classes.
class ImportanceDrop : public DropRule {
public:
    explicit ImportanceDrop(double percentile) : m_percentile(percentile) {}
    std::vector<std::uint8_t> keep(const TopologyContext& ctx, int l, const StepPlan& plan) const override;
    // The threshold over `importance` (live neurons only), for tests.
    static double threshold(std::vector<double> importance, double percentile);

private:
    double m_percentile;
};

// RigL and seed 004's redistribution: the fraction of the layer's edges with the smallest |w|
// (ties: the lower edge index goes first), whatever their sign.
class MagnitudeDrop : public DropRule {
public:
    std::vector<std::uint8_t> keep(const TopologyContext& ctx, int l, const StepPlan& plan) const override;
};

// The pruning taxonomy's magnitude rule (GMP, IMP): layer l keeps its largest-|w| edges (ties:
// the lower index goes first, as MagnitudeDrop), as many as the plan's progress x asks: possible − x·(possible − final) for
// GMP's cubic, possible · (final/possible)^x for IMP's rounds (`geometric`). With `rewind` (IMP's
// lottery-ticket rewinding) the kept edges go back to their initial weights (the "init_weight"
// edge property prepare() stores), biases to "init_bias", and the optimiser state to zero.
class PruneToTarget : public DropRule {
public:
    PruneToTarget(bool geometric, bool rewind) : m_geometric(geometric), m_rewind(rewind) {}
    std::vector<std::uint8_t> keep(const TopologyContext& ctx, int l, const StepPlan& plan) const override;
    void prepare(NetworkGraph& network) const override;
    // The edges layer l keeps at progress x (final: the Erdős–Rényi count at --epsilon).
    static EdgeIndex keepCount(EdgeIndex possible, EdgeIndex final, double x, bool geometric);
    // Initial weights and biases back, optimiser state zero (Adam's step count t runs on).
    static void rewindLayer(SparseLayer& layer, int l);

private:
    bool m_geometric, m_rewind;
};

// SNIP (Lee et al. 2019), one-shot at initialisation: the saliency |g · w| of every edge on one
// training batch; the Σ final edge counts best across the layers to be sparsified stay (ties:
// the lower layer, then the lower edge index), the rest go; then static training.
class SnipDrop : public DropRule {
public:
    std::vector<std::uint8_t> keep(const TopologyContext& ctx, int l, const StepPlan& plan) const override;
    bool needsGradients() const override { return true; }

private:
    struct Cache {
        int epoch = -1;
        std::vector<std::vector<std::uint8_t>> keep;
    };
    std::shared_ptr<Cache> m_cache = std::make_shared<Cache>();
};

// ---- grow rules ----

// Uniformly random absent positions (SET).
class UniformGrow : public GrowRule {
public:
    std::vector<NewEdge> grow(const TopologyContext& ctx, int l, std::span<const std::uint8_t> keep, EdgeIndex count,
                              Rng& rng) const override;
};

// Seed 002 §4.1: the 8 neighbours of position (input i, output j) are (i±1, j±1), (i±1, j) and
// (i, j±1) in the weight matrix. One: uniformly random among the absent positions with at least
// one kept neighbour (as rejection sampling would draw). Most: the absent positions with the
// most kept neighbours, ties in a seeded random order. Candidates come from the kept edges'
// neighbourhoods (8 per edge), never from a scan of the matrix. When fewer candidates exist
// than needed, the rest are uniformly random.
class NeighbourGrow : public GrowRule {
public:
    explicit NeighbourGrow(bool most) : m_most(most) {}
    std::vector<NewEdge> grow(const TopologyContext& ctx, int l, std::span<const std::uint8_t> keep, EdgeIndex count,
                              Rng& rng) const override;

private:
    bool m_most;
};

// RigL (Redr-Gradient): the absent positions with the largest |∂L/∂w| on the probe's batch
// (topAbsentGradients: tiles, never the dense gradient). With a shared GradientSelection (the
// global budget filled it) the positions chosen there.
struct GradientSelection {
    int epoch = -1;
    std::vector<std::vector<ScoredPosition>> perLayer;
};
class GradientGrow : public GrowRule {
public:
    explicit GradientGrow(std::shared_ptr<GradientSelection> selection = {}) : m_selection(std::move(selection)) {}
    std::vector<NewEdge> grow(const TopologyContext& ctx, int l, std::span<const std::uint8_t> keep, EdgeIndex count,
                              Rng& rng) const override;
    bool needsGradients() const override { return true; }

private:
    std::shared_ptr<GradientSelection> m_selection;
};

// Redr-Loss (seed 004 §2.4, after Ertl): the layer's output neurons ranked by |error|, the
// backpropagated δ summed over the probe's batch (ties: the lower index); the top `share` of them
// (at least one) split the count equally (the first in rank take the remainder), each at its own
// absent positions with the largest |∂L/∂w| (topAbsentGradientsPerRow: only their rows are
// scored). What a full neuron cannot take is drawn at random among the layer's absent positions.
class LossGrow : public GrowRule {
public:
    explicit LossGrow(double share) : m_share(share) {}
    std::vector<NewEdge> grow(const TopologyContext& ctx, int l, std::span<const std::uint8_t> keep, EdgeIndex count,
                              Rng& rng) const override;
    bool needsGradients() const override { return true; }
    // The neurons chosen from per-neuron errors, in rank order.
    static std::vector<NeuronIndex> topNeurons(std::span<const double> error, double share);

private:
    double m_share;
};

// ---- budgets ----

// Per layer: regrow round(θ · (target − kept)), at most the free positions. Dropped edges are
// refilled towards the layer's target, which stays fixed.
class PerLayerBudget : public Budget {
public:
    std::vector<EdgeIndex> growCounts(const TopologyContext& ctx, const std::vector<std::vector<std::uint8_t>>& keep,
                                      const std::vector<EdgeIndex>& kept, const StepPlan& plan) const override;
};

// Redr-Gradient-Global (seed 004 §2.3): the layers' freed edges, round(θ · Σ(target − kept)),
// go to the absent positions with the largest |∂L/∂w| across all evolving layers. Each layer's
// candidates are found in tiles, one layer at a time, and merged into one running top-k (ties:
// the lower layer, then output, then input), so no dense gradient is held. Per-layer densities
// move; the total stays. The chosen positions go to the GradientGrow sharing `selection`.
class GlobalGradientBudget : public Budget {
public:
    explicit GlobalGradientBudget(std::shared_ptr<GradientSelection> selection) : m_selection(std::move(selection)) {}
    std::vector<EdgeIndex> growCounts(const TopologyContext& ctx, const std::vector<std::vector<std::uint8_t>>& keep,
                                      const std::vector<EdgeIndex>& kept, const StepPlan& plan) const override;
    bool retargets() const override { return true; }
    bool needsGradients() const override { return true; }
    // The global top-k over per-layer candidate lists (each in betterScore order).
    static std::vector<std::vector<ScoredPosition>> selectGlobal(std::vector<std::vector<ScoredPosition>> perLayer,
                                                                 EdgeIndex k);

private:
    std::shared_ptr<GradientSelection> m_selection;
};

// Pruning: nothing regrows and every drop lowers the layer's target for good.
class ShrinkingBudget : public Budget {
public:
    std::vector<EdgeIndex> growCounts(const TopologyContext& ctx, const std::vector<std::vector<std::uint8_t>>& keep,
                                      const std::vector<EdgeIndex>& kept, const StepPlan& plan) const override;
    bool shrinks() const override { return true; }
};

} // namespace rewire
