#include "core/trainer.h"

#include "core/memory_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

namespace rewire {

namespace {

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Stream labels for Rng::derive, so each use of the seed draws independent numbers.
constexpr std::uint64_t kInitStream = 1, kShuffleStream = 2, kEvolveStream = 3, kDropoutStream = 4, kPruneStream = 5,
                        kProbeStream = 6, kInducedStream = 7;

// The gradient-based methods' batch: up to one batch of training samples drawn for the epoch
// (seeded), run forward and backward without dropout and without an update.
class EngineProbe : public GradientProbe {
public:
    EngineProbe(MlpEngine& engine, const Dataset& train, std::uint64_t seed, int epoch,
                const std::vector<MlpEngine::Gradients>& captured, int capturedCount)
        : m_engine(engine), m_train(train), m_seed(seed), m_epoch(epoch), m_captured(captured),
          m_capturedCount(capturedCount)
    {
    }
    int capturedBatches() const override { return m_capturedCount; }
    std::span<const float> captured(int n, int l) const override
    {
        return m_captured[static_cast<std::size_t>(n)].weights[static_cast<std::size_t>(l)];
    }
    void compute() override
    {
        const std::int64_t n = m_train.samples();
        m_batch = static_cast<int>(std::min<std::int64_t>(m_engine.batchCapacity(), n));
        Rng rng = Rng::derive(m_seed, kProbeStream * 1000000 + static_cast<std::uint64_t>(m_epoch));
        std::vector<std::int64_t> rows(static_cast<std::size_t>(m_batch));
        std::vector<std::int32_t> labels(static_cast<std::size_t>(m_batch));
        for (int b = 0; b < m_batch; ++b) { // with replacement: cheap, and any batch will do
            rows[static_cast<std::size_t>(b)] = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(n)));
            labels[static_cast<std::size_t>(b)] = m_train.y[static_cast<std::size_t>(rows[static_cast<std::size_t>(b)])];
        }
        m_engine.fillInput(m_train.x.data(), m_train.features(), rows);
        m_engine.gradients(m_batch, labels, m_weightGrads, m_biasGrads);
        EdgeIndex edges = 0;
        for (const auto& g : m_weightGrads)
            edges += static_cast<EdgeIndex>(g.size());
        flops += 6.0 * static_cast<double>(edges) * m_batch;
    }
    const NeuronBuffer& inputs(int l) const override { return m_engine.activations(l); }
    const NeuronBuffer& deltas(int l) const override { return m_engine.deltas(l + 1); }
    std::span<const float> edgeGradients(int l) const override { return m_weightGrads[static_cast<std::size_t>(l)]; }
    int batch() const override { return m_batch; }
    WorkPool& pool() override { return m_engine.pool(); }

private:
    MlpEngine& m_engine;
    const Dataset& m_train;
    std::uint64_t m_seed;
    int m_epoch;
    const std::vector<MlpEngine::Gradients>& m_captured;
    int m_capturedCount;
    int m_batch = 0;
    std::vector<std::vector<float>> m_weightGrads, m_biasGrads;
};

} // namespace

int resolveThreads(int requested)
{
    return requested > 0 ? requested : onlineCores();
}

DatasetRequest datasetRequest(const TrainConfig& config)
{
    DatasetRequest request;
    request.spec = config.dataset;
    request.testSpec = config.testDataset;
    request.testFraction = config.testFraction;
    request.scale = config.scale;
    request.validationSpec = config.validationDataset;
    request.validationFraction = config.validation;
    request.seed = config.seed;
    return request;
}

