#pragma once
// Seeded random numbers: xoshiro256** streams plus a counter-based hash for values that must not
// depend on which thread draws them (dropout masks).

#include <cstdint>
#include <utility>
#include <span>

namespace rewire {

inline std::uint64_t splitmix64(std::uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// A stateless hash of (key, counter): the same inputs give the same bits on any thread.
inline std::uint64_t hashCounter(std::uint64_t key, std::uint64_t counter)
{
    return splitmix64(key ^ splitmix64(counter));
}

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
