#include "analysis/line_plot.h"

#include "graph/atomic_file.h"

#include <cairo.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>

namespace rewire {

namespace {

// Tableau 10, the matplotlib default cycle: distinguishable and familiar.
constexpr double kPalette[][3] = {{0.122, 0.467, 0.706}, {1.000, 0.498, 0.055}, {0.173, 0.627, 0.173},
                                  {0.839, 0.153, 0.157}, {0.580, 0.404, 0.741}, {0.549, 0.337, 0.294},
                                  {0.890, 0.467, 0.761}, {0.498, 0.498, 0.498}, {0.737, 0.741, 0.133},
                                  {0.090, 0.745, 0.812}};

const double* seriesColour(const PlotSeries& s, std::size_t k)
{
    return s.colour.size() == 3 ? s.colour.data() : kPalette[k % 10];
}

std::string tickLabel(double v, double step)
{
    if (v == 0)
        return "0";
    const double a = std::fabs(v);
    if (a >= 1e7 || a < 1e-3)
        return fmt::format("{:.2g}", v);
    const int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
    return fmt::format("{:.{}f}", v, decimals);
}

struct Surface {
    cairo_surface_t* s;
    cairo_t* cr;
    Surface(int w, int h) : s(cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h)), cr(cairo_create(s)) {}
    ~Surface()
    {
        cairo_destroy(cr);
        cairo_surface_destroy(s);
    }
};

void text(cairo_t* cr, double x, double y, const std::string& t, double size, double alignX, double alignY,
          bool bold = false, bool vertical = false)
{
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
    cairo_text_extents_t e;
    cairo_text_extents(cr, t.c_str(), &e);
    cairo_save(cr);
    cairo_translate(cr, x, y);
    if (vertical)
        cairo_rotate(cr, -M_PI / 2);
    cairo_move_to(cr, -e.x_bearing - alignX * e.width, -e.y_bearing - alignY * e.height);
    cairo_show_text(cr, t.c_str());
    cairo_restore(cr);
}

std::string logTickLabel(double v)
{
    if (v >= 1 && v < 1e5 && v == std::round(v))
        return fmt::format("{:.0f}", v);
    if (v < 1 && v >= 1e-3)
        return fmt::format("{:g}", v);
    return fmt::format("{:.0e}", v);
}

void drawPanel(cairo_t* cr, const PlotPanel& raw, double x0, double y0, double w, double h)
{
    // Log axes: plot log10 of the values (non-positive ones leave gaps).
    PlotPanel p = raw;
    auto toLog = [](std::vector<double>& v) {
        for (double& x : v)
            x = x > 0 ? std::log10(x) : std::numeric_limits<double>::quiet_NaN();
    };
    for (PlotSeries& s : p.series) {
        if (p.logX)
            toLog(s.x);
        if (p.logY) {
            toLog(s.y);
            toLog(s.low);
            toLog(s.high);
        }
    }
    double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin, ymin = xmin, ymax = -xmin;
    for (const PlotSeries& s : p.series)
        for (std::size_t i = 0; i < s.x.size(); ++i) {
            const auto take = [&](double v) {
                if (std::isfinite(v)) {
                    ymin = std::min(ymin, v);
                    ymax = std::max(ymax, v);
                }
            };
            if (!std::isfinite(s.x[i]))
                continue;
            xmin = std::min(xmin, s.x[i]);
            xmax = std::max(xmax, s.x[i]);
            take(s.y[i]);
            if (!s.low.empty()) {
                take(s.low[i]);
                take(s.high[i]);
            }
        }
    if (!std::isfinite(xmin)) {
        xmin = 0;
        xmax = 1;
        ymin = 0;
        ymax = 1;
    }
    if (xmax == xmin)
        xmax = xmin + 1;
    if (ymax == ymin) {
        ymin -= 0.5 * std::max(1.0, std::fabs(ymin) * 0.1);
        ymax += 0.5 * std::max(1.0, std::fabs(ymax) * 0.1);
    }
    const double pad = 0.04 * (ymax - ymin);
    ymin -= pad;
    ymax += pad;
    if (p.logX) {
        const double xpad = 0.03 * (xmax - xmin);
        xmin -= xpad;
        xmax += xpad;
    }
    const double left = x0 + 78, right = x0 + w - 16, top = y0 + 40, bottom = y0 + h - 58;
    const auto px = [&](double x) { return left + (x - xmin) / (xmax - xmin) * (right - left); };
    const auto py = [&](double y) { return bottom - (y - ymin) / (ymax - ymin) * (bottom - top); };

    // Frame, grid and ticks.
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    text(cr, (left + right) / 2, y0 + 12, p.title, 16, 0.5, 0.0, true);
    // Tick positions in plot coordinates, with their labels.
    auto ticks = [](bool log, double lo, double hi, int target) {
        std::vector<std::pair<double, std::string>> t;
        if (log) {
            for (double v : logTicks(std::pow(10.0, lo), std::pow(10.0, hi)))
                t.emplace_back(std::log10(v), logTickLabel(v));
        } else {
            const auto n = niceTicks(lo, hi, target);
            for (double v : n)
                t.emplace_back(v, tickLabel(v, n.size() > 1 ? n[1] - n[0] : 1));
        }
        return t;
    };
    const auto yt = ticks(p.logY, ymin, ymax, 6), xt = ticks(p.logX, xmin, xmax, 8);
    cairo_set_line_width(cr, 1.0);
    for (const auto& [v, label] : yt) {
        if (v < ymin || v > ymax)
            continue;
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        cairo_move_to(cr, left, std::round(py(v)) + 0.5);
        cairo_line_to(cr, right, std::round(py(v)) + 0.5);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
        text(cr, left - 6, py(v), label, 12, 1.0, 0.5);
    }
    for (const auto& [v, label] : xt) {
        if (v < xmin || v > xmax)
            continue;
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        cairo_move_to(cr, std::round(px(v)) + 0.5, top);
        cairo_line_to(cr, std::round(px(v)) + 0.5, bottom);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
        text(cr, px(v), bottom + 6, label, 12, 0.5, 0.0);
    }
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_rectangle(cr, left + 0.5, top + 0.5, right - left, bottom - top);
    cairo_stroke(cr);
    text(cr, (left + right) / 2, bottom + 28, p.xLabel, 13, 0.5, 0.0);
    text(cr, x0 + 14, (top + bottom) / 2, p.yLabel, 13, 0.5, 0.5, false, true);

    // Bands first, then lines, clipped to the frame.
    cairo_save(cr);
    cairo_rectangle(cr, left, top, right - left, bottom - top);
    cairo_clip(cr);
    for (std::size_t k = 0; k < p.series.size(); ++k) {
        const PlotSeries& s = p.series[k];
        const double* c = seriesColour(s, k);
        if (!s.low.empty()) {
            cairo_set_source_rgba(cr, c[0], c[1], c[2], 0.18);
            bool started = false;
            for (std::size_t i = 0; i < s.x.size(); ++i)
                if (std::isfinite(s.low[i])) {
                    (started ? cairo_line_to : cairo_move_to)(cr, px(s.x[i]), py(s.low[i]));
                    started = true;
                }
            for (std::size_t i = s.x.size(); i-- > 0;)
                if (std::isfinite(s.high[i]))
                    cairo_line_to(cr, px(s.x[i]), py(s.high[i]));
            cairo_close_path(cr);
            cairo_fill(cr);
        }
    }
    cairo_set_line_width(cr, 2.0);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (std::size_t k = 0; k < p.series.size(); ++k) {
        const PlotSeries& s = p.series[k];
        const double* c = seriesColour(s, k);
        cairo_set_source_rgb(cr, c[0], c[1], c[2]);
        const double dash[] = {7.0, 5.0};
        cairo_set_dash(cr, dash, s.dashed ? 2 : 0, 0);
        bool drawing = false;
        for (std::size_t i = 0; i < s.x.size(); ++i) {
            if (!std::isfinite(s.y[i])) {
                drawing = false;
                continue;
            }
            (drawing ? cairo_line_to : cairo_move_to)(cr, px(s.x[i]), py(s.y[i]));
            drawing = true;
        }
        cairo_stroke(cr);
    }
    cairo_set_dash(cr, nullptr, 0, 0);
    cairo_restore(cr);
}

} // namespace

