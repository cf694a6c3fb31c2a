#include "core/methods/registry.h"

#include <algorithm>

#include "core/config.h"
#include "core/methods/fisher.h"
#include "core/methods/parts.h"
#include "graph/json.h"

#include <charconv>

namespace rewire {

namespace {

// The count schedule --counts names: SET's full refill, AccSET's or LSET's ratio; auto is the
// method's own in seed 002 (`paper`).
std::unique_ptr<Schedule> countSchedule(const TrainConfig& c, const std::string& paper)
{
    const bool validation = c.ratioOn == "validation";
    const std::string counts = c.counts == "auto" ? paper : c.counts;
    if (counts == "accset")
        return std::make_unique<AccuracyRatio>(c.accsetK, validation);
    if (counts == "lset")
        return std::make_unique<LossRatio>(validation);
    return std::make_unique<EveryEpoch>();
}

std::unique_ptr<TopologyMethod> evolving(const std::string& name, std::unique_ptr<Schedule> schedule,
                                         std::unique_ptr<GrowRule> grow)
{
    return std::make_unique<TopologyMethod>(name, std::move(schedule), std::make_unique<MagnitudeBySign>(),
                                            std::move(grow), std::make_unique<PerLayerBudget>());
}

// A regrowing method with the --new-weights rule applied (`zeroByDefault`: the method's auto).
std::unique_ptr<TopologyMethod> withNewWeights(std::unique_ptr<TopologyMethod> m, const TrainConfig& c, bool zeroByDefault)
{
    m->setZeroNewWeights(c.newWeights == "zero" || (c.newWeights == "auto" && zeroByDefault));
    return m;
}

// Options every regrowing method reads besides its own.
std::vector<std::string> stepOptions(const std::vector<std::string>& own)
{
    std::vector<std::string> all{"zeta", "zeta-schedule", "evolve-every", "new-weights"};
    all.insert(all.end(), own.begin(), own.end());
    return all;
}

// RigL's parts with a per-layer or a global budget (the selection passes the global choice to
// the grow rule).
std::unique_ptr<TopologyMethod> gradientMethod(const std::string& name, const TrainConfig& c, bool global)
{
    auto selection = std::make_shared<GradientSelection>();
    std::unique_ptr<Budget> budget;
    if (global)
        budget = std::make_unique<GlobalGradientBudget>(selection);
    else
        budget = std::make_unique<PerLayerBudget>();
    return withNewWeights(std::make_unique<TopologyMethod>(name, std::make_unique<EveryEpoch>(),
                                                           std::make_unique<MagnitudeDrop>(),
                                                           std::make_unique<GradientGrow>(selection), std::move(budget)),
                          c, true);
}

std::unique_ptr<TopologyMethod> none(const std::string& name)
{
    return std::make_unique<TopologyMethod>(name, std::make_unique<NoSteps>(), std::make_unique<MagnitudeBySign>(),
                                            nullptr, std::make_unique<PerLayerBudget>());
}

} // namespace

const std::vector<MethodSpec>& methodRegistry()
{
    static const std::vector<MethodSpec> registry = [] {
        std::vector<MethodSpec> r;
        r.push_back({"set", "Sparse Evolutionary Training: drop ζ of the weights closest to zero (per sign), regrow as many at random",
                     "Mocanu et al. 2018, Nature Communications 9:2383 (seed 001)", stepOptions({}), false, true,
                     [](const TrainConfig& c) {
                         return withNewWeights(evolving("set", std::make_unique<EveryEpoch>(), std::make_unique<UniformGrow>()),
                                               c, false);
                     }});
        r.push_back({"accset", "SET that regrows θ = 1 − accuracy (with k) of the deficit: the network shrinks as it learns",
                     "Scholte 2022, Algorithm 1 (seed 002)", stepOptions({"accset-k", "ratio-on"}), false, true,
                     [](const TrainConfig& c) {
                         return withNewWeights(evolving("accset",
                                                        std::make_unique<AccuracyRatio>(c.accsetK, c.ratioOn == "validation"),
                                                        std::make_unique<UniformGrow>()),
                                               c, false);
                     }});
        r.push_back({"lset", "SET that regrows θ = clamp(loss / first-epoch loss, 0, 1) of the deficit",
                     "Scholte 2022, §4.2 (seed 002; the formula is Rewire's)", stepOptions({"ratio-on"}), false, true,
                     [](const TrainConfig& c) {
                         return withNewWeights(evolving("lset", std::make_unique<LossRatio>(c.ratioOn == "validation"),
                                                        std::make_unique<UniformGrow>()),
                                               c, false);
                     }});
        r.push_back({"dynset", "LSET counts (by default), with the topology step paused after an epoch whose loss is above that of --dynset-window epochs earlier",
                     "Scholte 2022, Algorithm 2 (seed 002)", stepOptions({"counts", "dynset-window", "accset-k", "ratio-on"}),
                     false, true,
                     [](const TrainConfig& c) {
                         return withNewWeights(evolving("dynset",
                                                        std::make_unique<LossGate>(countSchedule(c, "lset"), c.dynsetWindow,
                                                                                   c.ratioOn == "validation"),
                                                        std::make_unique<UniformGrow>()),
                                               c, false);
                     }});
        r.push_back({"neighbour-one", "AccSET counts (by default), regrown at random positions with at least one of their 8 mask neighbours",
                     "Scholte 2022, §4.1.1 (seed 002)", stepOptions({"counts", "accset-k", "ratio-on"}), false, true,
                     [](const TrainConfig& c) {
                         return withNewWeights(evolving("neighbour-one", countSchedule(c, "accset"),
                                                        std::make_unique<NeighbourGrow>(false)),
                                               c, false);
                     }});
        r.push_back({"neighbour-most", "AccSET counts (by default), regrown at the absent positions with the most mask neighbours",
                     "Scholte 2022, §4.1.2 (seed 002)", stepOptions({"counts", "accset-k", "ratio-on"}), false, true,
                     [](const TrainConfig& c) {
                         return withNewWeights(evolving("neighbour-most", countSchedule(c, "accset"),
                                                        std::make_unique<NeighbourGrow>(true)),
                                               c, false);
                     }});
        r.push_back({"rigl", "Redr-Gradient (RigL): drop ζ of each layer's weights by |w|, regrow at the absent positions with the "
                     "largest |∂L/∂w| on a training batch, new weights zero; the gradient is scored in tiles, never held dense",
                     "Evci et al. 2020, ICML; seed 004 §2.2", stepOptions({}), false, true,
                     [](const TrainConfig& c) { return gradientMethod("rigl", c, false); }});
        r.push_back({"rigl-global", "Redr-Gradient-Global: drop ζ of each layer's weights by |w|, regrow the freed total at the "
                     "largest |∂L/∂w| across all layers (per-layer densities move)",
                     "seed 004 §2.3", stepOptions({}), false, true,
                     [](const TrainConfig& c) { return gradientMethod("rigl-global", c, true); }});
        for (const bool taylor : {false, true}) {
            const std::string name = taylor ? "woodtaylor" : "woodfisher";
            r.push_back({name,
                         std::string(taylor ? "Redr-WoodTaylor" : "Redr-WoodFisher") +
                             ": drop ζ of each layer's weights by the second-order loss estimate from a block-diagonal "
                             "inverse empirical Fisher (Sherman–Morrison over the last --fisher-batches gradients), apply "
                             "the optimal update to the rest" +
                             (taylor ? " (with the gradient term)" : "") + ", regrow at random with zero weights",
                         "seed 004 §2.5 (after Singh & Alistarh 2020)",
                         stepOptions({"fisher-batches", "fisher-block", "fisher-damping"}), false, true,
                         [name, taylor](const TrainConfig& c) {
                             return withNewWeights(
                                 std::make_unique<TopologyMethod>(
                                     name, std::make_unique<EveryEpoch>(),
                                     std::make_unique<SecondOrderDrop>(taylor, c.fisherBlock,
                                                                       c.fisherDamping > 0 ? c.fisherDamping
                                                                                           : (taylor ? 0.1 : 1e-3)),
                                     std::make_unique<UniformGrow>(), std::make_unique<PerLayerBudget>()),
                                 c, true);
                         }});
        }
        r.push_back({"redr-loss", "Redr-Loss: drop ζ of each layer's weights by |w|; the top --loss-neurons of neurons by |error| "
                     "share the new edges, each at its largest absent |∂L/∂w|",
                     "seed 004 §2.4 (after Ertl)", stepOptions({"loss-neurons"}), false, true,
                     [](const TrainConfig& c) {
                         return withNewWeights(std::make_unique<TopologyMethod>(
                                                   "redr-loss", std::make_unique<EveryEpoch>(), std::make_unique<MagnitudeDrop>(),
                                                   std::make_unique<LossGrow>(c.lossNeurons), std::make_unique<PerLayerBudget>()),
                                               c, true);
                     }});
        r.push_back({"static", "static sparse: the Erdős–Rényi topology of the start, never changed",
                     "Mocanu et al. 2021, Fig. 1 (seed 000)", {}, false, false,
                     [](const TrainConfig&) { return none("static"); }});
        r.push_back({"dense", "fully connected layers (the dense baseline)", "seed 000, Fig. 1; seed 003, Table 2", {},
                     true, false, [](const TrainConfig&) { return none("dense"); }});
        r.push_back({"imp", "iterative magnitude pruning: dense training, then --prune-rounds rounds of pruning by |w| and "
                     "retraining (rewound to the initial weights with --rewind on), down to the Erdős–Rényi density of --epsilon",
                     "seed 000 Fig. 1a and eq. 2 (Han et al. 2015; Frankle & Carbin 2019)", {"prune-rounds", "rewind"}, true, true,
                     [](const TrainConfig& c) {
                         return std::make_unique<TopologyMethod>("imp", std::make_unique<RoundPruning>(c.pruneRounds),
                                                                 std::make_unique<PruneToTarget>(true, c.rewind == "on"),
                                                                 nullptr, std::make_unique<ShrinkingBudget>());
                     }});
        r.push_back({"gmp", "gradual magnitude pruning during training: from dense to the Erdős–Rényi density of --epsilon by "
                     "3/4 of the epochs on Zhu & Gupta's cubic schedule, then fine-tuning",
                     "seed 000 Fig. 1b and eq. 3 (Zhu & Gupta 2017)", {}, true, true,
                     [](const TrainConfig&) {
                         return std::make_unique<TopologyMethod>("gmp", std::make_unique<CubicPruning>(),
                                                                 std::make_unique<PruneToTarget>(false, false), nullptr,
                                                                 std::make_unique<ShrinkingBudget>());
                     }});
        r.push_back({"snip", "one-shot pruning at initialisation: the edges with the largest |g·w| on one training batch, across "
                     "layers, down to the Erdős–Rényi edge count of --epsilon; then static sparse training",
                     "seed 000 Fig. 1c and eq. 4 (Lee et al. 2019, SNIP)", {}, true, true,
                     [](const TrainConfig&) {
                         return std::make_unique<TopologyMethod>("snip", std::make_unique<AtStart>(),
                                                                 std::make_unique<SnipDrop>(), nullptr,
                                                                 std::make_unique<ShrinkingBudget>());
                     }});
        return r;
    }();
    return registry;
}

const MethodSpec& findMethod(const std::string& name)
{
    std::string names;
    for (const MethodSpec& m : methodRegistry()) {
        if (m.name == name)
            return m;
        names += (names.empty() ? "" : ", ") + m.name;
    }
    throw ConfigError("--method " + name + ": unknown (expected " + names + ")");
}

std::optional<ImportancePruning> parseImportancePruning(const std::string& text)
{
    if (text.empty() || text == "off")
        return std::nullopt;
    const auto bad = [&](const std::string& why) -> ConfigError {
        return ConfigError("--importance-pruning " + text + ": " + why +
                           " (expected P:PERIOD:START, e.g. 20:10:200, or off)");
    };
    const std::vector<std::string> parts = splitText(text, ':');
    if (parts.size() != 3)
        throw bad("three values needed");
    ImportancePruning ip;
    if (!readNumber(parts[0], ip.percentile) || !(ip.percentile > 0.0 && ip.percentile < 100.0))
        throw bad("the percentile P must be a number in (0, 100)");
    auto integer = [&](const std::string& s, int& out, const char* what) {
        long long v = 0;
        const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size() || v < 1 || v > (1 << 30))
            throw bad(std::string(what) + " must be a whole number >= 1");
        out = static_cast<int>(v);
    };
    integer(parts[1], ip.period, "PERIOD");
    integer(parts[2], ip.start, "START");
    return ip;
}

std::vector<std::unique_ptr<TopologyMethod>> makeTopologyMethods(const TrainConfig& config)
{
    std::vector<std::unique_ptr<TopologyMethod>> methods;
    if (const auto ip = parseImportancePruning(config.importancePruning))
        methods.push_back(std::make_unique<TopologyMethod>(
            "importance-pruning", std::make_unique<Periodic>(ip->period, ip->start),
            std::make_unique<ImportanceDrop>(ip->percentile), nullptr, std::make_unique<ShrinkingBudget>()));
    methods.push_back(findMethod(config.method).make(config));
    return methods;
}

} // namespace rewire

namespace rewire {

bool methodsNeedGradients(const std::vector<std::unique_ptr<TopologyMethod>>& methods)
{
    return std::any_of(methods.begin(), methods.end(), [](const auto& m) { return m->needsGradients(); });
}

} // namespace rewire
