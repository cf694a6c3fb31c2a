#include "core/methods/fisher.h"

#include "core/work_pool.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace rewire {

namespace {

using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vec = Eigen::VectorXd;

// The block's gradients: m slices [e0, e0 + b) of the captured arrays.
std::vector<std::span<const float>> blockSlices(const std::vector<std::span<const float>>& grads, std::size_t e0, int b)
{
    std::vector<std::span<const float>> out;
    out.reserve(grads.size());
    for (const auto& g : grads)
        out.push_back(g.subspan(e0, static_cast<std::size_t>(b)));
    return out;
}

Vec meanGradient(const std::vector<std::span<const float>>& slices, int b)
{
    Vec g = Vec::Zero(b);
    for (const auto& s : slices)
        for (int q = 0; q < b; ++q)
            g[q] += s[static_cast<std::size_t>(q)];
    return slices.empty() ? g : g / static_cast<double>(slices.size());
}

std::int64_t blockCount(std::size_t edges, int blockSize)
{
    return static_cast<std::int64_t>((edges + static_cast<std::size_t>(blockSize) - 1) / static_cast<std::size_t>(blockSize));
}

// Work units of whole blocks: a unit covers [u·n/U, (u+1)·n/U) blocks (64-bit: n can pass 2^31 / U).
int unitsFor(std::int64_t blocks, const WorkPool& pool)
{
    return static_cast<int>(std::clamp<std::int64_t>(blocks / 64, 1, 16 * pool.threads()));
}

// Runs fn(e0, b) for every block [e0, e0 + b) of `edges` edges, blocks split into work units.
template <class F>
void forEachBlock(WorkPool& pool, std::size_t edges, int blockSize, F&& fn)
{
    const std::int64_t blocks = blockCount(edges, blockSize);
    const int units = unitsFor(blocks, pool);
    pool.run(units, [&](int u) {
        for (std::int64_t k = blocks * u / units; k < blocks * (u + 1) / units; ++k) {
            const std::size_t e0 = static_cast<std::size_t>(k) * static_cast<std::size_t>(blockSize);
            fn(e0, static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(blockSize), edges - e0)));
        }
    });
}

// One block's F⁻¹ and, for WoodTaylor, F⁻¹ḡ (zero otherwise).
struct BlockInverse {
    std::vector<double> data;
    Vec shift;
    BlockInverse(const std::vector<std::span<const float>>& grads, std::size_t e0, int b, double damping, bool taylor)
    {
        const auto slices = blockSlices(grads, e0, b);
        data = fisherInverseBlock(slices, b, damping);
        shift = taylor ? Vec(inverse() * meanGradient(slices, b)) : Vec(Vec::Zero(b));
    }
    Eigen::Map<const Mat> inverse() const
    {
        const auto b = static_cast<Eigen::Index>(std::lround(std::sqrt(static_cast<double>(data.size()))));
        return Eigen::Map<const Mat>(data.data(), b, b);
    }
};

} // namespace

std::vector<double> fisherInverseBlock(const std::vector<std::span<const float>>& grads, int b, double damping)
{
    if (b < 1 || !(damping > 0.0))
        throw std::invalid_argument("fisherInverseBlock: block size >= 1 and damping > 0 required");
    const double m = static_cast<double>(std::max<std::size_t>(grads.size(), 1));
    Mat inv = Mat::Identity(b, b) / damping;
    Vec g(b), u(b);
    for (const auto& s : grads) {
        for (int q = 0; q < b; ++q)
            g[q] = s[static_cast<std::size_t>(q)];
        u.noalias() = inv * g;
        const double den = m + g.dot(u);
        inv.noalias() -= (u * u.transpose()) / den;
    }
    return std::vector<double>(inv.data(), inv.data() + static_cast<std::size_t>(b) * b);
}

SecondOrderDrop::SecondOrderDrop(bool taylor, int blockSize, double damping)
    : m_taylor(taylor), m_blockSize(blockSize), m_damping(damping)
{
    if (blockSize < 1 || !(damping > 0.0)) // checked here: the pool's bodies must not throw
        throw std::invalid_argument("SecondOrderDrop: block size >= 1 and damping > 0 required");
}