std::vector<double> niceTicks(double lo, double hi, int target)
{
    std::vector<double> t;
    if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi))
        return t;
    const double raw = (hi - lo) / std::max(1, target);
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = mag;
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * mag >= raw) {
            step = m * mag;
            break;
        }
    for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
        t.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
    return t;
}

std::vector<double> logTicks(double lo, double hi)
{
    std::vector<double> t;
    if (!(lo > 0) || !(hi > lo) || !std::isfinite(hi))
        return t;
    const int d0 = static_cast<int>(std::floor(std::log10(lo))), d1 = static_cast<int>(std::ceil(std::log10(hi)));
    const double decades = std::log10(hi / lo);
    const std::vector<double> multiples = decades <= 1.2 ? std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9}
                                          : decades <= 2.5 ? std::vector<double>{1, 2, 5}
                                                           : std::vector<double>{1};
    for (int d = d0; d <= d1; ++d)
        for (double m : multiples) {
            const double v = m * std::pow(10.0, d);
            if (v >= lo * (1 - 1e-12) && v <= hi * (1 + 1e-12))
                t.push_back(v);
        }
    return t;
}

std::vector<double> sequentialColour(double t)
{
    // viridis at 0, 0.25, 0.5, 0.75, 1, linearly between.
    static constexpr double k[5][3] = {{0.267, 0.005, 0.329}, {0.229, 0.322, 0.546}, {0.128, 0.567, 0.551},
                                       {0.369, 0.789, 0.383}, {0.993, 0.906, 0.144}};
    t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0) * 4;
    const int i = std::min(3, static_cast<int>(t));
    const double f = t - i;
    return {k[i][0] + f * (k[i + 1][0] - k[i][0]), k[i][1] + f * (k[i + 1][1] - k[i][1]),
            k[i][2] + f * (k[i + 1][2] - k[i][2])};
}

