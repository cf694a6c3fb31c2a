#include "core/options.h"

#include "core/activation.h"
#include "core/init.h"
#include "core/methods/registry.h"
#include "core/network.h"
#include "datasets/registry.h"
#include "graph/json.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace rewire {

namespace {

[[noreturn]] void bad(const std::string& key, const std::string& value, const std::string& expected)
{
    throw ConfigError("--" + key + " " + value + ": " + expected);
}

// readNumber, not stod: stod follows LC_NUMERIC, which the desktop app's QApplication sets from
// the user's environment ("0.6" is not a number under de_DE), and it also reads hex.
double number(const std::string& key, const std::string& text)
{
    double v = 0.0;
    if (!readNumber(text, v))
        bad(key, text, "expected a number");
    return v;
}

long long integer(const std::string& key, const std::string& text)
{
    long long v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size())
        bad(key, text, "expected an integer");
    return v;
}

int clampedInt(const std::string& key, const std::string& text)
{
    return static_cast<int>(std::clamp<long long>(integer(key, text), -1, 1 << 30));
}

void checkSpec(const std::string& key, const std::string& spec)
{
    if (spec.empty() || spec == "auto")
        return;
    try {
        parseDatasetSpec(spec);
    } catch (const std::invalid_argument& e) {
        std::string what = e.what(); // "--dataset SPEC: ...", named by the flag that holds it
        if (what.rfind("--dataset ", 0) == 0)
            what = "--" + key + " " + what.substr(10);
        throw ConfigError(what);
    }
}

template <typename F>
void rethrowAsConfig(F&& f)
{
    try {
        f();
    } catch (const ConfigError&) {
        throw;
    } catch (const std::invalid_argument& e) {
        throw ConfigError(e.what());
    }
}

std::vector<std::string> methodNames()
{
    std::vector<std::string> n;
    for (const MethodSpec& m : methodRegistry())
        n.push_back(m.name);
    return n;
}

constexpr double kUnbounded = 1e300;