NetworkGraph buildNetwork(const TrainConfig& config)
{
    config.validate();
    const auto arch = config.architecture();
    const bool dense = findMethod(config.method).dense;
    const WeightInit init = resolveWeightInit(config.init, arch, config.epsilon, dense);
    WorkPool pool(resolveThreads(config.threads));
    std::vector<SparseLayer> layers;
    for (std::size_t l = 0; l + 1 < arch.size(); ++l) {
        Rng rng = Rng::derive(config.seed, kInitStream * 1000 + l);
        // sparse-fanin's gain on the last hidden layer, from the mean in-degrees the layers start
        // with (initGain computes the same from the network at regrowth).
        float gain = 1.0f;
        if (init == WeightInit::SparseFanIn && l + 2 == arch.size() - 1) {
            const auto meanInDegree = [&](std::size_t k) {
                const double edges = dense ? static_cast<double>(arch[k]) * arch[k + 1]
                                           : static_cast<double>(erdosRenyiEdgeCount(arch[k], arch[k + 1], config.epsilon));
                return edges / arch[k + 1];
            };
            gain = readoutGain(meanInDegree(l), meanInDegree(l + 1));
        }
        if (dense) {
            layers.push_back(denseLayer(arch[l], arch[l + 1], init, rng));
            for (float& w : layers.back().weights())
                w *= gain;
        } else if (init == WeightInit::UniformFanIn)
            layers.push_back(uniformFanInLayer(arch[l], arch[l + 1], config.epsilon, rng));
        else
            layers.push_back(erdosRenyiLayer(arch[l], arch[l + 1], config.epsilon, init, rng, &pool, gain));
    }
    // SReLU's parameters, per hidden neuron, as the issue and Jin et al. initialise them:
    // t_l = 0, a_l ~ U(0, 1), t_r ~ U(0, 5), a_r = 1.
    if (Activation::parse(config.activation).kind == ActivationKind::SRelu)
        for (std::size_t l = 0; l + 2 < arch.size(); ++l) {
            SparseLayer& layer = layers[l];
            Rng rng = Rng::derive(config.seed, kInitStream * 1000 + 500 + l);
            int id[4];
            for (int q = 0; q < 4; ++q)
                id[q] = layer.addNeuronProperty(kSreluParams[q]);
            for (NeuronIndex j = 0; j < layer.outputs(); ++j) {
                layer.neuronProperty(id[0])[static_cast<std::size_t>(j)] = 0.0f;
                layer.neuronProperty(id[1])[static_cast<std::size_t>(j)] = rng.uniform(0.0f, 1.0f);
                layer.neuronProperty(id[2])[static_cast<std::size_t>(j)] = rng.uniform(0.0f, 5.0f);
                layer.neuronProperty(id[3])[static_cast<std::size_t>(j)] = 1.0f;
            }
        }
    NetworkGraph g(std::move(layers));
    g.attributes()["activation"] = config.activation;
    g.attributes()["method"] = config.method;
    g.attributes()["epsilon"] = formatNumber(config.epsilon);
    g.attributes()["init"] = toString(init);
    return g;
}

Trainer::Trainer(TrainConfig config, const DataSplit& data) : Trainer(std::move(config), data, std::nullopt, 0) {}

Trainer::Trainer(TrainConfig config, const DataSplit& data, NetworkGraph checkpoint, int epochsDone)
    : Trainer(std::move(config), data, std::optional<NetworkGraph>(std::move(checkpoint)), epochsDone)
{
}

