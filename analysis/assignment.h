#pragma once
// Linear sum assignment (minimum-cost perfect matching on a square cost matrix) by shortest
// augmenting paths with row and column potentials (the Jonker-Volgenant family; the algorithm of
// Crouse 2016 that SciPy uses). Exact; fast in practice on dense 1000 x 1000 costs. NNSTD uses the
// sparse form (sparse_assignment.h); this dense one is its test oracle.

#include <vector>

namespace rewire {

// cost: n x n row-major. Returns colForRow: row i is assigned column colForRow[i]. Ties are broken
// deterministically: among equally short paths the lowest column index is taken, preferring a free
// column. Throws std::invalid_argument for a non-square or non-finite matrix.
// Time complexity: O(n^3) worst case.
std::vector<int> solveAssignment(const std::vector<double>& cost, int n);

} // namespace rewire