std::vector<OptionSpec> buildTable()
{
    std::vector<OptionSpec> t;
    auto add = [&](OptionSpec s) { t.push_back(std::move(s)); };
    using K = OptionKind;
    // ---- data ----
    add({"dataset", "data", K::Text, "SPEC", "dataset",
         "auto | fashion-mnist | mnist | kmnist | cifar10 | higgs | madelon | synthetic:madelon|xor|spirals[:k=v,...] | "
         "idx:IMAGES,LABELS | csv:FILE[,label=L] | higgs:FILE | libsvm:FILE | madelon:PREFIX | cifar10:DIR | npz:FILE | "
         "npy:X,Y | DIR | FILE.csv (`rewire datasets` lists them); auto = Fashion-MNIST when installed, else a synthetic "
         "28x28 set",
         {"auto", "fashion-mnist", "mnist", "kmnist", "cifar10", "higgs", "madelon", "synthetic:madelon", "synthetic:xor",
          "synthetic:spirals"},
         0, 0, false, false, "", true, "",
         +[](const TrainConfig& c) { return c.dataset; }, +[](TrainConfig& c, const std::string& v) { c.dataset = v; },
         +[](const TrainConfig& c) { checkSpec("dataset", c.dataset); }});
    add({"test-dataset", "data", K::Text, "SPEC", "test data",
         "separate test data (default: the format's test split, else --test-fraction of the data)", {}, 0, 0, false,
         false, "", false, "", +[](const TrainConfig& c) { return c.testDataset; },
         +[](TrainConfig& c, const std::string& v) { c.testDataset = v; },
         +[](const TrainConfig& c) { checkSpec("test-dataset", c.testDataset); }});
    add({"test-fraction", "data", K::Number, "F", "test share", "stratified, seeded test share when the data has no test split",
         {}, 0, 1, true, true, "", false, "", +[](const TrainConfig& c) { return formatNumber(c.testFraction); },
         +[](TrainConfig& c, const std::string& v) { c.testFraction = number("test-fraction", v); }});
    add({"validation", "data", K::Number, "F", "validation share",
         "hold out this share of the training data (stratified, seeded); 0 = no validation", {}, 0, 1, false, true,
         "share of the training data held out", true, "",
         +[](const TrainConfig& c) { return formatNumber(c.validation); },
         +[](TrainConfig& c, const std::string& v) { c.validation = number("validation", v); }});
    add({"validation-dataset", "data", K::Text, "SPEC", "validation data", "separate validation data", {}, 0, 0, false,
         false, "", false, "", +[](const TrainConfig& c) { return c.validationDataset; },
         +[](TrainConfig& c, const std::string& v) { c.validationDataset = v; },
         +[](const TrainConfig& c) { checkSpec("validation-dataset", c.validationDataset); }});
    add({"scale", "data", K::Choice, "S", "scale", "feature scaling fitted on the training part",
         {"standard", "minmax", "none"}, 0, 0, false, false, "", true, "",
         +[](const TrainConfig& c) { return c.scale; }, +[](TrainConfig& c, const std::string& v) { c.scale = v; }});
    // ---- model ----
    add({"arch", "model", K::Text, "SIZES", "architecture", "layer sizes, input first; 5000000x10 is ten layers of 5,000,000", {}, 0, 0, false, false, "", true,
         "", +[](const TrainConfig& c) { return c.arch; }, +[](TrainConfig& c, const std::string& v) { c.arch = v; },
         +[](const TrainConfig& c) { c.architecture(); }});
    add({"method", "model", K::Text, "M",
         "method", "the training method: a preset of the method registry (`rewire train --help` lists each with its paper)",
         methodNames(), 0, 0, false, false, "", true, "", +[](const TrainConfig& c) { return c.method; },
         +[](TrainConfig& c, const std::string& v) { c.method = v; },
         +[](const TrainConfig& c) { findMethod(c.method); }});
    add({"epsilon", "model", K::Number, "E", "ε (sparsity)",
         "Erdős–Rényi sparsity: p = min(1, E(n_in+n_out)/(n_in n_out))", {}, 0, kUnbounded, true, false,
         "edges per neuron scale, e.g. 20", true, "", +[](const TrainConfig& c) { return formatNumber(c.epsilon); },
         +[](TrainConfig& c, const std::string& v) { c.epsilon = number("epsilon", v); }});
    add({"activation", "model", K::Text, "A", "activation",
         "relu | leakyrelu[:a] | allrelu[:a] (seed 003: slopes −a, +a, … by hidden layer) | sigmoid | tanh | "
         "linear | srelu (four trainable parameters per hidden neuron)",
         {"allrelu:0.6", "relu", "leakyrelu:0.01", "sigmoid", "tanh", "srelu"},
         0, 0, false, false, "", true, "", +[](const TrainConfig& c) { return c.activation; },
         +[](TrainConfig& c, const std::string& v) { c.activation = v; },
         +[](const TrainConfig& c) { rethrowAsConfig([&] { Activation::parse(c.activation); }); }});
    add({"init", "model", K::Choice, "I", "init",
         "weight initialisation. auto: sparse-fanin when a layer starts below 1 % density, else he-uniform. "
         "he-uniform U(±√(6/n_in)) on the dense fan-in (the reference code's); sparse-fanin (Evci et al. 2022) "
         "U(±√(6/k)) on each neuron's own in-degree k, with the last hidden layer scaled by √(k/k_readout) so a "
         "wide readout stays stable; he-sparse on the mean in-degree; uniform-fanin (seed 004): n inputs per "
         "neuron, one per partition of the inputs, weights U(±1/n), biases U(±1/√n)",
         {"auto", "he-uniform", "sparse-fanin", "he-sparse", "xavier", "normal", "zero", "uniform-fanin"},
         0, 0, false, false, "", true, "", +[](const TrainConfig& c) { return c.init; },
         +[](TrainConfig& c, const std::string& v) { c.init = v; }});
    add({"loss", "model", K::Choice, "L", "loss", "softmax + cross-entropy, or MSE on the linear outputs",
         {"cross-entropy", "mse"}, 0, 0, false, false, "", true, "", +[](const TrainConfig& c) { return c.loss; },
         +[](TrainConfig& c, const std::string& v) { c.loss = v; }});
    // ---- method ----
    add({"zeta", "method", K::Number, "Z", "ζ (prune share)",
         "share of each evolving layer's weights dropped per topology step (per sign); may change while training", {},
         0, 1, false, true, "fraction of weights pruned per epoch, e.g. 0.3", true, "",
         +[](const TrainConfig& c) { return formatNumber(c.zeta); },
         +[](TrainConfig& c, const std::string& v) { c.zeta = number("zeta", v); }});
    add({"zeta-schedule", "method", K::Choice, "S", "ζ schedule",
         "constant: ζ after every step; cosine (seed 004 §3.1, RigL): ζ/2·(1 + cos(π e/T)) after epoch e, T = 3/4 of the "
         "epochs, and no steps from T on",
         {"constant", "cosine"}, 0, 0, false, false, "", true, "", +[](const TrainConfig& c) { return c.zetaSchedule; },
         +[](TrainConfig& c, const std::string& v) { c.zetaSchedule = v; }});
    add({"evolve-every", "method", K::Integer, "T", "step every",
         "a topology step after every T-th epoch (seed 004's t)", {}, 1, 1000000, false, false, "epochs", true, "",
         +[](const TrainConfig& c) { return std::to_string(c.evolveEvery); },
         +[](TrainConfig& c, const std::string& v) { c.evolveEvery = clampedInt("evolve-every", v); }});
    add({"new-weights", "method", K::Choice, "W", "new weights",
         "the weight of a regrown edge: auto = the method's (zero for the gradient and second-order methods, as seed 004 "
         "and RigL; a draw from --init for the SET family), zero, or init",
         {"auto", "zero", "init"}, 0, 0, false, false, "", true, "", +[](const TrainConfig& c) { return c.newWeights; },
         +[](TrainConfig& c, const std::string& v) { c.newWeights = v; }});
    add({"evolve-layers", "method", K::Choice, "W", "evolving layers",
         "all: every sparse layer evolves (the papers); hidden: not the output layer (the SET reference code)",
         {"all", "hidden"}, 0, 0, false, false, "", true, "", +[](const TrainConfig& c) { return c.evolveLayers; },
         +[](TrainConfig& c, const std::string& v) { c.evolveLayers = v; }});
    add({"counts", "method", K::Choice, "C", "regrowth counts",
         "how many edges dynset and neighbour-* regrow: auto = as seed 002 ran them (dynset: lset, its best variant in "
         "Table 2; neighbour-*: accset, which §5.1 compares them with), set (all dropped), accset or lset",
         {"auto", "set", "accset", "lset"}, 0, 0, false, false, "", true, "", +[](const TrainConfig& c) { return c.counts; },
         +[](TrainConfig& c, const std::string& v) { c.counts = v; }});
    add({"accset-k", "method", K::Number, "K", "AccSET k",
         "AccSET's k (seed 002, Algorithm 1): θ = 1 − (acc − acc·k)/(k − 2k·acc + 1); 0 gives θ = 1 − acc", {}, 0, 1,
         false, true, "0: θ = 1 − accuracy", true, "", +[](const TrainConfig& c) { return formatNumber(c.accsetK); },
         +[](TrainConfig& c, const std::string& v) { c.accsetK = number("accset-k", v); }});
    add({"ratio-on", "method", K::Choice, "D", "ratio measured on",
         "the data AccSET/LSET ratios and the DynSET gate measure: train (the epoch's batches) or validation",
         {"train", "validation"}, 0, 0, false, false, "", true, "", +[](const TrainConfig& c) { return c.ratioOn; },
         +[](TrainConfig& c, const std::string& v) { c.ratioOn = v; }});
    add({"dynset-window", "method", K::Integer, "N", "DynSET window",
         "DynSET pauses after an epoch whose loss is above that of N epochs earlier (seed 002: 3)", {}, 1, 1000, false,
         false, "epochs", true, "", +[](const TrainConfig& c) { return std::to_string(c.dynsetWindow); },
         +[](TrainConfig& c, const std::string& v) { c.dynsetWindow = clampedInt("dynset-window", v); }});
    add({"loss-neurons", "method", K::Number, "F", "Redr-Loss neurons",
         "redr-loss: the share of each layer's neurons, ranked by |error| (δ summed over a batch), that split the new "
         "edges (seed 004: 0.3)",
         {}, 0, 1, true, false, "", true, "", +[](const TrainConfig& c) { return formatNumber(c.lossNeurons); },
         +[](TrainConfig& c, const std::string& v) { c.lossNeurons = number("loss-neurons", v); }});
    add({"fisher-batches", "method", K::Integer, "M", "Fisher batches",
         "woodfisher/woodtaylor: the empirical Fisher is built from the gradients of the last M training batches before "
         "each step (kept as training computes them; M gradient arrays in memory)",
         {}, 1, 100000, false, false, "batches", true, "", +[](const TrainConfig& c) { return std::to_string(c.fisherBatches); },
         +[](TrainConfig& c, const std::string& v) { c.fisherBatches = clampedInt("fisher-batches", v); }});
    add({"fisher-block", "method", K::Integer, "B", "Fisher block",
         "woodfisher/woodtaylor: block size of the block-diagonal inverse Fisher (seed 004: 34)", {}, 1, 4096, false,
         false, "edges", true, "", +[](const TrainConfig& c) { return std::to_string(c.fisherBlock); },
         +[](TrainConfig& c, const std::string& v) { c.fisherBlock = clampedInt("fisher-block", v); }});
    add({"fisher-damping", "method", K::Number, "L", "Fisher damping λ",
         "woodfisher/woodtaylor: λ in F = λI + (1/M) Σ g gᵀ; auto = 1e-3 for woodfisher, 0.1 for woodtaylor, whose "
         "Newton term −F⁻¹ḡ grows as 1/λ (training diverged at 1e-3 in the tests; seed 004 §4.3.3 found it sensitive)",
         {}, 0, 1e6, true, false, "", true, "auto",
         +[](const TrainConfig& c) { return c.fisherDamping == -1.0 ? std::string("auto") : formatNumber(c.fisherDamping); },
         +[](TrainConfig& c, const std::string& v) { c.fisherDamping = v == "auto" ? -1.0 : number("fisher-damping", v); }});
    add({"prune-rounds", "method", K::Integer, "R", "IMP rounds",
         "imp: pruning rounds; each comes after epochs/(R+1) epochs of training and keeps the same share of the remaining "
         "edges, reaching the Erdős–Rényi density of --epsilon after the last",
         {}, 1, 1000, false, false, "rounds", true, "", +[](const TrainConfig& c) { return std::to_string(c.pruneRounds); },
         +[](TrainConfig& c, const std::string& v) { c.pruneRounds = clampedInt("prune-rounds", v); }});
    add({"rewind", "method", K::Choice, "on|off", "IMP rewinding",
         "imp: after each round the kept weights go back to their initial values and the optimiser state to zero (the "
         "lottery-ticket procedure); off keeps the trained weights",
         {"on", "off"}, 0, 0, false, false, "", true, "", +[](const TrainConfig& c) { return c.rewind; },
         +[](TrainConfig& c, const std::string& v) { c.rewind = v; }});
    add({"induced-loss-samples", "method", K::Integer, "N", "induced-loss samples",
         "the training loss before and after each topology step (seed 004 Fig. 3) is measured on this many training "
         "samples, the same every epoch; 0 = off",
         {}, 0, 1 << 30, false, false, "samples", true, "",
         +[](const TrainConfig& c) { return std::to_string(c.inducedLossSamples); },
         +[](TrainConfig& c, const std::string& v) { c.inducedLossSamples = clampedInt("induced-loss-samples", v); }});
    add({"importance-pruning", "method", K::Text, "P:PERIOD:START", "importance pruning",
         "Importance Pruning (seed 003, Algorithm 2) with any method: after epoch e ≥ START with e % PERIOD = 0, drop the "
         "incoming edges of hidden neurons whose importance Σ|w| is at or below the P-th percentile; the edge count "
         "shrinks for good. off, or e.g. 20:10:200",
         {"off", "20:10:200", "20:5:10"}, 0, 0, false, false, "", true, "off",
         +[](const TrainConfig& c) { return c.importancePruning.empty() ? std::string("off") : c.importancePruning; },
         +[](TrainConfig& c, const std::string& v) { c.importancePruning = v == "off" ? std::string() : v; },
         +[](const TrainConfig& c) { parseImportancePruning(c.importancePruning); }});
    // ---- training ----
    add({"epochs", "training", K::Integer, "N", "epochs", "training epochs", {}, 1, kUnbounded, false, false, "", true,
         "", +[](const TrainConfig& c) { return std::to_string(c.epochs); },
         +[](TrainConfig& c, const std::string& v) { c.epochs = clampedInt("epochs", v); }});
    add({"batch", "training", K::Integer, "B", "batch", "samples per batch", {}, 1, 65536, false, false, "", true, "",
         +[](const TrainConfig& c) { return std::to_string(c.batch); },
         +[](TrainConfig& c, const std::string& v) { c.batch = clampedInt("batch", v); }});
    add({"micro-batch", "training", K::Integer, "M", "micro-batch",
         "run each batch in parts of M samples and sum their gradients before the one step: the same step as the full "
         "batch (the same dropout masks; sums in another order), with activation buffers for M columns instead of "
         "--batch (bench/RESULTS.md, \"Scale\"); 0 = off",
         {}, 0, 65536, false, false, "samples", true, "",
         +[](const TrainConfig& c) { return std::to_string(c.microBatch); },
         +[](TrainConfig& c, const std::string& v) { c.microBatch = clampedInt("micro-batch", v); }});
    add({"lr", "training", K::Number, "R", "learning rate", "learning rate; may change between epochs while training", {},
         0, kUnbounded, true, false, "", true, "", +[](const TrainConfig& c) { return formatNumber(c.lr); },
         +[](TrainConfig& c, const std::string& v) { c.lr = number("lr", v); }});
    add({"optimizer", "training", K::Choice, "O", "optimizer",
         "the update policy: momentum SGD (one velocity per weight and bias) or Adam (two moments each); the state "
         "lives as edge and neuron properties of the graph, so topology edits keep it aligned and checkpoints carry it",
         {"sgd", "adam"}, 0, 0, false, false, "", true, "", +[](const TrainConfig& c) { return c.optimizer; },
         +[](TrainConfig& c, const std::string& v) { c.optimizer = v == "momentum-sgd" ? "sgd" : v; }});
    add({"momentum", "training", K::Number, "M", "momentum", "sgd: v ← μv − η·g", {}, 0, 1, false, true, "",
         true, "", +[](const TrainConfig& c) { return formatNumber(c.momentum); },
         +[](TrainConfig& c, const std::string& v) { c.momentum = number("momentum", v); }});
    add({"adam-beta1", "training", K::Number, "B", "Adam β1", "adam: decay of the first moment", {}, 0, 1, false, true,
         "", true, "", +[](const TrainConfig& c) { return formatNumber(c.adamBeta1); },
         +[](TrainConfig& c, const std::string& v) { c.adamBeta1 = number("adam-beta1", v); }});
    add({"adam-beta2", "training", K::Number, "B", "Adam β2", "adam: decay of the second moment", {}, 0, 1, false, true,
         "", true, "", +[](const TrainConfig& c) { return formatNumber(c.adamBeta2); },
         +[](TrainConfig& c, const std::string& v) { c.adamBeta2 = number("adam-beta2", v); }});
    add({"adam-eps", "training", K::Number, "E", "Adam ε", "adam: added to √v̂ in the denominator", {}, 0, 1, true, false,
         "", true, "", +[](const TrainConfig& c) { return formatNumber(c.adamEpsilon); },
         +[](TrainConfig& c, const std::string& v) { c.adamEpsilon = number("adam-eps", v); }});
    add({"weight-decay", "training", K::Number, "D", "weight decay", "sgd: w ← w + v − λw; adam: λw added to the gradient (L2, as torch.optim.Adam)", {}, 0, 1, false, true, "", true,
         "", +[](const TrainConfig& c) { return formatNumber(c.weightDecay); },
         +[](TrainConfig& c, const std::string& v) { c.weightDecay = number("weight-decay", v); }});
    add({"dropout", "training", K::Number, "P", "dropout", "inverted dropout on hidden activations", {}, 0, 1, false, true,
         "fraction of hidden activations dropped", true, "",
         +[](const TrainConfig& c) { return formatNumber(c.dropout); },
         +[](TrainConfig& c, const std::string& v) { c.dropout = number("dropout", v); }});
    add({"parallel", "training", K::Choice, "P", "parallel training",
         "data-parallel training (seed 003 Algorithm 1): phase 1 on a parameter server that applies the workers' "
         "gradients (wasap: one worker at a time, in a fixed cyclic order; wassp: all workers' averaged, lr x K) and "
         "evolves the topology once per epoch; phase 2: each worker trains and evolves its own replica, and their "
         "average over the union of their topologies, pruned back to the target density, is the model. Threads with "
         "--workers K, or ranks under mpirun",
         {"off", "wasap", "wassp"}, 0, 0, false, false, "", true, "", +[](const TrainConfig& c) { return c.parallel; },
         +[](TrainConfig& c, const std::string& v) { c.parallel = v; }});
    add({"workers", "training", K::Integer, "K", "workers",
         "--parallel: worker threads (under mpirun: the ranks, and this must match or stay unset)", {}, 1, 1024, false,
         false, "", true, "", +[](const TrainConfig& c) { return std::to_string(c.workers); },
         +[](TrainConfig& c, const std::string& v) { c.workers = clampedInt("workers", v); }});
    add({"local-epochs", "training", K::Integer, "N", "local epochs",
         "--parallel: the last N epochs are phase 2 (each worker trains its own replica; the replicas are averaged "
         "after each); auto = a tenth of the run, at least 1",
         {}, 0, kUnbounded, false, false, "", true, "auto",
         +[](const TrainConfig& c) { return c.localEpochs < 0 ? std::string("auto") : std::to_string(c.localEpochs); },
         +[](TrainConfig& c, const std::string& v) {
             if (v == "auto")
                 c.localEpochs = -1;
             else if ((c.localEpochs = clampedInt("local-epochs", v)) < 0)
                 bad("local-epochs", v, "expected auto or a number of epochs >= 0");
         }});
    add({"threads", "training", K::Integer, "T", "threads",
         "auto = every core; at most this many train at once, fewer while other processes keep cores busy; results do "
         "not depend on it",
         {}, 1, 1024, false, false, "", true, "auto",
         +[](const TrainConfig& c) { return c.threads == 0 ? std::string("auto") : std::to_string(c.threads); },
         +[](TrainConfig& c, const std::string& v) {
             if (v == "auto")
                 c.threads = 0;
             else if (v == "0")
                 bad("threads", v, "expected auto or a count from 1 to 1024");
             else
                 c.threads = static_cast<int>(std::clamp<long long>(integer("threads", v), -1, 1 << 20));
         }});
    add({"precision", "training", K::Choice, "P", "precision",
         "bf16 stores the activations the sparse forward gathers (fp32 accumulation, weights and gradients); faster on "
         "layers wider than ~5,000 neurons",
         {"fp32", "bf16"}, 0, 0, false, false, "", true, "", +[](const TrainConfig& c) { return c.precision; },
         +[](TrainConfig& c, const std::string& v) { c.precision = v; }});
    add({"seed", "training", K::Text, "S", "seed", "same seed = same results, whatever the threads", {}, 0, 0, false,
         false, "", true, "", +[](const TrainConfig& c) { return std::to_string(c.seed); },
         +[](TrainConfig& c, const std::string& v) {
             std::uint64_t s = 0;
             const auto r = std::from_chars(v.data(), v.data() + v.size(), s);
             if (r.ec != std::errc() || r.ptr != v.data() + v.size())
                 bad("seed", v, "expected an integer from 0 to 2^64-1");
             c.seed = s;
         }});
    // ---- run ----
    add({"snapshot-every", "run", K::Integer, "K", "snapshot every",
         "save snapshots/epoch_NNNN.rwm at epoch 0, every K epochs and the last, with topology.csv and "
         "topology_degrees.csv; 0 = none",
         {}, 0, kUnbounded, false, false, "0 = no snapshots", true, "",
         +[](const TrainConfig& c) { return std::to_string(c.snapshotEvery); },
         +[](TrainConfig& c, const std::string& v) { c.snapshotEvery = clampedInt("snapshot-every", v); }});
    add({"checkpoint-every", "run", K::Integer, "K", "checkpoint every",
         "write checkpoint.rwm (model, optimiser state, counters, metrics so far) at epoch 0 and every K epochs; auto: "
         "after every epoch that took over a minute; 0: never",
         {}, 0, kUnbounded, false, false, "", false, "auto",
         +[](const TrainConfig& c) { return c.checkpointEvery < 0 ? std::string("auto") : std::to_string(c.checkpointEvery); },
         +[](TrainConfig& c, const std::string& v) {
             if (v == "auto")
                 c.checkpointEvery = -1;
             else if (const long long k = integer("checkpoint-every", v); k < 0)
                 bad("checkpoint-every", v, "expected auto, 0 (no checkpoints) or a number of epochs >= 1");
             else
                 c.checkpointEvery = static_cast<int>(std::min<long long>(k, 1 << 30));
         }});
    return t;
}