namespace {

void writeSurfacePng(cairo_surface_t* surface, const std::filesystem::path& path)
{
    cairo_surface_flush(surface);
    std::string png;
    const auto status = cairo_surface_write_to_png_stream(
        surface,
        [](void* closure, const unsigned char* data, unsigned int length) {
            static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
            return CAIRO_STATUS_SUCCESS;
        },
        &png);
    if (status != CAIRO_STATUS_SUCCESS)
        throw std::runtime_error(path.string() + ": cairo could not encode the PNG: " + cairo_status_to_string(status));
    AtomicFile out(path, true);
    out.stream().write(png.data(), static_cast<std::streamsize>(png.size()));
    out.commit();
}

} // namespace

void writeHeatmapSheetPng(const std::filesystem::path& path, const std::vector<HeatmapPanel>& panels, double lo,
                          double hi, const std::string& caption)
{
    for (const HeatmapPanel& p : panels)
        if (p.rows <= 0 || p.cols <= 0 || p.values.size() != static_cast<std::size_t>(p.rows) * static_cast<std::size_t>(p.cols))
            throw std::invalid_argument("heat map \"" + p.title + "\": " + std::to_string(p.values.size()) +
                                        " values for " + std::to_string(p.rows) + " x " + std::to_string(p.cols));
    const int n = std::max<int>(1, static_cast<int>(panels.size()));
    const int perRow = std::min(n, 6), gridRows = (n + perRow - 1) / perRow;
    const int cell = 200, gap = 16, titleH = 24;
    const int width = perRow * (cell + gap) + gap + 90, height = 40 + gridRows * (cell + titleH + gap) + 20;
    Surface surface(width, height);
    cairo_t* cr = surface.cr;
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    text(cr, width / 2.0, 10, caption, 15, 0.5, 0.0, true);
    const double span = hi > lo ? hi - lo : 1;
    for (int k = 0; k < static_cast<int>(panels.size()); ++k) {
        const HeatmapPanel& p = panels[static_cast<std::size_t>(k)];
        // The map at one pixel per cell, scaled into the panel with sharp (nearest) cells.
        cairo_surface_t* img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, p.cols, p.rows);
        cairo_surface_flush(img);
        unsigned char* data = cairo_image_surface_get_data(img);
        const int stride = cairo_image_surface_get_stride(img);
        for (int r = 0; r < p.rows; ++r)
            for (int c = 0; c < p.cols; ++c) {
                const double v = p.values[static_cast<std::size_t>(r) * static_cast<std::size_t>(p.cols) + static_cast<std::size_t>(c)];
                const std::vector<double> rgb = std::isfinite(v) ? sequentialColour((v - lo) / span) : std::vector<double>{0.92, 0.92, 0.92};
                auto* px = reinterpret_cast<std::uint32_t*>(data + r * stride) + c;
                *px = (static_cast<std::uint32_t>(rgb[0] * 255 + 0.5) << 16) | (static_cast<std::uint32_t>(rgb[1] * 255 + 0.5) << 8) |
                      static_cast<std::uint32_t>(rgb[2] * 255 + 0.5);
            }
        cairo_surface_mark_dirty(img);
        const double scale = static_cast<double>(cell) / std::max(p.rows, p.cols);
        const double x = gap + (k % perRow) * (cell + gap), y = 40 + (k / perRow) * (cell + titleH + gap);
        cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
        text(cr, x + cell / 2.0, y, p.title, 13, 0.5, 0.0);
        cairo_save(cr);
        cairo_translate(cr, x, y + titleH);
        cairo_scale(cr, scale, scale);
        cairo_set_source_surface(cr, img, 0, 0);
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
        cairo_paint(cr);
        cairo_restore(cr);
        cairo_surface_destroy(img);
    }
    // Colour bar with its two ends and middle labelled.
    const double bx = width - 70, by = 50, bh = height - 110;
    for (int i = 0; i < 100; ++i) {
        const auto rgb = sequentialColour(1 - i / 99.0);
        cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        cairo_rectangle(cr, bx, by + bh * i / 100.0, 18, bh / 100.0 + 1);
        cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
    for (double t : {0.0, 0.5, 1.0})
        text(cr, bx + 22, by + bh * (1 - t), fmt::format("{:g}", lo + t * span), 12, 0.0, 0.5);
    writeSurfacePng(surface.s, path);
}

