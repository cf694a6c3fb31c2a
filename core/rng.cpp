#include "core/rng.h"

#include <cmath>

namespace rewire {

namespace {
inline std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
} // namespace

Rng::Rng(std::uint64_t seed)
{
    std::uint64_t x = seed;
    for (auto& s : m_s) {
        x = splitmix64(x);
        s = x;
    }
}

Rng Rng::derive(std::uint64_t seed, std::uint64_t stream)
{
    return Rng(hashCounter(seed, stream + 0x5bd1e995ULL));
}

std::uint64_t Rng::next()
{
    const std::uint64_t result = rotl(m_s[1] * 5, 7) * 9;
    const std::uint64_t t = m_s[1] << 17;
    m_s[2] ^= m_s[0];
    m_s[3] ^= m_s[1];
    m_s[1] ^= m_s[2];
    m_s[0] ^= m_s[3];
    m_s[2] ^= t;
    m_s[3] = rotl(m_s[3], 45);
    return result;
}

namespace {
__extension__ using u128 = unsigned __int128; // GCC/Clang extension; __extension__ keeps -Wpedantic quiet
} // namespace

std::uint64_t Rng::below(std::uint64_t n)
{
    // Lemire's multiply-shift with rejection.
    u128 m = static_cast<u128>(next()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
        const std::uint64_t threshold = -n % n;
        while (low < threshold) {
            m = static_cast<u128>(next()) * n;
            low = static_cast<std::uint64_t>(m);
        }
    }
    return static_cast<std::uint64_t>(m >> 64);
}

double Rng::normal()
{
    // Box-Muller; one value per call keeps the stream simple to reason about.
    double u1 = uniform();
    while (u1 <= 0.0)
        u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

} // namespace rewire
