#include "analysis/evolution_plots.h"

#include "analysis/input_map.h"
#include "analysis/line_plot.h"
#include "analysis/power_law.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace rewire {

void EvolutionPlots::addSnapshot(int epoch, const NetworkGraph& network, const std::vector<TopologyRow>& rows)
{
    Snapshot s;
    s.epoch = epoch;
    for (int l = 0; l < network.layerCount(); ++l)
        s.inDegree.push_back(degreeDistribution(degreeSequence(network.layer(l), Side::In)));
    if (network.layerCount() > 0) {
        const SparseLayer& first = network.layer(0);
        for (NeuronIndex i = 0; i < first.inputs(); ++i)
            s.inputDegree.push_back(first.outDegree(i));
        m_grid = inputGrid(network);
    }
    m_snapshots.push_back(std::move(s));
    m_rows.insert(m_rows.end(), rows.begin(), rows.end());
}

void EvolutionPlots::writeInputSheet(const std::filesystem::path& path) const
{
    const std::size_t n = m_snapshots.front().inputDegree.size();
    auto [rows, cols] = m_grid;
    std::string shape = fmt::format("{} x {} image", rows, cols);
    if (rows <= 1) { // no image shape: a near-square grid, row by row
        cols = std::max(1, static_cast<int>(std::ceil(std::sqrt(static_cast<double>(n)))));
        rows = static_cast<int>((n + static_cast<std::size_t>(cols) - 1) / static_cast<std::size_t>(cols));
        shape = fmt::format("inputs in rows of {}", cols);
    }
    std::int64_t top = 1;
    for (const Snapshot& s : m_snapshots)
        for (std::int64_t d : s.inputDegree)
            top = std::max(top, d);
    std::vector<HeatmapPanel> panels;
    for (const Snapshot& s : m_snapshots) {
        HeatmapPanel p;
        p.title = fmt::format("epoch {}", s.epoch);
        p.rows = rows;
        p.cols = cols;
        p.values.assign(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols), std::nan(""));
        for (std::size_t i = 0; i < s.inputDegree.size() && i < p.values.size(); ++i)
            p.values[i] = static_cast<double>(s.inputDegree[i]);
        panels.push_back(std::move(p));
    }
    writeHeatmapSheetPng(path, panels, 0, static_cast<double>(top),
                         fmt::format("first-layer out-degree of each input ({})", shape));
}

