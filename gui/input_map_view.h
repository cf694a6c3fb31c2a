#pragma once
// Input connectivity map: out-degree or strength of every input neuron drawn in the data's image
// shape (SET's 28x28 map on Fashion-MNIST), optionally as the change since epoch 0. Clicking a
// pixel selects that input neuron.

#include "gui/image_canvas.h"
#include "gui/snapshot_view.h"

class QComboBox;

namespace rewire::gui {

class InputMapView : public SnapshotView {
    Q_OBJECT
public:
    enum class Metric { OutDegree, Strength };
    explicit InputMapView(QWidget* parent = nullptr);
    void setMetric(Metric metric);

protected:
    void refresh() override;

private:
    ImageCanvas* m_canvas;
    QComboBox* m_metric;
    QRect m_area; // where the map was drawn, for clicks
    int m_rows = 1, m_cols = 1;
    void render(QPainter& painter, QSize size);
};

} // namespace rewire::gui
