#include "analysis/shared_input_lister.h"
#include "analysis/sparse_assignment.h"
#include "analysis/topology_distance.h"
#include "core/init.h"
#include "core/rng.h"
#include "helpers.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>
#include <set>

using namespace rewire;
using namespace rewire::test;

namespace {

double bruteForceAssignment(const std::vector<double>& c, int n)
{
    std::vector<int> p(n);
    std::iota(p.begin(), p.end(), 0);
    double best = 1e300;
    do {
        double s = 0;
        for (int i = 0; i < n; ++i)
            s += c[static_cast<std::size_t>(i) * n + p[i]];
        best = std::min(best, s);
    } while (std::next_permutation(p.begin(), p.end()));
    return best;
}

// B = A with the hidden neurons of every hidden set permuted.
NetworkGraph relabelled(const NetworkGraph& a, std::uint64_t seed)
{
    Rng rng(seed);
    std::vector<std::vector<int>> perm; // perm[k][old] = new index in set k
    for (int k = 0; k <= a.layerCount(); ++k) {
        std::vector<int> p(static_cast<std::size_t>(a.neuronSetSize(k)));
        std::iota(p.begin(), p.end(), 0);
        if (k > 0 && k < a.layerCount())
            for (std::size_t i = p.size(); i > 1; --i)
                std::swap(p[i - 1], p[rng.below(i)]);
        perm.push_back(p);
    }
    std::vector<SparseLayer> layers;
    for (int l = 0; l < a.layerCount(); ++l) {
        const SparseLayer& s = a.layer(l);
        std::vector<NewEdge> edges;
        for (NeuronIndex j = 0; j < s.outputs(); ++j)
            for (EdgeIndex e = s.rowPtr()[j]; e < s.rowPtr()[j + 1]; ++e)
                edges.push_back({perm[l + 1][j], perm[l][s.colIdx()[e]], s.weights()[e]});
        layers.push_back(SparseLayer::fromEdges(s.inputs(), s.outputs(), std::move(edges)));
    }
    return NetworkGraph(std::move(layers));
}

} // namespace

TEST_CASE("assignment solver matches brute force on small random matrices", "[analysis][nnstd]")
{
    // Every pair a candidate, leaving a row unassigned dearer than any pair: a full assignment.
    const auto dense = [](const std::vector<double>& c, int n) {
        SparseCosts sc;
        for (int i = 0; i < n; ++i) {
            for (int j = 0; j < n; ++j) {
                sc.column.push_back(j);
                sc.cost.push_back(c[static_cast<std::size_t>(i) * n + j]);
            }
            sc.rowPtr.push_back(static_cast<std::int64_t>(sc.column.size()));
        }
        return solveSparseAssignment(sc, n, 2.0).columnOfRow;
    };
    const int n = GENERATE(1, 2, 3, 5, 7);
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        Rng rng(seed * 31 + n);
        std::vector<double> c(static_cast<std::size_t>(n) * n);
        for (double& x : c)
            x = std::floor(rng.uniform() * 5) / 4; // many ties
        const auto m = dense(c, n);
        std::vector<int> sorted = m;
        std::sort(sorted.begin(), sorted.end());
        for (int i = 0; i < n; ++i)
            REQUIRE(sorted[i] == i); // a permutation
        double s = 0;
        for (int i = 0; i < n; ++i)
            s += c[static_cast<std::size_t>(i) * n + m[i]];
        REQUIRE(s == Approx(bruteForceAssignment(c, n)));
        REQUIRE(dense(c, n) == m); // deterministic
    }
    SparseCosts wrong; // 2 rows declared, 3 costs for 2 columns
    wrong.rowPtr = {0, 1, 2};
    wrong.column = {0, 1};
    wrong.cost = {1, 2, 3};
    REQUIRE_THROWS_WITH(solveSparseAssignment(wrong, 2, 5.0), Catch::Contains("do not match"));
}

namespace {

struct RowsLister final : CandidateLister {
    std::vector<std::vector<std::pair<int, double>>> rows;
    std::atomic<std::size_t> calls{0}; // listed from several threads
    void list(int row, std::vector<std::pair<int, double>>& out, int) override
    {
        ++calls;
        out = rows[static_cast<std::size_t>(row)];
    }
};

} // namespace

