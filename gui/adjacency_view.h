#pragma once
// Per-layer adjacency heat map: the outputs x inputs matrix aggregated into blocks, coloured by
// block density, in natural order or with neurons sorted by degree.

#include "gui/image_canvas.h"
#include "gui/snapshot_view.h"

class QComboBox;

namespace rewire::gui {

class AdjacencyView : public SnapshotView {
    Q_OBJECT
public:
    explicit AdjacencyView(QWidget* parent = nullptr);
    void setLayer(int layer);
    void setDegreeSorted(bool sorted);

protected:
    void refresh() override;

private:
    ImageCanvas* m_canvas;
    QComboBox* m_layer;
    QComboBox* m_order;
    void render(QPainter& painter, QSize size);
};

} // namespace rewire::gui
