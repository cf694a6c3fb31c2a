#include "gui/snapshot_view.h"

#include "gui/image_canvas.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace rewire::gui {

SnapshotView::SnapshotView(QWidget* parent) : QWidget(parent)
{
    m_layout = new QVBoxLayout(this);
    m_layout->setContentsMargins(4, 4, 4, 4);
    m_bar = new QHBoxLayout;
    m_bar->addStretch();
    m_layout->addLayout(m_bar);
}

void SnapshotView::addControl(QWidget* widget, int stretch)
{
    m_bar->insertWidget(m_bar->count() - 1, widget, stretch); // before the closing stretch
}

QComboBox* SnapshotView::addCombo(const QString& label, const QStringList& items)
{
    if (!label.isEmpty())
        addControl(new QLabel(label));
    auto* combo = new QComboBox;
    combo->addItems(items);
    addControl(combo);
    return combo;
}

void SnapshotView::syncLayerCombo(QComboBox* combo) const
{
    const int layers = m_snapshot && m_snapshot->network ? m_snapshot->network->layerCount() : 0;
    if (combo->count() == layers)
        return;
    const int keep = std::max(0, combo->currentIndex());
    combo->blockSignals(true);
    combo->clear();
    for (int l = 0; l < layers; ++l)
        combo->addItem(QStringLiteral("%1 → %2").arg(neuronSetName(*m_snapshot, l), neuronSetName(*m_snapshot, l + 1)));
    combo->setCurrentIndex(std::min(keep, layers - 1));
    combo->blockSignals(false);
}

QSize SnapshotView::figureSize() const { return m_figure ? m_figure->size() : size(); }

void SnapshotView::paintFigure(QPainter& painter, QSize size, double scale)
{
    refreshIfStale();
    QWidget* figure = m_figure ? m_figure : this;
    scale = std::clamp(scale, 0.1, 100.0);
    const QSize logical(std::max(1, static_cast<int>(std::lround(size.width() / scale))),
                        std::max(1, static_cast<int>(std::lround(size.height() / scale))));
    painter.save();
    painter.fillRect(QRect(QPoint(0, 0), size), Qt::white);
    painter.scale(static_cast<double>(size.width()) / logical.width(), static_cast<double>(size.height()) / logical.height());
    if (auto* canvas = dynamic_cast<ImageCanvas*>(figure); canvas && canvas->render) {
        canvas->render(painter, logical);
    } else { // laid out at the logical size for the figure, then back
        const QSize shown = figure->size();
        figure->resize(logical);
        figure->render(&painter, QPoint(), QRegion(), QWidget::DrawChildren);
        figure->resize(shown);
    }
    painter.restore();
}

QString neuronSetName(const Snapshot& s, int set)
{
    const int last = static_cast<int>(s.setStart.size()) - 2;
    if (set == 0)
        return QStringLiteral("inputs");
    if (set == last)
        return QStringLiteral("outputs");
    return QStringLiteral("hidden %1").arg(set);
}

} // namespace rewire::gui
