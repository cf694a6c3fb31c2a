#include "analysis/topology_distance.h"

#include "analysis/shared_input_auction.h"
#include "analysis/shared_input_lister.h"
#include "analysis/sparse_assignment.h"
#include "graph/hash.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <thread>

namespace rewire {

namespace {

// The tie-break weight in [0, 1) of pairing A's neuron j with B's neuron k in layer l.
using TieBreak = std::function<double(int layer, int j, int k)>;
// The order in which neurons left without a partner at distance < 1 (and empty ones) are paired:
// ascending keys of (layer, side, index); side 0 is the network whose neurons are the rows.
using PairingOrder = std::function<std::uint64_t(int layer, int side, int index)>;

struct Directed {
    std::vector<double> perLayer, perLayerGap;
    std::vector<std::vector<int>> matching;
};

struct LayerAssignment {
    std::vector<int> match;
    NnstdLayerReport report; // all but `seconds`, which the caller times
};

// Jaccard distance between A's neuron j, its inputs relabelled by bOfA, and B's neuron k.
double jaccardOf(const SparseLayer& la, const SparseLayer& lb, const std::vector<int>& bOfA, int j, int k,
                 std::vector<int>& scratch)
{
    scratch.clear();
    for (EdgeIndex e = la.rowPtr()[j]; e < la.rowPtr()[j + 1]; ++e)
        scratch.push_back(bOfA[static_cast<std::size_t>(la.colIdx()[static_cast<std::size_t>(e)])]);
    std::sort(scratch.begin(), scratch.end());
    const auto bBegin = lb.colIdx().begin() + lb.rowPtr()[k], bEnd = lb.colIdx().begin() + lb.rowPtr()[k + 1];
    std::size_t inter = 0;
    auto y = bBegin;
    for (auto x = scratch.begin(); x != scratch.end() && y != bEnd;) {
        if (*x < *y)
            ++x;
        else if (*y < *x)
            ++y;
        else {
            ++inter;
            ++x;
            ++y;
        }
    }
    const double unite = static_cast<double>(scratch.size()) + static_cast<double>(bEnd - bBegin) - static_cast<double>(inter);
    return unite > 0 ? 1.0 - static_cast<double>(inter) / unite : 0.0;
}

// One layer's optimal assignment of A's neurons to B's, sparse: two neurons sharing no input are at
// distance 1, so only pairs sharing an input are candidates (solveSparseAssignment), their costs
// computed when the solver asks, from A's rows and B's columns; two empty neurons are at 0 and are
// paired first; the rest are paired in `order`, all at distance 1. Memory O(n + edges).
LayerAssignment assignLayer(const SparseLayer& la, const SparseLayer& lb, const std::vector<int>& bOfA, int l,
                            const TieBreak& tie, const PairingOrder& order, const NnstdOptions& options)
{
    const int n = la.outputs();
    LayerAssignment result;
    std::vector<int>& match = result.match;
    match.assign(static_cast<std::size_t>(n), -1);
    std::vector<int> rowsA, colsB, emptyA, emptyB;
    for (int j = 0; j < n; ++j)
        (la.inDegree(j) > 0 ? rowsA : emptyA).push_back(j);
    std::vector<int> compactOfB(static_cast<std::size_t>(n), -1);
    for (int k = 0; k < n; ++k) {
        if (lb.inDegree(k) > 0) {
            compactOfB[static_cast<std::size_t>(k)] = static_cast<int>(colsB.size());
            colsB.push_back(k);
        } else {
            emptyB.push_back(k);
        }
    }
    const auto byOrder = [&](std::vector<int>& v, int side) {
        std::vector<std::pair<std::uint64_t, int>> keyed;
        keyed.reserve(v.size());
        for (int x : v)
            keyed.emplace_back(order(l, side, x), x);
        std::sort(keyed.begin(), keyed.end());
        for (std::size_t t = 0; t < v.size(); ++t)
            v[t] = keyed[t].second;
    };
    byOrder(emptyA, 0);
    byOrder(emptyB, 1);
    std::vector<char> usedB(static_cast<std::size_t>(n), 0);
    const std::size_t empties = std::min(emptyA.size(), emptyB.size());
    for (std::size_t t = 0; t < empties; ++t) {
        match[static_cast<std::size_t>(emptyA[t])] = emptyB[t];
        usedB[static_cast<std::size_t>(emptyB[t])] = 1;
    }

    const double eps = 1e-9 / std::max(n, 1);
    // Every B neuron sharing an input with A's neuron j, with its cost (< 1), perturbed by the
    // tie-break for the exact solver (the auction cannot resolve steps of ε = 1e-9 / n).
    bool perturb = true;
    // B's columns as compact indices (non-empty neurons only), and their in-degrees: the pairs of
    // A's neuron j are counted over them, j's inputs' fan-outs in B.
    std::vector<int> compactRow(lb.cscRow().size()), degree(colsB.size());
    for (std::size_t q = 0; q < compactRow.size(); ++q)
        compactRow[q] = compactOfB[static_cast<std::size_t>(lb.cscRow()[q])];
    for (std::size_t c = 0; c < colsB.size(); ++c)
        degree[c] = lb.inDegree(colsB[c]);
    std::vector<std::uint32_t> count(colsB.size(), 0);
    std::vector<int> touched;
    const auto forEachSharing = [&](int j, auto&& visit) {
        for (EdgeIndex e = la.rowPtr()[j]; e < la.rowPtr()[j + 1]; ++e) {
            const int bi = bOfA[static_cast<std::size_t>(la.colIdx()[static_cast<std::size_t>(e)])];
            for (EdgeIndex q = lb.colPtr()[bi]; q < lb.colPtr()[bi + 1]; ++q) {
                const int c = compactRow[static_cast<std::size_t>(q)];
                if (count[static_cast<std::size_t>(c)]++ == 0)
                    touched.push_back(c);
            }
        }
        const double degA = la.inDegree(j);
        for (int c : touched) {
            const double inter = count[static_cast<std::size_t>(c)];
            count[static_cast<std::size_t>(c)] = 0;
            visit(c, 1.0 - inter / (degA + degree[static_cast<std::size_t>(c)] - inter) +
                         (perturb ? eps * tie(l, j, colsB[static_cast<std::size_t>(c)]) : 0.0));
        }
        touched.clear();
    };
    // The candidates, stored: all of a row's pairs when they fit the budget, else its cheapest
    // `keep`; a certificate pass then checks every pair against the duals and adds those that could
    // improve the assignment, until none can (then the result is optimal over all pairs).
    const auto rows = static_cast<int>(rowsA.size());
    // Each row's pairs counted with multiplicity (an upper bound on its candidates), O(edges).
    std::vector<double> pairsOf(rowsA.size(), 0.0);
    double bound = 0;
    for (std::size_t r = 0; r < rowsA.size(); ++r) {
        for (EdgeIndex e = la.rowPtr()[rowsA[r]]; e < la.rowPtr()[rowsA[r] + 1]; ++e) {
            const int bi = bOfA[static_cast<std::size_t>(la.colIdx()[static_cast<std::size_t>(e)])];
            pairsOf[r] += static_cast<double>(lb.colPtr()[bi + 1] - lb.colPtr()[bi]);
        }
        bound += pairsOf[r];
    }
    // The exact solver: all pairs at once, or each row's `candidates` cheapest certified against
    // all pairs (those that could improve the assignment are added, and the layer solved again).
    const auto solveExact = [&](bool keepAll) {
        const std::size_t keep =
            keepAll ? std::numeric_limits<std::size_t>::max() : static_cast<std::size_t>(std::max(1, options.candidates));
        // Stored once as the solver reads them (CSR); a certificate round copies them into the next
        // table with the pairs it adds.
        SparseCosts costs;
        std::vector<std::pair<int, double>> all;
        const auto cheaper = [](const std::pair<int, double>& x, const std::pair<int, double>& y) {
            return x.second != y.second ? x.second < y.second : x.first < y.first;
        };
        for (int r = 0; r < rows; ++r) {
            if ((r & 1023) == 0)
                throwIfStopped(options.stop);
            all.clear();
            forEachSharing(rowsA[static_cast<std::size_t>(r)], [&](int c, double cost) { all.emplace_back(c, cost); });
            if (all.size() > keep) {
                std::nth_element(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(keep), all.end(), cheaper);
                all.resize(keep);
            }
            for (const auto& [c, cost] : all) {
                costs.column.push_back(c);
                costs.cost.push_back(cost);
            }
            costs.rowPtr.push_back(static_cast<std::int64_t>(costs.column.size()));
        }
        SparseAssignment solved;
        std::vector<std::uint64_t> isCandidate(colsB.size(), 0);
        for (std::uint64_t round = 1;; ++round) {
            solved = solveSparseAssignment(costs, static_cast<int>(colsB.size()), 1.0, options.stop);
            if (keepAll)
                break;
            SparseCosts next;
            next.column.reserve(costs.column.size());
            next.cost.reserve(costs.cost.size());
            for (int r = 0; r < rows; ++r) {
                const std::uint64_t stamp = round * static_cast<std::uint64_t>(rows + 1) + static_cast<std::uint64_t>(r) + 1;
                for (auto e = costs.rowPtr[static_cast<std::size_t>(r)]; e < costs.rowPtr[static_cast<std::size_t>(r) + 1]; ++e) {
                    isCandidate[static_cast<std::size_t>(costs.column[static_cast<std::size_t>(e)])] = stamp;
                    next.column.push_back(costs.column[static_cast<std::size_t>(e)]);
                    next.cost.push_back(costs.cost[static_cast<std::size_t>(e)]);
                }
                const double u = solved.rowPotential[static_cast<std::size_t>(r)];
                forEachSharing(rowsA[static_cast<std::size_t>(r)], [&](int c, double cost) {
                    // Below zero by more than rounding, relative to the tie-break's scale ε: a
                    // fixed tolerance would hide pairs that change only the tie-break, and with it the
                    // canonical (symmetric) matching.
                    if (isCandidate[static_cast<std::size_t>(c)] != stamp &&
                        cost - u - solved.columnPotential[static_cast<std::size_t>(c)] < -1e-3 * eps) {
                        next.column.push_back(c);
                        next.cost.push_back(cost);
                    }
                });
                next.rowPtr.push_back(static_cast<std::int64_t>(next.column.size()));
            }
            if (next.column.size() == costs.column.size())
                break;
            costs = std::move(next);
        }
        return solved.columnOfRow;
    };
    // Small layers keep every pair (one solve); large ones their 32 cheapest by default, which
    // measured fastest on 20,000-neuron layers (fewer arcs per search outweigh the extra rounds).
    const bool keepAll = bound <= options.storedPairs;
    std::vector<int> columnOfRow;
    // B's neurons an input reaches per in-degree (a group of the grouped auction), on average.
    const auto meanGroup = [&] {
        std::vector<int> seen(static_cast<std::size_t>(lb.inputs()) + 1, -1); // by in-degree (<= inputs)
        std::size_t groups = 0, members = 0;
        for (int bi = 0; bi < lb.inputs(); ++bi)
            for (EdgeIndex q = lb.colPtr()[bi]; q < lb.colPtr()[bi + 1]; ++q) {
                const auto d = static_cast<std::size_t>(lb.inDegree(lb.cscRow()[static_cast<std::size_t>(q)]));
                ++members;
                if (seen[d] != bi) {
                    seen[d] = bi;
                    ++groups;
                }
            }
        return groups ? static_cast<double>(members) / static_cast<double>(groups) : 0.0;
    };
    bool grouped = options.solver == NnstdSolver::Grouped;
    if (options.solver == NnstdSolver::Auto && !keepAll && rows >= options.groupedNeurons) {
        const double g = meanGroup();
        grouped = g >= 4 && g <= 64;
    }
    const int threads = options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const AuctionProgressFn progress = options.onAuctionProgress
                                           ? AuctionProgressFn([&](const AuctionProgress& p) { options.onAuctionProgress(l, p); })
                                           : AuctionProgressFn();
    const auto report = [&](const AuctionAssignment& a) {
        columnOfRow = a.columnOfRow;
        result.report.auction = true;
        result.report.grouped = grouped;
        result.report.gap = n ? a.gap / n : 0.0;
        result.report.phases = a.phases;
        result.report.bids = a.bids;
        result.report.listings = a.refreshes;
        result.report.selections = a.selections;
    };
    if (grouped) {
        SharedInputAuctionOptions o;
        o.epsilon = options.auctionEpsilon;
        o.startEpsilon = options.auctionStartEpsilon;
        o.threads = threads;
        o.stop = options.stop;
        o.progress = progress;
        report(solveSharedInputAuction(la, lb, bOfA, rowsA, colsB, compactOfB, pairsOf, o));
    } else if (options.solver == NnstdSolver::Auction || (options.solver == NnstdSolver::Auto && !keepAll)) {
        perturb = false;
        SharedInputLister lister(la, lb, bOfA, rowsA, compactOfB, colsB.size(), pairsOf);
        // A row whose pairs (counted with multiplicity) number at most `auctionStored` stores them
        // all and keeps twice `auctionCandidates` for its bids; a larger one stores and keeps
        // `auctionCandidates`: no more than it can have, and at least the solver's minimum of 2.
        // (Measured on 784-100000-100000-10, bench/RESULTS.md: layer 1's rows of ~400 near-equal
        // pairs then select again from their own instead of listing 2.4M times; layer 0's of ~12,700
        // gain nothing from storing more, whose selections cost more than the listings they save.)
        std::vector<std::uint32_t> keep(rowsA.size()), stored(rowsA.size());
        for (std::size_t r = 0; r < rowsA.size(); ++r) {
            const bool all = pairsOf[r] <= options.auctionStored;
            const double kept = (all ? 2.0 : 1.0) * std::max(2, options.auctionCandidates);
            keep[r] = static_cast<std::uint32_t>(std::clamp(pairsOf[r], 2.0, kept));
            stored[r] = all ? std::max(keep[r], static_cast<std::uint32_t>(std::min(pairsOf[r], 4e9))) : keep[r];
        }
        report(solveAuctionAssignment(lister, static_cast<int>(rowsA.size()), static_cast<int>(colsB.size()), 1.0,
                                      options.auctionEpsilon, keep, options.auctionStartEpsilon, stored, threads, options.stop,
                                      progress));
    } else {
        columnOfRow = solveExact(keepAll);
    }
    for (std::size_t r = 0; r < rowsA.size(); ++r)
        if (columnOfRow[r] >= 0) {
            const int k = colsB[static_cast<std::size_t>(columnOfRow[r])];
            match[static_cast<std::size_t>(rowsA[r])] = k;
            usedB[static_cast<std::size_t>(k)] = 1;
        }
    std::vector<int> leftA, leftB;
    for (int j = 0; j < n; ++j)
        if (match[static_cast<std::size_t>(j)] < 0)
            leftA.push_back(j);
    for (int k = 0; k < n; ++k)
        if (!usedB[static_cast<std::size_t>(k)])
            leftB.push_back(k);
    byOrder(leftA, 0);
    byOrder(leftB, 1);
    for (std::size_t t = 0; t < leftA.size(); ++t)
        match[static_cast<std::size_t>(leftA[t])] = leftB[t];
    return result;
}

Directed directed(const NetworkGraph& a, const NetworkGraph& b, const NnstdOptions& options, const TieBreak& tie,
                  const PairingOrder& order)
{
    Directed d;
    const int L = a.layerCount();
    // bOfA[i]: B's neuron matched to A's neuron i in the current input set.
    std::vector<int> bOfA(static_cast<std::size_t>(L ? a.layer(0).inputs() : 0));
    std::iota(bOfA.begin(), bOfA.end(), 0);
    std::vector<int> scratch;
    for (int l = 0; l < L; ++l) {
        throwIfStopped(options.stop);
        const SparseLayer &la = a.layer(l), &lb = b.layer(l);
        const int n = la.outputs();
        std::vector<int> match(static_cast<std::size_t>(n));
        double gap = 0;
        if (l == L - 1 && options.outputs == OutputMatching::Index) {
            std::iota(match.begin(), match.end(), 0);
        } else {
            const auto t0 = std::chrono::steady_clock::now();
            LayerAssignment assigned = assignLayer(la, lb, bOfA, l, tie, order, options);
            match = std::move(assigned.match);
            gap = assigned.report.gap;
            if (options.onLayer) {
                assigned.report.layer = l;
                assigned.report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                options.onLayer(assigned.report);
            }
        }
        double total = 0;
        for (int j = 0; j < n; ++j)
            total += jaccardOf(la, lb, bOfA, j, match[static_cast<std::size_t>(j)], scratch);
        d.perLayer.push_back(n ? total / n : 0.0);
        d.perLayerGap.push_back(gap);
        d.matching.push_back(match);
        bOfA = match;
    }
    return d;
}

double meanOf(const std::vector<double>& v, std::size_t count)
{
    if (count == 0)
        return std::numeric_limits<double>::quiet_NaN();
    return std::accumulate(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(count), 0.0) / static_cast<double>(count);
}

} // namespace

TopologyDistance topologyDistance(const NetworkGraph& a, const NetworkGraph& b, const NnstdOptions& options)
{
    if (a.architecture() != b.architecture())
        throw std::invalid_argument("NNSTD needs equal architectures, got " + formatArchitecture(a.architecture()) +
                                    " and " + formatArchitecture(b.architecture()));
    if (options.tieBreaks < 0)
        throw std::invalid_argument("NNSTD: tie-breaks must be >= 0");
    const std::size_t L = static_cast<std::size_t>(a.layerCount());
    const std::size_t hidden = L > 0 ? L - 1 : 0;
    // Canonical: a hash of the layer and the unordered pair, the same from either side; a neuron
    // and its namesake weigh 0, so two equal networks are matched index to index: d(A, A) = 0 on
    // the layers the exact solver takes (the auction ignores the tie-break).
    const TieBreak canonical = [](int l, int j, int k) {
        if (j == k)
            return 0.0;
        const auto lo = static_cast<std::uint64_t>(std::min(j, k)), hi = static_cast<std::uint64_t>(std::max(j, k));
        return unitInterval(splitmix64(splitmix64(splitmix64(static_cast<std::uint64_t>(l)) ^ lo) ^ (hi << 1)));
    };
    const PairingOrder byIndex = [](int, int, int index) { return static_cast<std::uint64_t>(index); };
    Directed c = directed(a, b, options, canonical, byIndex);
    NnstdOptions quiet = options; // progress reports come from the canonical run only
    quiet.onLayer = nullptr;
    quiet.onAuctionProgress = nullptr;
    TopologyDistance d;
    d.perLayer = c.perLayer;
    d.perLayerGap = c.perLayerGap;
    d.matching = std::move(c.matching);
    d.mean = meanOf(d.perLayer, L);
    d.hiddenMean = meanOf(d.perLayer, hidden);
    d.perLayerMin = d.perLayerMax = d.perLayer;
    d.meanMin = d.meanMax = d.mean;
    d.hiddenMeanMin = d.hiddenMeanMax = d.hiddenMean;
    d.tieBreaksTried = 1;
    for (int s = 1; s <= options.tieBreaks; ++s) {
        const std::uint64_t seed = hashCounter(options.seed, static_cast<std::uint64_t>(s));
        const TieBreak random = [seed](int l, int j, int k) {
            return unitInterval(splitmix64(splitmix64(splitmix64(seed ^ static_cast<std::uint64_t>(l)) ^ static_cast<std::uint64_t>(j)) ^
                            (static_cast<std::uint64_t>(k) << 20)));
        };
        const PairingOrder shuffled = [seed](int l, int side, int index) {
            return splitmix64(splitmix64(seed ^ (static_cast<std::uint64_t>(l) << 1 | static_cast<std::uint64_t>(side))) ^
                              static_cast<std::uint64_t>(index));
        };
        for (int direction = 0; direction < 2; ++direction) {
            const Directed r = direction == 0 ? directed(a, b, quiet, random, shuffled)
                                              : directed(b, a, quiet, random, shuffled);
            for (std::size_t l = 0; l < L; ++l) {
                d.perLayerMin[l] = std::min(d.perLayerMin[l], r.perLayer[l]);
                d.perLayerMax[l] = std::max(d.perLayerMax[l], r.perLayer[l]);
            }
            const double m = meanOf(r.perLayer, L), h = meanOf(r.perLayer, hidden);
            d.meanMin = std::min(d.meanMin, m);
            d.meanMax = std::max(d.meanMax, m);
            if (hidden > 0) {
                d.hiddenMeanMin = std::min(d.hiddenMeanMin, h);
                d.hiddenMeanMax = std::max(d.hiddenMeanMax, h);
            }
        }
        ++d.tieBreaksTried;
    }
    return d;
}

} // namespace rewire
