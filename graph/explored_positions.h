#pragma once
// ExploredPositions: which of a layer's inputs x outputs positions have ever held an edge during
// training. Their share of all positions is the exploration rate R_s of Liu et al. 2021 ("Do we
// actually need dense over-parameterization? In-time over-parameterization in sparse training").
//
// Up to kExactLimit positions the set is exact: one bit per position (at most 16 MiB). Above it,
// where a bitmap is impossible (a 5M x 5M layer has 2.5e13 positions), it is a HyperLogLog sketch
// of 2^16 one-byte registers (64 KiB) read with Ertl's improved estimator (2017, "New cardinality
// estimation algorithms for HyperLogLog sketches", Algorithm 6: no bias tables, no range switch),
// relative standard error 1.04 / 2^8 = 0.41 %. Both forms are deterministic: the same positions give
// the same bits in any order, and merging two sets (replicas) is a bitwise or / a register max.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace rewire {

class ExploredPositions {
public:
    enum class Kind : std::uint8_t { Exact = 1, Sketch = 2 };
    static constexpr std::uint64_t kExactLimit = std::uint64_t{1} << 27;
    static constexpr int kPrecision = 16;                  // register index bits of the sketch
    static constexpr std::size_t kRegisters = std::size_t{1} << kPrecision;
    static constexpr std::uint8_t kMaxRank = 64 - kPrecision + 1;

    ExploredPositions() = default;
    // An empty set over inputs x outputs positions: exact when there are at most kExactLimit.
    // Throws std::invalid_argument for negative sizes.
    ExploredPositions(std::int32_t inputs, std::int32_t outputs);

    Kind kind() const { return m_kind; }
    bool exact() const { return m_kind == Kind::Exact; }
    std::uint64_t positions() const { return static_cast<std::uint64_t>(m_inputs) * static_cast<std::uint64_t>(m_outputs); }
    std::int32_t inputs() const { return m_inputs; }
    std::int32_t outputs() const { return m_outputs; }

    // Marks input -> output (both in range; not checked here, the layer checked them). O(1).
    void add(std::int32_t output, std::int32_t input)
    {
        const std::uint64_t key = static_cast<std::uint64_t>(output) * static_cast<std::uint64_t>(m_inputs) +
                                  static_cast<std::uint64_t>(input);
        if (m_kind == Kind::Exact) {
            std::uint64_t& word = m_bits[key >> 6];
            const std::uint64_t bit = std::uint64_t{1} << (key & 63);
            m_count += (word & bit) == 0;
            word |= bit;
        } else {
            addHashed(key);
        }
    }
    // Marks every edge of a canonical CSR (rowPtr has outputs + 1 entries). O(E).
    void addRows(std::span<const std::int64_t> rowPtr, std::span<const std::int32_t> colIdx);
    // The positions of `other` too (same sizes, else std::invalid_argument). O(size of the set).
    void merge(const ExploredPositions& other);

    // How many positions were ever active: exact, or the sketch's estimate. O(1) exact, O(2^16) sketch.
    double count() const;
    // count() / positions(); 0 for a layer without positions.
    double rate() const;
    // The estimate's relative standard error: 0 when exact, 1.04 / 2^8 for the sketch.
    double relativeError() const;

    // The stored form, for model files: the bitmap's words (positions() bits, the rest zero) or the
    // sketch's 2^16 registers (each at most kMaxRank).
    std::span<const std::uint64_t> bits() const { return m_bits; }
    std::span<const std::uint8_t> registers() const { return m_registers; }
    // Rebuilds a stored set. Throws std::invalid_argument when the arrays do not fit the sizes
    // (word count, stray bits past the last position, register count or a rank above kMaxRank).
    static ExploredPositions fromBits(std::int32_t inputs, std::int32_t outputs, std::vector<std::uint64_t> bits);
    static ExploredPositions fromRegisters(std::int32_t inputs, std::int32_t outputs, std::vector<std::uint8_t> registers);
    // The stored form as bytes, for files and messages: kind() says which, the bytes are bits()
    // (little-endian words) or registers(). fromStored reads them back; it throws
    // std::invalid_argument for an unknown kind or bytes that do not fit (as fromBits/fromRegisters).
    std::span<const std::byte> storedBytes() const;
    static ExploredPositions fromStored(std::uint8_t kind, std::int32_t inputs, std::int32_t outputs,
                                        std::span<const std::byte> bytes);
    // Bytes held.
    std::size_t memoryBytes() const { return m_bits.size() * sizeof(std::uint64_t) + m_registers.size(); }
    // Bytes a set over inputs x outputs positions holds (for memory plans).
    static std::size_t memoryBytesFor(std::int64_t inputs, std::int64_t outputs);

    friend bool operator==(const ExploredPositions&, const ExploredPositions&) = default;

private:
    void addHashed(std::uint64_t key);

    Kind m_kind = Kind::Exact;
    std::int32_t m_inputs = 0, m_outputs = 0;
    std::uint64_t m_count = 0;            // exact: set bits
    std::vector<std::uint64_t> m_bits;    // exact
    std::vector<std::uint8_t> m_registers; // sketch
};

} // namespace rewire
