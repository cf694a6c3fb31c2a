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

#include <cstdint>
#include <vector>

namespace rewire {

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
SparseAssignment solveSparseAssignment(const SparseCosts& costs, int columns, double unmatched);

} // namespace rewire