TEST_CASE("auction assignment: within its reported gap of the exact optimum, exact when costs are coarse", "[analysis][nnstd]")
{
    Rng rng(2024);
    std::size_t relisted = 0;   // listings beyond the first, with 2 kept per row
    std::size_t reselected = 0; // selections from the stored candidates
    std::size_t storedAndRelisted = 0; // listings beyond the first, with 2 kept of 3 stored
    for (int trial = 0; trial < 150; ++trial) {
        // Some problems without rows or without columns; rows without candidates come by chance.
        const int n = static_cast<int>(rng.below(40)) + (trial % 10 == 3 ? 0 : 1),
                  m = static_cast<int>(rng.below(40)) + (trial % 10 == 7 ? 0 : 1);
        const bool coarse = trial % 2 == 0; // costs on a grid of 1/5: distinct totals differ by >= 0.2
        RowsLister lister;
        lister.rows.resize(static_cast<std::size_t>(n));
        SparseCosts sc;
        std::size_t most = 0;
        for (int i = 0; i < n; ++i) {
            for (int j = 0; j < m; ++j)
                if (rng.below(100) < 30) {
                    const double c = coarse ? static_cast<double>(rng.below(5)) / 5.0 : rng.uniform() * 0.999;
                    lister.rows[static_cast<std::size_t>(i)].emplace_back(j, c);
                    sc.column.push_back(j);
                    sc.cost.push_back(c);
                }
            sc.rowPtr.push_back(static_cast<std::int64_t>(sc.column.size()));
            most = std::max(most, lister.rows[static_cast<std::size_t>(i)].size());
        }
        const SparseAssignment exact = solveSparseAssignment(sc, m, 1.0);
        double optimum = 0;
        for (int i = 0; i < n; ++i) {
            const int j = exact.columnOfRow[static_cast<std::size_t>(i)];
            const auto& row = lister.rows[static_cast<std::size_t>(i)];
            optimum += j < 0 ? 1.0 : std::find_if(row.begin(), row.end(), [&](const auto& p) { return p.first == j; })->second;
        }
        // Rows keeping 2 candidates must list theirs again as prices rise; keeping all, never;
        // keeping 2 of all stored, they select again from those instead (stored == 0 below).
        const auto all = static_cast<std::uint32_t>(std::max<std::size_t>(2, most));
        // Keeping 2 of 3 stored, both bounds are finite and rows select and list again.
        for (const auto& [keep, store] : {std::pair{std::uint32_t{2}, std::uint32_t{0}}, std::pair{all, std::uint32_t{0}},
                                         std::pair{std::uint32_t{2}, all}, std::pair{std::uint32_t{2}, std::uint32_t{3}}}) {
            // Every third coarse problem in one phase at a large ε: a gap far from 0 must still
            // bracket the optimum.
            const bool onePhase = coarse && trial % 3 == 0;
            const double epsilon = onePhase ? 0.05 : coarse ? 1e-9 : 1e-6;
            lister.calls = 0;
            const std::vector<std::uint32_t> keeps(static_cast<std::size_t>(n), keep),
                stores(store ? static_cast<std::size_t>(n) : 0, store);
            const AuctionAssignment a = solveAuctionAssignment(lister, n, m, 1.0, epsilon, keeps, onePhase ? epsilon : 0.05, stores);
            if (keep == 2 && store == 0)
                relisted += lister.calls - static_cast<std::size_t>(n);
            if (store == all)
                reselected += a.selections;
            if (store == 3 && most > 3)
                storedAndRelisted += lister.calls - static_cast<std::size_t>(n);
            INFO("trial " << trial << ", " << n << " x " << m << ", keep " << keep << ", store " << store);
            // Listed on two threads: the same result.
            const std::size_t calls = lister.calls;
            const AuctionAssignment twin = solveAuctionAssignment(lister, n, m, 1.0, epsilon, keeps, onePhase ? epsilon : 0.05, stores, 2);
            REQUIRE(twin.columnOfRow == a.columnOfRow);
            REQUIRE(twin.bids == a.bids);
            REQUIRE(twin.gap == a.gap);
            REQUIRE(lister.calls - calls == calls);
            lister.calls = calls;
            double total = 0;
            std::vector<int> used(static_cast<std::size_t>(m), 0);
            for (int i = 0; i < n; ++i) {
                const int j = a.columnOfRow[static_cast<std::size_t>(i)];
                if (j < 0) {
                    total += 1.0;
                    continue;
                }
                REQUIRE(used[static_cast<std::size_t>(j)]++ == 0);
                const auto& row = lister.rows[static_cast<std::size_t>(i)];
                const auto it = std::find_if(row.begin(), row.end(), [&](const auto& p) { return p.first == j; });
                REQUIRE(it != row.end()); // only candidates are assigned
                total += it->second;
            }
            REQUIRE(a.cost == Approx(total).margin(1e-12));
            REQUIRE(a.gap >= 0);
            REQUIRE(a.gap <= (n + m) * epsilon * (1 + 1e-9) + 1e-12); // the bound the docs state
            REQUIRE(total >= optimum - 1e-9);                         // nothing beats the optimum
            REQUIRE(total - a.gap <= optimum + 1e-9);                 // the gap brackets it
            if (coarse && !onePhase)
                REQUIRE(total == Approx(optimum).margin(1e-9));
            if (onePhase)
                REQUIRE(a.phases == 1);
            if (keep > 2 || most <= 2 || store == all)
                REQUIRE(lister.calls == static_cast<std::size_t>(n)); // each row listed once
            REQUIRE(a.refreshes == lister.calls);
        }
    }
    REQUIRE(relisted > 1000);   // the bound rule did make rows list their candidates again
    REQUIRE(reselected > 1000); // or select again from those stored
    REQUIRE(storedAndRelisted > 500);
    RowsLister bad;
    bad.rows = {{{0, 0.5}}, {{3, 0.2}}};
    REQUIRE_THROWS_WITH(solveAuctionAssignment(bad, 2, 2, 1.0, 1e-6, {2, 2}, 0.1), Catch::Contains("row 1: column 3"));
    bad.rows = {{{0, 1.5}}};
    REQUIRE_THROWS_WITH(solveAuctionAssignment(bad, 1, 1, 1.0, 1e-6, {2}, 0.1), Catch::Contains("row 0: column 0 at cost 1.5"));
    REQUIRE_THROWS_WITH(solveAuctionAssignment(bad, 1, 1, 1.0, 0.0, {2}, 0.1), Catch::Contains("epsilon"));
    REQUIRE_THROWS_WITH(solveAuctionAssignment(bad, 1, 1, 1.0, 1e-6, {1}, 0.1), Catch::Contains("at least 2"));
    REQUIRE_THROWS_WITH(solveAuctionAssignment(bad, 1, 1, 1.0, 1e-6, {4}, 0.1, {3}), Catch::Contains("stores 3 candidates, fewer than the 4"));
    REQUIRE_THROWS_WITH(solveAuctionAssignment(bad, 1, 1, 1.0, 1e-6, {2}, 0.1, {2, 2}), Catch::Contains("2 stored capacities for 1 rows"));
    // Listed on two threads, two rows wrong: the error of the first.
    bad.rows = {{{0, 0.5}}, {{7, 0.5}}, {{0, 0.5}}, {{5, 0.5}}, {{1, 0.5}}};
    for (int threads : {1, 2, 3})
        REQUIRE_THROWS_WITH(solveAuctionAssignment(bad, 5, 2, 1.0, 1e-6, {2, 2, 2, 2, 2}, 0.1, {}, threads),
                            Catch::Contains("row 1: column 7"));
}

