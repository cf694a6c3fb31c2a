#include "core/parallel/wasap.h"

#include "core/rng.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <thread>

namespace rewire::parallel {

namespace {

constexpr std::uint64_t kShardStream = 11, kWorkerStream = 12;

// The server's topologies that workers may still hold, by version.
struct Topology {
    std::vector<std::vector<EdgeIndex>> rowPtr;
    std::vector<std::vector<NeuronIndex>> colIdx;
};

Topology topologyOf(const NetworkGraph& net)
{
    Topology t;
    for (const SparseLayer& l : net.layers()) {
        t.rowPtr.emplace_back(l.rowPtr().begin(), l.rowPtr().end());
        t.colIdx.emplace_back(l.colIdx().begin(), l.colIdx().end());
    }
    return t;
}

std::vector<std::uint64_t> fingerprint(const NetworkGraph& net)
{
    std::vector<std::uint64_t> f;
    for (const SparseLayer& l : net.layers())
        f.push_back(l.topologyVersion());
    return f;
}

NetworkGraph networkFrom(const ModelImage& image)
{
    std::vector<SparseLayer> layers;
    for (const LayerImage& li : image.layers) {
        if (!li.hasTopology())
            throw std::runtime_error("parallel: the first model a worker receives has no topology");
        layers.push_back(SparseLayer::fromCsr(li.inputs, li.outputs, li.rowPtr, li.colIdx, li.weights));
    }
    NetworkGraph net(std::move(layers));
    applyModel(net, image); // biases, properties, attributes
    return net;
}

} // namespace

class ServerPass : public TrainingPass {
public:
    ServerPass(Trainer& trainer, Transport& transport)
        : m_trainer(trainer), m_transport(transport), m_k(transport.workers()),
          m_algorithm(parseAlgorithm(trainer.config().parallel)), m_phase1(phase1Epochs(trainer.config())),
          m_version(static_cast<std::size_t>(m_k), 0), m_pending(static_cast<std::size_t>(m_k), false)
    {
    }

    bool topologyStep(int epoch) const override { return epoch <= m_phase1; }

    Figures run(Trainer& trainer, int epoch, TrainingObserver* observer) override
    {
        noticeTopology();
        return epoch <= m_phase1 ? phase1(trainer, epoch, observer) : phase2(trainer, observer);
    }

    // Collects the gradients still in flight and tells every worker to stop.
    void finish()
    {
        for (int k = 0; k < m_k; ++k) {
            if (m_pending[static_cast<std::size_t>(k)]) {
                m_transport.receiveFromWorker(k);
                m_pending[static_cast<std::size_t>(k)] = false;
            }
            Message stop;
            stop.kind = Kind::Stop;
            m_transport.sendToWorker(k, std::move(stop));
        }
    }

    EdgeIndex droppedGradients() const { return m_dropped; }

private:
    // A topology step (or a resumed network) since the last look: a new version.
    void noticeTopology()
    {
        std::vector<std::uint64_t> f = fingerprint(m_trainer.network());
        if (f == m_fingerprint)
            return;
        m_fingerprint = std::move(f);
        ++m_current;
        m_topologies[m_current] = topologyOf(m_trainer.network());
        // Versions no worker holds any more are forgotten.
        for (auto it = m_topologies.begin(); it != m_topologies.end();) {
            const bool held = it->first == m_current || std::find(m_version.begin(), m_version.end(), it->first) != m_version.end();
            it = held ? std::next(it) : m_topologies.erase(it);
        }
    }

    void sendModel(int k)
    {
        Message m;
        m.kind = Kind::Model;
        m.version = m_current;
        const bool topology = m_version[static_cast<std::size_t>(k)] != m_current;
        m.model = captureModel(m_trainer.network(), topology, false);
        m_version[static_cast<std::size_t>(k)] = m_current;
        m_pending[static_cast<std::size_t>(k)] = true;
        m_transport.sendToWorker(k, std::move(m));
    }