Trainer::Trainer(TrainConfig config, const DataSplit& data, std::optional<NetworkGraph> checkpoint, int epochsDone)
    : m_config(std::move(config)), m_data(data)
{
    m_config.validate();
    const auto arch = m_config.architecture();
    const Dataset& train = data.train;
    if (train.samples() == 0)
        throw ConfigError("--dataset " + m_config.dataset + ": no training samples");
    if (arch.front() != train.features())
        throw ConfigError("--arch " + m_config.arch + ": input size " + std::to_string(arch.front()) +
                          " does not match the " + std::to_string(train.features()) + " features of " + train.name);
    if (arch.back() != train.classes)
        throw ConfigError("--arch " + m_config.arch + ": output size " + std::to_string(arch.back()) +
                          " does not match the " + std::to_string(train.classes) + " classes of " + train.name);
    if (data.test.samples() > 0 && data.test.features() != train.features())
        throw ConfigError("--test-dataset: " + std::to_string(data.test.features()) + " features, training data has " +
                          std::to_string(train.features()));
    m_spec = &findMethod(m_config.method);
    if (m_config.method == "imp" && m_config.epochs < m_config.pruneRounds + 1)
        throw ConfigError("--prune-rounds " + std::to_string(m_config.pruneRounds) + ": imp needs at least " +
                          std::to_string(m_config.pruneRounds + 1) + " epochs (a round of training before each pruning, "
                          "and one after the last); --epochs is " + std::to_string(m_config.epochs));
    if (m_config.microBatch > m_config.batch)
        throw ConfigError("--micro-batch " + std::to_string(m_config.microBatch) + ": more than --batch " +
                          std::to_string(m_config.batch));
    if (microBatch() < m_config.batch && Activation::parse(m_config.activation).kind == ActivationKind::SRelu)
        throw ConfigError("--micro-batch " + std::to_string(m_config.microBatch) +
                          ": not with --activation srelu yet (its parameters' gradients are not summed)");
    if (m_config.method == "gmp" && m_config.epochs < 2)
        throw ConfigError("--epochs 1: gmp prunes after epochs 1 .. 3/4 of the run and fine-tunes after; give at least 2");
    if (m_config.ratioOn == "validation" && data.validation.samples() == 0 &&
        (m_config.method == "accset" || m_config.method == "lset" || m_config.method == "dynset" ||
         (m_config.method.rfind("neighbour-", 0) == 0 && m_config.counts != "set")))
        throw ConfigError("--ratio-on validation: the run has no validation data (set --validation or --validation-dataset)");
    m_init = resolveWeightInit(m_config.init, arch, m_config.epsilon, m_spec->dense);
    {
        // The data is loaded already, and a checkpoint's network with its optimiser state: both
        // are gone from the available memory, so they are not asked for twice.
        const MemoryPlan plan = planTrainingMemory(
            m_config, {train.samples(), data.test.samples(), data.validation.samples(), train.features()});
        requirePlanFits(plan, m_config,
                        planPartBytes(plan, {"data"}) +
                            (checkpoint ? planPartBytes(plan, {"edges", "optimiser state"}) : 0.0));
    }
    if (checkpoint) {
        if (epochsDone < 0 || epochsDone > m_config.epochs)
            throw ConfigError("checkpoint: " + std::to_string(epochsDone) + " epochs done, the run has " +
                              std::to_string(m_config.epochs));
        if (checkpoint->architecture() != arch)
            throw ConfigError("checkpoint: architecture " + formatArchitecture(checkpoint->architecture()) +
                              " does not match --arch " + m_config.arch);
        m_network = std::move(*checkpoint);
        m_epochsDone = epochsDone;
    } else {
        m_network = buildNetwork(m_config);
    }
    // The exploration rate's count (In-Time Over-Parameterisation): a checkpoint carries its own.
    for (SparseLayer& l : m_network.layers())
        l.trackExploration();
    if (!train.shape.empty()) {
        std::string s;
        for (std::size_t i = 0; i < train.shape.size(); ++i) {
            if (i)
                s += 'x';
            s += std::to_string(train.shape[i]);
        }
        m_network.attributes()["input_shape"] = s;
    }
    m_network.attributes()["dataset"] = train.name;
    m_methods = makeTopologyMethods(m_config);
    if (m_methods.back()->needsCapturedGradients()) {
        if (m_methods.size() > 1)
            throw ConfigError("--importance-pruning: does not combine with --method " + m_config.method +
                              " (its Fisher gradients describe the network before Importance Pruning's edit)");
        m_captureBatches = m_config.fisherBatches;
    }
    if (m_config.parallel != "off") {
        if (parseOptimizer(m_config.optimizer) != Optimizer::MomentumSgd)
            throw ConfigError("--optimizer " + m_config.optimizer + ": --parallel trains with momentum SGD (seed 003, eq. 1)");
        if (Activation::parse(m_config.activation).kind == ActivationKind::SRelu)
            throw ConfigError("--activation " + m_config.activation +
                              ": not with --parallel yet (the workers' gradients do not carry SReLU's parameters)");
        if (m_config.ratioOn == "validation" &&
            (m_config.method == "accset" || m_config.method == "lset" || m_config.method == "dynset" ||
             (m_config.method.rfind("neighbour-", 0) == 0 && m_config.counts != "set")))
            throw ConfigError("--ratio-on validation: not with --parallel yet (phase 2's replicas train without the "
                              "validation data)");
        if (m_config.workers > train.samples())
            throw ConfigError("--workers " + std::to_string(m_config.workers) + ": more workers than the " +
                              std::to_string(train.samples()) + " training samples");
        if (m_captureBatches > 0)
            throw ConfigError("--method " + m_config.method +
                              ": not with --parallel (its Fisher estimate needs the epoch's last batches on one engine)");
    }
    if (const auto it = m_network.attributes().find("topology.state"); checkpoint && it != m_network.attributes().end()) {
        try {
            m_topology = TopologyState::fromText(it->second, m_network.layerCount());
        } catch (const std::invalid_argument& e) {
            throw ConfigError(std::string("checkpoint: ") + e.what());
        }
        if (static_cast<int>(m_topology.history.size()) != m_epochsDone)
            throw ConfigError("checkpoint: topology.state holds " + std::to_string(m_topology.history.size()) +
                              " epochs, the checkpoint " + std::to_string(m_epochsDone));
    } else {
        for (const SparseLayer& l : m_network.layers())
            m_topology.target.push_back(l.edgeCount());
    }
    if (checkpoint) { // the cost so far (absent from checkpoints of older runs: counted from here)
        const auto& attrs = m_network.attributes();
        double v = 0.0;
        if (const auto it = attrs.find("cost.weight_updates"); it != attrs.end()) {
            std::int64_t n = 0; // exact: a double would round counts past 2^53
            const auto r = std::from_chars(it->second.data(), it->second.data() + it->second.size(), n);
            if (r.ec == std::errc() && r.ptr == it->second.data() + it->second.size() && n >= 0)
                m_weightUpdates = n;
        }
        if (const auto it = attrs.find("cost.train_flops"); it != attrs.end() && readNumber(it->second, v) && v >= 0)
            m_trainFlops = v;
    }
    if (m_config.inducedLossSamples > 0) { // a fixed sample of the training data, the same every epoch
        Rng rng = Rng::derive(m_config.seed, kInducedStream);
        const std::int64_t n = train.samples(), take = std::min<std::int64_t>(n, m_config.inducedLossSamples);
        std::vector<std::int64_t> all(static_cast<std::size_t>(n));
        std::iota(all.begin(), all.end(), 0);
        for (std::int64_t i = 0; i < take; ++i)
            std::swap(all[static_cast<std::size_t>(i)], all[static_cast<std::size_t>(i + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(n - i))))]);
        m_inducedRows.assign(all.begin(), all.begin() + take);
        std::sort(m_inducedRows.begin(), m_inducedRows.end());
    }
    // In-place deltas, unless a method reads the hidden sets' deltas (gradient-based regrowth).
    m_engine = std::make_unique<MlpEngine>(m_network, Activation::parse(m_config.activation),
                                           parseLoss(m_config.loss), microBatch(), resolveThreads(m_config.threads),
                                           parseOptimizer(m_config.optimizer), !methodsNeedGradients(m_methods));
    m_engine->setBf16Activations(m_config.precision == "bf16");
    m_dropoutBase = Rng::derive(m_config.seed, kDropoutStream).next();
    if (!checkpoint) {
        // A new run: what the methods keep from the start (IMP's initial weights), then the
        // one-shot steps before training (SNIP), on a batch drawn for "epoch 0".
        FlushDenormals flush;
        for (const auto& method : m_methods)
            method->prepare(m_network);
        if (std::any_of(m_methods.begin(), m_methods.end(), [](const auto& m) { return m->schedule().atStart(); })) {
            EngineProbe probe(*m_engine, train, m_config.seed, 0, m_captured, 0);
            topologySteps(0, probe);
            m_network.attributes()["cost.train_flops"] = formatNumber(m_trainFlops);
        }
    }
}