std::string joinOr(const std::vector<std::string>& v)
{
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i)
        s += (i == 0 ? "" : i + 1 == v.size() ? " or " : ", ") + v[i];
    return s;
}

} // namespace

const std::vector<OptionSpec>& trainOptions()
{
    static const std::vector<OptionSpec> table = buildTable();
    return table;
}

const OptionSpec* findOption(const std::string& key)
{
    for (const OptionSpec& o : trainOptions())
        if (o.key == key)
            return &o;
    return nullptr;
}

std::string optionDefault(const OptionSpec& option) { return option.get(TrainConfig()); }

std::string optionRange(const OptionSpec& option)
{
    switch (option.kind) {
    case OptionKind::Choice: {
        std::string s;
        for (const std::string& c : option.choices)
            s += (s.empty() ? "" : " | ") + c;
        return s;
    }
    case OptionKind::Number:
    case OptionKind::Integer: {
        const std::string lo = formatNumber(option.min), hi = formatNumber(option.max);
        std::string s = option.max >= kUnbounded ? (option.minOpen ? "> " : ">= ") + lo
                                                 : (option.minOpen ? "(" : "[") + lo + ", " + hi + (option.maxOpen ? ")" : "]");
        if (!option.special.empty())
            s = option.special + " or " + s;
        return s;
    }
    case OptionKind::Text: return "";
    }
    return "";
}

