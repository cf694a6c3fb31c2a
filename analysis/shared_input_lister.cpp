#include "analysis/shared_input_lister.h"

#include <algorithm>
#include <limits>

namespace rewire {

SharedInputLister::SharedInputLister(const SparseLayer& a, const SparseLayer& b, const std::vector<int>& bOfA,
                                     const std::vector<int>& rowsA, const std::vector<int>& compactOfB, std::size_t columns,
                                     const std::vector<double>& pairsOf)
    : m_a(a), m_b(b), m_bOfA(bOfA), m_rowsA(rowsA), m_pairsOf(pairsOf), m_columns(columns), m_degree(columns, 0),
      m_fan(b.cscRow().size()), m_multi(rowsA.size()), m_listed(rowsA.size(), 0), m_tables(1)
{
    for (NeuronIndex k = 0; k < b.outputs(); ++k)
        if (compactOfB[static_cast<std::size_t>(k)] >= 0)
            m_degree[static_cast<std::size_t>(compactOfB[static_cast<std::size_t>(k)])] = b.inDegree(k);
    for (std::size_t q = 0; q < m_fan.size(); ++q) {
        const int c = compactOfB[static_cast<std::size_t>(b.cscRow()[q])];
        m_fan[q] = {c, m_degree[static_cast<std::size_t>(c)]};
    }
    m_groupFirst.assign(static_cast<std::size_t>(b.inputs()) + 1, 0);
    for (NeuronIndex bi = 0; bi < b.inputs(); ++bi) {
        std::sort(m_fan.begin() + b.colPtr()[bi], m_fan.begin() + b.colPtr()[bi + 1],
                  [](const Fan& x, const Fan& y) { return x.degree != y.degree ? x.degree < y.degree : x.column < y.column; });
        m_groupFirst[static_cast<std::size_t>(bi)] = m_groupStart.size();
        for (EdgeIndex q = b.colPtr()[bi]; q < b.colPtr()[bi + 1]; ++q)
            if (q == b.colPtr()[bi] || m_fan[static_cast<std::size_t>(q)].degree != m_fan[static_cast<std::size_t>(q) - 1].degree)
                m_groupStart.push_back(q);
    }
    m_groupFirst.back() = m_groupStart.size();
    m_groupStart.push_back(static_cast<EdgeIndex>(m_fan.size()));
    m_groupLeast.assign(m_groupFirst.back(), 0.0); // prices start at 0
}

std::size_t SharedInputLister::groupsPassedOver() const
{
    std::size_t n = 0;
    for (const Table& t : m_tables)
        n += t.passedOver;
    return n;
}

void SharedInputLister::prepare(int workers)
{
    m_tables.resize(static_cast<std::size_t>(std::max(1, workers)));
}

unsigned SharedInputLister::sized(Table& t, double want)
{
    unsigned bits = 4;
    while (bits < 31 && static_cast<double>(std::uint64_t{1} << bits) < 2 * want)
        ++bits;
    if (t.slots.size() < (std::size_t{1} << bits))
        t.slots.assign(std::size_t{1} << bits, Slot{-1, 0, 0});
    return bits;
}
SharedInputLister::Slot& SharedInputLister::slotOf(Table& t, unsigned bits, int column)
{
    const std::size_t mask = (std::size_t{1} << bits) - 1;
    for (std::size_t h = (static_cast<std::uint32_t>(column) * 0x9E3779B1u) >> (32 - bits);; h = (h + 1) & mask)
        if (t.slots[h].column == column || t.slots[h].column < 0) {
            if (t.slots[h].column < 0)
                t.used.push_back(static_cast<std::uint32_t>(h));
            return t.slots[h];
        }
}
void SharedInputLister::clear(Table& t)
{
    for (std::uint32_t h : t.used)
        t.slots[h].column = -1;
    t.used.clear();
}
// Offers a pair to the `count` best kept in t.heap (a max-heap by value); the least
// value turned away or evicted goes to `least`.
void SharedInputLister::offer(Table& t, std::size_t count, double value, int column, double cost, double& least)
{
    if (t.heap.size() < count) {
        t.heap.push_back({value, column, cost});
        std::push_heap(t.heap.begin(), t.heap.end());
    } else if (value < t.heap.front().value) {
        least = std::min(least, t.heap.front().value);
        std::pop_heap(t.heap.begin(), t.heap.end());
        t.heap.back() = {value, column, cost};
        std::push_heap(t.heap.begin(), t.heap.end());
    } else {
        least = std::min(least, value);
    }
}
void SharedInputLister::list(int row, std::vector<std::pair<int, double>>& out, int worker)
{
    every(row, m_tables[static_cast<std::size_t>(worker)], &out);
}
// Records the row's pairs sharing >= 2 inputs, and every pair, (column, cost), into
// `out` if given.
void SharedInputLister::countShared(int row, Table& t)
{
    const int j = m_rowsA[static_cast<std::size_t>(row)];
    const unsigned bits = sized(t, std::min(m_pairsOf[static_cast<std::size_t>(row)], static_cast<double>(m_columns)));
    for (EdgeIndex e = m_a.rowPtr()[j]; e < m_a.rowPtr()[j + 1]; ++e) {
        const int bi = m_bOfA[static_cast<std::size_t>(m_a.colIdx()[static_cast<std::size_t>(e)])];
        for (EdgeIndex q = m_b.colPtr()[bi]; q < m_b.colPtr()[bi + 1]; ++q) {
            const Fan f = m_fan[static_cast<std::size_t>(q)];
            Slot& slot = slotOf(t, bits, f.column);
            if (slot.column < 0)
                slot = {f.column, 1, static_cast<std::uint32_t>(f.degree)};
            else
                ++slot.shared;
        }
    }
}
void SharedInputLister::twoOrMore(int row, std::vector<std::pair<int, double>>& out, int worker)
{
    Table& t = m_tables[static_cast<std::size_t>(worker)];
    out.clear();
    countShared(row, t);
    const double degA = m_a.inDegree(m_rowsA[static_cast<std::size_t>(row)]);
    for (std::uint32_t h : t.used) {
        const Slot& slot = t.slots[h];
        if (slot.shared >= 2) {
            const double inter = slot.shared;
            out.emplace_back(slot.column, 1.0 - inter / (degA + static_cast<double>(slot.degree) - inter));
        }
    }
    clear(t);
    std::sort(out.begin(), out.end()); // in column order: not the table's layout
}
void SharedInputLister::every(int row, Table& t, std::vector<std::pair<int, double>>* out)
{
    if (out)
        out->clear();
    countShared(row, t);
    const double degA = m_a.inDegree(m_rowsA[static_cast<std::size_t>(row)]);
    std::vector<Shared>& mine = m_multi[static_cast<std::size_t>(row)];
    mine.clear();
    for (std::uint32_t h : t.used) {
        const Slot& slot = t.slots[h];
        const double inter = slot.shared;
        if (out)
            out->emplace_back(slot.column, 1.0 - inter / (degA + static_cast<double>(slot.degree) - inter));
        if (slot.shared >= 2)
            mine.push_back({slot.column, static_cast<int>(slot.shared)});
    }
    mine.shrink_to_fit();
    clear(t);
    m_listed[static_cast<std::size_t>(row)] = 1;
}
double SharedInputLister::listBest(int row, const double* price, std::size_t count,
                                   std::vector<std::pair<int, double>>& best, int worker)
{
    constexpr double inf = std::numeric_limits<double>::infinity();
    Table& t = m_tables[static_cast<std::size_t>(worker)];
    t.heap.clear();
    best.clear();
    if (count == 0)
        return 0; // every candidate is another, and costs and prices are >= 0
    double least = inf;
    // The first time, find its pairs sharing >= 2 inputs (and only read the groups' bounds).
    const bool update = m_listed[static_cast<std::size_t>(row)] != 0;
    if (!update)
        every(row, t, nullptr);
    const int j = m_rowsA[static_cast<std::size_t>(row)];
    const double degA = m_a.inDegree(j);
    const std::vector<Shared>& mine = m_multi[static_cast<std::size_t>(row)];
    const unsigned bits = sized(t, static_cast<double>(mine.size()));
    for (const Shared& sh : mine) {
        slotOf(t, bits, sh.column).column = sh.column;
        const double inter = sh.shared;
        const double cost = 1.0 - inter / (degA + static_cast<double>(m_degree[static_cast<std::size_t>(sh.column)]) - inter);
        offer(t, count, cost + price[sh.column], sh.column, cost, least);
    }
    // The pairs sharing one input, by cost: B's fan-out lists of the row's inputs
    // merged by in-degree.
    t.ranges.clear();
    t.cursors.clear();
    for (EdgeIndex e = m_a.rowPtr()[j]; e < m_a.rowPtr()[j + 1]; ++e) {
        const int bi = m_bOfA[static_cast<std::size_t>(m_a.colIdx()[static_cast<std::size_t>(e)])];
        const std::size_t lo = m_groupFirst[static_cast<std::size_t>(bi)], hi = m_groupFirst[static_cast<std::size_t>(bi) + 1];
        if (lo < hi) {
            t.cursors.emplace_back(m_fan[static_cast<std::size_t>(m_groupStart[lo])].degree, t.ranges.size());
            t.ranges.emplace_back(lo, hi);
        }
    }
    const auto later = [](const std::pair<int, std::size_t>& x, const std::pair<int, std::size_t>& y) { return x > y; };
    std::make_heap(t.cursors.begin(), t.cursors.end(), later);
    while (!t.cursors.empty()) {
        const auto [d, k] = t.cursors.front();
        const double cost = 1.0 - 1.0 / (degA + static_cast<double>(d) - 1.0);
        if (t.heap.size() >= count && cost >= t.heap.front().value) {
            least = std::min(least, cost); // no later pair can enter: prices are >= 0
            break;
        }
        std::pop_heap(t.cursors.begin(), t.cursors.end(), later);
        auto& [g, hi] = t.ranges[k];
        const double floor = cost + m_groupLeast[g];
        if (t.heap.size() >= count && floor >= t.heap.front().value) {
            least = std::min(least, floor); // none of the group can enter
            ++t.passedOver;
        } else {
            double cheapest = std::numeric_limits<double>::infinity();
            for (EdgeIndex q = m_groupStart[g]; q < m_groupStart[g + 1]; ++q) {
                const int c = m_fan[static_cast<std::size_t>(q)].column;
                cheapest = std::min(cheapest, price[c]);
                if (mine.empty() || slotOf(t, bits, c).column != c) // not one sharing more inputs
                    offer(t, count, cost + price[c], c, cost, least);
            }
            if (update)
                m_groupLeast[g] = cheapest;
        }
        if (++g < hi) {
            t.cursors.back() = {m_fan[static_cast<std::size_t>(m_groupStart[g])].degree, k};
            std::push_heap(t.cursors.begin(), t.cursors.end(), later);
        } else {
            t.cursors.pop_back();
        }
    }
    clear(t);
    best.clear();
    for (const Kept& k : t.heap)
        best.emplace_back(k.column, k.cost);
    return least;
}

} // namespace rewire