    // Worker k's next gradients, aligned with the current topology.
    Message receiveGradients(int k, int epoch)
    {
        Message m = m_transport.receiveFromWorker(k);
        m_pending[static_cast<std::size_t>(k)] = false;
        if (m.kind != Kind::Gradient)
            throw WorkerLost(m_transport.workerName(k) + " sent an unexpected message");
        if (!std::isfinite(m.lossSum))
            throw TrainingDiverged("training diverged at epoch " + std::to_string(epoch) + ": " + m_transport.workerName(k) +
                                   "'s batch loss is NaN or infinite (try a smaller --lr, now " +
                                   formatNumber(m_trainer.config().lr) + ")");
        const auto old = m_topologies.find(m.version);
        if (old == m_topologies.end())
            throw WorkerLost(m_transport.workerName(k) + " sent gradients of topology version " + std::to_string(m.version) +
                             ", which it was never sent");
        const std::size_t layers = old->second.colIdx.size();
        bool fits = m.gradients.weights.size() == layers && m.gradients.biases.size() == layers;
        for (std::size_t l = 0; fits && l < layers; ++l)
            fits = m.gradients.weights[l].size() == old->second.colIdx[l].size() &&
                   m.gradients.biases[l].size() + 1 == old->second.rowPtr[l].size();
        if (!fits)
            throw WorkerLost(m_transport.workerName(k) + " sent gradients that do not fit the model it was sent");
        if (m.version != m_current) { // seed 003 Algorithm 1, line 14
            const Topology& now = m_topologies.at(m_current);
            for (std::size_t l = 0; l < m.gradients.weights.size(); ++l) {
                EdgeIndex dropped = 0;
                m.gradients.weights[l] = retainValidUpdates(old->second.rowPtr[l], old->second.colIdx[l], now.rowPtr[l],
                                                            now.colIdx[l], m.gradients.weights[l], &dropped);
                m_dropped += dropped;
            }
        }
        return m;
    }

    Figures phase1(Trainer& trainer, int epoch, TrainingObserver* observer)
    {
        if (!m_started) {
            for (int k = 0; k < m_k; ++k)
                sendModel(k);
            m_started = true;
        }
        const std::int64_t n = trainer.trainingSamples(), b = trainer.config().batch;
        const auto batches = static_cast<int>((n + b - 1) / b); // the server's epoch: n/B gradients (line 16)
        Figures f;
        if (m_algorithm == Algorithm::Wasap) {
            for (int i = 0; i < batches; ++i) {
                if (observer && observer->stopRequested()) {
                    f.stopped = true;
                    break;
                }
                const int k = static_cast<int>(m_next++ % static_cast<std::uint64_t>(m_k));
                Message m = receiveGradients(k, epoch);
                trainer.applyGradients(m.gradients, static_cast<int>(m.samples));
                f.lossSum += m.lossSum;
                f.correct += m.correct;
                f.samples += m.samples;
                sendModel(k);
                if (observer)
                    observer->onBatch(epoch, i + 1, batches);
            }
        } else {
            const int steps = std::max(1, batches / m_k); // n/(B·K) steps of K batches
            for (int s = 0; s < steps; ++s) {
                if (observer && observer->stopRequested()) {
                    f.stopped = true;
                    break;
                }
                MlpEngine::Gradients sum;
                std::int64_t samples = 0;
                for (int k = 0; k < m_k; ++k) {
                    Message m = receiveGradients(k, epoch);
                    if (k == 0)
                        sum = std::move(m.gradients);
                    else
                        for (std::size_t l = 0; l < sum.weights.size(); ++l) {
                            for (std::size_t e = 0; e < sum.weights[l].size(); ++e)
                                sum.weights[l][e] += m.gradients.weights[l][e];
                            for (std::size_t j = 0; j < sum.biases[l].size(); ++j)
                                sum.biases[l][j] += m.gradients.biases[l][j];
                        }
                    samples += m.samples;
                    f.lossSum += m.lossSum;
                    f.correct += m.correct;
                }
                const float inv = 1.0f / static_cast<float>(m_k);
                for (auto* part : {&sum.weights, &sum.biases})
                    for (auto& v : *part)
                        for (float& x : v)
                            x *= inv;
                // Linear scaling (lr × K), warmed up from lr over the first epoch (Goyal et al.).
                const double warm = epoch == 1 ? static_cast<double>(s + 1) / steps : 1.0;
                trainer.applyGradients(sum, static_cast<int>(samples), 1.0 + (m_k - 1) * warm);
                f.samples += samples;
                for (int k = 0; k < m_k; ++k)
                    sendModel(k);
                if (observer)
                    observer->onBatch(epoch, s + 1, steps);
            }
        }
        return f;
    }

