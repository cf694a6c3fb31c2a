#pragma once
// The MPI transport (Open MPI): `mpirun -np K rewire train --parallel wasap ...`. Rank 0 is the
// parameter server and also runs worker 0 on a thread of its own (messages between them are
// moved, as with the thread transport); ranks 1..K-1 are workers 1..K-1. Only rank 0's main
// thread and the workers' main threads call MPI (MPI_THREAD_FUNNELED). Messages are encoded and
// sent as a length and chunks of at most 1 GiB (below MPI's 2^31-element count limit; the
// environment variable REWIRE_MPI_CHUNK_BYTES lowers it, for tests). Waiting is polling with short
// sleeps, so a waiting rank leaves its core to the ones computing, and a rank silent for longer
// than REWIRE_MPI_TIMEOUT seconds (unset: no limit) ends the job with an error naming it. A rank
// that dies is noticed by mpirun, which ends the job and names the rank.

#include "core/parallel/transport.h"
#include "core/trainer.h"

#include <memory>
#include <string>
#include <vector>

namespace rewire::parallel {

// The number of ranks when this process was started by mpirun (Open MPI's or a PMI launcher's
// environment), else 0.
int mpirunWorldSize();
// Whether this build has the MPI transport.
bool mpiAvailable();

class MpiSession {
public:
    // MPI_Init_thread (FUNNELED). Throws std::runtime_error when the build has no MPI.
    MpiSession();
    // MPI_Finalize after markClean(); otherwise MPI_Abort with the exit code given to
    // setExitCode (default 1), so that no rank waits for ever on one that stopped early.
    ~MpiSession();
    MpiSession(const MpiSession&) = delete;
    MpiSession& operator=(const MpiSession&) = delete;
    int rank() const { return m_rank; }
    int size() const { return m_size; }
    // "rank 2 (hostname)"
    std::string rankName(int rank) const;
    // Cores for this rank's engine: the cores of this machine over the ranks on it.
    int threadsPerRank() const;
    void markClean() { m_clean = true; }
    void setExitCode(int code) { m_exitCode = code; }

private:
    int m_rank = 0, m_size = 1;
    std::vector<std::string> m_hosts; // by rank
    bool m_clean = false;
    int m_exitCode = 1;
};

// The transport of this rank (worker k = rank k; rank 0 also hosts worker 0's mailboxes).
std::unique_ptr<Transport> makeMpiTransport(const MpiSession& session);

// Rank 0: serve() with worker 0 on a thread of this process and workers 1..K-1 on the other
// ranks. Marks the session clean when every worker was told to stop.
void trainMpi(MpiSession& session, Trainer& trainer, const DataSplit& data, TrainingObserver* observer);
// Ranks 1..K-1: worker `rank` until the server says stop. A failure is sent to the server (which
// ends the job naming this rank) and rethrown.
void workMpi(MpiSession& session, const TrainConfig& config, const DataSplit& data);

} // namespace rewire::parallel