LayerChange Trainer::topologySteps(int epoch, GradientProbe& probe)
{
    LayerChange total;
    for (std::size_t k = 0; k < m_methods.size(); ++k) {
        const bool main = k + 1 == m_methods.size();
        TopologyContext ctx{epoch, m_config.epochs, m_config, m_network, m_topology, {}, m_init, &probe};
        for (int l = 0; l < m_network.layerCount(); ++l)
            ctx.evolving.push_back(main ? layerEvolves(l) : layerSelected(l)); // pruning also thins full layers
        // The method's draws keep the stream SET always used; the pruning step draws nothing.
        Rng rng = Rng::derive(m_config.seed, (main ? kEvolveStream : kPruneStream) * 1000000 + static_cast<std::uint64_t>(epoch));
        for (const LayerChange& c : m_methods[k]->step(ctx, rng)) {
            total.pruned += c.pruned;
            total.regrown += c.regrown;
        }
    }
    m_network.attributes()["topology.state"] = m_topology.toText();
    m_trainFlops += probe.flops;
    return total;
}

void Trainer::applyGradients(const MlpEngine::Gradients& gradients, int samples, double lrScale)
{
    FlushDenormals flush;
    const UpdatePolicy step{static_cast<float>(m_config.lr * lrScale), static_cast<float>(m_config.momentum),
                            static_cast<float>(m_config.weightDecay), Optimizer::MomentumSgd};
    m_engine->applyGradients(gradients, step);
    const EdgeIndex edges = m_network.edgeCount();
    m_weightUpdates += edges;
    m_trainFlops += 6.0 * static_cast<double>(edges) * samples;
}

