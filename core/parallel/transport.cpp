#include "core/parallel/transport.h"

#include "core/trainer.h"

#include <condition_variable>
#include <deque>
#include <mutex>

namespace rewire::parallel {

std::vector<std::byte> encode(const Message& m)
{
    ByteWriter out;
    out.u64(0x52574d53'47000001ULL); // "RWMSG", format 1
    out.u64(static_cast<std::uint64_t>(m.kind));
    out.u64(static_cast<std::uint64_t>(m.worker));
    out.u64(m.version);
    out.f64(m.lossSum);
    out.u64(static_cast<std::uint64_t>(m.correct));
    out.u64(static_cast<std::uint64_t>(m.samples));
    out.u64(m.gradients.weights.size());
    for (std::size_t l = 0; l < m.gradients.weights.size(); ++l) {
        out.array(m.gradients.weights[l]);
        out.array(l < m.gradients.biases.size() ? m.gradients.biases[l] : std::vector<float>{});
    }
    write(out, m.model);
    out.text(m.text);
    out.u64(m.diverged ? 1 : 0);
    out.f64(m.lr);
    out.f64(m.zeta);
    return out.take();
}

Message decode(std::span<const std::byte> bytes)
{
    ByteReader in(bytes);
    if (in.u64() != 0x52574d53'47000001ULL)
        throw std::runtime_error("parallel message: not a Rewire message (" + std::to_string(bytes.size()) + " bytes)");
    Message m;
    const std::uint64_t kind = in.u64();
    if (kind < 1 || kind > 6)
        throw std::runtime_error("parallel message: unknown kind " + std::to_string(kind));
    m.kind = static_cast<Kind>(kind);
    m.worker = static_cast<int>(in.u64());
    m.version = in.u64();
    m.lossSum = in.f64();
    m.correct = static_cast<std::int64_t>(in.u64());
    m.samples = static_cast<std::int64_t>(in.u64());
    const std::uint64_t layers = in.u64();
    if (layers > 1u << 20)
        throw std::runtime_error("parallel message: gradients of " + std::to_string(layers) + " layers");
    for (std::uint64_t l = 0; l < layers; ++l) {
        m.gradients.weights.push_back(in.array<float>());
        m.gradients.biases.push_back(in.array<float>());
    }
    m.model = readModelImage(in);
    m.text = in.text();
    m.diverged = in.u64() != 0;
    m.lr = in.f64();
    m.zeta = in.f64();
    if (!in.done())
        throw std::runtime_error("parallel message: trailing bytes");
    return m;
}

void throwFailure(const Message& failure, const std::string& who)
{
    if (failure.diverged)
        throw TrainingDiverged(failure.text + " (" + who + ")");
    throw WorkerLost(who + " failed: " + failure.text);
}

namespace {

class Mailbox {
public:
    void put(Message m)
    {
        {
            std::lock_guard lock(m_mutex);
            m_queue.push_back(std::move(m));
        }
        m_ready.notify_one();
    }
    Message take()
    {
        std::unique_lock lock(m_mutex);
        m_ready.wait(lock, [&] { return !m_queue.empty(); });
        Message m = std::move(m_queue.front());
        m_queue.pop_front();
        return m;
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_ready;
    std::deque<Message> m_queue;
};

class ThreadTransport : public Transport {
public:
    explicit ThreadTransport(int workers) : m_toWorker(static_cast<std::size_t>(workers)), m_toServer(static_cast<std::size_t>(workers)) {}
    int workers() const override { return static_cast<int>(m_toWorker.size()); }
    std::string workerName(int k) const override { return "worker " + std::to_string(k); }
    void sendToWorker(int k, Message m) override { m_toWorker.at(static_cast<std::size_t>(k)).put(std::move(m)); }
    Message receiveFromWorker(int k) override
    {
        Message m = m_toServer.at(static_cast<std::size_t>(k)).take();
        if (m.kind == Kind::Failure)
            throwFailure(m, workerName(k));
        return m;
    }
    void sendToServer(int k, Message m) override { m_toServer.at(static_cast<std::size_t>(k)).put(std::move(m)); }
    Message receiveFromServer(int k) override { return m_toWorker.at(static_cast<std::size_t>(k)).take(); }

private:
    std::vector<Mailbox> m_toWorker, m_toServer;
};

} // namespace

std::unique_ptr<Transport> makeThreadTransport(int workers)
{
    if (workers < 1)
        throw std::invalid_argument("--workers " + std::to_string(workers) + ": must be at least 1");
    return std::make_unique<ThreadTransport>(workers);
}

} // namespace rewire::parallel