namespace {

// A layer whose neurons have from 0 to maxDegree distinct random inputs.
SparseLayer randomLayer(int inputs, int outputs, int maxDegree, Rng& rng)
{
    std::vector<NewEdge> edges;
    std::vector<int> all(static_cast<std::size_t>(inputs));
    for (int k = 0; k < outputs; ++k) {
        std::iota(all.begin(), all.end(), 0);
        rng.shuffle(std::span<int>(all));
        const auto degree = static_cast<int>(rng.below(static_cast<std::uint64_t>(maxDegree) + 1));
        for (int t = 0; t < degree; ++t)
            edges.push_back({k, all[static_cast<std::size_t>(t)], 1.0f});
    }
    return SparseLayer::fromEdges(inputs, outputs, std::move(edges));
}

} // namespace

TEST_CASE("NNSTD's lister: a row's best pairs by cost + price and a bound on the rest, against all pairs", "[analysis][nnstd]")
{
    // Uneven degrees, so that the pairs sharing one input come in groups of equal cost, and
    // prices rising in random steps, so that groups are passed over on their remembered prices:
    // each listing must return the `count` least values of cost + price over all the row's pairs,
    // with their exact costs, and a bound between the largest returned and the least of the rest.
    std::size_t listings = 0, bounded = 0, passedOver = 0;
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
        Rng rng(seed);
        const int inputs = 14, n = 60;
        const SparseLayer a = randomLayer(inputs, n, 7, rng), b = randomLayer(inputs, n, 7, rng);
        std::vector<int> bOfA(static_cast<std::size_t>(inputs));
        std::iota(bOfA.begin(), bOfA.end(), 0);
        rng.shuffle(std::span<int>(bOfA));
        std::vector<int> rowsA, colsB, compactOfB(static_cast<std::size_t>(n), -1);
        for (int j = 0; j < n; ++j)
            if (a.inDegree(j) > 0)
                rowsA.push_back(j);
        for (int k = 0; k < n; ++k)
            if (b.inDegree(k) > 0) {
                compactOfB[static_cast<std::size_t>(k)] = static_cast<int>(colsB.size());
                colsB.push_back(k);
            }
        // Every row's pairs by brute force: (column, cost).
        std::vector<std::vector<std::pair<int, double>>> pairs(rowsA.size());
        std::vector<double> pairsOf(rowsA.size(), 0.0);
        for (std::size_t r = 0; r < rowsA.size(); ++r) {
            std::vector<int> x;
            for (EdgeIndex e = a.rowPtr()[rowsA[r]]; e < a.rowPtr()[rowsA[r] + 1]; ++e)
                x.push_back(bOfA[static_cast<std::size_t>(a.colIdx()[static_cast<std::size_t>(e)])]);
            std::sort(x.begin(), x.end());
            for (int bi : x)
                pairsOf[r] += static_cast<double>(b.colPtr()[bi + 1] - b.colPtr()[bi]);
            for (std::size_t c = 0; c < colsB.size(); ++c) {
                const auto y = b.colIdx().subspan(static_cast<std::size_t>(b.rowPtr()[colsB[c]]),
                                                  static_cast<std::size_t>(b.inDegree(colsB[c])));
                std::vector<int> in;
                std::set_intersection(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(in));
                if (!in.empty())
                    pairs[r].emplace_back(static_cast<int>(c),
                                          1.0 - double(in.size()) / double(x.size() + y.size() - in.size()));
            }
        }
        SharedInputLister lister(a, b, bOfA, rowsA, compactOfB, colsB.size(), pairsOf);
        lister.prepare(1);
        std::vector<double> price(colsB.size(), 0.0);
        std::vector<std::pair<int, double>> best;
        for (int round = 0; round < 25; ++round) {
            for (std::size_t r = 0; r < rowsA.size(); ++r) {
                if (static_cast<int>(r % 7) > round) // first listings spread over the rounds, some after prices rose
                    continue;
                const std::size_t count = std::size_t{1} + rng.below(6);
                const double bound = lister.listBest(static_cast<int>(r), price.data(), count, best, 0);
                ++listings;
                std::vector<double> all, got;
                for (const auto& [c, cost] : pairs[r])
                    all.push_back(cost + price[static_cast<std::size_t>(c)]);
                std::sort(all.begin(), all.end());
                REQUIRE(best.size() == std::min(count, all.size()));
                std::vector<char> seen(colsB.size(), 0);
                for (const auto& [c, cost] : best) {
                    const int col = c; // (a structured binding cannot be captured before C++20's P1091 in clang 14)
                    REQUIRE(!seen[static_cast<std::size_t>(c)]);
                    seen[static_cast<std::size_t>(c)] = 1;
                    const auto truth = std::find_if(pairs[r].begin(), pairs[r].end(), [&](const auto& p) { return p.first == col; });
                    REQUIRE(truth != pairs[r].end());
                    REQUIRE(cost == truth->second); // the same formula, so the same bits
                    got.push_back(cost + price[static_cast<std::size_t>(c)]);
                }
                std::sort(got.begin(), got.end());
                for (std::size_t t = 0; t < got.size(); ++t)
                    REQUIRE(got[t] == Approx(all[t]).margin(1e-12));
                if (all.size() > best.size()) { // a bound on the others, as tight as the largest kept
                    double rest = std::numeric_limits<double>::infinity();
                    for (const auto& [c, cost] : pairs[r])
                        if (!seen[static_cast<std::size_t>(c)])
                            rest = std::min(rest, cost + price[static_cast<std::size_t>(c)]);
                    REQUIRE(bound <= rest + 1e-12);
                    REQUIRE(bound >= got.back() - 1e-12);
                    bounded += bound < rest - 1e-12 ? 1 : 0; // a remembered price below the current one
                }
            }
            for (double& p : price)
                if (rng.below(3) == 0)
                    p += rng.uniform() * (rng.below(4) == 0 ? 0.5 : 0.02);
        }
        passedOver += lister.groupsPassedOver();
        REQUIRE(lister.listBest(0, price.data(), 0, best, 0) == 0.0); // none asked for: a bound of 0
        REQUIRE(best.empty());
    }
    CHECK(listings > 5000);
    CHECK(bounded > 0);    // the bound was sometimes below the least other value
    CHECK(passedOver > 0); // groups were passed over on their remembered prices
}