bool Trainer::layerSelected(int l) const
{
    return m_config.evolveLayers == "all" || l + 1 < m_network.layerCount();
}

bool Trainer::layerEvolves(int l) const
{
    if (!m_spec->evolves || !layerSelected(l))
        return false;
    const SparseLayer& layer = m_network.layer(l);
    if (m_spec->dense) // a pruning method: the layers an Erdős–Rényi net at --epsilon has sparse
        return erdosRenyiProbability(layer.inputs(), layer.outputs(), m_config.epsilon) < 1.0;
    return !layer.isDense();
}

void Trainer::setLearningRate(double lr)
{
    if (!(lr > 0.0))
        throw ConfigError("--lr " + formatNumber(lr) + ": must be > 0");
    m_config.lr = lr;
}

void Trainer::setZeta(double zeta)
{
    if (!(zeta >= 0.0 && zeta < 1.0))
        throw ConfigError("--zeta " + formatNumber(zeta) + ": must be in [0, 1)");
    m_config.zeta = zeta;
}

double Trainer::lossOn(const Dataset& data, std::span<const std::int64_t> rows)
{
    const int cap = m_engine->batchCapacity();
    std::vector<std::int32_t> labels;
    double loss = 0.0;
    for (std::size_t start = 0; start < rows.size(); start += static_cast<std::size_t>(cap)) {
        const auto b = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(cap), rows.size() - start));
        const auto part = rows.subspan(start, static_cast<std::size_t>(b));
        labels.resize(static_cast<std::size_t>(b));
        for (int q = 0; q < b; ++q)
            labels[static_cast<std::size_t>(q)] = data.y[static_cast<std::size_t>(part[static_cast<std::size_t>(q)])];
        m_engine->fillInput(data.x.data(), data.features(), part);
        loss += m_engine->evaluateBatch(b, labels).lossSum;
    }
    return rows.empty() ? std::numeric_limits<double>::quiet_NaN() : loss / static_cast<double>(rows.size());
}