    Figures phase2(Trainer& trainer, TrainingObserver* observer)
    {
        Figures f;
        if (observer && observer->stopRequested()) { // a local epoch is not cut short: stop before it
            f.stopped = true;
            return f;
        }
        for (int k = 0; k < m_k; ++k) {
            Message m;
            m.kind = Kind::Local;
            m.lr = trainer.config().lr; // they may change between epochs (the app, a resumed run's changes)
            m.zeta = trainer.config().zeta;
            m.version = static_cast<std::uint64_t>(trainer.epochsDone()); // where the replica's run stands
            if (!m_local) { // the start of phase 2: the model with its optimiser state
                if (m_pending[static_cast<std::size_t>(k)]) { // the last phase-1 gradients are not applied
                    m_transport.receiveFromWorker(k);
                    m_pending[static_cast<std::size_t>(k)] = false;
                }
                m.model = captureModel(trainer.network(), true, true);
            }
            m_transport.sendToWorker(k, std::move(m));
        }
        m_local = true;
        std::vector<ModelImage> replicas;
        for (int k = 0; k < m_k; ++k) {
            Message m = m_transport.receiveFromWorker(k);
            if (m.kind != Kind::Replica)
                throw WorkerLost(m_transport.workerName(k) + " sent an unexpected message");
            f.lossSum += m.lossSum;
            f.correct += m.correct;
            f.samples += m.samples;
            replicas.push_back(std::move(m.model));
        }
        // Each layer back to the replicas' mean edge count: the target density (SET keeps it).
        std::vector<EdgeIndex> keep;
        for (std::size_t l = 0; l < replicas.front().layers.size(); ++l) {
            double edges = 0.0;
            for (const ModelImage& r : replicas)
                edges += static_cast<double>(r.layers[l].colIdx.size());
            keep.push_back(static_cast<EdgeIndex>(std::llround(edges / static_cast<double>(replicas.size()))));
        }
        applyModel(trainer.network(), averageReplicas(replicas, keep));
        return f;
    }