std::vector<std::string> optionMethods(const OptionSpec& option)
{
    std::vector<std::string> users;
    if (option.group != "method" || option.key == "importance-pruning" || option.key == "evolve-layers")
        return users;
    for (const MethodSpec& m : methodRegistry())
        if (std::find(m.options.begin(), m.options.end(), option.key) != m.options.end())
            users.push_back(m.name);
    return users;
}

void checkOption(const OptionSpec& o, const TrainConfig& config)
{
    const std::string text = o.get(config);
    if (!o.special.empty() && text == o.special)
        return;
    switch (o.kind) {
    case OptionKind::Choice:
        if (std::find(o.choices.begin(), o.choices.end(), text) == o.choices.end())
            bad(o.key, text, "expected " + joinOr(o.choices));
        return;
    case OptionKind::Number:
    case OptionKind::Integer: {
        double v = 0.0;
        readNumber(text, v);
        const bool ok = (o.minOpen ? v > o.min : v >= o.min) && (o.maxOpen ? v < o.max : v <= o.max);
        if (!ok) {
            if (o.key == "threads")
                bad(o.key, text, "expected auto or a count from 1 to 1024");
            if (o.key == "checkpoint-every")
                bad(o.key, text, "expected auto, 0 (no checkpoints) or a number of epochs >= 1");
            bad(o.key, text, "must be " + (o.max >= kUnbounded ? optionRange(o) : "in " + optionRange(o)) +
                                 (o.rangeNote.empty() ? "" : " (" + o.rangeNote + ")"));
        }
        return;
    }
    case OptionKind::Text:
        if (o.check)
            o.check(config);
        return;
    }
}

std::string optionsMarkdown()
{
    std::string s = "| option | default | values | what it does |\n|---|---|---|---|\n";
    for (const OptionSpec& o : trainOptions()) {
        std::string help = o.help;
        const auto users = optionMethods(o);
        if (!users.empty()) {
            help += " (read by ";
            for (std::size_t i = 0; i < users.size(); ++i)
                help += (i ? ", " : "") + users[i];
            help += ")";
        }
        std::string range = optionRange(o);
        for (char& c : help)
            if (c == '|')
                c = '/';
        for (char& c : range)
            if (c == '|')
                c = '/';
        s += fmt::format("| `--{} {}` | `{}` | {} | {} |\n", o.key, o.valueName, optionDefault(o), range, help);
    }
    return s;
}

std::string methodsMarkdown()
{
    std::string s = "| method | what it does | source |\n|---|---|---|\n";
    for (const MethodSpec& m : methodRegistry())
        s += fmt::format("| `{}` | {} | {} |\n", m.name, m.summary, m.source);
    return s;
}

} // namespace rewire
