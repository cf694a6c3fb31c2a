#include "analysis/assignment.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace rewire {

std::vector<int> solveAssignment(const std::vector<double>& cost, int n)
{
    if (n < 0 || cost.size() != static_cast<std::size_t>(n) * static_cast<std::size_t>(n))
        throw std::invalid_argument("solveAssignment: " + std::to_string(cost.size()) + " costs for a " +
                                    std::to_string(n) + " x " + std::to_string(n) + " matrix");
    for (double c : cost)
        if (!std::isfinite(c))
            throw std::invalid_argument("solveAssignment: costs must be finite");
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<double> u(n, 0.0), v(n, 0.0), shortest(n);
    std::vector<int> colForRow(n, -1), rowForCol(n, -1), path(n), remaining(n);
    std::vector<char> visitedRow(n), visitedCol(n);
    for (int cur = 0; cur < n; ++cur) {
        std::fill(shortest.begin(), shortest.end(), inf);
        std::fill(visitedRow.begin(), visitedRow.end(), 0);
        std::fill(visitedCol.begin(), visitedCol.end(), 0);
        for (int j = 0; j < n; ++j)
            remaining[j] = j;
        int left = n, sink = -1, i = cur;
        double minVal = 0;
        while (sink < 0) {
            visitedRow[i] = 1;
            const double* row = cost.data() + static_cast<std::size_t>(i) * n;
            double lowest = inf;
            int pick = -1;
            for (int k = left - 1; k >= 0; --k) {
                const int j = remaining[k];
                const double r = minVal + row[j] - u[i] - v[j];
                if (r < shortest[j]) {
                    path[j] = i;
                    shortest[j] = r;
                }
                bool better = shortest[j] < lowest;
                if (!better && shortest[j] == lowest && pick >= 0) {
                    const int best = remaining[pick];
                    const bool jFree = rowForCol[j] < 0, bestFree = rowForCol[best] < 0;
                    better = jFree != bestFree ? jFree : j < best; // free column first, then lower index
                }
                if (better) {
                    lowest = shortest[j];
                    pick = k;
                }
            }
            minVal = lowest;
            const int j = remaining[pick];
            if (rowForCol[j] < 0)
                sink = j;
            else
                i = rowForCol[j];
            visitedCol[j] = 1;
            remaining[pick] = remaining[--left];
        }
        u[cur] += minVal;
        for (int r = 0; r < n; ++r)
            if (visitedRow[r] && r != cur)
                u[r] += minVal - shortest[colForRow[r]];
        for (int c = 0; c < n; ++c)
            if (visitedCol[c])
                v[c] -= minVal - shortest[c];
        for (int j = sink;;) {
            const int r = path[j];
            rowForCol[j] = r;
            std::swap(colForRow[r], j);
            if (r == cur)
                break;
        }
    }
    return colForRow;
}

} // namespace rewire
