#include "graph/explored_positions.h"

#include "graph/hash.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

namespace rewire {

namespace {

std::string sizes(std::int64_t inputs, std::int64_t outputs)
{
    return std::to_string(inputs) + "x" + std::to_string(outputs);
}

std::size_t wordsFor(std::uint64_t positions) { return static_cast<std::size_t>((positions + 63) / 64); }

// Ertl (2017), eqs. for sigma and tau: series summed until they stop changing.
double sigma(double x)
{
    if (x == 1.0)
        return std::numeric_limits<double>::infinity();
    double y = 1.0, z = x;
    for (;;) {
        x *= x;
        const double before = z;
        z += x * y;
        y += y;
        if (z == before)
            return z;
    }
}

double tau(double x)
{
    if (x == 0.0 || x == 1.0)
        return 0.0;
    double y = 1.0, z = 1.0 - x;
    for (;;) {
        x = std::sqrt(x);
        const double before = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
        if (z == before)
            return z / 3.0;
    }
}

} // namespace

ExploredPositions::ExploredPositions(std::int32_t inputs, std::int32_t outputs) : m_inputs(inputs), m_outputs(outputs)
{
    if (inputs < 0 || outputs < 0)
        throw std::invalid_argument("ExploredPositions: negative sizes " + sizes(inputs, outputs));
    if (positions() <= kExactLimit) {
        m_kind = Kind::Exact;
        m_bits.assign(wordsFor(positions()), 0);
    } else {
        m_kind = Kind::Sketch;
        m_registers.assign(kRegisters, 0);
    }
}

std::size_t ExploredPositions::memoryBytesFor(std::int64_t inputs, std::int64_t outputs)
{
    const auto n = static_cast<std::uint64_t>(std::max<std::int64_t>(inputs, 0)) *
                   static_cast<std::uint64_t>(std::max<std::int64_t>(outputs, 0));
    return n <= kExactLimit ? wordsFor(n) * sizeof(std::uint64_t) : kRegisters;
}

void ExploredPositions::addHashed(std::uint64_t key)
{
    const std::uint64_t h = splitmix64(key);
    const std::size_t index = static_cast<std::size_t>(h >> (64 - kPrecision));
    const std::uint64_t rest = h << kPrecision; // the other 48 bits, at the top
    const auto rank = static_cast<std::uint8_t>(rest == 0 ? kMaxRank : std::countl_zero(rest) + 1);
    std::uint8_t& r = m_registers[index];
    r = std::max(r, rank);
}

void ExploredPositions::addRows(std::span<const std::int64_t> rowPtr, std::span<const std::int32_t> colIdx)
{
    if (rowPtr.size() != static_cast<std::size_t>(m_outputs) + 1)
        throw std::invalid_argument("ExploredPositions::addRows: " + std::to_string(rowPtr.size()) + " row offsets for " +
                                    std::to_string(m_outputs) + " outputs");
    for (std::int32_t j = 0; j < m_outputs; ++j)
        for (std::int64_t e = rowPtr[static_cast<std::size_t>(j)]; e < rowPtr[static_cast<std::size_t>(j) + 1]; ++e)
            add(j, colIdx[static_cast<std::size_t>(e)]);
}

void ExploredPositions::merge(const ExploredPositions& other)
{
    if (other.m_inputs != m_inputs || other.m_outputs != m_outputs)
        throw std::invalid_argument("ExploredPositions::merge: " + sizes(other.m_inputs, other.m_outputs) + " into " +
                                    sizes(m_inputs, m_outputs));
    if (m_kind == Kind::Exact) {
        m_count = 0;
        for (std::size_t i = 0; i < m_bits.size(); ++i) {
            m_bits[i] |= other.m_bits[i];
            m_count += static_cast<std::uint64_t>(std::popcount(m_bits[i]));
        }
    } else {
        for (std::size_t i = 0; i < m_registers.size(); ++i)
            m_registers[i] = std::max(m_registers[i], other.m_registers[i]);
    }
}

double ExploredPositions::count() const
{
    if (m_kind == Kind::Exact)
        return static_cast<double>(m_count);
    std::array<double, kMaxRank + 1> histogram{};
    for (std::uint8_t r : m_registers)
        histogram[r] += 1.0;
    const double m = static_cast<double>(kRegisters);
    if (histogram[0] == m)
        return 0.0;
    constexpr int q = 64 - kPrecision;
    double z = m * tau(1.0 - histogram[q + 1] / m);
    for (int k = q; k >= 1; --k)
        z = 0.5 * (z + histogram[static_cast<std::size_t>(k)]);
    z += m * sigma(histogram[0] / m);
    const double alphaInf = 1.0 / (2.0 * std::log(2.0));
    // An estimate never exceeds the positions there are.
    return std::min(alphaInf * m * m / z, static_cast<double>(positions()));
}

double ExploredPositions::rate() const
{
    return positions() == 0 ? 0.0 : count() / static_cast<double>(positions());
}

double ExploredPositions::relativeError() const
{
    return m_kind == Kind::Exact ? 0.0 : 1.04 / std::sqrt(static_cast<double>(kRegisters));
}

ExploredPositions ExploredPositions::fromBits(std::int32_t inputs, std::int32_t outputs, std::vector<std::uint64_t> bits)
{
    ExploredPositions s(inputs, outputs);
    if (!s.exact())
        throw std::invalid_argument("explored positions: a bitmap for a " + sizes(inputs, outputs) +
                                    " layer, which takes a sketch (more than 2^27 positions)");
    if (bits.size() != s.m_bits.size())
        throw std::invalid_argument("explored positions: " + std::to_string(bits.size()) + " bitmap words for a " +
                                    sizes(inputs, outputs) + " layer, expected " + std::to_string(s.m_bits.size()));
    const std::uint64_t tail = s.positions() & 63;
    if (tail != 0 && (bits.back() >> tail) != 0)
        throw std::invalid_argument("explored positions: bits set past the last of the " + std::to_string(s.positions()) +
                                    " positions");
    s.m_bits = std::move(bits);
    for (std::uint64_t w : s.m_bits)
        s.m_count += static_cast<std::uint64_t>(std::popcount(w));
    return s;
}

ExploredPositions ExploredPositions::fromRegisters(std::int32_t inputs, std::int32_t outputs,
                                                   std::vector<std::uint8_t> registers)
{
    ExploredPositions s(inputs, outputs);
    if (s.exact())
        throw std::invalid_argument("explored positions: a sketch for a " + sizes(inputs, outputs) +
                                    " layer, which takes a bitmap (at most 2^27 positions)");
    if (registers.size() != kRegisters)
        throw std::invalid_argument("explored positions: " + std::to_string(registers.size()) + " sketch registers, expected " +
                                    std::to_string(kRegisters));
    for (std::uint8_t r : registers)
        if (r > kMaxRank)
            throw std::invalid_argument("explored positions: sketch register " + std::to_string(r) + " above the largest rank " +
                                        std::to_string(kMaxRank));
    s.m_registers = std::move(registers);
    return s;
}

std::span<const std::byte> ExploredPositions::storedBytes() const
{
    return exact() ? std::as_bytes(bits()) : std::as_bytes(registers());
}

ExploredPositions ExploredPositions::fromStored(std::uint8_t kind, std::int32_t inputs, std::int32_t outputs,
                                                std::span<const std::byte> bytes)
{
    if (kind == static_cast<std::uint8_t>(Kind::Exact)) {
        if (bytes.size() % sizeof(std::uint64_t) != 0)
            throw std::invalid_argument("explored positions: " + std::to_string(bytes.size()) +
                                        " bitmap bytes, not a whole number of 8-byte words");
        std::vector<std::uint64_t> words(bytes.size() / sizeof(std::uint64_t));
        if (!words.empty())
            std::memcpy(words.data(), bytes.data(), bytes.size());
        return fromBits(inputs, outputs, std::move(words));
    }
    if (kind == static_cast<std::uint8_t>(Kind::Sketch)) {
        std::vector<std::uint8_t> registers(bytes.size());
        if (!registers.empty())
            std::memcpy(registers.data(), bytes.data(), bytes.size());
        return fromRegisters(inputs, outputs, std::move(registers));
    }
    throw std::invalid_argument("explored positions of unknown kind " + std::to_string(kind));
}

} // namespace rewire