std::vector<double> SecondOrderDrop::statistics(WorkPool& pool, std::span<const float> w,
                                                const std::vector<std::span<const float>>& grads) const
{
    std::vector<double> rho(w.size(), 0.0);
    forEachBlock(pool, w.size(), m_blockSize, [&](std::size_t e0, int b) {
        const BlockInverse block(grads, e0, b, m_damping, m_taylor);
        const auto inv = block.inverse();
        for (int q = 0; q < b; ++q) {
            const double num = static_cast<double>(w[e0 + static_cast<std::size_t>(q)]) - block.shift[q];
            rho[e0 + static_cast<std::size_t>(q)] = num * num / (2.0 * inv(q, q));
        }
    });
    return rho;
}

void SecondOrderDrop::update(WorkPool& pool, std::span<float> w, const std::vector<std::span<const float>>& grads,
                             std::span<const std::uint8_t> keep) const
{
    forEachBlock(pool, w.size(), m_blockSize, [&](std::size_t e0, int b) {
        std::vector<int> removed;
        for (int q = 0; q < b; ++q)
            if (!keep[e0 + static_cast<std::size_t>(q)])
                removed.push_back(q);
        if (removed.empty())
            return;
        const BlockInverse block(grads, e0, b, m_damping, m_taylor);
        const auto inv = block.inverse();
        Vec wb(b);
        for (int q = 0; q < b; ++q)
            wb[q] = w[e0 + static_cast<std::size_t>(q)];
        const auto r = static_cast<Eigen::Index>(removed.size());
        Mat invQQ(r, r), invQ(b, r);
        Vec rhs(r);
        for (Eigen::Index a = 0; a < r; ++a) {
            const int qa = removed[static_cast<std::size_t>(a)];
            rhs[a] = wb[qa] - block.shift[qa];
            invQ.col(a) = inv.col(qa);
            for (Eigen::Index c = 0; c < r; ++c)
                invQQ(a, c) = inv(qa, removed[static_cast<std::size_t>(c)]);
        }
        const Vec mu = invQQ.ldlt().solve(rhs);
        const Vec delta = -block.shift - invQ * mu;
        for (int q = 0; q < b; ++q)
            w[e0 + static_cast<std::size_t>(q)] =
                keep[e0 + static_cast<std::size_t>(q)] ? static_cast<float>(wb[q] + delta[q]) : 0.0f;
    });
}

std::vector<std::uint8_t> SecondOrderDrop::keep(const TopologyContext& ctx, int l, const StepPlan& plan) const
{
    SparseLayer& layer = ctx.network.layer(l);
    const auto n = static_cast<EdgeIndex>(layer.edgeCount());
    std::vector<std::uint8_t> keep(static_cast<std::size_t>(n), 1);
    const auto drop = std::min<EdgeIndex>(n, static_cast<EdgeIndex>(std::llround(plan.dropFraction * static_cast<double>(n))));
    if (drop <= 0)
        return keep;
    if (!ctx.probe || ctx.probe->capturedBatches() == 0)
        throw std::logic_error("SecondOrderDrop: no captured gradients (training keeps them for the step)");
    std::vector<std::span<const float>> grads;
    for (int b = 0; b < ctx.probe->capturedBatches(); ++b)
        grads.push_back(ctx.probe->captured(b, l));
    for (const auto& g : grads)
        if (g.size() != static_cast<std::size_t>(n))
            throw std::logic_error("SecondOrderDrop: captured gradients do not match layer " + std::to_string(l + 1));
    const std::vector<double> rho = statistics(ctx.probe->pool(), layer.weights(), grads);
    keep = dropSmallest(n, drop, [&](EdgeIndex e) { return rho[static_cast<std::size_t>(e)]; });
    update(ctx.probe->pool(), layer.weights(), grads, keep);
    // Flops: m rank-1 updates of b² per block, twice (statistics, update).
    ctx.probe->flops += 2.0 * 2.0 * static_cast<double>(grads.size()) * m_blockSize * static_cast<double>(n);
    return keep;
}

} // namespace rewire
