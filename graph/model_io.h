#pragma once
// Rewire model files (.rwm): versioned little-endian binary with a CRC-32 over the payload.
//
// Layout: 32-byte header {magic "RWMODEL\0", u32 format version, u32 flags, u64 payload bytes,
// u32 CRC-32 of the payload, u32 zero}, then the payload: u32 attribute count, (u32 len, key,
// u32 len, value)*, u32 layer count, then per layer: i32 inputs, i32 outputs, i64 edges,
// i64 rowPtr[outputs+1], i32 colIdx[edges], f32 weights[edges], f32 bias[outputs],
// u32 edge-property count, (u32 len, name, f32 values[edges])*, and from format 2 on
// u32 neuron-property count, (u32 len, name, f32 values[outputs])*, and from format 3 on the
// explored positions: u8 kind (0 none, 1 bitmap, 2 sketch; see graph/explored_positions.h), then
// u64 n and n bytes (the bitmap's u64 words, or the sketch's u8 registers).
// Plain models are written as format 1 (every build reads them), or 2 when they carry model
// parameters as neuron properties; checkpoints as format 2, or 3 when training tracked the
// explored positions.

#include "graph/network_graph.h"

#include <filesystem>
#include <map>
#include <string>
#include <stdexcept>

namespace rewire {

inline constexpr std::uint32_t kModelFormatVersion = 3;

// Thrown for any unreadable, truncated, corrupted or foreign file; the message names the file.
class ModelFileError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Writes atomically (temporary file, fsync, rename, fsync of the folder). Optimiser state (edge
// and neuron properties, isOptimiserState) is saved only when asked (`withState`, for
// checkpoints); model parameters among the neuron properties always are. A file without any
// property is format 1, else format 2.
// `extraAttributes`, when given, are saved as attributes too (over the network's own of the same
// key) without copying the network. Time complexity: O(V + E).
void saveModel(const NetworkGraph& network, const std::filesystem::path& path, bool withState = false,
               const std::map<std::string, std::string>* extraAttributes = nullptr);
// Time complexity: O(V + E). Throws ModelFileError.
NetworkGraph loadModel(const std::filesystem::path& path);

} // namespace rewire
