#pragma once
// Layered network view: neurons in columns per layer, edges coloured by sign with opacity by |w|.
// Level of detail: the top-k edges by |w| per layer, block density between neuron bins, or all
// edges when there are few. Edges added and removed since the previous snapshot are highlighted;
// a click on a neuron selects it and shows its fan-in, fan-out and metrics.

#include "gui/image_canvas.h"
#include "gui/snapshot_view.h"

class QComboBox;
class QCheckBox;
class QLabel;

namespace rewire::gui {

class NetworkView : public SnapshotView {
    Q_OBJECT
public:
    enum class Detail { TopK, Blocks, All };
    explicit NetworkView(QWidget* parent = nullptr);
    void setDetail(Detail detail);
    // Edges drawn per layer in TopK mode (and the cap on highlighted changes).
    void setEdgeBudget(int edges);
    // Milliseconds the last frame took to render.
    double renderMillis() const { return m_canvas->renderMillis(); }
    // The neuron under a point of the canvas, if any.
    NeuronRef neuronAt(QPoint point) const;
    QString infoText() const; // the line under the canvas, for tests

protected:
    void refresh() override;

private:
    ImageCanvas* m_canvas;
    QComboBox* m_detail;
    QCheckBox* m_changes;
    QLabel* m_info;
    int m_budget = 1500;

    void render(QPainter& painter, QSize size);
    void updateInfo();
};

} // namespace rewire::gui