TEST_CASE("NNSTD: zero with itself and with a relabelled copy", "[analysis][nnstd]")
{
    const NetworkGraph a = erNetwork({30, 40, 35, 5}, 4, 7);
    const TopologyDistance self = topologyDistance(a, a);
    REQUIRE(self.mean == 0.0);
    const NetworkGraph b = relabelled(a, 3);
    REQUIRE(b.layer(1).colIdx()[0] != a.layer(1).colIdx()[0]); // really relabelled
    const TopologyDistance d = topologyDistance(a, b);
    for (double x : d.perLayer)
        REQUIRE(x == Approx(0.0).margin(1e-12));
    const NetworkGraph c = erNetwork({30, 40, 35, 5}, 4, 8);
    const TopologyDistance e = topologyDistance(a, c);
    REQUIRE(e.mean > 0.3); // independent random topologies are far apart
    REQUIRE(e.mean <= 1.0);
    REQUIRE_THROWS_WITH(topologyDistance(a, erNetwork({30, 41, 35, 5}, 4, 1)), Catch::Contains("30-40-35-5 and 30-41-35-5"));
}

TEST_CASE("NNSTD: zero with itself when many neurons have equal input sets (ties everywhere)", "[analysis][nnstd]")
{
    // Two inputs: the 48 neurons of the first hidden layer have at most 3 distinct input sets, so
    // layer 0 has countless optimal assignments; only the identity keeps layer 1 at 0. The
    // canonical tie-break weighs a neuron and its namesake 0 (it gave 0.357 on layer 1 before).
    const NetworkGraph a = erNetwork({2, 48, 48, 2}, 4, 3);
    std::set<std::vector<NeuronIndex>> sets;
    for (int j = 0; j < 48; ++j)
        sets.insert(std::vector<NeuronIndex>(a.layer(0).colIdx().begin() + a.layer(0).rowPtr()[j],
                                             a.layer(0).colIdx().begin() + a.layer(0).rowPtr()[j + 1]));
    REQUIRE(sets.size() <= 3);
    for (OutputMatching outputs : {OutputMatching::Assign, OutputMatching::Index}) {
        NnstdOptions o;
        o.outputs = outputs;
        const TopologyDistance self = topologyDistance(a, a, o);
        for (double x : self.perLayer)
            REQUIRE(x == 0.0);
        for (std::size_t l = 0; l < self.matching.size(); ++l)
            for (std::size_t j = 0; j < self.matching[l].size(); ++j)
                REQUIRE(self.matching[l][j] == static_cast<int>(j));
    }
}

TEST_CASE("NNSTD per layer equals a brute-force assignment on small ER layers", "[analysis][nnstd]")
{
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
        const NetworkGraph a = erNetwork({9, 6, 2}, 2, seed), b = erNetwork({9, 6, 2}, 2, seed + 100);
        const TopologyDistance d = topologyDistance(a, b);
        // Layer 0: inputs are fixed, so the cost is the plain Jaccard distance of in-sets.
        std::vector<double> c(36);
        for (int j = 0; j < 6; ++j)
            for (int k = 0; k < 6; ++k) {
                std::vector<int> x(a.layer(0).colIdx().begin() + a.layer(0).rowPtr()[j],
                                   a.layer(0).colIdx().begin() + a.layer(0).rowPtr()[j + 1]);
                std::vector<int> y(b.layer(0).colIdx().begin() + b.layer(0).rowPtr()[k],
                                   b.layer(0).colIdx().begin() + b.layer(0).rowPtr()[k + 1]);
                std::vector<int> in, un;
                std::set_intersection(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(in));
                std::set_union(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(un));
                c[static_cast<std::size_t>(j) * 6 + k] = un.empty() ? 0.0 : 1.0 - double(in.size()) / double(un.size());
            }
        REQUIRE(d.perLayer[0] == Approx(bruteForceAssignment(c, 6) / 6));
    }
}

TEST_CASE("NNSTD conventions: a tie whose choice changes the next layer", "[analysis][nnstd]")
{
    // One input feeds both hidden neurons in A and in B: layer 0 costs are all 0, and both
    // matchings of the hidden neurons are optimal. A's o0 reads h0, B's o0 reads h1; o1 reads both.
    // Identity matching: B's o0 relabelled reads A's h1, distance 1, and the outputs' assignment is
    // itself a tie at total 1 (layer 1: 0.5). Swapped: every output matches at 0 (layer 1: 0).
    auto build = [](int o0Reads) {
        return NetworkGraph({SparseLayer::fromEdges(1, 2, {{0, 0, 1.0f}, {1, 0, 1.0f}}),
                             SparseLayer::fromEdges(2, 2, {{0, o0Reads, 1.0f}, {1, 0, 1.0f}, {1, 1, 1.0f}})});
    };
    const NetworkGraph a = build(0), b = build(1);
    NnstdOptions o;
    const TopologyDistance ab = topologyDistance(a, b, o), ba = topologyDistance(b, a, o);
    REQUIRE(ab.perLayer[0] == 0.0);
    REQUIRE((ab.perLayer[1] == 0.0 || ab.perLayer[1] == 0.5));
    REQUIRE(ab.perLayer == ba.perLayer); // the canonical tie-break is symmetric
    REQUIRE(ab.hiddenMean == 0.0);
    REQUIRE(ab.mean == ab.perLayer[1] / 2);
    // Over random tie-breaks both choices appear: the range is [0, 0.5] on layer 1.
    o.tieBreaks = 16;
    const TopologyDistance r = topologyDistance(a, b, o);
    REQUIRE(r.tieBreaksTried == 17);
    REQUIRE(r.perLayerMin[1] == 0.0);
    REQUIRE(r.perLayerMax[1] == 0.5);
    REQUIRE(r.meanMin == 0.0);
    REQUIRE(r.meanMax == 0.25);
    REQUIRE(r.hiddenMeanMin == 0.0);
    REQUIRE(r.hiddenMeanMax == 0.0);
    REQUIRE(r.perLayer == ab.perLayer); // the canonical value is unchanged by asking for the range
    // Outputs by index after the identity matching would read 1 and 0: with the swap, 0 and 0.
    o.tieBreaks = 0;
    o.outputs = OutputMatching::Index;
    const TopologyDistance idx = topologyDistance(a, b, o);
    REQUIRE(idx.matching[1] == std::vector<int>{0, 1});
}

