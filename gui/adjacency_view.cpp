#include "gui/adjacency_view.h"

#include "gui/colormap.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>
#include <numeric>

namespace rewire::gui {

AdjacencyView::AdjacencyView(QWidget* parent) : SnapshotView(parent)
{
    m_layer = addCombo(tr("Layer:"));
    m_order = addCombo(tr("Order:"), {tr("natural"), tr("sorted by degree")});
    m_canvas = new ImageCanvas;
    m_canvas->render = [this](QPainter& p, QSize size) { render(p, size); };
    content()->addWidget(m_canvas, 1);
    setFigure(m_canvas);
    connect(m_layer, &QComboBox::currentIndexChanged, this, [this] { m_canvas->invalidate(); });
    connect(m_order, &QComboBox::currentIndexChanged, this, [this] { m_canvas->invalidate(); });
}

void AdjacencyView::setLayer(int layer) { m_layer->setCurrentIndex(layer); }
void AdjacencyView::setDegreeSorted(bool sorted) { m_order->setCurrentIndex(sorted ? 1 : 0); }

void AdjacencyView::refresh()
{
    syncLayerCombo(m_layer);
    m_canvas->invalidate();
}

void AdjacencyView::render(QPainter& p, QSize size)
{
    const int l = m_layer->currentIndex();
    if (!m_snapshot || !m_snapshot->network || l < 0) {
        p.drawText(QRect(QPoint(0, 0), size), Qt::AlignCenter, tr("No network yet."));
        return;
    }
    const Snapshot& s = *m_snapshot;
    const SparseLayer& layer = s.network->layer(l);
    const bool sorted = m_order->currentIndex() == 1;
    const QFontMetrics fm = p.fontMetrics();

    // Plot area with square-ish cells, leaving room for the labels and the colour bar.
    const QString title = tr("%1 → %2, epoch %3: %4 of %5 possible edges (%6%)")
                              .arg(neuronSetName(s, l), neuronSetName(s, l + 1))
                              .arg(s.epoch)
                              .arg(groupDigits(s.layers[static_cast<std::size_t>(l)].edges),
                                   groupDigits(static_cast<long long>(layer.inputs()) * layer.outputs()))
                              .arg(100.0 * s.layers[static_cast<std::size_t>(l)].density, 0, 'f', 2);
    // The title and the line under it wrap (never cut); the line's room is that of its longest form.
    const int titleHeight = wrappedHeight(fm, size.width() - 8, {title, tr("128x128 blocks of ~00000.0x00000.0 neurons; colour = block density")});
    const int left = fm.height() * 2 + 8, top = titleHeight + 8, right = 90, bottom = fm.height() * 2 + 8;
    const int availW = size.width() - left - right, availH = size.height() - top - bottom;
    if (availW < 20 || availH < 20)
        return;
    // At most 128 blocks a side: with a few neurons per block, densities are not mere sampling noise.
    // A sketched live network brings its block counts (its grids hold whole blocks of these).
    const LayerSketch* sketch = s.sketch ? &s.sketch->layers[static_cast<std::size_t>(l)] : nullptr;
    // A sketch's grid of g cells a side is shown in b blocks that each hold whole cells: any b when
    // its cells are single neurons (g = n), else a divisor of g (block k then starts where cell
    // k·g/b does).
    const auto blocks = [&](NeuronIndex n, int avail, int g) {
        const int most = static_cast<int>(std::min<NeuronIndex>(n, std::min(avail, 128)));
        if (!sketch || g == n)
            return most;
        int b = std::min(most, g);
        while (g % b != 0)
            --b;
        return b;
    };
    const int cols = blocks(layer.inputs(), availW, !sketch ? 0 : sorted ? sketch->sortedIn : sketch->gridIn);
    const int rows = blocks(layer.outputs(), availH, !sketch ? 0 : sorted ? sketch->sortedOut : sketch->gridOut);
    const double cellIn = static_cast<double>(layer.inputs()) / cols, cellOut = static_cast<double>(layer.outputs()) / rows;

    // Position of each neuron along its axis: natural, or by degree (highest first, ties by index).
    auto positions = [&](int set, bool inDegree) {
        if (sorted)
            return degreeOrder(s.degrees(set, inDegree));
        std::vector<NeuronIndex> pos(s.setStart[static_cast<std::size_t>(set) + 1] - s.setStart[static_cast<std::size_t>(set)]);
        std::iota(pos.begin(), pos.end(), 0);
        return pos;
    };
    const auto inPos = positions(l, false);
    const auto outPos = positions(l + 1, true);
    std::vector<double> count(static_cast<std::size_t>(rows) * cols);
    if (sketch) {
        const int gi = sorted ? sketch->sortedIn : sketch->gridIn, go = sorted ? sketch->sortedOut : sketch->gridOut;
        const auto& grid = sorted ? sketch->sortedGrid : sketch->grid;
        for (int r = 0; r < go; ++r)
            for (int c = 0; c < gi; ++c)
                count[static_cast<std::size_t>(blockOf(blockStart(r, layer.outputs(), go), layer.outputs(), rows)) * cols +
                      static_cast<std::size_t>(blockOf(blockStart(c, layer.inputs(), gi), layer.inputs(), cols))] +=
                    static_cast<double>(grid[static_cast<std::size_t>(r) * static_cast<std::size_t>(gi) + static_cast<std::size_t>(c)]);
    } else {
        for (NeuronIndex j = 0; j < layer.outputs(); ++j) {
            const int r = blockOf(outPos[static_cast<std::size_t>(j)], layer.outputs(), rows);
            for (EdgeIndex e = layer.rowPtr()[j]; e < layer.rowPtr()[j + 1]; ++e) {
                const int c = blockOf(inPos[static_cast<std::size_t>(layer.colIdx()[e])], layer.inputs(), cols);
                count[static_cast<std::size_t>(r) * cols + c] += 1;
            }
        }
    }
    // Each block's density over its own neuron pairs (blocks hold ⌊n/blocks⌋ or ⌈n/blocks⌉ neurons
    // a side; the mean block area would put a full block above 1).
    std::vector<double> rowSize(static_cast<std::size_t>(rows)), colSize(static_cast<std::size_t>(cols));
    for (int r = 0; r < rows; ++r)
        rowSize[static_cast<std::size_t>(r)] = static_cast<double>(blockStart(r + 1, layer.outputs(), rows) - blockStart(r, layer.outputs(), rows));
    for (int c = 0; c < cols; ++c)
        colSize[static_cast<std::size_t>(c)] = static_cast<double>(blockStart(c + 1, layer.inputs(), cols) - blockStart(c, layer.inputs(), cols));
    double maxDensity = 0;
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
            double& d = count[static_cast<std::size_t>(r) * cols + c];
            d /= rowSize[static_cast<std::size_t>(r)] * colSize[static_cast<std::size_t>(c)];
            maxDensity = std::max(maxDensity, d);
        }
    QImage img(cols, rows, QImage::Format_RGB32);
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c)
            img.setPixel(c, r, viridis(maxDensity > 0 ? count[static_cast<std::size_t>(r) * cols + c] / maxDensity : 0));

    // Keep the matrix's aspect ratio.
    const double aspect = static_cast<double>(layer.inputs()) / static_cast<double>(layer.outputs());
    int w = availW, h = static_cast<int>(availW / aspect);
    if (h > availH) {
        h = availH;
        w = static_cast<int>(availH * aspect);
    }
    const QRect area(left, top, std::max(w, 1), std::max(h, 1));
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    p.drawImage(area, img);
    p.setPen(Qt::black);
    p.setBrush(Qt::NoBrush);
    p.drawRect(area.adjusted(0, 0, -1, -1));

    // The selected neuron's row or column.
    if (m_selected.valid() && (m_selected.set == l || m_selected.set == l + 1)) {
        p.setPen(QPen(kSelected, 2));
        if (m_selected.set == l) {
            const double x = area.left() + (inPos[static_cast<std::size_t>(m_selected.index)] + 0.5) * area.width() / layer.inputs();
            p.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()));
        } else {
            const double y = area.top() + (outPos[static_cast<std::size_t>(m_selected.index)] + 0.5) * area.height() / layer.outputs();
            p.drawLine(QPointF(area.left(), y), QPointF(area.right(), y));
        }
    }

    p.setPen(Qt::black);
    const QString sub = tr("%1x%2 blocks of ~%3x%4 neurons; colour = block density")
                            .arg(rows)
                            .arg(cols)
                            .arg(cellOut, 0, 'f', 1)
                            .arg(cellIn, 0, 'f', 1);
    drawWrapped(p, 4, 2, size.width() - 8, {title, sub});
    const QString xl = tr("input neuron %1(0 – %2)").arg(sorted ? tr("by out-degree ") : QString()).arg(layer.inputs() - 1);
    p.drawText(QPointF(std::clamp(area.center().x() - fm.horizontalAdvance(xl) / 2.0, 2.0, std::max(2.0, size.width() - fm.horizontalAdvance(xl) - 2.0)),
                       area.bottom() + fm.height() + 4),
               xl); // (centred under a narrow matrix, it would run off the left edge)
    const QString yl = tr("output neuron %1(0 – %2)").arg(sorted ? tr("by in-degree ") : QString()).arg(layer.outputs() - 1);
    p.save();
    p.translate(left - 8, area.center().y() + fm.horizontalAdvance(yl) / 2.0);
    p.rotate(-90);
    p.drawText(0, 0, yl);
    p.restore();
    drawColorBar(p, QRect(area.right() + 12, area.top(), 14, std::min(area.height(), 260)), 0, maxDensity,
                 tr("block density"));
}

} // namespace rewire::gui
