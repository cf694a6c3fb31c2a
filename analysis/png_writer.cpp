#include "analysis/png_writer.h"

#include "graph/atomic_file.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

namespace rewire {

namespace {

void be32(std::string& s, std::uint32_t v)
{
    for (int k = 3; k >= 0; --k)
        s += static_cast<char>((v >> (8 * k)) & 0xFF);
}

void chunk(std::string& out, const char* type, const std::string& data)
{
    be32(out, static_cast<std::uint32_t>(data.size()));
    const std::string td = std::string(type, 4) + data;
    out += td;
    be32(out, static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(td.data()), static_cast<uInt>(td.size()))));
}

} // namespace

void writePng(const std::filesystem::path& path, int width, int height, const std::vector<std::uint8_t>& rgb)
{
    if (width <= 0 || height <= 0 || rgb.size() != static_cast<std::size_t>(width) * height * 3)
        throw std::invalid_argument("writePng: " + std::to_string(rgb.size()) + " bytes for a " + std::to_string(width) +
                                    "x" + std::to_string(height) + " RGB image");
    std::string raw;
    raw.reserve(static_cast<std::size_t>(height) * (1 + 3 * static_cast<std::size_t>(width)));
    for (int y = 0; y < height; ++y) {
        raw += '\0'; // filter: none
        raw.append(reinterpret_cast<const char*>(rgb.data()) + static_cast<std::size_t>(y) * width * 3,
                   static_cast<std::size_t>(width) * 3);
    }
    uLongf size = compressBound(static_cast<uLong>(raw.size()));
    std::string z(size, '\0');
    if (compress2(reinterpret_cast<Bytef*>(z.data()), &size, reinterpret_cast<const Bytef*>(raw.data()),
                  static_cast<uLong>(raw.size()), 6) != Z_OK)
        throw std::runtime_error("writePng: compression failed for " + path.string());
    z.resize(size);
    std::string png = "\x89PNG\r\n\x1a\n";
    std::string ihdr;
    be32(ihdr, static_cast<std::uint32_t>(width));
    be32(ihdr, static_cast<std::uint32_t>(height));
    ihdr += std::string("\x08\x02\x00\x00\x00", 5); // 8 bits, RGB, deflate, no filter, no interlace
    chunk(png, "IHDR", ihdr);
    chunk(png, "IDAT", z);
    chunk(png, "IEND", "");
    AtomicFile f(path, true);
    f.stream().write(png.data(), static_cast<std::streamsize>(png.size()));
    f.commit();
}

void writeHeatmapPng(const std::filesystem::path& path, const std::vector<double>& values, int rows, int cols, int scale)
{
    if (rows * cols != static_cast<int>(values.size()))
        throw std::invalid_argument("writeHeatmapPng: " + std::to_string(values.size()) + " values for a " +
                                    std::to_string(rows) + "x" + std::to_string(cols) + " grid");
    // Viridis at five stops, interpolated linearly.
    static const std::array<std::array<double, 3>, 5> stops{
        {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}}};
    const double top = std::max(1e-300, *std::max_element(values.begin(), values.end()));
    std::vector<std::uint8_t> rgb(static_cast<std::size_t>(rows) * scale * cols * scale * 3);
    for (int r = 0; r < rows * scale; ++r)
        for (int c = 0; c < cols * scale; ++c) {
            const double t = std::clamp(values[static_cast<std::size_t>((r / scale) * cols + c / scale)] / top, 0.0, 1.0) * 4;
            const int k = std::min(3, static_cast<int>(t));
            const double f = t - k;
            for (int ch = 0; ch < 3; ++ch)
                rgb[(static_cast<std::size_t>(r) * cols * scale + c) * 3 + ch] =
                    static_cast<std::uint8_t>(std::lround(stops[k][ch] * (1 - f) + stops[k + 1][ch] * f));
        }
    writePng(path, cols * scale, rows * scale, rgb);
}

} // namespace rewire
