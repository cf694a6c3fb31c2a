#pragma once
// Base of the views: each shows the snapshot under the timeline cursor (with epoch 0 for
// comparison) and follows the selected neuron. Views render lazily: a hidden view only marks
// itself stale, so training never pays for views nobody looks at.

#include "gui/snapshot.h"

#include <QWidget>

class QComboBox;
class QPainter;
class QHBoxLayout;
class QVBoxLayout;

namespace rewire::gui {

struct NeuronRef {
    int set = -1; // neuron set: 0 = inputs; -1 = none
    NeuronIndex index = 0;
    bool valid() const { return set >= 0; }
    bool operator==(const NeuronRef&) const = default;
};

class SnapshotView : public QWidget {
    Q_OBJECT
public:
    // Lays the view out as a control bar above the content (addControl, addCombo, content()).
    explicit SnapshotView(QWidget* parent = nullptr);
    void setSnapshot(SnapshotPtr current, SnapshotPtr initial)
    {
        m_snapshot = std::move(current);
        m_initial = std::move(initial);
        if (!holds(m_snapshot, m_selected))
            m_selected = {};
        invalidate();
    }
    void setSelectedNeuron(NeuronRef neuron)
    {
        if (!holds(m_snapshot, neuron))
            neuron = {};
        if (neuron == m_selected)
            return;
        m_selected = neuron;
        selectionChanged();
    }
    const SnapshotPtr& snapshot() const { return m_snapshot; }
    // Whether `neuron` exists in the snapshot (its set and its index).
    static bool holds(const SnapshotPtr& snapshot, NeuronRef neuron)
    {
        if (!neuron.valid() || !snapshot || neuron.set >= static_cast<int>(snapshot->setStart.size()) - 1)
            return false;
        const auto k = static_cast<std::size_t>(neuron.set);
        return neuron.index >= 0 && static_cast<std::size_t>(neuron.index) < snapshot->setStart[k + 1] - snapshot->setStart[k];
    }
    // The view's figure (its content without the control bar) painted at `size` on any paint
    // device: an SVG or PDF page, or an image of any size. It is laid out at size / scale (so text
    // keeps its proportions: scale = dpi / 96 keeps its printed size) and drawn scaled by `scale`;
    // canvases draw themselves at that size (vector where they draw vectors).
    void paintFigure(QPainter& painter, QSize size, double scale = 1.0);
    QSize figureSize() const;
    NeuronRef selectedNeuron() const { return m_selected; }

signals:
    void neuronSelected(rewire::gui::NeuronRef neuron);

protected:
    // Called when the data changes; refresh now if visible, else on the next show.
    void invalidate()
    {
        m_stale = true;
        if (isVisible())
            refreshIfStale();
    }
    void refreshIfStale()
    {
        if (m_stale) {
            m_stale = false;
            refresh();
        }
    }
    void showEvent(QShowEvent* event) override
    {
        QWidget::showEvent(event);
        refreshIfStale();
    }
    virtual void refresh() = 0;
    virtual void selectionChanged() { invalidate(); }
    // The control bar, left to right.
    void addControl(QWidget* widget, int stretch = 0);
    QComboBox* addCombo(const QString& label, const QStringList& items = {});
    // Below the bar: the view's content.
    QVBoxLayout* content() const { return m_layout; }
    void setFigure(QWidget* figure) { m_figure = figure; } // what paintFigure() draws
    // Fills a combo box with the snapshot's layers ("inputs → hidden 1", ...) when their number
    // changed, keeping the selection where it can and without emitting signals.
    void syncLayerCombo(QComboBox* combo) const;

    void select(NeuronRef neuron)
    {
        m_selected = neuron;
        selectionChanged();
        emit neuronSelected(neuron);
    }

    SnapshotPtr m_snapshot, m_initial;
    QVBoxLayout* m_layout;
    QHBoxLayout* m_bar;
    QWidget* m_figure = nullptr;
    NeuronRef m_selected;
    bool m_stale = true;
};

QString neuronSetName(const Snapshot& snapshot, int set);

} // namespace rewire::gui

Q_DECLARE_METATYPE(rewire::gui::NeuronRef)
