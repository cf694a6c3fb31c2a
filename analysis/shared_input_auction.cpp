#include "analysis/shared_input_auction.h"

#include "analysis/auction_market.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <exception>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

namespace rewire {

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// One group's two least-priced columns (c2 = -1 when it has one column).
struct Group {
    double p1 = 0, p2 = inf;
    int c1 = -1, c2 = -1;
    int degree = 0;
};

// A row's pairs sharing >= 2 inputs, in CSR form, for rows [begin, end).
struct MultiPairs {
    std::vector<std::size_t> rowPtr{0};
    std::vector<int> column;
    std::vector<double> cost;
};

} // namespace

AuctionAssignment solveSharedInputAuction(const SparseLayer& a, const SparseLayer& b, const std::vector<int>& bOfA,
                                          const std::vector<int>& rowsA, const std::vector<int>& colsB,
                                          const std::vector<int>& compactOfB, const SharedInputAuctionOptions& options)
{
    if (!(options.epsilon > 0) || !std::isfinite(options.epsilon) || !(options.startEpsilon > 0) ||
        !std::isfinite(options.startEpsilon))
        throw std::invalid_argument("solveSharedInputAuction: epsilon must be positive and finite");
    const std::size_t n = rowsA.size(), m = colsB.size();
    if (n + m > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        throw std::invalid_argument("solveSharedInputAuction: " + std::to_string(n) + " rows + " + std::to_string(m) +
                                    " columns exceed the 2^31 - 1 persons it can index");
    constexpr double unmatched = 1.0;
    std::vector<int> degree(m);
    for (std::size_t c = 0; c < m; ++c)
        degree[c] = b.inDegree(colsB[c]);

    // B's fan-out lists as columns, each sorted by in-degree and cut into groups of equal in-degree:
    // input bi's groups are inputGroup[bi] .. inputGroup[bi + 1], group g's columns
    // fan[groupStart[g] .. groupStart[g + 1]).
    const auto inputsB = static_cast<std::size_t>(b.inputs());
    std::vector<int> fan(b.cscRow().size());
    std::vector<std::size_t> inputGroup(inputsB + 1, 0), groupStart;
    std::vector<Group> group;
    for (std::size_t bi = 0; bi < inputsB; ++bi) {
        const auto lo = static_cast<std::size_t>(b.colPtr()[bi]), hi = static_cast<std::size_t>(b.colPtr()[bi + 1]);
        for (std::size_t q = lo; q < hi; ++q)
            fan[q] = compactOfB[static_cast<std::size_t>(b.cscRow()[q])];
        std::sort(fan.begin() + static_cast<std::ptrdiff_t>(lo), fan.begin() + static_cast<std::ptrdiff_t>(hi), [&](int x, int y) {
            return degree[static_cast<std::size_t>(x)] != degree[static_cast<std::size_t>(y)]
                       ? degree[static_cast<std::size_t>(x)] < degree[static_cast<std::size_t>(y)]
                       : x < y;
        });
        inputGroup[bi] = group.size();
        for (std::size_t q = lo; q < hi; ++q)
            if (q == lo || degree[static_cast<std::size_t>(fan[q])] != degree[static_cast<std::size_t>(fan[q - 1])]) {
                groupStart.push_back(q);
                Group g;
                g.degree = degree[static_cast<std::size_t>(fan[q])];
                group.push_back(g);
            }
    }
    inputGroup[inputsB] = group.size();
    groupStart.push_back(fan.size());
    // Each column's groups, one per input of it.
    std::vector<std::size_t> columnGroupPtr(m + 1, 0);
    for (std::size_t c = 0; c < m; ++c)
        columnGroupPtr[c + 1] = columnGroupPtr[c] + static_cast<std::size_t>(degree[c]);
    std::vector<int> columnGroup(columnGroupPtr[m]);
    {
        std::vector<std::size_t> cursor(columnGroupPtr.begin(), columnGroupPtr.end() - 1);
        for (std::size_t g = 0; g < group.size(); ++g)
            for (std::size_t q = groupStart[g]; q < groupStart[g + 1]; ++q)
                columnGroup[cursor[static_cast<std::size_t>(fan[q])]++] = static_cast<int>(g);
    }

    // Objects: columns 0 .. m-1, then row i's private column m + i. Persons: rows 0 .. n-1, then
    // column j's person n + j.
    detail::AuctionMarket market(n, m, unmatched);
    std::vector<double>& price = market.price;
    const auto rescan = [&](std::size_t g) {
        Group& gr = group[g];
        gr.p1 = gr.p2 = inf;
        gr.c1 = gr.c2 = -1;
        for (std::size_t q = groupStart[g]; q < groupStart[g + 1]; ++q) {
            const int c = fan[q];
            const double p = price[static_cast<std::size_t>(c)];
            if (p < gr.p1) {
                gr.p2 = gr.p1, gr.c2 = gr.c1;
                gr.p1 = p, gr.c1 = c;
            } else if (p < gr.p2) {
                gr.p2 = p, gr.c2 = c;
            }
        }
    };
    for (std::size_t g = 0; g < group.size(); ++g)
        rescan(g);

    // Every row's pairs sharing >= 2 inputs, listed once, rows split over the threads in ranges.
    AuctionAssignment out;
    const int threads = std::max(1, std::min(options.threads, 64));
    std::vector<MultiPairs> parts(static_cast<std::size_t>(threads));
    {
        std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
        const auto listRange = [&](int t) {
            try {
                MultiPairs& part = parts[static_cast<std::size_t>(t)];
                const std::size_t begin = n * static_cast<std::size_t>(t) / static_cast<std::size_t>(threads);
                const std::size_t end = n * static_cast<std::size_t>(t + 1) / static_cast<std::size_t>(threads);
                // A small open-addressing table of the columns reached, with their shared inputs.
                std::vector<std::pair<int, int>> slots;
                std::vector<std::uint32_t> used;
                std::vector<std::pair<int, double>> mine;
                for (std::size_t r = begin; r < end; ++r) {
                    if (((r - begin) & 1023) == 0)
                        throwIfStopped(options.stop);
                    const int j = rowsA[r];
                    std::size_t reach = 0;
                    for (EdgeIndex e = a.rowPtr()[j]; e < a.rowPtr()[j + 1]; ++e) {
                        const int bi = bOfA[static_cast<std::size_t>(a.colIdx()[static_cast<std::size_t>(e)])];
                        reach += static_cast<std::size_t>(b.colPtr()[bi + 1] - b.colPtr()[bi]);
                    }
                    unsigned bits = 4;
                    while (bits < 31 && (std::size_t{1} << bits) < 2 * reach)
                        ++bits;
                    if (slots.size() < (std::size_t{1} << bits))
                        slots.assign(std::size_t{1} << bits, {-1, 0});
                    const std::size_t mask = (std::size_t{1} << bits) - 1;
                    for (EdgeIndex e = a.rowPtr()[j]; e < a.rowPtr()[j + 1]; ++e) {
                        const int bi = bOfA[static_cast<std::size_t>(a.colIdx()[static_cast<std::size_t>(e)])];
                        for (EdgeIndex q = b.colPtr()[bi]; q < b.colPtr()[bi + 1]; ++q) {
                            const int c = fan[static_cast<std::size_t>(q)];
                            std::size_t h = (static_cast<std::uint32_t>(c) * 0x9E3779B1u) >> (32 - bits);
                            while (slots[h].first >= 0 && slots[h].first != c)
                                h = (h + 1) & mask;
                            if (slots[h].first < 0) {
                                slots[h] = {c, 0};
                                used.push_back(static_cast<std::uint32_t>(h));
                            }
                            ++slots[h].second;
                        }
                    }
                    const double degA = a.inDegree(j);
                    const std::size_t from = part.column.size();
                    for (std::uint32_t h : used) {
                        const auto [c, shared] = slots[h];
                        if (shared >= 2) {
                            part.column.push_back(c);
                            part.cost.push_back(1.0 - shared / (degA + degree[static_cast<std::size_t>(c)] - shared));
                        }
                        slots[h].first = -1;
                    }
                    used.clear();
                    // In column order: the bids' ties then do not depend on the table's layout.
                    mine.clear();
                    for (std::size_t k = from; k < part.column.size(); ++k)
                        mine.emplace_back(part.column[k], part.cost[k]);
                    std::sort(mine.begin(), mine.end());
                    for (std::size_t k = 0; k < mine.size(); ++k)
                        part.column[from + k] = mine[k].first, part.cost[from + k] = mine[k].second;
                    part.rowPtr.push_back(part.column.size());
                }
            } catch (...) {
                errors[static_cast<std::size_t>(t)] = std::current_exception();
            }
        };
        std::vector<std::thread> workers;
        try {
            for (int t = 1; t < threads; ++t)
                workers.emplace_back(listRange, t);
        } catch (...) { // a thread that could not start: join those that did, then report it
            for (std::thread& w : workers)
                w.join();
            throw;
        }
        listRange(0);
        for (std::thread& w : workers)
            w.join();
        for (const std::exception_ptr& e : errors)
            if (e)
                std::rethrow_exception(e);
    }
    MultiPairs multi;
    for (MultiPairs& part : parts) {
        const std::size_t base = multi.column.size();
        for (std::size_t k = 1; k < part.rowPtr.size(); ++k)
            multi.rowPtr.push_back(base + part.rowPtr[k]);
        multi.column.insert(multi.column.end(), part.column.begin(), part.column.end());
        multi.cost.insert(multi.cost.end(), part.cost.begin(), part.cost.end());
        part = MultiPairs();
    }
    out.refreshes = n;

    // A row's best and second-best values over all its options (second: over objects other than
    // the best), with the best object and the cost of each option.
    struct Scan {
        std::size_t best = 0;
        double bestValue = inf, secondValue = inf, bestCost = 0;
    };
    const auto scanRow = [&](std::size_t i) {
        Scan s;
        const auto consider = [&](std::size_t o, double value, double cost) {
            if (o == s.best && s.bestValue < inf) {
                if (value < s.bestValue)
                    s.bestValue = value, s.bestCost = cost;
            } else if (value < s.bestValue || (value == s.bestValue && o < s.best)) {
                s.secondValue = s.bestValue;
                s.bestValue = value, s.best = o, s.bestCost = cost;
            } else if (value < s.secondValue) {
                s.secondValue = value;
            }
        };
        // Pairs sharing >= 2 inputs first: their own costs are below their groups' entries.
        for (std::size_t k = multi.rowPtr[i]; k < multi.rowPtr[i + 1]; ++k) {
            const auto c = static_cast<std::size_t>(multi.column[k]);
            consider(c, multi.cost[k] + price[c], multi.cost[k]);
        }
        const int j = rowsA[i];
        const double degA = a.inDegree(j);
        for (EdgeIndex e = a.rowPtr()[j]; e < a.rowPtr()[j + 1]; ++e) {
            const auto bi = static_cast<std::size_t>(bOfA[static_cast<std::size_t>(a.colIdx()[static_cast<std::size_t>(e)])]);
            for (std::size_t g = inputGroup[bi]; g < inputGroup[bi + 1]; ++g) {
                const Group& gr = group[g];
                const double cost = 1.0 - 1.0 / (degA + gr.degree - 1.0);
                if (cost + gr.p1 >= s.secondValue)
                    continue; // neither of its two can change the best two
                consider(static_cast<std::size_t>(gr.c1), cost + gr.p1, cost);
                if (gr.c2 >= 0)
                    consider(static_cast<std::size_t>(gr.c2), cost + gr.p2, cost);
            }
        }
        consider(m + i, unmatched + price[m + i], unmatched);
        return s;
    };

    // The cost of row i's pair with column c < m (sharing one input, or its pair sharing more).
    const auto pairCost = [&](std::size_t i, std::size_t c) {
        for (std::size_t k = multi.rowPtr[i]; k < multi.rowPtr[i + 1]; ++k)
            if (static_cast<std::size_t>(multi.column[k]) == c)
                return multi.cost[k];
        return 1.0 - 1.0 / (a.inDegree(rowsA[i]) + degree[c] - 1.0);
    };

    market.run(
        options.startEpsilon, options.epsilon, options.stop, options.progress, out,
        [](const std::deque<std::size_t>&, bool) {},
        [&](std::size_t i) {
            const Scan s = scanRow(i);
            detail::AuctionMarket::Bid bid;
            bid.best = s.best, bid.bestValue = s.bestValue, bid.secondValue = s.secondValue;
            return bid;
        },
        [&](std::size_t c) { // the groups whose two least it was among read it again
            for (std::size_t k = columnGroupPtr[c]; k < columnGroupPtr[c + 1]; ++k) {
                const auto g = static_cast<std::size_t>(columnGroup[k]);
                if (group[g].c1 == static_cast<int>(c) || group[g].c2 == static_cast<int>(c))
                    rescan(g);
            }
        });

    // The result, and how far above the optimum it can be (as solveAuctionAssignment's): every
    // person's least value over all its options, minus the prices, is a feasible dual of the
    // symmetric problem, so the cost minus that dual is Σ (value held − least value) >= 0.
    out.columnOfRow.assign(n, -1);
    long double total = 0, gap = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const auto o = static_cast<std::size_t>(market.holds[i]);
        const Scan s = scanRow(i);
        const double heldCost = o < m ? pairCost(i, o) : unmatched;
        if (o < m)
            out.columnOfRow[i] = static_cast<int>(o);
        total += heldCost;
        gap += std::max(0.0, heldCost + price[o] - s.bestValue);
    }
    gap += market.columnPersonsGap();
    out.cost = static_cast<double>(total);
    out.gap = static_cast<double>(gap);
    return out;
}

} // namespace rewire
