#include "analysis/shared_input_auction.h"

#include "analysis/auction_market.h"
#include "analysis/shared_input_lister.h"
#include "analysis/worker_team.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <stdexcept>
#include <string>
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

// Rows' pairs sharing >= 2 inputs, in CSR form (a block of rows, then all).
struct MultiPairs {
    std::vector<std::size_t> rowPtr{0};
    std::vector<int> column;
    std::vector<double> cost;
};

} // namespace

AuctionAssignment solveSharedInputAuction(const SparseLayer& a, const SparseLayer& b, const std::vector<int>& bOfA,
                                          const std::vector<int>& rowsA, const std::vector<int>& colsB,
                                          const std::vector<int>& compactOfB, const std::vector<double>& pairsOf,
                                          const SharedInputAuctionOptions& options)
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

    // B's fan-out lists cut into groups of one in-degree, and each row's pairs sharing two inputs
    // or more, from the listed auction's lister: input bi's groups are inputGroup[bi] ..
    // inputGroup[bi + 1], group g's columns fan[groupStart[g] .. groupStart[g + 1]).
    SharedInputLister lister(a, b, bOfA, rowsA, compactOfB, m, pairsOf);
    const std::vector<SharedInputLister::Fan>& fan = lister.fan();
    const std::vector<EdgeIndex>& groupStart = lister.groupStart();
    const std::vector<std::size_t>& inputGroup = lister.groupFirst();
    std::vector<Group> group(groupStart.size() - 1);
    for (std::size_t g = 0; g < group.size(); ++g)
        group[g].degree = fan[static_cast<std::size_t>(groupStart[g])].degree;
    // Each column's groups, one per input of it.
    std::vector<std::size_t> columnGroupPtr(m + 1, 0);
    for (std::size_t c = 0; c < m; ++c)
        columnGroupPtr[c + 1] = columnGroupPtr[c] + static_cast<std::size_t>(degree[c]);
    std::vector<int> columnGroup(columnGroupPtr[m]);
    {
        std::vector<std::size_t> cursor(columnGroupPtr.begin(), columnGroupPtr.end() - 1);
        for (std::size_t g = 0; g < group.size(); ++g)
            for (auto q = static_cast<std::size_t>(groupStart[g]); q < static_cast<std::size_t>(groupStart[g + 1]); ++q)
                columnGroup[cursor[static_cast<std::size_t>(fan[q].column)]++] = static_cast<int>(g);
    }

    // Objects: columns 0 .. m-1, then row i's private column m + i. Persons: rows 0 .. n-1, then
    // column j's person n + j.
    detail::AuctionMarket market(n, m, unmatched);
    std::vector<double>& price = market.price;
    const auto rescan = [&](std::size_t g) {
        Group& gr = group[g];
        gr.p1 = gr.p2 = inf;
        gr.c1 = gr.c2 = -1;
        for (auto q = static_cast<std::size_t>(groupStart[g]); q < static_cast<std::size_t>(groupStart[g + 1]); ++q) {
            const int c = fan[q].column;
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

    // Every row's pairs sharing >= 2 inputs, listed once, in blocks of rows on every thread; the
    // blocks are joined in order, so the result does not depend on the threads.
    AuctionAssignment out;
    const int threads = std::max(1, options.threads);
    lister.prepare(threads);
    constexpr std::size_t block = 1024;
    std::vector<MultiPairs> parts((n + block - 1) / block);
    {
        std::vector<std::vector<std::pair<int, double>>> scratch(static_cast<std::size_t>(threads));
        detail::Team team(threads);
        team.run(parts.size(), [&](std::size_t k, int worker) {
            throwIfStopped(options.stop);
            MultiPairs& part = parts[k];
            std::vector<std::pair<int, double>>& mine = scratch[static_cast<std::size_t>(worker)];
            for (std::size_t r = k * block; r < std::min(n, (k + 1) * block); ++r) {
                lister.twoOrMore(static_cast<int>(r), mine, worker);
                for (const auto& [c, cost] : mine) {
                    part.column.push_back(c);
                    part.cost.push_back(cost);
                }
                part.rowPtr.push_back(part.column.size());
            }
        });
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
    // the best).
    const auto scanRow = [&](std::size_t i) {
        detail::AuctionMarket::Bid s;
        // Pairs sharing >= 2 inputs first: their own costs are below their groups' entries.
        for (std::size_t k = multi.rowPtr[i]; k < multi.rowPtr[i + 1]; ++k) {
            const auto c = static_cast<std::size_t>(multi.column[k]);
            s.consider(c, multi.cost[k] + price[c]);
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
                s.consider(static_cast<std::size_t>(gr.c1), cost + gr.p1);
                if (gr.c2 >= 0)
                    s.consider(static_cast<std::size_t>(gr.c2), cost + gr.p2);
            }
        }
        s.consider(m + i, unmatched + price[m + i]);
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
        [&](std::size_t i) { return scanRow(i); },
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
        const detail::AuctionMarket::Bid s = scanRow(i);
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
