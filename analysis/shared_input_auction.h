#pragma once
// NNSTD's assignment of one layer by auction, over groups of equal cost instead of listed pairs.
//
// Rows are A's non-empty neurons, columns B's; a pair sharing s inputs is at Jaccard distance
// 1 - s / (deg A + deg B - s), a pair sharing none at 1 (the "unassigned" cost). A pair sharing one
// input costs 1 - 1 / (deg A + deg B - 1): for a given row it depends only on the column's
// in-degree. So B's fan-out list of each input is cut into groups of equal in-degree, and a row's
// pairs sharing one input are the columns of its inputs' groups, each group at one cost for it.
// The solver keeps every group's least and second-least price, updated when a price rises, so a
// bid finds a row's best and second-best value exactly by reading its groups (~20 per input) and
// its few pairs sharing two inputs or more (listed once, on every thread), not its pairs
// (thousands each when a million neurons share 65,536 inputs). A column sharing k >= 2 inputs with
// the row also sits in k of its groups, at a higher cost than its own: those group entries never
// hide a better value, and the second-best skips the best column wherever it appears.
//
// (When both of a group's two least share more inputs with the row, its others cannot be the
// row's best or second: those two, at their own lower costs, come first.)
//
// Bertsekas' forward auction with ε-scaling on the symmetric problem, as solveAuctionAssignment
// does (rows + columns persons; a column's person takes its column or any row's private
// "unassigned" column at 0; each phase starts from the prices with everyone free), Gauss-Seidel
// with a FIFO of free persons: deterministic, and the same for any number of threads.
// Where it pays (measured, bench/RESULTS.md "Analysis II, seventh part"): a bid reads ~200 groups
// however many pairs the row has, and a rise of a price that was one of a group's two least rescans
// that group, so it suits groups of a few to a few dozen neurons on very large layers: layer 0 of
// 65536-1M-1M-2 (~10 a group) 4.9x faster than listed pairs, but the 250k pair's layer 0 of the
// same structure 2x slower, and hidden-to-hidden layers (~2 a group) ~5x slower.

#include "analysis/sparse_assignment.h"
#include "graph/sparse_layer.h"

#include <atomic>
#include <cstddef>
#include <vector>

namespace rewire {

struct SharedInputAuctionOptions {
    double epsilon = 1e-7;      // final bid step (> 0)
    double startEpsilon = 1e-4; // first phase's; / 10 per phase down to epsilon
    int threads = 1;            // threads listing the rows' pairs sharing >= 2 inputs
    const std::atomic<bool>* stop = nullptr; // polled at each phase, every 4,096 bids and between listed rows
    AuctionProgressFn progress;              // as solveAuctionAssignment's
};

// Row r is A's neuron rowsA[r], its inputs relabelled into B's by bOfA; column c is B's neuron
// colsB[c] (compactOfB: B's neuron -> its column, -1 for an empty one); pairsOf[r]: row r's pairs
// counted with multiplicity (as SharedInputLister's, whose groups and tables it uses). The result's
// columnOfRow, cost (Σ distances of the rows, 1 for each unassigned) and gap as
// solveAuctionAssignment's; `refreshes` counts the rows listed (each once).
// Throws std::invalid_argument for a non-positive or non-finite epsilon.
AuctionAssignment solveSharedInputAuction(const SparseLayer& a, const SparseLayer& b, const std::vector<int>& bOfA,
                                          const std::vector<int>& rowsA, const std::vector<int>& colsB,
                                          const std::vector<int>& compactOfB, const std::vector<double>& pairsOf,
                                          const SharedInputAuctionOptions& options);

} // namespace rewire
