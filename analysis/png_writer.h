#pragma once
// Minimal PNG output (8-bit RGB, zlib-compressed) for heat maps.

#include <cstdint>
#include <filesystem>
#include <vector>

namespace rewire {

// Writes a width x height RGB image (row-major, 3 bytes per pixel) atomically.
void writePng(const std::filesystem::path& path, int width, int height, const std::vector<std::uint8_t>& rgb);

// A rows x cols grid of values as a heat map (viridis-like colours, 0 at the bottom of the scale,
// the maximum at the top), each cell drawn as scale x scale pixels.
void writeHeatmapPng(const std::filesystem::path& path, const std::vector<double>& values, int rows, int cols,
                     int scale = 8);

} // namespace rewire
