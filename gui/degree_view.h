#pragma once
// Degree distribution of one layer, log-log, in- or out-degrees, with epoch 0 overlaid; P(k) or
// the CCDF P(D >= k). Zero degrees cannot sit on a log axis: they are dropped and counted in the
// caption.

#include "gui/snapshot_view.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QChart;
class QChartView;
class QLineSeries;
class QLogValueAxis;
class QScatterSeries;

namespace rewire::gui {

class DegreeView : public SnapshotView {
    Q_OBJECT
public:
    explicit DegreeView(QWidget* parent = nullptr);
    void setLayer(int layer);
    void setCcdf(bool ccdf);
    // Points plotted by the last refresh (current epoch), for tests.
    int pointCount() const { return m_points; }
    // The chart's title and the caption under it, for tests.
    QString caption() const;

protected:
    void refresh() override;
    void selectionChanged() override {}

private:
    QComboBox* m_layer;
    QComboBox* m_side;
    QCheckBox* m_ccdf;
    QCheckBox* m_showInitial;
    QLabel* m_caption;
    QChart* m_chart;
    QChartView* m_view;
    QScatterSeries* m_dots;    // P(k) now
    QLineSeries* m_line;       // CCDF now
    QLineSeries* m_first;      // epoch 0
    QLogValueAxis* m_x;
    QLogValueAxis* m_y;
    int m_points = 0;
};

} // namespace rewire::gui