    Trainer& m_trainer;
    Transport& m_transport;
    int m_k;
    Algorithm m_algorithm;
    int m_phase1;
    std::vector<std::uint64_t> m_fingerprint;
    std::uint64_t m_current = 0; // 0: none yet
    std::map<std::uint64_t, Topology> m_topologies;
    std::vector<std::uint64_t> m_version; // the topology version each worker holds (0: none)
    std::vector<bool> m_pending;          // worker k owes the server a gradient
    std::uint64_t m_next = 0;             // wasap's cyclic order
    bool m_started = false, m_local = false;
    EdgeIndex m_dropped = 0;
};

Message failureMessage(int k, const std::exception& e)
{
    Message failure;
    failure.kind = Kind::Failure;
    failure.worker = k;
    failure.text = e.what();
    failure.diverged = dynamic_cast<const TrainingDiverged*>(&e) != nullptr;
    return failure;
}

Algorithm parseAlgorithm(const std::string& text)
{
    if (text == "wasap")
        return Algorithm::Wasap;
    if (text == "wassp")
        return Algorithm::Wassp;
    throw ConfigError("--parallel " + text + ": expected wasap or wassp");
}

int phase1Epochs(const TrainConfig& config)
{
    const int local = config.localEpochs >= 0 ? config.localEpochs
                                              : (config.epochs >= 2 ? std::max(1, config.epochs / 10) : 0);
    return std::max(0, config.epochs - std::min(local, config.epochs));
}

std::vector<std::int64_t> shardRows(std::int64_t samples, int workers, int k, std::uint64_t seed)
{
    std::vector<std::int64_t> order(static_cast<std::size_t>(samples));
    std::iota(order.begin(), order.end(), 0);
    Rng rng = Rng::derive(seed, kShardStream * 1000000);
    rng.shuffle(std::span(order));
    const std::int64_t begin = samples * k / workers, end = samples * (k + 1) / workers;
    std::vector<std::int64_t> rows(order.begin() + begin, order.begin() + end);
    std::sort(rows.begin(), rows.end());
    return rows;
}

int workerThreads(const TrainConfig& config, int workersInProcess)
{
    return config.threads > 0 ? config.threads : std::max(1, resolveThreads(0) / std::max(1, workersInProcess));
}

ParameterServer::ParameterServer(Trainer& trainer, Transport& transport)
    : m_trainer(trainer), m_pass(std::make_unique<ServerPass>(trainer, transport))
{
    trainer.setTrainingPass(m_pass.get());
}

ParameterServer::~ParameterServer() { m_trainer.setTrainingPass(nullptr); }

void ParameterServer::finish() { m_pass->finish(); }

EdgeIndex ParameterServer::droppedGradients() const { return m_pass->droppedGradients(); }

void serve(Trainer& trainer, Transport& transport, TrainingObserver* observer)
{
    ParameterServer server(trainer, transport);
    trainer.run(observer); // a throw leaves the workers to the caller: stopped (threads) or aborted (MPI)
    server.finish();
}


void work(int k, const TrainConfig& config, const DataSplit& data, Transport& transport, int threads)
{
    FlushDenormals flush;
    const Dataset& train = data.train;
    const std::vector<std::int64_t> shard = shardRows(train.samples(), transport.workers(), k, config.seed);
    if (shard.empty())
        throw std::runtime_error("--workers " + std::to_string(transport.workers()) + ": more workers than the " +
                                 std::to_string(train.samples()) + " training samples");
    const std::uint64_t key = Rng::derive(config.seed, kWorkerStream * 1000000 + static_cast<std::uint64_t>(k)).next();
    const int batch = config.batch;
    const int part = config.microBatch > 0 && config.microBatch < batch ? config.microBatch : batch;
    const float keep = static_cast<float>(1.0 - config.dropout);

    std::unique_ptr<NetworkGraph> replica;
    std::unique_ptr<MlpEngine> engine;
    MlpEngine::Gradients sum;
    std::vector<std::int64_t> order = shard;
    std::size_t at = order.size(); // reshuffle on the first batch
    std::uint64_t localEpoch = 0, batches = 0;
    std::vector<std::int32_t> labels;

    DataSplit local; // phase 2: the shard as a run of its own
    std::unique_ptr<Trainer> trainer;
    for (;;) {
        Message in = transport.receiveFromServer(k);
        if (in.kind == Kind::Stop)
            return;
        if (in.kind == Kind::Model) {
            if (!replica) {
                replica = std::make_unique<NetworkGraph>(networkFrom(in.model));
                // Gradients only: nothing reads the deltas, so they are shared from the start.
                engine = std::make_unique<MlpEngine>(*replica, Activation::parse(config.activation), parseLoss(config.loss), part,
                                                     threads, Optimizer::MomentumSgd, true);
                engine->setBf16Activations(config.precision == "bf16");
            } else {
                applyModel(*replica, in.model);
            }
            if (at >= order.size()) { // a local epoch over the shard, in a fresh order
                Rng::derive(key, ++localEpoch).shuffle(std::span(order));
                at = 0;
            }
            const int b = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(batch), order.size() - at));
            const std::span<const std::int64_t> rows(order.data() + at, static_cast<std::size_t>(b));
            at += static_cast<std::size_t>(b);
            labels.resize(static_cast<std::size_t>(b));
            for (int q = 0; q < b; ++q)
                labels[static_cast<std::size_t>(q)] = train.y[static_cast<std::size_t>(rows[static_cast<std::size_t>(q)])];
            const std::uint64_t dropoutKey = hashCounter(key, ++batches);
            Message out;
            out.kind = Kind::Gradient;
            out.worker = k;
            out.version = in.version;
            const BatchResult r = engine->batchGradients(train.x.data(), train.features(), rows, labels, keep, dropoutKey, part, sum);
            out.lossSum = r.finite ? r.lossSum : std::numeric_limits<double>::quiet_NaN();
            out.correct = r.correct;
            out.samples = b;
            out.gradients = sum;
            transport.sendToServer(k, std::move(out));
        } else if (in.kind == Kind::Local) {
            if (!trainer) {
                // The replica continues the server's run from here with a seed of its own: its
                // shuffles, dropout and topology draws differ from the other workers'.
                engine.reset();
                replica.reset();
                TrainConfig c = config;
                c.parallel = "off";
                c.threads = threads;
                c.inducedLossSamples = 0;
                c.seed = hashCounter(config.seed, 0x5741534150ULL + static_cast<std::uint64_t>(k));
                local.train = selectRows(train, shard, train.name);
                trainer = std::make_unique<Trainer>(c, local, networkFrom(in.model), static_cast<int>(in.version));
            }
            trainer->setLearningRate(in.lr);
            trainer->setZeta(in.zeta);
            const EpochMetrics e = trainer->trainEpoch();
            Message out;
            out.kind = Kind::Replica;
            out.worker = k;
            out.samples = static_cast<std::int64_t>(shard.size());
            out.lossSum = e.trainLoss * static_cast<double>(shard.size());
            out.correct = std::llround(e.trainAccuracy * static_cast<double>(shard.size()));
            out.model = captureModel(trainer->network(), true, true);
            transport.sendToServer(k, std::move(out));
        } else {
            throw std::runtime_error("parallel: worker " + std::to_string(k) + " received an unexpected message");
        }
    }
}

