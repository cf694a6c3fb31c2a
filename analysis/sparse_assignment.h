#pragma once
// Minimum-cost assignment when most pairs cost the same: rows have costs to a few candidate
// columns, and a row may stay unassigned at cost `unmatched` (any row not assigned to a candidate
// can then be paired with any leftover column at that cost). For NNSTD at scale: two neurons
// sharing no input are at Jaccard distance 1, so only the pairs that share an input are candidates.
//
// Jonker & Volgenant's (1987) augmenting row reduction (an auction-like pass that assigns most rows
// cheaply, keeping the duals feasible), then shortest augmenting paths with row and column
// potentials (Crouse 2016's algorithm, on sparse rows) for the rows still free; each row has one
// private "unassigned" column. Exact: the result minimises Σ candidate costs + unmatched · (rows
// left unassigned).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace rewire {

// Thrown by the solvers (and topologyDistance) when the caller's stop flag was set meanwhile.
struct AssignmentCancelled : std::runtime_error {
    AssignmentCancelled() : std::runtime_error("assignment cancelled") {}
};
// Throws AssignmentCancelled when `stop` is given and set.
inline void throwIfStopped(const std::atomic<bool>* stop)
{
    if (stop && stop->load(std::memory_order_relaxed))
        throw AssignmentCancelled();
}

// Candidates in CSR form: row i's columns column[rowPtr[i] .. rowPtr[i+1]) (distinct, in
// [0, columns)) with their costs (finite, >= 0, below `unmatched`).
struct SparseCosts {
    std::vector<std::int64_t> rowPtr{0};
    std::vector<int> column;
    std::vector<double> cost;
    int rows() const { return static_cast<int>(rowPtr.size()) - 1; }
};

struct SparseAssignment {
    std::vector<int> columnOfRow; // the candidate column assigned to each row, or -1: unassigned
    // Optimal duals of the linear program: cost - rowPotential[i] - columnPotential[j] >= 0 on
    // every candidate, 0 on the assigned ones; columnPotential <= 0, and 0 on unassigned columns
    // (each row's private column has a potential too, not returned). A pair (i, j) that was not a
    // candidate can only improve the assignment when its cost is below rowPotential[i] +
    // columnPotential[j]: when no such pair exists, a solution found on a subset of the pairs is
    // optimal over all of them.
    std::vector<double> rowPotential, columnPotential;
};

// Throws std::invalid_argument for a negative column count, a non-positive `unmatched`, or
// candidates out of range, negative, non-finite or not below `unmatched` (a column repeated within
// a row is not checked).
// Time complexity: O(candidates) per reduction pass, then O(candidates reached · log) per free row;
// O(rows² · max candidates · log) worst case.
// `stop`, when given, is polled between rows: once set (from another thread), AssignmentCancelled.
SparseAssignment solveSparseAssignment(const SparseCosts& costs, int columns, double unmatched,
                                       const std::atomic<bool>* stop = nullptr);

// Candidates listed on demand, for problems whose pairs are too many to store: list(row, out,
// worker) replaces `out` with every candidate (column, cost) of the row, in any order, each column
// once. With more than one thread, rows' first listings (list() or listBest() below) are made on
// `workers` threads at once (prepare(workers) first), each on its own rows and with its own worker
// index in [0, workers); a row's later listings are made one at a time, as worker 0.
// A lister that can find a row's best candidates without listing them all says so with
// listsBest(); the solver then calls listBest(row, price, count, best, worker) instead: it replaces
// `best` with the row's `count` candidates of least cost + price[column] (fewer if it has fewer;
// prices are >= 0) and returns a lower bound on that value for each of its other candidates
// (infinity when none).
class CandidateLister {
public:
    virtual ~CandidateLister() = default;
    virtual void prepare(int /*workers*/) {}
    virtual void list(int row, std::vector<std::pair<int, double>>& out, int worker) = 0;
    virtual bool listsBest() const { return false; }
    virtual double listBest(int /*row*/, const double* /*price*/, std::size_t /*count*/,
                            std::vector<std::pair<int, double>>& /*best*/, int /*worker*/)
    {
        return 0;
    }
};

struct AuctionAssignment {
    std::vector<int> columnOfRow; // as SparseAssignment's: a candidate column, or -1
    double cost = 0;              // Σ assigned costs + unmatched · (rows left unassigned)
    // cost − a lower bound on the optimum from the final prices: the optimum lies in
    // [cost − gap, cost]; at most (rows + columns) · epsilon.
    double gap = 0;
    int phases = 0;
    std::size_t bids = 0;
    std::size_t refreshes = 0;  // listings of a row's candidates, the first ones included
    std::size_t selections = 0; // a row's kept pairs selected again from its stored ones
};

// Where an auction stands, for progress on long solves: reported every 2^20 bids and at the end of
// each phase. Only counts, so the same for any number of threads.
struct AuctionProgress {
    int phase = 0, phases = 0;  // this phase (from 1) of the ε-scaling's phases
    double epsilon = 0;         // this phase's bid step
    std::size_t bids = 0;       // in all phases so far
    std::size_t free = 0;       // persons holding no object (0 at a phase's end)
    std::size_t persons = 0;    // rows + columns
    bool phaseDone = false;
};
using AuctionProgressFn = std::function<void(const AuctionProgress&)>;
// The phases of an ε-scaling from max(startEpsilon, epsilon) down to epsilon, a tenth at a time.
int auctionPhases(double startEpsilon, double epsilon);

// The same problem, ε-optimal, for layers too large for the exact solver: its searches cross long
// plateaus of near-equal costs (NNSTD's Jaccard distances of sparse neurons). Bertsekas' forward
// auction with ε-scaling (ε from `startEpsilon` down to `epsilon`, / 10 per phase, Gauss-Seidel, a
// FIFO of free persons: deterministic) on the symmetric problem of rows + columns persons: each row
// bids for a candidate or its own private "unassigned" column at cost `unmatched`, each column's
// person for its column or any private column at cost 0 (every assignment of the rows extends to a
// perfect one at the same cost, so each phase can start again from the prices with everyone free).
// Rows keep only their keep[i] best candidates by cost + price, scanned at every bid, out of their
// stored[i] best when last listed (stored: keep if empty), with the least value among the others
// (prices only rise, so it stays a lower bound): a bid whose second-best value exceeds that bound
// selects the kept ones again from the stored ones, or lists the row's candidates again when the
// stored ones no longer decide it either; so every bid is exact over all pairs and no certificate
// pass is needed. Memory O(rows + columns + Σ stored).
// A row's first listing is made for its first bid; those of the next 64 persons in the queue are
// made together on `threads` threads (< 1: 1), from the prices when the first of them bids: the
// result is the same for any number of threads.
// Throws std::invalid_argument for negative sizes, a non-positive or non-finite `unmatched`,
// `epsilon` or `startEpsilon`, a keep below 2 or of the wrong length, a stored capacity below the
// keep or of the wrong length, or a listed candidate out of range, negative, non-finite or not
// below `unmatched`.
AuctionAssignment solveAuctionAssignment(CandidateLister& candidates, int rows, int columns, double unmatched,
                                         double epsilon, const std::vector<std::uint32_t>& keep, double startEpsilon,
                                         const std::vector<std::uint32_t>& stored = {}, int threads = 1,
                                         const std::atomic<bool>* stop = nullptr, // polled at each phase and every 4,096 bids
                                         const AuctionProgressFn& progress = {});

} // namespace rewire