TEST_CASE("NNSTD: the canonical tie-break makes d(A, B) = d(B, A); outputs assigned or by index", "[analysis][nnstd]")
{
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
        INFO("seed " << seed);
        const NetworkGraph a = erNetwork({30, 40, 35, 5}, 2, seed), b = erNetwork({30, 40, 35, 5}, 2, seed + 50);
        NnstdOptions o;
        const TopologyDistance ab = topologyDistance(a, b, o), ba = topologyDistance(b, a, o);
        for (std::size_t l = 0; l < ab.perLayer.size(); ++l)
            REQUIRE(ab.perLayer[l] == Approx(ba.perLayer[l]).margin(1e-12));
        // The matchings are each other's inverse.
        for (std::size_t l = 0; l < ab.matching.size(); ++l)
            for (std::size_t j = 0; j < ab.matching[l].size(); ++j)
                REQUIRE(ba.matching[l][static_cast<std::size_t>(ab.matching[l][j])] == static_cast<int>(j));
        REQUIRE(ab.hiddenMean == Approx((ab.perLayer[0] + ab.perLayer[1]) / 2));
        REQUIRE(ab.mean == Approx((ab.perLayer[0] + ab.perLayer[1] + ab.perLayer[2]) / 3));
        o.outputs = OutputMatching::Index;
        const TopologyDistance byIndex = topologyDistance(a, b, o);
        REQUIRE(byIndex.hiddenMean == ab.hiddenMean); // the output convention touches the last layer only
        REQUIRE(byIndex.perLayer[2] >= ab.perLayer[2] - 1e-12); // assigning can only lower it
        REQUIRE(byIndex.matching[2] == std::vector<int>{0, 1, 2, 3, 4});
    }
}

TEST_CASE("the sparse assignment solver finds the dense optimum when most pairs cost 1", "[analysis][nnstd]")
{
    Rng rng(99);
    for (int trial = 0; trial < 200; ++trial) {
        const int n = 1 + static_cast<int>(rng.below(9));
        const double share = 0.1 + 0.8 * static_cast<double>(rng.below(100)) / 100.0;
        std::vector<double> dense(static_cast<std::size_t>(n) * n, 1.0);
        std::vector<std::vector<std::pair<int, double>>> rows(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j)
                if (static_cast<double>(rng.below(1000)) / 1000.0 < share) {
                    // Costs from a few values, so ties are common, as in Jaccard distances.
                    const double c = static_cast<double>(rng.below(5)) / 5.0;
                    dense[static_cast<std::size_t>(i) * n + j] = c;
                    rows[static_cast<std::size_t>(i)].emplace_back(j, c);
                }
        SparseCosts sc;
        for (const auto& row : rows) {
            for (auto [j, c] : row) {
                sc.column.push_back(j);
                sc.cost.push_back(c);
            }
            sc.rowPtr.push_back(static_cast<std::int64_t>(sc.column.size()));
        }
        const SparseAssignment solved = solveSparseAssignment(sc, n, 1.0);
        const std::vector<int>& m = solved.columnOfRow;
        // The duals certify it: reduced costs >= 0 everywhere, 0 on the assigned pairs.
        for (int i = 0; i < n; ++i)
            for (auto [j, c] : rows[static_cast<std::size_t>(i)]) {
                const double reduced = c - solved.rowPotential[static_cast<std::size_t>(i)] - solved.columnPotential[static_cast<std::size_t>(j)];
                REQUIRE(reduced >= -1e-12);
                if (m[static_cast<std::size_t>(i)] == j)
                    REQUIRE(reduced == Approx(0.0).margin(1e-12));
            }
        double total = 0;
        std::vector<int> used(static_cast<std::size_t>(n), 0);
        for (int i = 0; i < n; ++i) {
            const int j = m[static_cast<std::size_t>(i)];
            if (j < 0) {
                total += 1.0;
                continue;
            }
            REQUIRE(used[static_cast<std::size_t>(j)]++ == 0);
            const auto& row = rows[static_cast<std::size_t>(i)];
            const auto it = std::find_if(row.begin(), row.end(), [&](const auto& p) { return p.first == j; });
            REQUIRE(it != row.end()); // only candidates are assigned
            total += it->second;
        }
        INFO("trial " << trial << ", n " << n);
        REQUIRE(total == Approx(bruteForceAssignment(dense, n)).margin(1e-12));
    }
    // A rectangular case: 2 rows, 3 columns; row 1's best column is row 0's too.
    SparseCosts rect;
    rect.rowPtr = {0, 2, 3};
    rect.column = {2, 0, 2};
    rect.cost = {0.1, 0.5, 0.2};
    REQUIRE(solveSparseAssignment(rect, 3, 1.0).columnOfRow == std::vector<int>{0, 2}); // 0.5 + 0.2 < 0.1 + 1
    REQUIRE(solveSparseAssignment(rect, 3, 0.55).columnOfRow == std::vector<int>{2, -1}); // 0.1 + 0.55 < 0.5 + 0.2
    SparseCosts bad;
    bad.rowPtr = {0, 1};
    bad.column = {0};
    bad.cost = {1.0};
    REQUIRE_THROWS_WITH(solveSparseAssignment(bad, 1, 1.0), Catch::Contains("row 0: column 0 at cost 1"));
    bad.column = {3};
    bad.cost = {0.5};
    REQUIRE_THROWS_WITH(solveSparseAssignment(bad, 1, 1.0), Catch::Contains("column 3"));
    bad.rowPtr = {0, 2};
    REQUIRE_THROWS_WITH(solveSparseAssignment(bad, 1, 1.0), Catch::Contains("do not match"));
}