ThreadedWorkers::ThreadedWorkers(Trainer& trainer, const DataSplit& data)
    : m_transport(makeThreadTransport(trainer.config().workers))
{
    const TrainConfig& config = trainer.config();
    const int threads = workerThreads(config, config.workers);
    Transport& transport = *m_transport;
    m_server = std::make_unique<ParameterServer>(trainer, transport); // checks the options before any thread starts
    m_threads.reserve(static_cast<std::size_t>(config.workers));
    try {
    for (int k = 0; k < config.workers; ++k)
        m_threads.emplace_back([&transport, &data, config, threads, k] {
            try {
                work(k, config, data, transport, threads);
            } catch (const std::exception& e) {
                transport.sendToServer(k, failureMessage(k, e));
            }
        });
    } catch (...) {
        stopAndJoin();
        throw;
    }
}

EdgeIndex ThreadedWorkers::droppedGradients() const { return m_server->droppedGradients(); }

void ThreadedWorkers::finish()
{
    m_server->finish();
    for (std::thread& t : m_threads)
        t.join();
    m_threads.clear();
}

void ThreadedWorkers::stopAndJoin()
{
    if (m_threads.empty())
        return;
    for (int k = 0; k < m_transport->workers(); ++k) { // a worker past its last message ignores this
        Message stop;
        stop.kind = Kind::Stop;
        m_transport->sendToWorker(k, std::move(stop));
    }
    for (std::thread& t : m_threads)
        t.join();
    m_threads.clear();
}

ThreadedWorkers::~ThreadedWorkers()
{
    m_server.reset();
    stopAndJoin();
}

void trainThreaded(Trainer& trainer, const DataSplit& data, TrainingObserver* observer)
{
    ThreadedWorkers workers(trainer, data);
    trainer.run(observer);
    workers.finish();
}

} // namespace rewire::parallel
