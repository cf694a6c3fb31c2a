#pragma once
// Rewire model files (.rwm): versioned little-endian binary with a CRC-32 over the payload.
//
// Layout: 32-byte header {magic "RWMODEL\0", u32 format version, u32 flags, u64 payload bytes,
// u32 CRC-32 of the payload, u32 zero}, then the payload: u32 attribute count, (u32 len, key,
// u32 len, value)*, u32 layer count, then per layer: i32 inputs, i32 outputs, i64 edges,
// i64 rowPtr[outputs+1], i32 colIdx[edges], f32 weights[edges], f32 bias[outputs],
// u32 edge-property count, (u32 len, name, f32 values[edges])*.

#include "graph/network_graph.h"

#include <filesystem>
#include <stdexcept>

namespace rewire {

inline constexpr std::uint32_t kModelFormatVersion = 1;

// Thrown for any unreadable, truncated, corrupted or foreign file; the message names the file.
class ModelFileError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Writes atomically (temporary file + rename). Edge properties (optimiser state) are saved only
// when asked, for checkpoints. Time complexity: O(V + E).
void saveModel(const NetworkGraph& network, const std::filesystem::path& path, bool withEdgeProperties = false);
// Time complexity: O(V + E). Throws ModelFileError.
NetworkGraph loadModel(const std::filesystem::path& path);

} // namespace rewire
