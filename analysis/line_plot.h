#pragma once
// Line charts as PNG, drawn with cairo (libcairo2-dev): panels side by side, one line per series
// with an optional band (min..max or mean ± std over seeds), a legend, axes with round ticks.
// For `rewire compare` and the analysis pictures; locale-free (every label goes through fmt).

#include <filesystem>
#include <string>
#include <vector>

namespace rewire {

struct PlotSeries {
    std::string label;
    std::vector<double> x, y;       // the line (NaN y values leave a gap)
    std::vector<double> low, high;  // the band, empty for none; same length as x
    std::vector<double> colour;     // r, g, b in [0, 1]; empty: the palette's next colour
    bool dashed = false;
};

struct PlotPanel {
    std::string title, xLabel, yLabel;
    std::vector<PlotSeries> series;
    // Logarithmic axes (logTicks); values <= 0 are not drawn.
    bool logX = false, logY = false;
};

// A sequential colour for t in [0, 1] (viridis, sampled): for series ordered in time.
std::vector<double> sequentialColour(double t);

// Writes the panels in one row, each about width / panels wide, atomically. Throws
// std::runtime_error naming the file when it cannot be written, std::invalid_argument for
// mismatched series lengths. Time complexity: O(points).
void writeLinePlotPng(const std::filesystem::path& path, const std::vector<PlotPanel>& panels, int width = 1400,
                      int height = 520);

// Heat maps side by side, one colour scale (viridis from lo to hi, NaN cells light grey) with a
// labelled colour bar and a caption: for maps over epochs (rewire analyze --plots).
struct HeatmapPanel {
    std::string title;
    int rows = 0, cols = 0;
    std::vector<double> values; // rows x cols, row-major
};
void writeHeatmapSheetPng(const std::filesystem::path& path, const std::vector<HeatmapPanel>& panels, double lo,
                          double hi, const std::string& caption);

// Round tick values covering [lo, hi]: about `target` of them at 1, 2 or 5 x 10^k steps.
std::vector<double> niceTicks(double lo, double hi, int target = 6);
// Ticks of a logarithmic axis over [lo, hi] (both > 0): powers of ten; with 2 and 5 when the range
// spans up to 2.5 decades, every integer multiple up to 1.2 decades.
std::vector<double> logTicks(double lo, double hi);

} // namespace rewire
