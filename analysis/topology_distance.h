#pragma once
// NNSTD, the neural network sparse topology distance of Liu et al. 2020 ("Topological insights into
// sparse neural networks"), between two networks of one architecture.
//
// Layer by layer: the distance between neuron j of A and neuron k of B is the Jaccard distance
// 1 - |in_A(j) ∩ in_B(k)| / |in_A(j) ∪ in_B(k)| of their incoming neuron sets, B's inputs first
// relabelled by the previous layer's matching (the inputs themselves are matched to themselves);
// an optimal assignment matches A's neurons to B's and relabels the next layer; the layer's
// distance is the assignment's cost / n. Two empty sets have distance 0.
//
// At scale: two neurons that share no input are at distance 1, so the assignment is solved on the
// pairs that share an input only, their costs computed as the solver reaches them, never all stored:
// exactly (solveSparseAssignment, certified against every pair) or by an ε-scaling auction
// (solveAuctionAssignment, whose duality gap is reported); the neurons left unpaired are paired
// among themselves at distance 1, and empty neurons with each other at 0 first. Memory O(n + edges)
// per layer, plus the auction's kept pairs (auctionCandidates per neuron).
//
// Conventions, made explicit (README, "NNSTD"):
// - Output neurons: assigned like every other layer, as the reference implementation does
//   (default), or matched by index (they stand for fixed classes).
// - `mean` averages every layer, the reference's figure; `hiddenMean` only the layers that end in
//   hidden neurons, which the output convention does not touch.
// - Ties: sparse layers have many optimal assignments, and the one chosen relabels every later
//   layer. The canonical tie-break adds ε·h({j, k}) to the cost of pairing A's j with B's k when
//   they share an input, with h a hash of the unordered index pair (and the layer) in [0, 1),
//   h = 0 for j = k (so a network is matched to itself index to index: d(A, A) = 0, however many
//   of its neurons have equal input sets) and ε = 1e-9 / n, and pairs the neurons left at distance 1 (and the empty ones) in index order: among
//   the optimal assignments it picks one by a rule that does not depend on which network is A, so
//   d(A, B) = d(B, A). With `tieBreaks` = K, the distance is also computed under K seeded random
//   tie-breaks in each direction (random h, and a random order for the pairs at distance 1 and 0),
//   and the smallest and largest values found are reported: an inner bound of the range over all
//   tie-breaks. Layers solved by the auction ignore h (it cannot resolve steps of 1e-9 / n): there
//   the runs differ only in direction and in the order of the pairs at distance 1 and 0, a
//   narrower inner bound.

#include "analysis/sparse_assignment.h"
#include "graph/network_graph.h"

#include <cstddef>
#include <cstdint>
#include <atomic>
#include <functional>
#include <vector>

namespace rewire {

enum class OutputMatching { Assign, Index };

// Exact: the optimal assignment with the canonical tie-break (solveSparseAssignment). Auction:
// ε-optimal (solveAuctionAssignment over listed pairs), ties broken by the auction's order: far
// faster on large layers, whose near-equal costs make the exact searches long. Grouped: the same
// auction over groups of equal cost (solveSharedInputAuction), faster on very large layers whose
// inputs each reach a few neurons of every in-degree. Auto: exact on layers whose pairs fit
// `storedPairs`; beyond, grouped on layers of at least `groupedNeurons` non-empty neurons whose
// groups hold 4 to 64 neurons on average, the listed auction on the others (measured:
// bench/RESULTS.md, "Analysis II, seventh part").
enum class NnstdSolver { Auto, Exact, Auction, Grouped };

struct NnstdLayerReport {
    int layer = 0;
    bool auction = false;
    bool grouped = false; // the auction over groups of equal cost
    double seconds = 0;
    double gap = 0; // as TopologyDistance::perLayerGap
    int phases = 0;
    std::size_t bids = 0, listings = 0, selections = 0;
};

struct NnstdOptions {
    OutputMatching outputs = OutputMatching::Assign; // the reference's
    int tieBreaks = 0;                               // K random tie-breaks per direction for the range
    std::uint64_t seed = 1;
    // A layer whose pairs sharing an input number at most `storedPairs` (counted with
    // multiplicity) is solved on all of them at once; a larger one on each neuron's `candidates`
    // cheapest, then certified against all pairs (those that could improve it are added and the
    // layer solved again): the same result, in less memory.
    double storedPairs = 4e6;
    int candidates = 32;
    NnstdSolver solver = NnstdSolver::Auto;
    // The auction's final ε: a layer's distance exceeds its optimum by at most ≈ 2ε (reported as
    // perLayerGap, computed from the final prices).
    double auctionEpsilon = 1e-7;
    // Its first phase's step: small, since the first phase starts from zero prices and larger
    // steps make the rows' kept pairs stale at once (measured: bench/RESULTS.md).
    double auctionStartEpsilon = 1e-4;
    // Pairs each row keeps for its bids (12 bytes each): its best by cost + price.
    int auctionCandidates = 64;
    // A row with at most this many pairs stores them all (12 bytes each) and keeps twice
    // auctionCandidates; larger rows list their pairs again when the kept ones run out.
    double auctionStored = 1024;
    // Auto's threshold for the grouped auction: non-empty neurons in the layer (A's).
    int groupedNeurons = 1 << 19;
    // Threads listing the auction's rows (0: every core); the result does not depend on it.
    int threads = 0;
    // Set from another thread to abandon the computation: topologyDistance then throws
    // AssignmentCancelled (analysis/sparse_assignment.h) within a few milliseconds.
    const std::atomic<bool>* stop = nullptr;
    // Called after each assigned layer of the canonical run (progress on large networks).
    std::function<void(const NnstdLayerReport&)> onLayer;
    // Called while the canonical run's auction solves a layer: every 2^20 bids and at each phase's
    // end (progress on layers that take minutes).
    std::function<void(int layer, const AuctionProgress&)> onAuctionProgress;
};

struct TopologyDistance {
    std::vector<double> perLayer; // in [0, 1]
    // How far each layer's distance can lie above the optimum of its assignment: 0 when solved
    // exactly, the auction's duality gap / n otherwise (the canonical run's; with tie-breaks the
    // ranges come from assignments of the same kind).
    std::vector<double> perLayerGap;
    double mean = 0;              // over every layer
    double hiddenMean = 0;        // over the layers ending in hidden neurons; NaN without any
    std::vector<std::vector<int>> matching; // per layer: A's output j <-> B's output matching[l][j]
    // With tieBreaks > 0: the smallest and largest values over the canonical and the sampled
    // tie-breaks, both directions (else equal to the canonical values).
    std::vector<double> perLayerMin, perLayerMax;
    double meanMin = 0, meanMax = 0, hiddenMeanMin = 0, hiddenMeanMax = 0;
    int tieBreaksTried = 0; // assignments runs per direction, the canonical one included
};

// Throws std::invalid_argument naming both architectures when they differ.
// Time complexity per layer: each time the solver reaches A's neuron j, O(Σ over j's inputs i of
// B's out-degree of i) to find its candidates; in practice a few times per neuron, so about
// O(Σ_i degA(i) degB(i)) as for a dense cost matrix, but in O(n + edges) memory; times 2K + 1 with
// tie-breaks.
TopologyDistance topologyDistance(const NetworkGraph& a, const NetworkGraph& b, const NnstdOptions& options = {});

} // namespace rewire
