#include "core/methods/gradient.h"

#include "core/work_pool.h"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>

namespace rewire {

namespace {
// betterScore as a lambda: the standard algorithms inline it (a function pointer they call).
constexpr auto better = [](const ScoredPosition& a, const ScoredPosition& b) { return betterScore(a, b); };
} // namespace

void TopK::push(const ScoredPosition& c)
{
    if (!admits(c))
        return;
    m_items.push_back(c);
    if (static_cast<EdgeIndex>(m_items.size()) >= m_k + m_k / 4 + 64) // memory ≤ 1.25 k + 64 per collector
        compact();
}

void TopK::compact()
{
    if (static_cast<EdgeIndex>(m_items.size()) <= m_k)
        return;
    const auto kth = m_items.begin() + static_cast<std::ptrdiff_t>(m_k);
    std::nth_element(m_items.begin(), kth - 1, m_items.end(), better);
    m_threshold = *(kth - 1);
    m_full = true;
    m_items.erase(kth, m_items.end());
}

std::vector<ScoredPosition> TopK::takeUnsorted()
{
    compact();
    std::vector<ScoredPosition> out;
    out.swap(m_items);
    m_full = false;
    return out;
}

std::vector<ScoredPosition> TopK::take()
{
    compact();
    std::sort(m_items.begin(), m_items.end(), better);
    std::vector<ScoredPosition> out;
    out.swap(m_items);
    m_full = false;
    return out;
}

void TopK::merge(std::vector<ScoredPosition> other)
{
    for (const ScoredPosition& c : other)
        push(c);
}

namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstRows = Eigen::Map<const RowMajor, 0, Eigen::OuterStride<>>;

void checkShapes(const SparseLayer& layer, std::span<const std::uint8_t> keep, const NeuronBuffer& x,
                 const NeuronBuffer& dz, int batch)
{
    if (x.neurons() != layer.inputs() || dz.neurons() != layer.outputs())
        throw std::invalid_argument("topAbsentGradients: buffers of " + std::to_string(x.neurons()) + " and " +
                                    std::to_string(dz.neurons()) + " neurons for a " + std::to_string(layer.inputs()) +
                                    " x " + std::to_string(layer.outputs()) + " layer");
    if (!keep.empty() && keep.size() != static_cast<std::size_t>(layer.edgeCount()))
        throw std::invalid_argument("topAbsentGradients: keep has " + std::to_string(keep.size()) + " flags for " +
                                    std::to_string(layer.edgeCount()) + " edges");
    if (batch < 1 || batch > x.ld() || batch > dz.ld())
        throw std::invalid_argument("topAbsentGradients: batch " + std::to_string(batch) + " outside the buffers");
}

// A stripe of up to kTileRows listed output rows: their dZ rows gathered, then every column tile
// of |dZ X^T| with the kept positions masked out (NaN), handed to `visit(row index in the
// stripe, input, score)`.
template <class Visit>
void scanStripe(const SparseLayer& layer, std::span<const std::uint8_t> keep, const NeuronBuffer& x,
                const NeuronBuffer& dz, int batch, std::span<const NeuronIndex> rows, RowMajor& d, RowMajor& g,
                Visit&& visit)
{
    const auto n = static_cast<Eigen::Index>(rows.size());
    d.resize(n, batch);
    for (Eigen::Index r = 0; r < n; ++r)
        std::copy_n(dz.row(rows[static_cast<std::size_t>(r)]), batch, d.row(r).data());
    const NeuronIndex inputs = layer.inputs();
    const auto rowPtr = layer.rowPtr();
    const auto colIdx = layer.colIdx();
    for (NeuronIndex i0 = 0; i0 < inputs; i0 += kTileCols) {
        const NeuronIndex i1 = std::min(inputs, i0 + kTileCols);
        const ConstRows xt(x.row(i0), i1 - i0, batch, Eigen::OuterStride<>(x.ld()));
        g.resize(n, i1 - i0);
        g.noalias() = d * xt.transpose();
        for (Eigen::Index r = 0; r < n; ++r) {
            const NeuronIndex j = rows[static_cast<std::size_t>(r)];
            float* gr = g.row(r).data();
            // Kept edges of row j inside [i0, i1): not candidates.
            const auto first = colIdx.begin() + rowPtr[j], last = colIdx.begin() + rowPtr[j + 1];
            for (auto it = std::lower_bound(first, last, i0); it != last && *it < i1; ++it) {
                const auto e = static_cast<std::size_t>(it - colIdx.begin());
                if (keep.empty() || keep[e])
                    gr[*it - i0] = std::numeric_limits<float>::quiet_NaN();
            }
            for (NeuronIndex c = 0; c < i1 - i0; ++c) {
                const float v = gr[c];
                if (!std::isnan(v)) // a kept position (or a NaN gradient, never a candidate)
                    visit(r, i0 + c, std::abs(v));
            }
        }
    }
}

} // namespace

