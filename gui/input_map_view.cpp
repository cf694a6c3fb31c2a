#include "gui/input_map_view.h"

#include "gui/colormap.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace rewire::gui {

InputMapView::InputMapView(QWidget* parent) : SnapshotView(parent)
{
    m_metric = addCombo(tr("Show:"), {tr("out-degree of each input"), tr("strength (sum of |w|) of each input")});
    m_canvas = new ImageCanvas;
    m_canvas->render = [this](QPainter& p, QSize size) { render(p, size); };
    m_canvas->clicked = [this](QPoint point) {
        if (!m_snapshot || !m_area.contains(point))
            return;
        const int c = (point.x() - m_area.left()) * m_cols / std::max(1, m_area.width());
        const int r = (point.y() - m_area.top()) * m_rows / std::max(1, m_area.height());
        const NeuronIndex index = static_cast<NeuronIndex>(r * m_cols + c);
        if (index < m_snapshot->network->layer(0).inputs())
            select({0, index});
    };
    content()->addWidget(m_canvas, 1);
    setFigure(m_canvas);
    connect(m_metric, &QComboBox::currentIndexChanged, this, [this] { m_canvas->invalidate(); });
}

void InputMapView::setMetric(Metric metric) { m_metric->setCurrentIndex(static_cast<int>(metric)); }

void InputMapView::refresh() { m_canvas->invalidate(); }

void InputMapView::render(QPainter& p, QSize size)
{
    if (!m_snapshot || !m_snapshot->network) {
        p.drawText(QRect(QPoint(0, 0), size), Qt::AlignCenter, tr("No network yet."));
        return;
    }
    const Snapshot& s = *m_snapshot;
    const NeuronIndex n = s.network->layer(0).inputs();
    auto [rows, cols] = s.inputGrid;
    const bool imageShape = rows > 1;
    if (!imageShape) { // no image shape: lay the features out row by row in a near-square grid
        cols = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(n))));
        rows = static_cast<int>((n + cols - 1) / cols);
    }
    m_rows = rows;
    m_cols = cols;
    const bool strength = m_metric->currentIndex() == 1;
    std::vector<double> v(static_cast<std::size_t>(n));
    double lo = INFINITY, hi = -INFINITY;
    for (NeuronIndex i = 0; i < n; ++i) {
        const NeuronRow& r = s.neuron(0, i);
        v[static_cast<std::size_t>(i)] = strength ? r.outStrength : static_cast<double>(r.outDegree);
        lo = std::min(lo, v[static_cast<std::size_t>(i)]);
        hi = std::max(hi, v[static_cast<std::size_t>(i)]);
    }
    QImage img(cols, rows, QImage::Format_RGB32);
    img.fill(Qt::lightGray);
    for (NeuronIndex i = 0; i < n; ++i)
        img.setPixel(static_cast<int>(i % cols), static_cast<int>(i / cols),
                     viridis(hi > lo ? (v[static_cast<std::size_t>(i)] - lo) / (hi - lo) : 0.5));

    const QFontMetrics fm = p.fontMetrics();
    std::int64_t unconnected = 0;
    for (NeuronIndex i = 0; i < n; ++i)
        unconnected += s.neuron(0, i).outDegree == 0;
    const QStringList title{
        tr("%1 of the %2 inputs%3, epoch %4")
            .arg(strength ? tr("Strength") : tr("Out-degree"))
            .arg(groupDigits(n))
            .arg(imageShape ? tr(" in their %1x%2 image shape").arg(rows).arg(cols) : tr(" (no image shape: row by row)"))
            .arg(s.epoch),
        tr("%1 inputs have no connection left; brighter = more connected").arg(groupDigits(unconnected))};
    const int top = wrappedHeight(fm, size.width() - 16, title) + 8, right = 100, bottom = fm.height() + 8;
    const int availW = size.width() - 16 - right, availH = size.height() - top - bottom;
    const int cell = std::max(1, std::min(availW / cols, availH / rows));
    m_area = QRect(8 + (availW - cell * cols) / 2, top, cell * cols, cell * rows);
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    p.drawImage(m_area, img);
    p.setPen(Qt::black);
    p.setBrush(Qt::NoBrush);
    p.drawRect(m_area.adjusted(0, 0, -1, -1));
    if (m_selected.valid() && m_selected.set == 0) {
        const int c = static_cast<int>(m_selected.index % cols), r = static_cast<int>(m_selected.index / cols);
        p.setPen(QPen(kSelected, 2));
        p.drawRect(m_area.left() + c * cell - 1, m_area.top() + r * cell - 1, cell + 1, cell + 1);
    }
    p.setPen(Qt::black);
    drawWrapped(p, 8, 2, size.width() - 16, title);
    drawColorBar(p, QRect(m_area.right() + 14, m_area.top(), 14, std::min(m_area.height(), 260)), lo, hi,
                 strength ? tr("strength") : tr("out-degree"));
}

} // namespace rewire::gui
