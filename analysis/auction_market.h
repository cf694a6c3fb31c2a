#pragma once
// The market both NNSTD auctions share (solveAuctionAssignment over listed pairs,
// solveSharedInputAuction over groups of equal cost); private to analysis/.
//
// Bertsekas' forward auction with ε-scaling on the symmetric problem: objects are the columns
// 0 .. m-1, then row i's private "unassigned" column m + i; persons are the rows 0 .. n-1, then
// column j's person n + j, who takes its column or any private column at 0 (so every assignment of
// the rows extends to a perfect one at the same cost, and each phase can start again from the
// prices with everyone free). Gauss-Seidel with a FIFO of free persons: deterministic. The caller
// finds a row's best and second-best values; the market does the columns' persons, the price
// rises, the phases, the stop flag and progress.

#include "analysis/sparse_assignment.h"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <deque>
#include <functional>
#include <limits>
#include <queue>
#include <utility>
#include <vector>

namespace rewire::detail {

class AuctionMarket {
public:
    static constexpr double inf = std::numeric_limits<double>::infinity();

    AuctionMarket(std::size_t rows, std::size_t columns, double unmatched)
        : n(rows), m(columns), unmatched(unmatched), price(m + n, 0.0), owner(m + n, -1), holds(n + m, -1)
    {
        std::vector<Entry> all;
        all.reserve(n);
        for (std::size_t i = 0; i < n; ++i)
            all.push_back({0.0, m + i});
        privates = Heap(std::greater<>(), std::move(all));
    }

    // A bid's best object and values (second: over the other objects). An object offered again
    // (the grouped auction meets a column sharing several inputs in several groups) only lowers
    // its own value, never becomes its own second.
    struct Bid {
        std::size_t best = 0;
        double bestValue = inf, secondValue = inf;
        void consider(std::size_t o, double value)
        {
            if (o == best && bestValue < inf) {
                bestValue = std::min(bestValue, value);
            } else if (value < bestValue || (value == bestValue && o < best)) {
                secondValue = bestValue;
                bestValue = value, best = o;
            } else if (value < secondValue) {
                secondValue = value;
            }
        }
    };

    // The phases from max(startEpsilon, epsilon) down to epsilon, a tenth at a time, each to every
    // person holding an object. beforeBid(queue) runs before each bid (look-ahead work);
    // rowBid(i) returns row i's Bid over all its options (its private column included);
    // raised(j) follows each rise of column j's price. Counts bids and phases into `out`.
    template <class BeforeBid, class RowBid, class Raised>
    void run(double startEpsilon, double epsilon, const std::atomic<bool>* stop, const AuctionProgressFn& progress,
             AuctionAssignment& out, BeforeBid&& beforeBid, RowBid&& rowBid, Raised&& raised)
    {
        AuctionProgress state;
        state.persons = n + m;
        state.phases = auctionPhases(startEpsilon, epsilon);
        for (double eps = std::max(startEpsilon, epsilon);; eps = std::max(eps / 10, epsilon)) {
            throwIfStopped(stop); // at each phase's start too, and every 4,096 bids
            ++out.phases;
            state.phase = out.phases;
            state.epsilon = eps;
            std::fill(owner.begin(), owner.end(), -1);
            std::fill(holds.begin(), holds.end(), -1);
            for (std::size_t p = 0; p < n + m; ++p)
                queue.push_back(p);
            bool firstBid = true;
            while (!queue.empty()) {
                beforeBid(queue, firstBid);
                firstBid = false;
                if ((out.bids & 4095) == 0) {
                    throwIfStopped(stop);
                    if (progress && (out.bids & ((std::size_t{1} << 20) - 1)) == 0 && out.bids > 0) {
                        state.bids = out.bids;
                        state.free = queue.size();
                        progress(state);
                    }
                }
                const std::size_t p = queue.front();
                queue.pop_front();
                ++out.bids;
                Bid bid = p < n ? rowBid(p) : columnPersonBid(p - n);
                if (bid.secondValue == inf) // one option only: any price keeps ε-complementary slackness
                    bid.secondValue = bid.bestValue + unmatched;
                const std::size_t best = bid.best;
                price[best] += bid.secondValue - bid.bestValue + eps;
                if (best < m)
                    raised(best);
                else
                    privateRaised(best);
                const int displaced = owner[best];
                owner[best] = static_cast<int>(p);
                holds[p] = static_cast<int>(best);
                if (displaced >= 0) {
                    holds[static_cast<std::size_t>(displaced)] = -1;
                    queue.push_back(static_cast<std::size_t>(displaced));
                }
            }
            if (progress) {
                state.bids = out.bids;
                state.free = 0;
                state.phaseDone = true;
                progress(state);
                state.phaseDone = false;
            }
            if (eps <= epsilon * (1 + 1e-9))
                break;
        }
    }

    // The columns' persons' share of the duality gap: each holds an object within ε of its best.
    long double columnPersonsGap()
    {
        const std::size_t k1 = cheapestPrivate();
        const double cheapest = k1 < m + n ? price[k1] : inf;
        long double gap = 0;
        for (std::size_t j = 0; j < m; ++j)
            gap += std::max(0.0, price[static_cast<std::size_t>(holds[n + j])] - std::min(price[j], cheapest));
        return gap;
    }

    const std::size_t n, m;
    const double unmatched;
    std::vector<double> price;
    std::vector<int> owner, holds;

private:
    using Entry = std::pair<double, std::size_t>;
    using Heap = std::priority_queue<Entry, std::vector<Entry>, std::greater<>>;
    // The private columns by price: a heap with stale entries (a price only rises, so an entry is
    // current when its price is the column's price).
    Heap privates;
    std::deque<std::size_t> queue;

    std::size_t cheapestPrivate()
    {
        while (!privates.empty() && privates.top().first != price[privates.top().second])
            privates.pop();
        return privates.empty() ? m + n : privates.top().second;
    }
    // Column j's person: its column, or the two cheapest private columns.
    Bid columnPersonBid(std::size_t j)
    {
        Bid bid;
        bid.consider(j, price[j]);
        const std::size_t k1 = cheapestPrivate();
        if (k1 < m + n) {
            bid.consider(k1, price[k1]);
            const Entry top = privates.top();
            privates.pop();
            const std::size_t k2 = cheapestPrivate();
            if (k2 < m + n)
                bid.consider(k2, price[k2]);
            privates.push(top);
        }
        return bid;
    }
    void privateRaised(std::size_t o)
    {
        privates.push({price[o], o});
        if (privates.size() > 4 * n + 64) { // mostly stale entries: rebuild from the prices
            std::vector<Entry> current;
            current.reserve(n);
            for (std::size_t i = 0; i < n; ++i)
                current.push_back({price[m + i], m + i});
            privates = Heap(std::greater<>(), std::move(current));
        }
    }
};

} // namespace rewire::detail