std::vector<std::string> EvolutionPlots::write(const std::filesystem::path& dir, const NetworkGraph& finalModel) const
{
    std::vector<std::string> written;
    const int layers = finalModel.layerCount();
    if (m_snapshots.empty() || layers == 0)
        return written;
    const int first = m_snapshots.front().epoch, last = m_snapshots.back().epoch;
    auto colourOf = [&](int epoch) {
        return sequentialColour(last > first ? static_cast<double>(epoch - first) / (last - first) : 1.0);
    };

    std::vector<PlotPanel> ccdf;
    for (int l = 0; l < layers; ++l) {
        // A layer whose neurons all have one in-degree (a dense output layer) has nothing to draw.
        const auto seq = degreeSequence(finalModel.layer(l), Side::In);
        const DegreeDistribution d = degreeDistribution(seq);
        if (d.degree.size() < 2)
            continue;
        PlotPanel p;
        p.title = fmt::format("layer {} ({} → {})", l, finalModel.neuronSetSize(l), finalModel.neuronSetSize(l + 1));
        p.xLabel = "in-degree k";
        p.yLabel = "P(K ≥ k)";
        p.logX = p.logY = true;
        for (const Snapshot& s : m_snapshots) {
            if (static_cast<std::size_t>(l) >= s.inDegree.size())
                continue;
            const DegreeDistribution& snap = s.inDegree[static_cast<std::size_t>(l)];
            PlotSeries line;
            line.label = fmt::format("epoch {}", s.epoch);
            line.colour = colourOf(s.epoch);
            for (std::size_t k = 0; k < snap.degree.size(); ++k) {
                line.x.push_back(static_cast<double>(snap.degree[k]));
                line.y.push_back(snap.ccdf[k]);
            }
            p.series.push_back(std::move(line));
        }
        // The final model's fitted tail: P(K >= k) = P(K >= xmin) (k / xmin)^-(alpha - 1) (the
        // continuous approximation of the discrete law's CCDF), from xmin to the largest degree.
        const std::vector<double> values(seq.begin(), seq.end());
        PowerLawOptions o;
        o.bootstrapSamples = 0;
        const PowerLawFit f = fitPowerLaw(values, true, o);
        if (f.fitted) {
            double atXmin = 0;
            for (std::size_t k = 0; k < d.degree.size(); ++k)
                if (static_cast<double>(d.degree[k]) >= f.xmin) {
                    atXmin = d.ccdf[k];
                    break;
                }
            PlotSeries tail;
            tail.label = fmt::format("power-law fit of epoch {} (dashed)", last);
            p.title += fmt::format(": tail α = {:.1f}, k ≥ {:.0f}", f.alpha, f.xmin);
            tail.colour = {0.85, 0.1, 0.1};
            tail.dashed = true;
            const double top = static_cast<double>(d.max);
            for (int i = 0; i <= 40; ++i) {
                const double k = f.xmin * std::pow(top / f.xmin, i / 40.0);
                tail.x.push_back(k);
                tail.y.push_back(atXmin * std::pow(k / f.xmin, -(f.alpha - 1)));
            }
            p.series.push_back(std::move(tail));
        }
        ccdf.push_back(std::move(p));
    }
    if (!ccdf.empty()) {
        writeLinePlotPng(dir / "degree_ccdf.png", ccdf, std::max(700, 560 * static_cast<int>(ccdf.size())), 520);
        written.push_back("degree_ccdf.png");
    }

    // Turnover over epochs, one line per layer.
    PlotPanel t;
    t.title = "mask turnover between consecutive snapshots";
    t.xLabel = "epoch";
    t.yLabel = "1 − |E₁∩E₂| / |E₁∪E₂|";
    for (int l = 0; l < layers; ++l) {
        PlotSeries s;
        s.label = fmt::format("layer {}", l);
        for (const TopologyRow& r : m_rows)
            if (r.layer == l && r.hasPrevious) {
                s.x.push_back(r.epoch);
                s.y.push_back(r.turnover.jaccardDistance);
            }
        t.series.push_back(std::move(s));
    }
    // The exploration rate over epochs, when the run recorded it: log y, since a dense layer sits at
    // 1 and a 5M x 5M one near 1e-6; a sketched layer's ±2 standard errors as a band.
    PlotPanel x;
    x.title = "exploration rate: share of positions ever active";
    x.xLabel = "epoch";
    x.yLabel = "explored / (inputs × outputs)";
    x.logY = true;
    for (int l = 0; l < layers; ++l) {
        PlotSeries s;
        s.label = fmt::format("layer {}", l);
        bool sketched = false;
        for (const TopologyRow& r : m_rows)
            if (r.layer == l && r.hasExploration)
                sketched = sketched || r.explorationError > 0;
        for (const TopologyRow& r : m_rows)
            if (r.layer == l && r.hasExploration) {
                s.x.push_back(r.epoch);
                s.y.push_back(r.explorationRate);
                if (sketched) {
                    s.low.push_back(r.explorationRate * (1 - 2 * r.explorationError));
                    s.high.push_back(r.explorationRate * (1 + 2 * r.explorationError));
                }
            }
        if (sketched)
            s.label += " (sketch, ±2σ)";
        if (!s.x.empty())
            x.series.push_back(std::move(s));
    }
    if (x.series.empty()) {
        writeLinePlotPng(dir / "turnover.png", {t}, 900, 480);
    } else {
        writeLinePlotPng(dir / "turnover.png", {t, x}, 1500, 480);
    }
    written.push_back("turnover.png");
    writeInputSheet(dir / "input_map_sheet.png");
    written.push_back("input_map_sheet.png");
    return written;
}

} // namespace rewire
