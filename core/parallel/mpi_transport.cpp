#include "core/parallel/mpi_transport.h"

#include "core/parallel/wasap.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#if REWIRE_WITH_MPI
#include <mpi.h>
#endif

namespace rewire::parallel {

int mpirunWorldSize()
{
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"})
        if (const char* env = std::getenv(name))
            return std::max(1, std::atoi(env));
    return 0;
}

bool mpiAvailable()
{
#if REWIRE_WITH_MPI
    return true;
#else
    return false;
#endif
}

#if REWIRE_WITH_MPI

namespace {

constexpr int kTagLength = 71, kTagChunk = 72;

std::size_t chunkBytes()
{
    std::size_t limit = std::size_t{1} << 30;
    if (const char* env = std::getenv("REWIRE_MPI_CHUNK_BYTES")) {
        const long long v = std::atoll(env);
        if (v >= 1 && v <= (1LL << 30))
            limit = static_cast<std::size_t>(v);
    }
    return limit;
}

// REWIRE_MPI_TIMEOUT: seconds a rank may stay silent; unset or 0: no limit (a phase-2 local
// epoch or the server's evaluation can take many minutes; a dead rank is mpirun's to notice).
double timeoutSeconds()
{
    if (const char* env = std::getenv("REWIRE_MPI_TIMEOUT")) {
        const double v = std::atof(env);
        if (v > 0)
            return v;
    }
    return 0.0;
}

// Waits for a request by polling: a blocked rank sleeps instead of spinning on its core.
void waitFor(MPI_Request& request, const std::string& peer, const char* what, double limit = timeoutSeconds())
{
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    auto pause = std::chrono::microseconds(5);
    for (;;) {
        int done = 0;
        MPI_Test(&request, &done, MPI_STATUS_IGNORE);
        if (done)
            return;
        if (limit > 0 && std::chrono::duration<double>(Clock::now() - start).count() > limit) {
            MPI_Cancel(&request);
            MPI_Request_free(&request);
            throw WorkerLost(peer + " did not " + what + " for " + std::to_string(static_cast<int>(limit)) +
                             " s (REWIRE_MPI_TIMEOUT): it hangs or died");
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::microseconds(200));
    }
}

void sendBytes(const std::vector<std::byte>& bytes, int to, const std::string& peer)
{
    std::uint64_t length = bytes.size();
    MPI_Request r;
    MPI_Isend(&length, 1, MPI_UINT64_T, to, kTagLength, MPI_COMM_WORLD, &r);
    waitFor(r, peer, "take a message");
    const std::size_t chunk = chunkBytes();
    for (std::size_t at = 0; at < bytes.size(); at += chunk) {
        const int n = static_cast<int>(std::min(chunk, bytes.size() - at));
        MPI_Isend(bytes.data() + at, n, MPI_BYTE, to, kTagChunk, MPI_COMM_WORLD, &r);
        waitFor(r, peer, "take a message");
    }
}

std::vector<std::byte> receiveBytes(int from, const std::string& peer, double limit = timeoutSeconds())
{
    std::uint64_t length = 0;
    MPI_Request r;
    MPI_Irecv(&length, 1, MPI_UINT64_T, from, kTagLength, MPI_COMM_WORLD, &r);
    waitFor(r, peer, "send anything", limit);
    std::vector<std::byte> bytes(static_cast<std::size_t>(length));
    const std::size_t chunk = chunkBytes();
    for (std::size_t at = 0; at < bytes.size(); at += chunk) {
        const int n = static_cast<int>(std::min(chunk, bytes.size() - at));
        MPI_Irecv(bytes.data() + at, n, MPI_BYTE, from, kTagChunk, MPI_COMM_WORLD, &r);
        waitFor(r, peer, "send the rest of a message");
    }
    return bytes;
}

class MpiTransport : public Transport {
public:
    explicit MpiTransport(const MpiSession& session)
        : m_session(session), m_local(session.rank() == 0 ? makeThreadTransport(1) : nullptr)
    {
    }
    int workers() const override { return m_session.size(); }
    std::string workerName(int k) const override { return m_session.rankName(k); }
    void sendToWorker(int k, Message m) override
    {
        if (k == 0)
            m_local->sendToWorker(0, std::move(m));
        else
            sendBytes(encode(m), k, workerName(k));
    }
    Message receiveFromWorker(int k) override
    {
        if (k == 0) {
            Message m = m_local->receiveFromWorker(0);
            return m;
        }
        Message m = decode(receiveBytes(k, workerName(k)));
        if (m.kind == Kind::Failure)
            throwFailure(m, workerName(k));
        return m;
    }
    void sendToServer(int k, Message m) override
    {
        if (k == 0)
            m_local->sendToServer(0, std::move(m));
        else
            sendBytes(encode(m), 0, "the server (" + m_session.rankName(0) + ")");
    }
    Message receiveFromServer(int k) override
    {
        if (k == 0)
            return m_local->receiveFromServer(0);
        return decode(receiveBytes(0, "the server (" + m_session.rankName(0) + ")"));
    }
    // After a failure: the server's answer (it ends the job), or nothing after `seconds`.
    void awaitServer(double seconds) { (void)receiveBytes(0, "the server", seconds); }

private:
    const MpiSession& m_session;
    std::unique_ptr<Transport> m_local; // rank 0: worker 0's mailboxes
};

} // namespace

MpiSession::MpiSession()
{
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    if (provided < MPI_THREAD_FUNNELED) {
        MPI_Finalize();
        throw std::runtime_error("the MPI library does not support threads beside MPI calls (MPI_THREAD_FUNNELED)");
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &m_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &m_size);
    char name[MPI_MAX_PROCESSOR_NAME] = {};
    int len = 0;
    MPI_Get_processor_name(name, &len);
    std::vector<char> all(static_cast<std::size_t>(m_size) * MPI_MAX_PROCESSOR_NAME);
    MPI_Allgather(name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, all.data(), MPI_MAX_PROCESSOR_NAME, MPI_CHAR, MPI_COMM_WORLD);
    for (int r = 0; r < m_size; ++r)
        m_hosts.emplace_back(all.data() + static_cast<std::size_t>(r) * MPI_MAX_PROCESSOR_NAME);
}

MpiSession::~MpiSession()
{
    std::fflush(stdout);
    std::fflush(stderr);
    if (m_clean)
        MPI_Finalize();
    else
        MPI_Abort(MPI_COMM_WORLD, m_exitCode);
}

std::string MpiSession::rankName(int rank) const
{
    const std::string host = rank >= 0 && rank < static_cast<int>(m_hosts.size()) ? m_hosts[static_cast<std::size_t>(rank)] : "";
    return "rank " + std::to_string(rank) + (host.empty() ? std::string() : " (" + host + ")");
}

int MpiSession::threadsPerRank() const
{
    int local = 1;
    if (const char* env = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE"))
        local = std::max(1, std::atoi(env));
    return std::max(1, resolveThreads(0) / local);
}

std::unique_ptr<Transport> makeMpiTransport(const MpiSession& session) { return std::make_unique<MpiTransport>(session); }

void trainMpi(MpiSession& session, Trainer& trainer, const DataSplit& data, TrainingObserver* observer)
{
    const std::unique_ptr<Transport> transport = makeMpiTransport(session);
    const TrainConfig& config = trainer.config();
    const int threads = config.threads > 0 ? config.threads : session.threadsPerRank();
    std::thread worker0([&] {
        try {
            work(0, config, data, *transport, threads);
        } catch (const std::exception& e) {
            transport->sendToServer(0, failureMessage(0, e));
        }
    });
    try {
        serve(trainer, *transport, observer);
    } catch (...) {
        // Worker 0 is told to stop; the other ranks end with the job (the session aborts it).
        Message stop;
        stop.kind = Kind::Stop;
        transport->sendToWorker(0, std::move(stop));
        worker0.join();
        throw;
    }
    worker0.join();
    session.markClean();
}

void workMpi(MpiSession& session, const TrainConfig& config, const DataSplit& data)
{
    const std::unique_ptr<Transport> transport = makeMpiTransport(session);
    const int threads = config.threads > 0 ? config.threads : session.threadsPerRank();
    try {
        work(session.rank(), config, data, *transport, threads);
    } catch (const std::exception& e) {
        // The server names this rank and ends the job; until it does, this rank waits (a few
        // seconds at most), so that the server reads the failure before anything aborts.
        try {
            transport->sendToServer(session.rank(), failureMessage(session.rank(), e));
            static_cast<MpiTransport&>(*transport).awaitServer(10.0);
        } catch (const std::exception&) {
        }
        throw;
    }
    session.markClean();
}

#else // no MPI in this build

MpiSession::MpiSession()
{
    throw std::runtime_error("this rewire was built without MPI (install libopenmpi-dev and rebuild) and cannot run "
                             "under mpirun; use --parallel with --workers K for threads");
}
MpiSession::~MpiSession() = default;
std::string MpiSession::rankName(int rank) const { return "rank " + std::to_string(rank); }
int MpiSession::threadsPerRank() const { return 1; }
std::unique_ptr<Transport> makeMpiTransport(const MpiSession&) { return nullptr; }
void trainMpi(MpiSession&, Trainer&, const DataSplit&, TrainingObserver*) {}
void workMpi(MpiSession&, const TrainConfig&, const DataSplit&) {}

#endif

} // namespace rewire::parallel