TEST_CASE("NNSTD: empty neurons pair with each other at 0, and the rest by the assignment", "[analysis][nnstd]")
{
    // A: h0 empty, h1 reads i0, h2 reads i1. B: h0 reads i1, h1 empty, h2 reads i0 and i1.
    // Optimal: A.h0-B.h1 (0), A.h1-B.h2 (1/2), A.h2-B.h0 (0): 0.5 / 3.
    const NetworkGraph a({SparseLayer::fromEdges(2, 3, {{1, 0, 1.0f}, {2, 1, 1.0f}})});
    const NetworkGraph b({SparseLayer::fromEdges(2, 3, {{0, 1, 1.0f}, {2, 0, 1.0f}, {2, 1, 1.0f}})});
    const TopologyDistance d = topologyDistance(a, b);
    REQUIRE(d.perLayer[0] == Approx(0.5 / 3));
    REQUIRE(d.matching[0] == std::vector<int>{1, 2, 0});
    // Two networks with no shared input anywhere: every pair at 1, paired by index.
    const NetworkGraph c({SparseLayer::fromEdges(4, 2, {{0, 0, 1.0f}, {1, 1, 1.0f}})});
    const NetworkGraph e({SparseLayer::fromEdges(4, 2, {{0, 2, 1.0f}, {1, 3, 1.0f}})});
    const TopologyDistance f = topologyDistance(c, e);
    REQUIRE(f.perLayer[0] == 1.0);
    REQUIRE(f.matching[0] == std::vector<int>{0, 1});
}

TEST_CASE("NNSTD on each neuron's few cheapest pairs, certified, equals the solve on all pairs", "[analysis][nnstd]")
{
    // 40 inputs feeding 300 neurons (about 7 each): every neuron shares an input with ~50 others,
    // so keeping 2 per neuron leaves most pairs to the certificate, which must bring back every one
    // that matters.
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        const NetworkGraph a = erNetwork({40, 300, 200, 4}, 6, seed), b = erNetwork({40, 300, 200, 4}, 6, seed + 10);
        NnstdOptions all, few;
        few.storedPairs = 0;
        few.solver = NnstdSolver::Exact; // the certificate path, not the auction
        few.candidates = 2;
        const TopologyDistance x = topologyDistance(a, b, all), y = topologyDistance(a, b, few);
        for (std::size_t l = 0; l < x.perLayer.size(); ++l)
            REQUIRE(y.perLayer[l] == Approx(x.perLayer[l]).margin(1e-12));
        REQUIRE(y.matching == x.matching);
    }
    // Past n = 1000 the tie-break's ε = 1e-9 / n is below 1e-12: the certificate must still add
    // the pairs that change only the tie-break, or the matching is no longer the canonical one.
    const NetworkGraph a = erNetwork({48, 1600, 3}, 4, 7), b = erNetwork({48, 1600, 3}, 4, 8);
    NnstdOptions all, few;
    few.storedPairs = 0;
    few.solver = NnstdSolver::Exact; // the certificate path, not the auction
    few.candidates = 2;
    const TopologyDistance x = topologyDistance(a, b, all), y = topologyDistance(a, b, few), z = topologyDistance(b, a, few);
    REQUIRE(y.matching == x.matching);
    for (std::size_t j = 0; j < y.matching[0].size(); ++j)
        REQUIRE(z.matching[0][static_cast<std::size_t>(y.matching[0][j])] == static_cast<int>(j));
}

