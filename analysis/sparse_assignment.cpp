#include "analysis/sparse_assignment.h"

#include "analysis/auction_market.h"
#include "analysis/worker_team.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <limits>
#include <mutex>
#include <queue>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

namespace rewire {

SparseAssignment solveSparseAssignment(const SparseCosts& costs, int columns, double unmatched, const std::atomic<bool>* stop)
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
            if ((f & 1023) == 0)
                throwIfStopped(stop);
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
        throwIfStopped(stop);
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

int auctionPhases(double startEpsilon, double epsilon)
{
    int phases = 1;
    for (double eps = std::max(startEpsilon, epsilon); eps > epsilon * (1 + 1e-9); eps = std::max(eps / 10, epsilon))
        ++phases;
    return phases;
}

AuctionAssignment solveAuctionAssignment(CandidateLister& candidates, int rows, int columns, double unmatched,
                                         double epsilon, const std::vector<std::uint32_t>& keep, double startEpsilon,
                                         const std::vector<std::uint32_t>& stored, int threads,
                                         const std::atomic<bool>* stop, const AuctionProgressFn& progress)
{
    if (rows < 0 || columns < 0)
        throw std::invalid_argument("solveAuctionAssignment: negative size " + std::to_string(rows) + " x " +
                                    std::to_string(columns));
    if (!(unmatched > 0) || !std::isfinite(unmatched))
        throw std::invalid_argument("solveAuctionAssignment: the unassigned cost must be positive and finite");
    if (!(epsilon > 0) || !std::isfinite(epsilon) || !(startEpsilon > 0) || !std::isfinite(startEpsilon))
        throw std::invalid_argument("solveAuctionAssignment: epsilon must be positive and finite");
    if (keep.size() != static_cast<std::size_t>(rows))
        throw std::invalid_argument("solveAuctionAssignment: " + std::to_string(keep.size()) + " capacities for " +
                                    std::to_string(rows) + " rows");
    const auto n = static_cast<std::size_t>(rows), m = static_cast<std::size_t>(columns);
    if (n + m > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        throw std::invalid_argument("solveAuctionAssignment: " + std::to_string(n) + " rows + " + std::to_string(m) +
                                    " columns exceed the 2^31 - 1 persons it can index");
    constexpr double inf = std::numeric_limits<double>::infinity();
    // Objects: columns 0 .. m-1, then row i's private column m + i. Persons: rows 0 .. n-1, then
    // column j's person n + j.
    detail::AuctionMarket market(n, m, unmatched);
    std::vector<double>& price = market.price;
    if (!stored.empty() && stored.size() != n)
        throw std::invalid_argument("solveAuctionAssignment: " + std::to_string(stored.size()) + " stored capacities for " +
                                    std::to_string(rows) + " rows");
    // A row's pairs on three levels. Its stored pairs: its stored[i] best by value (cost + price)
    // when it was last listed, with `listedBound`, the least value of the others then. Its kept
    // pairs, scanned at every bid: its keep[i] best of the stored ones by value when last selected,
    // with `bound`, the least value of all its others then (the stored ones not kept, and
    // listedBound). Prices only rise, so both bounds stay lower bounds on the values they stand
    // for. A bid whose second-best value exceeds `bound` selects the kept pairs again from the
    // stored ones (a few hundred price lookups); when it still does, the bound was listedBound and
    // the row's candidates are listed again (thousands, each found through the lister).
    std::vector<std::size_t> first(n + 1, 0), storedFirst(n + 1, 0);
    std::vector<char> alias(n, 0), everListed(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        if (keep[i] < 2)
            throw std::invalid_argument("solveAuctionAssignment: row " + std::to_string(i) + " keeps " +
                                        std::to_string(keep[i]) + " candidates, at least 2 needed");
        const std::uint32_t room = stored.empty() ? keep[i] : stored[i];
        if (room < keep[i])
            throw std::invalid_argument("solveAuctionAssignment: row " + std::to_string(i) + " stores " + std::to_string(room) +
                                        " candidates, fewer than the " + std::to_string(keep[i]) + " it keeps");
        // A row storing no more than it keeps keeps all it stores: its kept pairs are its stored
        // ones (in another order, which no bid depends on), not a second copy.
        alias[i] = room == keep[i];
        first[i + 1] = first[i] + (alias[i] ? 0 : keep[i]);
        storedFirst[i + 1] = storedFirst[i] + room;
    }
    std::vector<double> cost(first[n]), bound(n, -inf), storedCost(storedFirst[n]), listedBound(n, -inf);
    std::vector<int> column(first[n]), storedColumn(storedFirst[n]);
    std::vector<std::uint32_t> count(n, 0), storedCount(n, 0);
    const auto keptColumns = [&](std::size_t i) {
        return alias[i] ? storedColumn.data() + storedFirst[i] : column.data() + first[i];
    };
    const auto keptCosts = [&](std::size_t i) { return alias[i] ? storedCost.data() + storedFirst[i] : cost.data() + first[i]; };
    threads = std::max(1, threads);
    candidates.prepare(threads);
    struct Scratch {
        std::vector<std::pair<int, double>> listed;
        std::vector<std::pair<double, std::size_t>> byValue; // (value, index)
    };
    std::vector<Scratch> scratch(static_cast<std::size_t>(threads));
    AuctionAssignment out;
    // The K least of `size` values value(t) into byValue, as (value, t) in any order: the K least
    // pairs, so ties go to the least t; returns the least value not selected (infinity if none).
    // All values, then a selection (O(size)): a streaming heap took 2.5 times as long on the
    // 784-100000-100000-10 pair's layer 1 (perf: 16 s against 6 s), where many values beat its top.
    const auto selectLeast = [](std::size_t size, std::size_t K, auto&& value, std::vector<std::pair<double, std::size_t>>& byValue) {
        byValue.resize(size);
        for (std::size_t t = 0; t < size; ++t)
            byValue[t] = {value(t), t};
        if (size <= K)
            return std::numeric_limits<double>::infinity();
        std::nth_element(byValue.begin(), byValue.begin() + static_cast<std::ptrdiff_t>(K), byValue.end());
        double least = std::numeric_limits<double>::infinity();
        for (std::size_t t = K; t < size; ++t)
            least = std::min(least, byValue[t].first);
        byValue.resize(K);
        return least;
    };
    // Row i's kept pairs selected again from its stored ones.
    const auto select = [&](std::size_t i, std::vector<std::pair<double, std::size_t>>& byValue) {
        if (alias[i]) { // all of them
            count[i] = storedCount[i];
            bound[i] = listedBound[i];
            return;
        }
        const std::size_t base = storedFirst[i];
        const double least = selectLeast(
            storedCount[i], keep[i],
            [&](std::size_t t) { return storedCost[base + t] + price[static_cast<std::size_t>(storedColumn[base + t])]; }, byValue);
        bound[i] = std::min(least, listedBound[i]);
        count[i] = static_cast<std::uint32_t>(byValue.size());
        for (std::size_t t = 0; t < byValue.size(); ++t) {
            column[first[i] + t] = storedColumn[base + byValue[t].second];
            cost[first[i] + t] = storedCost[base + byValue[t].second];
        }
    };
    // Row i's candidates listed again, stored and kept (thread-safe for distinct rows: it writes
    // only row i's slots and reads the prices, which do not change meanwhile).
    const auto list = [&](std::size_t i, int worker) {
        std::vector<std::pair<int, double>>& listed = scratch[static_cast<std::size_t>(worker)].listed;
        std::vector<std::pair<double, std::size_t>>& byValue = scratch[static_cast<std::size_t>(worker)].byValue;
        const auto check = [&](int c, double w) {
            if (c < 0 || static_cast<std::size_t>(c) >= m || !(w >= 0) || !(w < unmatched))
                throw std::invalid_argument("solveAuctionAssignment: row " + std::to_string(i) + ": column " + std::to_string(c) +
                                            " at cost " + std::to_string(w) + " (columns 0.." + std::to_string(columns - 1) +
                                            ", costs in [0, " + std::to_string(unmatched) + "))");
        };
        const std::size_t base = storedFirst[i], room = storedFirst[i + 1] - base;
        everListed[i] = 1;
        if (candidates.listsBest()) {
            listedBound[i] = candidates.listBest(static_cast<int>(i), price.data(), room, listed, worker);
            if (listed.size() > room || std::isnan(listedBound[i]))
                throw std::invalid_argument("solveAuctionAssignment: row " + std::to_string(i) + ": " + std::to_string(listed.size()) +
                                            " best candidates asked for " + std::to_string(room) + ", bound " +
                                            std::to_string(listedBound[i]));
            storedCount[i] = static_cast<std::uint32_t>(listed.size());
            for (std::size_t t = 0; t < listed.size(); ++t) {
                check(listed[t].first, listed[t].second);
                storedColumn[base + t] = listed[t].first;
                storedCost[base + t] = listed[t].second;
            }
        } else {
            candidates.list(static_cast<int>(i), listed, worker);
            listedBound[i] = selectLeast(
                listed.size(), room,
                [&](std::size_t t) {
                    check(listed[t].first, listed[t].second);
                    return listed[t].second + price[static_cast<std::size_t>(listed[t].first)];
                },
                byValue);
            storedCount[i] = static_cast<std::uint32_t>(byValue.size());
            for (std::size_t t = 0; t < byValue.size(); ++t) {
                storedColumn[base + t] = listed[byValue[t].second].first;
                storedCost[base + t] = listed[byValue[t].second].second;
            }
        }
        select(i, byValue);
    };
    // A row's first listing is made for its first bid, from the prices of that moment (listing
    // every row at once from zero prices measured 3.5 times the bids: rows whose equal-cost pairs
    // were all priced alike keep the same ones and bid them up against each other). Those of the
    // next `ahead` persons in the queue are made together, on every thread, from the prices when
    // the first of them bids: the result does not depend on the number of threads.
    constexpr std::size_t ahead = 64;
    detail::Team team(threads);
    std::vector<std::size_t> unlisted;
    std::size_t neverListed = n; // once 0, the look-ahead stops
    const std::function<void(std::size_t, int)> listUnlisted = [&](std::size_t k, int worker) { list(unlisted[k], worker); };
    std::size_t untilAhead = 0;
    market.run(
        startEpsilon, epsilon, stop, progress, out,
        [&](const std::deque<std::size_t>& queue, bool phaseStart) {
            if (phaseStart)
                untilAhead = 0;
            if (neverListed > 0 && untilAhead-- == 0) {
                untilAhead = ahead - 1;
                unlisted.clear();
                for (std::size_t a = 0; a < std::min(ahead, queue.size()); ++a)
                    if (queue[a] < n && !everListed[queue[a]])
                        unlisted.push_back(queue[a]);
                team.run(unlisted.size(), listUnlisted);
                out.refreshes += unlisted.size();
                neverListed -= unlisted.size();
            }
        },
        [&](std::size_t p) {
            detail::AuctionMarket::Bid bid;
            const auto scan = [&] {
                bid.bestValue = bid.secondValue = inf;
                const int* col = keptColumns(p);
                const double* kc = keptCosts(p);
                for (std::size_t t = 0; t < count[p]; ++t)
                    bid.consider(static_cast<std::size_t>(col[t]), kc[t] + price[static_cast<std::size_t>(col[t])]);
                bid.consider(m + p, unmatched + price[m + p]);
            };
            scan();
            if (bid.secondValue > bound[p]) { // a candidate not kept might beat the second best
                ++out.selections;
                select(p, scratch[0].byValue);
                scan();
                if (bid.secondValue > bound[p]) { // one not stored might
                    ++out.refreshes;
                    neverListed -= everListed[p] ? 0 : 1; // (the look-ahead lists them all first)
                    list(p, 0);
                    scan();
                }
            }
            return bid;
        },
        [](std::size_t) {});

    // The result, and how far above the optimum it can be. Every person's least value over all its
    // options (a kept candidate, its private column, the bound on the others), minus the prices, is
    // a feasible dual of the symmetric problem; every object is held, so the cost minus that dual is
    // Σ over persons of (value held − least value), summed term by term (each >= 0) in long double:
    // the difference of two sums of 10^7 terms would lose the small gap to rounding.
    out.columnOfRow.assign(n, -1);
    long double total = 0, gap = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const auto o = static_cast<std::size_t>(market.holds[i]);
        double least = std::min(unmatched + price[m + i], bound[i]), held = unmatched + price[m + i], heldCost = unmatched;
        const int* col = keptColumns(i);
        const double* kc = keptCosts(i);
        for (std::size_t t = 0; t < count[i]; ++t) {
            least = std::min(least, kc[t] + price[static_cast<std::size_t>(col[t])]);
            if (static_cast<std::size_t>(col[t]) == o) {
                out.columnOfRow[i] = static_cast<int>(o);
                held = kc[t] + price[o];
                heldCost = kc[t];
            }
        }
        total += heldCost;
        gap += std::max(0.0, held - least);
    }
    gap += market.columnPersonsGap();
    out.cost = static_cast<double>(total);
    out.gap = static_cast<double>(gap);
    return out;
}

} // namespace rewire
