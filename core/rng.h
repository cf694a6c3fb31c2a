#pragma once
// Seeded random numbers: xoshiro256** streams plus a counter-based hash for values that must not
// depend on which thread draws them (dropout masks).

#include "graph/hash.h"

#include <cstdint>
#include <utility>
#include <span>

namespace rewire {

class Rng {
public:
    explicit Rng(std::uint64_t seed = 1);
    // An independent stream derived from this seed and a label (e.g. layer index).
    static Rng derive(std::uint64_t seed, std::uint64_t stream);

    std::uint64_t next();
    // Uniform in [0, n) without modulo bias.
    std::uint64_t below(std::uint64_t n);
    // Uniform in [0, 1).
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    float uniform(float lo, float hi) { return lo + static_cast<float>(uniform()) * (hi - lo); }
    double normal();
    // Fisher–Yates: for i = n-1 .. 1, swap v[i] with v[below(i + 1)].
    template <class T> void shuffle(std::span<T> v)
    {
        for (std::size_t i = v.size(); i-- > 1;)
            std::swap(v[i], v[static_cast<std::size_t>(below(i + 1))]);
    }

private:
    std::uint64_t m_s[4];
};

} // namespace rewire
