#pragma once
// Stateless 64-bit mixing shared by the engine's generators (core/rng.h) and the analysis'
// seeded draws (power-law bootstrap, NNSTD tie-breaks): the same inputs give the same bits on any
// thread.

#include <cstdint>

namespace rewire {

inline std::uint64_t splitmix64(std::uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// A stateless hash of (key, counter).
inline std::uint64_t hashCounter(std::uint64_t key, std::uint64_t counter)
{
    return splitmix64(key ^ splitmix64(counter));
}

// The top 53 bits as a double in [0, 1).
inline double unitInterval(std::uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

} // namespace rewire