Evaluation Trainer::evaluate(const Dataset& data)
{
    FlushDenormals flush;
    Evaluation ev;
    const std::int64_t n = data.samples();
    if (n == 0) { // nothing measured: "n/a", never a 0 % that looks like a result
        ev.loss = ev.accuracy = std::numeric_limits<double>::quiet_NaN();
        return ev;
    }
    const int cap = m_engine->batchCapacity();
    std::vector<std::int64_t> rows;
    double loss = 0.0;
    std::int64_t correct = 0;
    for (std::int64_t start = 0; start < n; start += cap) {
        const int b = static_cast<int>(std::min<std::int64_t>(cap, n - start));
        rows.resize(static_cast<std::size_t>(b));
        std::iota(rows.begin(), rows.end(), start);
        m_engine->fillInput(data.x.data(), data.features(), rows);
        const BatchResult r = m_engine->evaluateBatch(b, std::span(data.y).subspan(static_cast<std::size_t>(start), b));
        loss += r.lossSum;
        correct += r.correct;
    }
    ev.loss = loss / static_cast<double>(n);
    ev.accuracy = static_cast<double>(correct) / static_cast<double>(n);
    return ev;
}

EpochMetrics Trainer::trainEpoch(TrainingObserver* observer)
{
    if (finished())
        throw std::logic_error("Trainer: all " + std::to_string(m_config.epochs) + " epochs are done");
    // The whole epoch on this thread (training, evaluation, the topology step) with subnormals
    // flushed, as in the pool's workers; the caller's mode comes back at the end.
    FlushDenormals flush;
    const int epoch = m_epochsDone + 1;
    EpochMetrics m;
    m.epoch = epoch;
    const Dataset& train = m_data.train;
    const std::int64_t n = train.samples();

    std::vector<std::int64_t> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    Rng shuffle = Rng::derive(m_config.seed, kShuffleStream * 1000000 + static_cast<std::uint64_t>(epoch));
    shuffle.shuffle(std::span(order));

    const Optimizer optimizer = parseOptimizer(m_config.optimizer);
    UpdatePolicy step{static_cast<float>(m_config.lr), static_cast<float>(m_config.momentum),
                      static_cast<float>(m_config.weightDecay), optimizer};
    const float keep = static_cast<float>(1.0 - m_config.dropout);
    const int cap = m_config.batch;
    const int batches = static_cast<int>((n + cap - 1) / cap);
    std::vector<std::int32_t> labels(static_cast<std::size_t>(cap));
    double lossSum = 0.0;
    std::int64_t correct = 0, seen = 0;
    const EdgeIndex trainedEdges = m_network.edgeCount(); // no edit happens during the training pass
    if (m_engine->timing())
        m_engine->resetTimes();
    const auto t0 = Clock::now();
    bool passStopped = false;
    if (m_pass) {
        const TrainingPass::Figures f = m_pass->run(*this, epoch, observer);
        lossSum = f.lossSum;
        correct = f.correct;
        seen = f.samples;
        passStopped = f.stopped;
    }
    for (int bi = 0; m_pass == nullptr && bi < batches; ++bi) {
        if (observer && observer->stopRequested())
            break;
        const std::int64_t start = static_cast<std::int64_t>(bi) * cap;
        const int b = static_cast<int>(std::min<std::int64_t>(cap, n - start));
        const std::span<const std::int64_t> rows(order.data() + start, static_cast<std::size_t>(b));
        for (int q = 0; q < b; ++q)
            labels[static_cast<std::size_t>(q)] = train.y[static_cast<std::size_t>(rows[q])];
        const std::uint64_t key = hashCounter(m_dropoutBase,
                                              (static_cast<std::uint64_t>(epoch) << 32) | static_cast<std::uint64_t>(bi));
        if (optimizer == Optimizer::Adam) // t counts the run's batches: a resumed run continues the count
            step = adamPolicy(m_config.lr, m_config.adamBeta1, m_config.adamBeta2, m_config.adamEpsilon,
                              m_config.weightDecay, static_cast<std::int64_t>(epoch - 1) * batches + bi + 1);
        // The second-order methods' Fisher: the gradients of the epoch's last batches, as computed.
        const int slot = bi - (batches - std::min(batches, m_captureBatches));
        MlpEngine::Gradients* capture = nullptr;
        if (m_captureBatches > 0 && slot >= 0) {
            m_captured.resize(static_cast<std::size_t>(std::min(batches, m_captureBatches)));
            capture = &m_captured[static_cast<std::size_t>(slot)];
        }
        BatchResult r;
        const int part = microBatch();
        if (part >= b) {
            m_engine->fillInput(train.x.data(), train.features(), rows);
            r = m_engine->trainBatch(b, std::span(labels).first(static_cast<std::size_t>(b)), step, keep, key, capture);
        } else { // micro-batches: the parts' gradients summed, then the batch's one step
            r = m_engine->batchGradients(train.x.data(), train.features(), rows,
                                         std::span(labels).first(static_cast<std::size_t>(b)), keep, key, part, m_microSum);
            if (r.finite) {
                m_engine->applyGradients(m_microSum, step);
                if (capture)
                    *capture = m_microSum;
            }
        }
        if (!r.finite)
            throw TrainingDiverged("training diverged at epoch " + std::to_string(epoch) + ", batch " +
                                   std::to_string(bi + 1) + " of " + std::to_string(batches) +
                                   ": the loss is NaN or infinite (try a smaller --lr, now " +
                                   formatNumber(m_config.lr) + ")");
        lossSum += r.lossSum;
        correct += r.correct;
        seen += b;
        m_weightUpdates += trainedEdges;
        m_trainFlops += 6.0 * static_cast<double>(trainedEdges) * b;
        if (observer)
            observer->onBatch(epoch, bi + 1, batches);
    }
    m.epochSeconds = secondsSince(t0);
    if (m_engine->timing())
        m.passTimes = m_engine->times();
    m.complete = m_pass ? !passStopped : seen == n;
    if (!m.complete) {
        // Stopped mid-epoch: the network holds part of this epoch's training. The epoch does not
        // count: no evaluation, no topology step, no observer calls, epochsDone() unchanged; a
        // resume continues from a checkpoint of whole epochs.
        m_partialBatches = static_cast<int>((seen + cap - 1) / cap);
        m_batchesPerEpoch = batches;
        return m;
    }
    m_partialBatches = 0;
    const double none = std::numeric_limits<double>::quiet_NaN(); // stopped before the first batch
    m.trainLoss = seen ? lossSum / static_cast<double>(seen) : none;
    m.trainAccuracy = seen ? static_cast<double>(correct) / static_cast<double>(seen) : none;

    // Evaluate the network just trained, before the topology step (as the reference code does).
    const auto t2 = Clock::now();
    const Evaluation test = evaluate(m_data.test);
    if (m_data.validation.samples() > 0) {
        const Evaluation val = evaluate(m_data.validation);
        m.hasValidation = true;
        m.validationLoss = val.loss;
        m.validationAccuracy = val.accuracy;
    }
    m.evalSeconds = secondsSince(t2);
    m.testLoss = test.loss;
    m.testAccuracy = test.accuracy;
    m_network.attributes()["epochs_trained"] = std::to_string(epoch); // saved with models and snapshots
    if (observer)
        observer->onTrained(m, m_network);

    // The topology step (not after the last epoch): Importance Pruning when on, then the method.
    m.trainedConnections = m_network.edgeCount();
    EpochRecord record{m.trainLoss, m.trainAccuracy, none, none};
    if (m.hasValidation) {
        record.validationLoss = m.validationLoss;
        record.validationAccuracy = m.validationAccuracy;
    }
    m_topology.history.push_back(record);
    m_network.attributes()["topology.state"] = m_topology.toText(); // the step below rewrites it (when it runs)
    // Whether a step may run after this epoch (the schedules decide; measured only then). The
    // induced-loss measurements are neither the step nor evaluation: measure_seconds.
    const bool stepAfter = epoch < m_config.epochs && (m_pass == nullptr || m_pass->topologyStep(epoch));
    bool mayStep = false;
    if (stepAfter && !m_inducedRows.empty())
        for (const auto& method : m_methods) {
            TopologyContext ctx{epoch, m_config.epochs, m_config, m_network, m_topology, {}, m_init, nullptr};
            mayStep = mayStep || method->schedule().plan(ctx).active;
        }
    const auto t3 = Clock::now();
    const double lossBefore = mayStep ? lossOn(train, m_inducedRows) : std::numeric_limits<double>::quiet_NaN();
    m.measureSeconds += secondsSince(t3);
    const auto t1 = Clock::now();
    EngineProbe probe(*m_engine, train, m_config.seed, epoch, m_captured,
                      m_captureBatches > 0 ? static_cast<int>(m_captured.size()) : 0);
    const LayerChange change = m_pass && !m_pass->topologyStep(epoch) ? LayerChange{} : topologySteps(epoch, probe);
    m.pruned = change.pruned;
    m.regrown = change.regrown;
    m.evolutionSeconds = secondsSince(t1);
    if (mayStep && m.pruned + m.regrown > 0) { // outside the step's time: a measurement, not its cost
        const auto t4 = Clock::now();
        m.lossBeforeStep = lossBefore;
        m.lossAfterStep = lossOn(train, m_inducedRows);
        m.measureSeconds += secondsSince(t4);
    }
    m.weightUpdates = m_weightUpdates;
    m.trainFlops = m_trainFlops;
    m_network.attributes()["cost.weight_updates"] = std::to_string(m_weightUpdates);
    m_network.attributes()["cost.train_flops"] = formatNumber(m_trainFlops);

    for (const SparseLayer& l : m_network.layers())
        m.connectionsPerLayer.push_back(l.edgeCount());
    m.connections = m_network.edgeCount();
    m_epochsDone = epoch;
    if (observer)
        observer->onEpoch(m, m_network);
    return m;
}

ObserverList::ObserverList(std::initializer_list<TrainingObserver*> members)
{
    for (TrainingObserver* m : members)
        add(m);
}

void ObserverList::add(TrainingObserver* member)
{
    if (member)
        m_members.push_back(member);
}

void ObserverList::onBatch(int epoch, int batch, int batchCount)
{
    for (TrainingObserver* m : m_members)
        m->onBatch(epoch, batch, batchCount);
}

void ObserverList::onTrained(const EpochMetrics& metrics, const NetworkGraph& network)
{
    for (TrainingObserver* m : m_members)
        m->onTrained(metrics, network);
}

void ObserverList::onEpoch(const EpochMetrics& metrics, const NetworkGraph& network)
{
    for (TrainingObserver* m : m_members)
        m->onEpoch(metrics, network);
}

bool ObserverList::stopRequested()
{
    bool stop = false;
    for (TrainingObserver* m : m_members)
        stop = m->stopRequested() || stop; // every member is polled: a signal handler may reset state
    return stop;
}

void Trainer::run(TrainingObserver* observer)
{
    while (!finished()) {
        trainEpoch(observer);
        if (observer && observer->stopRequested())
            break;
    }
}

} // namespace rewire