TEST_CASE("NNSTD by auction: each layer within its stated gap of the exact assignment's value", "[analysis][nnstd]")
{
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        const NetworkGraph a = erNetwork({40, 300, 200, 4}, 6, seed), b = erNetwork({40, 300, 200, 4}, 6, seed + 10);
        NnstdOptions exact, auction, smallKeep;
        exact.solver = NnstdSolver::Exact;
        auction.solver = NnstdSolver::Auction;
        auction.auctionEpsilon = 1e-6;
        smallKeep = auction;
        smallKeep.auctionCandidates = 2; // rows list their pairs again and again
        smallKeep.auctionStored = 0;
        NnstdOptions storedKeep = smallKeep; // or select again from all theirs, stored
        storedKeep.auctionStored = 1e9;
        std::vector<NnstdLayerReport> reports, storedReports;
        auction.onLayer = [&](const NnstdLayerReport& r) { reports.push_back(r); };
        std::vector<std::pair<int, AuctionProgress>> progress; // (layer, where its auction stood)
        auction.onAuctionProgress = [&](int layer, const AuctionProgress& p) { progress.emplace_back(layer, p); };
        storedKeep.onLayer = [&](const NnstdLayerReport& r) { storedReports.push_back(r); };
        const TopologyDistance x = topologyDistance(a, b, exact), y = topologyDistance(a, b, auction),
                               z = topologyDistance(a, b, smallKeep), w = topologyDistance(a, b, storedKeep);
        REQUIRE(x.perLayerGap == std::vector<double>(x.perLayer.size(), 0.0));
        // On one thread and on three: the same.
        NnstdOptions one = auction, three = auction;
        one.threads = 1;
        three.threads = 3;
        one.onLayer = three.onLayer = nullptr;
        one.onAuctionProgress = three.onAuctionProgress = nullptr; // reporting progress changes nothing
        const TopologyDistance y1 = topologyDistance(a, b, one), y3 = topologyDistance(a, b, three);
        REQUIRE(y1.matching == y.matching);
        REQUIRE(y3.matching == y.matching);
        REQUIRE(y3.perLayerGap == y.perLayerGap);
        REQUIRE(storedReports.size() == 3);
        std::size_t selections = 0;
        for (const NnstdLayerReport& r : storedReports) {
            std::size_t nonEmpty = 0;
            for (int j = 0; j < a.layer(r.layer).outputs(); ++j)
                nonEmpty += a.layer(r.layer).inDegree(j) > 0;
            REQUIRE(r.listings == nonEmpty); // listed once each
            selections += r.selections;
        }
        REQUIRE(selections > 100);
        // Layer 0 sees the same inputs in both; later layers depend on the matching chosen.
        for (const TopologyDistance* t : {&y, &z, &w}) {
            REQUIRE(t->perLayerGap[0] <= 2 * 1e-6 + 1e-12);
            REQUIRE(t->perLayer[0] >= x.perLayer[0] - 1e-12);
            REQUIRE(t->perLayer[0] <= x.perLayer[0] + t->perLayerGap[0] + 1e-12);
        }
        REQUIRE(reports.size() == 3);
        for (int l = 0; l < 3; ++l) {
            REQUIRE(reports[static_cast<std::size_t>(l)].layer == l);
            REQUIRE(reports[static_cast<std::size_t>(l)].auction);
            REQUIRE(reports[static_cast<std::size_t>(l)].gap == y.perLayerGap[static_cast<std::size_t>(l)]);
            std::size_t nonEmpty = 0; // each listed at least once
            for (int j = 0; j < a.layer(l).outputs(); ++j)
                nonEmpty += a.layer(l).inDegree(j) > 0;
            REQUIRE(reports[static_cast<std::size_t>(l)].listings >= nonEmpty);
            REQUIRE(reports[static_cast<std::size_t>(l)].bids >= nonEmpty);
            // Progress: each phase's end, in order, the last one with the layer's bids.
            std::vector<AuctionProgress> ends;
            for (const auto& [layer, p] : progress)
                if (layer == l && p.phaseDone)
                    ends.push_back(p);
            const NnstdLayerReport& r = reports[static_cast<std::size_t>(l)];
            REQUIRE(static_cast<int>(ends.size()) == r.phases);
            for (std::size_t t = 0; t < ends.size(); ++t) {
                REQUIRE(ends[t].phase == static_cast<int>(t) + 1);
                REQUIRE(ends[t].phases == r.phases);
                REQUIRE(ends[t].free == 0);
                REQUIRE(ends[t].epsilon == Approx(1e-4 / std::pow(10.0, static_cast<double>(t))));
                std::size_t nonEmptyB = 0;
                for (int k = 0; k < b.layer(l).outputs(); ++k)
                    nonEmptyB += b.layer(l).inDegree(k) > 0;
                REQUIRE(ends[t].persons == nonEmpty + nonEmptyB); // rows and columns
                REQUIRE(ends[t].bids >= (t == 0 ? nonEmpty : ends[t - 1].bids + 1));
            }
            REQUIRE(ends.back().bids == r.bids);
        }
        // Auto: exact while a layer's pairs fit storedPairs, the auction beyond.
        NnstdOptions automatic;
        automatic.storedPairs = 0;
        automatic.auctionEpsilon = 1e-6;
        REQUIRE(topologyDistance(a, b, automatic).perLayer == y.perLayer);
        automatic.storedPairs = 1e9;
        REQUIRE(topologyDistance(a, b, automatic).matching == x.matching);
    }
}

