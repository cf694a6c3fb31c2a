#pragma once
// NNSTD's candidate pairs of one layer, listed on demand for the auction (solveAuctionAssignment):
// the rows are A's neurons, the columns B's non-empty neurons, and a pair is a candidate when the
// two share an input, at Jaccard distance 1 - shared / (deg A + deg B - shared) < 1.
//
// A row's first listing finds all its pairs with a small open-addressing table of its own (B's
// neurons reached from the row's inputs, with how many inputs they share), which stays in cache
// where counts over all of B would miss it at every pair, and records the pairs sharing two inputs
// or more. Every listing then returns only the row's best by cost + price: those recorded pairs,
// then the pairs sharing one input in order of cost, which is the order of B's in-degree
// (1 - 1/(deg A + deg B - 1)), merged from B's fan-out lists sorted by in-degree, until a cost
// reaches the worst value kept (prices are >= 0, so no later pair can enter). Within a fan-out
// list, the neurons of one in-degree form a group whose least price is remembered (a lower bound
// once prices rise): a group whose cost + remembered price cannot enter is passed over unread.
// In a 784-100000 layer a neuron shares an input with ~12,700 others, two or more with ~700.

#include "analysis/sparse_assignment.h"
#include "graph/sparse_layer.h"

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace rewire {

class SharedInputLister final : public CandidateLister {
public:
    // Row r is A's neuron rowsA[r], its inputs relabelled into B's by bOfA; column c is B's
    // neuron colsB[c] (compactOfB: B's neuron -> its column, -1 for an empty one). pairsOf[r]:
    // row r's pairs counted with multiplicity (sizes its table). All are referenced, not copied.
    SharedInputLister(const SparseLayer& a, const SparseLayer& b, const std::vector<int>& bOfA, const std::vector<int>& rowsA,
                      const std::vector<int>& compactOfB, std::size_t columns, const std::vector<double>& pairsOf);

    void prepare(int workers) override;
    void list(int row, std::vector<std::pair<int, double>>& out, int worker) override;
    bool listsBest() const override { return true; }
    // Groups passed over unread on their remembered prices, over all listings so far.
    std::size_t groupsPassedOver() const;
    // A row's first listings may be made on several threads at once, each with its own worker
    // index and rows; its later ones one at a time (as solveAuctionAssignment does).
    double listBest(int row, const double* price, std::size_t count, std::vector<std::pair<int, double>>& best,
                    int worker) override;

    // Row's pairs sharing two inputs or more, (column, cost) in column order, into `out`, with
    // worker's table (prepare first), nothing recorded: for the auction over groups.
    void twoOrMore(int row, std::vector<std::pair<int, double>>& out, int worker);

    // B's fan-out lists as columns with their in-degrees, each sorted by in-degree and cut into
    // groups of one in-degree: group g is fan()[groupStart()[g] .. groupStart()[g + 1]), input bi's
    // groups are groupFirst()[bi] .. groupFirst()[bi + 1].
    struct Fan {
        int column, degree;
    };
    const std::vector<Fan>& fan() const { return m_fan; }
    const std::vector<EdgeIndex>& groupStart() const { return m_groupStart; }
    const std::vector<std::size_t>& groupFirst() const { return m_groupFirst; }

private:
    struct Slot {
        int column; // -1: empty
        std::uint32_t shared, degree;
    };
    struct Shared {
        int column, shared;
    };
    struct Kept {
        double value;
        int column;
        double cost;
        bool operator<(const Kept& o) const { return value < o.value; }
    };
    struct Table {
        std::vector<Slot> slots;
        std::vector<std::uint32_t> used;
        std::vector<Kept> heap;
        std::vector<std::pair<int, std::size_t>> cursors;        // (in-degree, input) min-heap
        std::vector<std::pair<std::size_t, std::size_t>> ranges; // (group, input's end group)
        std::size_t passedOver = 0;                              // groups passed over unread
    };

    static unsigned sized(Table& t, double want);
    static Slot& slotOf(Table& t, unsigned bits, int column);
    static void clear(Table& t);
    static void offer(Table& t, std::size_t count, double value, int column, double cost, double& least);
    void every(int row, Table& t, std::vector<std::pair<int, double>>* out);
    void countShared(int row, Table& t); // every column row shares inputs with, into t

    const SparseLayer& m_a;
    const SparseLayer& m_b;
    const std::vector<int>& m_bOfA;
    const std::vector<int>& m_rowsA;
    const std::vector<double>& m_pairsOf;
    std::size_t m_columns;
    std::vector<int> m_degree; // per column: its in-degree
    std::vector<Fan> m_fan;    // B's fan-out lists in CSC order, as columns, each sorted by in-degree
    // The fan-out lists cut into groups of equal in-degree: group g is
    // m_fan[m_groupStart[g] .. m_groupStart[g + 1]), input bi's groups start at m_groupFirst[bi].
    // m_groupLeast[g] is a lower bound on its columns' least price: the least when last read
    // (prices only rise). Only a row's later listings write it, which the auction makes one at a
    // time: its first listings, made on several threads at once, only read it, so what they skip
    // does not depend on the threads' order.
    std::vector<EdgeIndex> m_groupStart;
    std::vector<std::size_t> m_groupFirst;
    std::vector<double> m_groupLeast;
    std::vector<std::vector<Shared>> m_multi; // per row, once listed: its pairs sharing >= 2 inputs
    std::vector<char> m_listed;
    std::vector<Table> m_tables;
};

} // namespace rewire