void writeLinePlotPng(const std::filesystem::path& path, const std::vector<PlotPanel>& panels, int width, int height)
{
    for (const PlotPanel& p : panels)
        for (const PlotSeries& s : p.series)
            if (s.y.size() != s.x.size() || (!s.low.empty() && (s.low.size() != s.x.size() || s.high.size() != s.x.size())))
                throw std::invalid_argument("plot series \"" + s.label + "\": x, y and band lengths differ");
    const int n = std::max<int>(1, static_cast<int>(panels.size()));
    // Room for the legend below the panels: one row per 4 series.
    std::size_t series = 0;
    for (const PlotPanel& p : panels)
        series = std::max(series, p.series.size());
    const int legendRows = static_cast<int>((series + 3) / 4);
    const int total = height + 24 * legendRows + 10;
    Surface surface(width, total);
    cairo_t* cr = surface.cr;
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    const double w = static_cast<double>(width) / n;
    for (int i = 0; i < n && i < static_cast<int>(panels.size()); ++i)
        drawPanel(cr, panels[static_cast<std::size_t>(i)], i * w, 0, w, height);
    // One legend for all panels (their series share labels and colours).
    if (!panels.empty()) {
        const auto& s = panels.front().series;
        const double colW = width / 4.0;
        for (std::size_t k = 0; k < s.size(); ++k) {
            const double lx = 40 + static_cast<double>(k % 4) * colW, ly = height + 12 + 24.0 * static_cast<double>(k / 4);
            const double* c = seriesColour(s[k], k);
            cairo_set_source_rgb(cr, c[0], c[1], c[2]);
            cairo_set_line_width(cr, 3);
            const double dash[] = {7.0, 5.0};
            cairo_set_dash(cr, dash, s[k].dashed ? 2 : 0, 0);
            cairo_move_to(cr, lx, ly);
            cairo_line_to(cr, lx + 28, ly);
            cairo_stroke(cr);
            cairo_set_dash(cr, nullptr, 0, 0);
            cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
            text(cr, lx + 36, ly, s[k].label, 13, 0.0, 0.5);
        }
    }
    writeSurfacePng(surface.s, path);
}

} // namespace rewire