TEST_CASE("NNSTD by the auction over groups: within its stated gap of the exact value, on any threads", "[analysis][nnstd]")
{
    // Few inputs make many pairs share two or more (their columns sit in the row's groups at a
    // higher cost than their own); many make groups of one or two neurons.
    struct Shape {
        std::vector<NeuronIndex> arch;
        double eps;
    };
    const std::vector<Shape> shapes{{{12, 300, 200, 4}, 2}, {{40, 300, 200, 4}, 6}, {{200, 150, 150, 3}, 4}};
    std::size_t multiRows = 0;
    for (const Shape& shape : shapes)
        for (std::uint64_t seed = 1; seed <= 3; ++seed) {
            const NetworkGraph a = erNetwork(shape.arch, shape.eps, seed), b = erNetwork(shape.arch, shape.eps, seed + 10);
            NnstdOptions exact, grouped;
            exact.solver = NnstdSolver::Exact;
            grouped.solver = NnstdSolver::Grouped;
            grouped.auctionEpsilon = 1e-6;
            std::vector<NnstdLayerReport> reports;
            std::vector<std::pair<int, AuctionProgress>> progress;
            grouped.onLayer = [&](const NnstdLayerReport& r) { reports.push_back(r); };
            grouped.onAuctionProgress = [&](int layer, const AuctionProgress& p) { progress.emplace_back(layer, p); };
            const TopologyDistance x = topologyDistance(a, b, exact), y = topologyDistance(a, b, grouped);
            INFO(shape.arch[0] << " inputs, seed " << seed);
            // Layer 0 sees the same inputs in both runs; later layers depend on the matching chosen.
            REQUIRE(y.perLayerGap[0] <= 2 * 1e-6 + 1e-12);
            REQUIRE(y.perLayer[0] >= x.perLayer[0] - 1e-12);
            REQUIRE(y.perLayer[0] <= x.perLayer[0] + y.perLayerGap[0] + 1e-12);
            for (std::size_t l = 0; l < y.perLayer.size(); ++l) {
                REQUIRE(y.perLayerGap[l] >= 0);
                REQUIRE(y.perLayerGap[l] <= 2 * 1e-6 + 1e-12);
                std::vector<int> sorted = y.matching[l]; // a permutation
                std::sort(sorted.begin(), sorted.end());
                for (std::size_t k = 0; k < sorted.size(); ++k)
                    REQUIRE(sorted[k] == static_cast<int>(k));
            }
            REQUIRE(reports.size() == y.perLayer.size());
            for (const NnstdLayerReport& r : reports) {
                REQUIRE(r.auction);
                REQUIRE(r.grouped);
                REQUIRE(r.phases == 3); // 1e-4, 1e-5, 1e-6
                std::size_t ends = 0, bids = 0;
                for (const auto& [layer, p] : progress)
                    if (layer == r.layer && p.phaseDone)
                        ++ends, bids = p.bids;
                REQUIRE(ends == 3);
                REQUIRE(bids == r.bids);
            }
            // On one thread and on three: the same matchings and gaps.
            NnstdOptions one = grouped, three = grouped;
            one.threads = 1;
            three.threads = 3;
            one.onLayer = three.onLayer = nullptr;
            one.onAuctionProgress = three.onAuctionProgress = nullptr;
            const TopologyDistance y1 = topologyDistance(a, b, one), y3 = topologyDistance(a, b, three);
            REQUIRE(y1.matching == y.matching);
            REQUIRE(y3.matching == y.matching);
            REQUIRE(y3.perLayerGap == y.perLayerGap);
            // How many of layer 0's rows share two inputs or more with some neuron of B.
            const SparseLayer &la = a.layer(0), &lb = b.layer(0);
            for (int j = 0; j < la.outputs(); ++j) {
                std::vector<int> count(static_cast<std::size_t>(lb.outputs()), 0);
                bool multi = false;
                for (EdgeIndex e = la.rowPtr()[j]; e < la.rowPtr()[j + 1]; ++e) {
                    const int i = la.colIdx()[static_cast<std::size_t>(e)];
                    for (EdgeIndex q = lb.colPtr()[i]; q < lb.colPtr()[i + 1]; ++q)
                        multi |= ++count[static_cast<std::size_t>(lb.cscRow()[static_cast<std::size_t>(q)])] >= 2;
                }
                multiRows += multi;
            }
        }
    REQUIRE(multiRows > 1000); // pairs sharing two inputs or more come up
    // Auto picks it on large layers only (its threshold lowered here): the same result as asked.
    const NetworkGraph a = erNetwork({12, 300, 200, 4}, 2, 1), b = erNetwork({12, 300, 200, 4}, 2, 11);
    NnstdOptions automatic, grouped;
    automatic.storedPairs = 0;
    automatic.groupedNeurons = 250;
    grouped.solver = NnstdSolver::Grouped;
    std::vector<bool> picked;
    automatic.onLayer = [&](const NnstdLayerReport& r) { picked.push_back(r.grouped); };
    const TopologyDistance viaAuto = topologyDistance(a, b, automatic);
    REQUIRE(picked == std::vector<bool>{true, false, false}); // 300 rows, then 200 and 4
    REQUIRE(viaAuto.perLayer[0] == topologyDistance(a, b, grouped).perLayer[0]);
}

TEST_CASE("NNSTD and its solvers stop when the caller's flag is set", "[analysis][nnstd]")
{
    // The auction: the flag set by the first listing (as another thread would) ends it before its
    // first bid.
    struct StoppingLister final : CandidateLister {
        std::atomic<bool>* stop = nullptr;
        void list(int, std::vector<std::pair<int, double>>& out, int) override
        {
            stop->store(true);
            out = {{0, 0.5}, {1, 0.25}};
        }
    };
    std::atomic<bool> stop{false};
    StoppingLister lister;
    lister.stop = &stop;
    REQUIRE_THROWS_AS(solveAuctionAssignment(lister, 2, 2, 1.0, 1e-6, {2, 2}, 0.1, {}, 1, &stop), AssignmentCancelled);
    stop = false;
    const AuctionAssignment done = solveAuctionAssignment(lister, 2, 2, 1.0, 1e-6, {2, 2}, 0.1); // no flag: solved
    REQUIRE(done.columnOfRow.size() == 2);

    // The exact solver, flag already set; unset, it solves.
    SparseCosts sc;
    sc.column = {0, 1, 0};
    sc.cost = {0.5, 0.25, 0.1};
    sc.rowPtr = {0, 2, 3};
    stop = true;
    REQUIRE_THROWS_AS(solveSparseAssignment(sc, 2, 1.0, &stop), AssignmentCancelled);
    stop = false;
    REQUIRE(solveSparseAssignment(sc, 2, 1.0, &stop).columnOfRow == std::vector<int>{1, 0});

    // topologyDistance: set after the first layer, it stops before the second.
    const NetworkGraph a = erNetwork({30, 40, 40, 5}, 4, 1), b = erNetwork({30, 40, 40, 5}, 4, 2);
    NnstdOptions options;
    options.stop = &stop;
    int layers = 0;
    options.onLayer = [&](const NnstdLayerReport&) {
        ++layers;
        stop = true;
    };
    REQUIRE_THROWS_AS(topologyDistance(a, b, options), AssignmentCancelled);
    REQUIRE(layers == 1);
    stop = false;
    options.onLayer = nullptr;
    REQUIRE(topologyDistance(a, b, options).perLayer.size() == 3);

    // The auction over groups: set at its first phase's end, it stops before the next phase
    // (polled at each phase's start and every 4,096 bids).
    NnstdOptions grouped;
    grouped.solver = NnstdSolver::Grouped;
    grouped.stop = &stop;
    int phaseEnds = 0;
    grouped.onAuctionProgress = [&](int, const AuctionProgress& p) {
        if (p.phaseDone) {
            ++phaseEnds;
            stop = true;
        }
    };
    REQUIRE_THROWS_AS(topologyDistance(a, b, grouped), AssignmentCancelled);
    REQUIRE(phaseEnds == 1);
    stop = false;
    grouped.onAuctionProgress = nullptr;
    REQUIRE(topologyDistance(a, b, grouped).perLayer.size() == 3);
}
