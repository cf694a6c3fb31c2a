#include "gui/line_raster.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

namespace rewire::gui {

namespace {

struct Target {
    std::uint32_t* bits;
    int stride; // in pixels
    int width, height;
    // Premultiplied source colour channels and alpha, 0..255.
    std::uint32_t r, g, b, a;

    // dst = src * coverage + dst * (1 - alpha * coverage), coverage in [0, 256]. The caller clips
    // the major axis; the minor one is checked here.
    void plot(int x, int y, int coverage) const
    {
        if (static_cast<unsigned>(x) >= static_cast<unsigned>(width) ||
            static_cast<unsigned>(y) >= static_cast<unsigned>(height) || coverage <= 0)
            return;
        std::uint32_t& d = bits[static_cast<std::ptrdiff_t>(y) * stride + x];
        const auto cov = static_cast<std::uint32_t>(coverage);
        const std::uint32_t inv = 255 - (a * cov >> 8); // 1 - effective alpha
        // Premultiplied "source over": each channel = source * coverage + destination * inv.
        auto mix = [&](std::uint32_t src, int shift) {
            const std::uint32_t dc = (d >> shift) & 0xff;
            return std::min<std::uint32_t>(255, (src * cov >> 8) + (dc * inv + 127) / 255) << shift;
        };
        d = mix(a, 24) | mix(r, 16) | mix(g, 8) | mix(b, 0);
    }
};

double fpart(double x) { return x - std::floor(x); }

void wuLine(const Target& t, double x0, double y0, double x1, double y1)
{
    const bool steep = std::abs(y1 - y0) > std::abs(x1 - x0);
    if (steep) {
        std::swap(x0, y0);
        std::swap(x1, y1);
    }
    if (x0 > x1) {
        std::swap(x0, x1);
        std::swap(y0, y1);
    }
    const double dx = x1 - x0, dy = y1 - y0;
    const double gradient = dx == 0 ? 1.0 : dy / dx;
    // Clip along the major axis to the image (the minor axis is checked per pixel).
    const int limit = steep ? t.height : t.width;
    const int xs = std::max(0, static_cast<int>(std::round(x0)));
    const int xe = std::min(limit - 1, static_cast<int>(std::round(x1)));
    double y = y0 + gradient * (xs - x0);
    for (int x = xs; x <= xe; ++x, y += gradient) {
        const int yi = static_cast<int>(std::floor(y));
        const int c = static_cast<int>(256.0 * fpart(y));
        if (steep) {
            t.plot(yi, x, 256 - c);
            t.plot(yi + 1, x, c);
        } else {
            t.plot(x, yi, 256 - c);
            t.plot(x, yi + 1, c);
        }
    }
}

} // namespace

void blendLines(QImage& image, std::span<const QLineF> lines, const QColor& color)
{
    if (image.format() != QImage::Format_ARGB32_Premultiplied || lines.empty())
        return;
    const QRgb p = qPremultiply(color.rgba());
    const Target t{reinterpret_cast<std::uint32_t*>(image.bits()), static_cast<int>(image.bytesPerLine() / 4),
                   image.width(), image.height(), static_cast<std::uint32_t>(qRed(p)),
                   static_cast<std::uint32_t>(qGreen(p)), static_cast<std::uint32_t>(qBlue(p)),
                   static_cast<std::uint32_t>(qAlpha(p))};
    for (const QLineF& l : lines)
        wuLine(t, l.x1(), l.y1(), l.x2(), l.y2());
}

} // namespace rewire::gui