std::vector<ScoredPosition> topAbsentGradients(WorkPool& pool, const SparseLayer& layer, std::span<const std::uint8_t> keep,
                                               const NeuronBuffer& x, const NeuronBuffer& dz, int batch, EdgeIndex k)
{
    checkShapes(layer, keep, x, dz, batch);
    TopK best(k);
    if (k <= 0)
        return {};
    const NeuronIndex outputs = layer.outputs();
    std::vector<NeuronIndex> all(static_cast<std::size_t>(outputs));
    for (NeuronIndex j = 0; j < outputs; ++j)
        all[static_cast<std::size_t>(j)] = j;
    const int stripes = (outputs + kTileRows - 1) / kTileRows;
    // Rounds of a few stripes per thread, each stripe with its own collector that admits only
    // what beats the merged threshold of the rounds before; merged in stripe order.
    const int perRound = 2 * pool.threads();
    std::vector<RowMajor> d(static_cast<std::size_t>(perRound)), g(static_cast<std::size_t>(perRound));
    for (int s0 = 0; s0 < stripes; s0 += perRound) {
        const int count = std::min(perRound, stripes - s0);
        std::vector<TopK> local(static_cast<std::size_t>(count), best.emptyWithThreshold());
        pool.run(count, [&](int u) {
            const NeuronIndex j0 = (s0 + u) * kTileRows, j1 = std::min(outputs, j0 + kTileRows);
            TopK& mine = local[static_cast<std::size_t>(u)];
            const std::span<const NeuronIndex> rows(all.data() + j0, static_cast<std::size_t>(j1 - j0));
            scanStripe(layer, keep, x, dz, batch, rows, d[static_cast<std::size_t>(u)], g[static_cast<std::size_t>(u)],
                       [&](Eigen::Index r, NeuronIndex i, float score) {
                           const ScoredPosition c{score, rows[static_cast<std::size_t>(r)], i};
                           if (mine.admits(c))
                               mine.push(c);
                       });
        });
        for (TopK& t : local)
            best.merge(t.takeUnsorted());
    }
    return best.take();
}

std::vector<std::vector<ScoredPosition>> topAbsentGradientsPerRow(WorkPool& pool, const SparseLayer& layer,
                                                                  std::span<const std::uint8_t> keep,
                                                                  const NeuronBuffer& x, const NeuronBuffer& dz,
                                                                  int batch, std::span<const NeuronIndex> rows,
                                                                  std::span<const EdgeIndex> perRow)
{
    checkShapes(layer, keep, x, dz, batch);
    if (rows.size() != perRow.size())
        throw std::invalid_argument("topAbsentGradientsPerRow: " + std::to_string(rows.size()) + " rows, " +
                                    std::to_string(perRow.size()) + " counts");
    for (std::size_t r = 0; r < rows.size(); ++r)
        if (rows[r] < 0 || rows[r] >= layer.outputs() || (r > 0 && rows[r] <= rows[r - 1]))
            throw std::invalid_argument("topAbsentGradientsPerRow: rows must be distinct outputs in ascending order");
    std::vector<std::vector<ScoredPosition>> out(rows.size());
    const int stripes = static_cast<int>((rows.size() + kTileRows - 1) / kTileRows);
    const int perRound = 2 * pool.threads();
    std::vector<RowMajor> d(static_cast<std::size_t>(perRound)), g(static_cast<std::size_t>(perRound));
    for (int s0 = 0; s0 < stripes; s0 += perRound) {
        const int count = std::min(perRound, stripes - s0);
        pool.run(count, [&](int u) {
            const std::size_t r0 = static_cast<std::size_t>(s0 + u) * kTileRows;
            const std::size_t r1 = std::min(rows.size(), r0 + kTileRows);
            std::vector<TopK> mine;
            for (std::size_t r = r0; r < r1; ++r)
                mine.emplace_back(perRow[r]);
            scanStripe(layer, keep, x, dz, batch, rows.subspan(r0, r1 - r0), d[static_cast<std::size_t>(u)],
                       g[static_cast<std::size_t>(u)], [&](Eigen::Index r, NeuronIndex i, float score) {
                           TopK& t = mine[static_cast<std::size_t>(r)];
                           const ScoredPosition c{score, rows[r0 + static_cast<std::size_t>(r)], i};
                           if (t.admits(c))
                               t.push(c);
                       });
            for (std::size_t r = r0; r < r1; ++r)
                out[r] = mine[r - r0].take();
        });
    }
    return out;
}

} // namespace rewire
