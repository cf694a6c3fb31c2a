#include "analysis/sparse_assignment.h"

#include <cmath>
#include <limits>
#include <queue>
#include <stdexcept>
#include <string>
#include <utility>

namespace rewire {

SparseAssignment solveSparseAssignment(const SparseCosts& costs, int columns, double unmatched)
{
    const int rows = costs.rows();
    if (rows < 0 || columns < 0)
        throw std::invalid_argument("solveSparseAssignment: negative size " + std::to_string(rows) + " x " +
                                    std::to_string(columns));
    if (!(unmatched > 0) || !std::isfinite(unmatched))
        throw std::invalid_argument("solveSparseAssignment: the unassigned cost must be positive and finite");
    if (costs.column.size() != costs.cost.size() || costs.rowPtr.front() != 0 ||
        costs.rowPtr.back() != static_cast<std::int64_t>(costs.column.size()))
        throw std::invalid_argument("solveSparseAssignment: the candidate arrays do not match");
    for (int i = 0; i < rows; ++i) {
        if (costs.rowPtr[static_cast<std::size_t>(i) + 1] < costs.rowPtr[static_cast<std::size_t>(i)])
            throw std::invalid_argument("solveSparseAssignment: row offsets decrease at row " + std::to_string(i));
        for (auto e = costs.rowPtr[static_cast<std::size_t>(i)]; e < costs.rowPtr[static_cast<std::size_t>(i) + 1]; ++e) {
            const int c = costs.column[static_cast<std::size_t>(e)];
            const double w = costs.cost[static_cast<std::size_t>(e)];
            if (c < 0 || c >= columns || !(w >= 0) || !(w < unmatched))
                throw std::invalid_argument("solveSparseAssignment: row " + std::to_string(i) + ": column " + std::to_string(c) +
                                            " at cost " + std::to_string(w) + " (columns 0.." + std::to_string(columns - 1) +
                                            ", costs in [0, " + std::to_string(unmatched) + "))");
        }
    }
    // Columns 0 .. columns-1 are real; column columns + i is row i's own "unassigned" column.
    const auto total = static_cast<std::size_t>(columns) + static_cast<std::size_t>(rows);
    std::vector<double> u(static_cast<std::size_t>(rows), 0.0), v(total, 0.0), dist(total, 0.0);
    std::vector<int> rowOfColumn(total, -1), columnOfRow(static_cast<std::size_t>(rows), -1), pred(total, -1);
    // Row i's arcs: its candidates, then its private column.
    const auto forEachArc = [&](int i, auto&& visit) {
        for (auto e = costs.rowPtr[static_cast<std::size_t>(i)]; e < costs.rowPtr[static_cast<std::size_t>(i) + 1]; ++e)
            visit(costs.column[static_cast<std::size_t>(e)], costs.cost[static_cast<std::size_t>(e)]);
        visit(columns + i, unmatched);
    };

    // Augmenting row reduction (Jonker & Volgenant 1987), two passes. A free row takes its column
    // of least reduced cost c - v, lowering that column's v so that its reduced cost becomes the
    // row's second least; the row it displaces bids next. Every reduced cost c - u - v stays >= 0,
    // and 0 on assigned pairs, so the augmentations below start from feasible duals.
    std::vector<int> free(static_cast<std::size_t>(rows));
    for (int i = 0; i < rows; ++i)
        free[static_cast<std::size_t>(i)] = i;
    for (int pass = 0; pass < 2 && !free.empty(); ++pass) {
        std::vector<int> still;
        std::size_t bids = 0;
        const std::size_t maxBids = 8 * static_cast<std::size_t>(rows) + 64; // each pass stays O(candidates)
        for (std::size_t f = 0; f < free.size(); ++f) {
            int i = free[f];
            while (i >= 0) {
                if (++bids > maxBids) {
                    still.push_back(i);
                    break;
                }
                double h1 = std::numeric_limits<double>::infinity(), h2 = h1, c1 = 0, c2 = 0;
                int j1 = -1, j2 = -1;
                forEachArc(i, [&](int c, double w) {
                    const double h = w - v[static_cast<std::size_t>(c)];
                    if (h < h1 || (h == h1 && c < j1)) {
                        h2 = h1, j2 = j1, c2 = c1;
                        h1 = h, j1 = c, c1 = w;
                    } else if (h < h2 || (h == h2 && c < j2)) {
                        h2 = h, j2 = c, c2 = w;
                    }
                });
                int displaced = rowOfColumn[static_cast<std::size_t>(j1)];
                const bool strict = j2 >= 0 && h1 < h2; // (a row with no candidate has one arc)
                if (strict) {
                    v[static_cast<std::size_t>(j1)] -= h2 - h1;
                } else if (displaced >= 0 && j2 >= 0) { // a tie: the other best column, perhaps free
                    j1 = j2;
                    c1 = c2;
                    displaced = rowOfColumn[static_cast<std::size_t>(j1)];
                }
                if (displaced >= 0)
                    columnOfRow[static_cast<std::size_t>(displaced)] = -1;
                rowOfColumn[static_cast<std::size_t>(j1)] = i;
                columnOfRow[static_cast<std::size_t>(i)] = j1;
                u[static_cast<std::size_t>(i)] = c1 - v[static_cast<std::size_t>(j1)];
                if (displaced >= 0 && !strict)
                    still.push_back(displaced);
                i = strict ? displaced : -1;
            }
        }
        free = std::move(still);
    }

    // Shortest augmenting paths for the rows still free (Crouse 2016).
    std::vector<std::uint32_t> reached(total, 0), settled(total, 0); // stamps: the search that touched them
    std::vector<int> settledColumns, scannedRows;
    using Entry = std::pair<double, int>;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap;
    std::uint32_t stamp = 0;
    for (int s : free) {
        if (columnOfRow[static_cast<std::size_t>(s)] >= 0) // assigned since (a row can be listed twice)
            continue;
        ++stamp;
        settledColumns.clear();
        scannedRows.clear();
        heap = {};
        int i = s, sink = -1;
        double minVal = 0.0;
        for (;;) {
            scannedRows.push_back(i);
            forEachArc(i, [&](int col, double w) {
                const auto c = static_cast<std::size_t>(col);
                if (settled[c] == stamp)
                    return;
                const double r = minVal + w - u[static_cast<std::size_t>(i)] - v[c];
                if (reached[c] == stamp && !(r < dist[c]))
                    return;
                reached[c] = stamp;
                dist[c] = r;
                pred[c] = i;
                heap.push({r, col});
            });
            int c = -1; // the nearest unsettled column
            while (!heap.empty()) {
                const auto [d, col] = heap.top();
                heap.pop();
                if (settled[static_cast<std::size_t>(col)] != stamp && d == dist[static_cast<std::size_t>(col)]) {
                    c = col;
                    break;
                }
            }
            if (c < 0) // cannot happen: every row's own unassigned column is reachable
                throw std::logic_error("solveSparseAssignment: no augmenting path from row " + std::to_string(s));
            settled[static_cast<std::size_t>(c)] = stamp;
            settledColumns.push_back(c);
            minVal = dist[static_cast<std::size_t>(c)];
            if (rowOfColumn[static_cast<std::size_t>(c)] < 0) {
                sink = c;
                break;
            }
            i = rowOfColumn[static_cast<std::size_t>(c)];
        }
        // Potentials (Crouse 2016, eq. 14), then the augmentation along the path.
        u[static_cast<std::size_t>(s)] += minVal;
        for (std::size_t k = 1; k < scannedRows.size(); ++k) {
            const auto r = static_cast<std::size_t>(scannedRows[k]);
            u[r] += minVal - dist[static_cast<std::size_t>(columnOfRow[r])];
        }
        for (int c : settledColumns)
            v[static_cast<std::size_t>(c)] -= minVal - dist[static_cast<std::size_t>(c)];
        for (int c = sink;;) {
            const int r = pred[static_cast<std::size_t>(c)];
            rowOfColumn[static_cast<std::size_t>(c)] = r;
            std::swap(columnOfRow[static_cast<std::size_t>(r)], c);
            if (r == s)
                break;
        }
    }
    SparseAssignment out;
    for (int& c : columnOfRow)
        if (c >= columns)
            c = -1;
    out.columnOfRow = std::move(columnOfRow);
    out.rowPotential = std::move(u);
    out.columnPotential.assign(v.begin(), v.begin() + columns);
    return out;
}

} // namespace rewire
