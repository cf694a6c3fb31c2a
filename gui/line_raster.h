#pragma once
// Antialiased 1-pixel lines blended straight into an ARGB32_Premultiplied image (Xiaolin Wu's
// algorithm). The network view draws tens of thousands of translucent edges per frame; Qt 6's
// raster engine hands every such line's spans to its GUI thread pool, which costs more in thread
// wake-ups than the pixels, and steals the CPU that training shares (measured: 660 ms for one
// frame of 10,000 edges with QPainter, see bench/RESULTS.md).

#include <QColor>
#include <QImage>
#include <QLineF>

#include <span>

namespace rewire::gui {

// `image` must be Format_ARGB32_Premultiplied. Lines are clipped to the image.
void blendLines(QImage& image, std::span<const QLineF> lines, const QColor& color);

} // namespace rewire::gui
