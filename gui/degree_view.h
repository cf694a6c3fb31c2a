#pragma once
// Degree distribution of one layer, log-log, in- or out-degrees, with epoch 0 overlaid; P(k) or
// the CCDF P(D >= k). Zero degrees cannot sit on a log axis: they are dropped and counted in the
// caption.

#include "gui/snapshot_view.h"

#include <cmath>
#include <memory>

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
    // Another run's network drawn over the shown one's (same layer and side), named `name`;
    // null: none.
    void setAgainst(std::shared_ptr<const NetworkGraph> network, const QString& name);
    // Points plotted by the last refresh (current epoch), for tests.
    int pointCount() const { return m_points; }
    // The chart's title and the caption under it, for tests.
    QString caption() const;
    // Powers of the axis's base inside its range (the ticks Qt labels), for tests.
    int labelledTicks(bool xAxis) const;
    // How many times wider than the data's span the axis is (ratio of the log spans' ends), for tests.
    double axisSlack(bool xAxis) const;
    bool legendShows(const QString& name) const; // a visible legend entry of that name

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
    QLineSeries* m_other;      // another run (setAgainst)
    std::shared_ptr<const NetworkGraph> m_against;
    QString m_againstName;
    QLogValueAxis* m_x;
    QLogValueAxis* m_y;
    static void setLogRange(QLogValueAxis* axis, double lo, double hi, double cap = INFINITY);
    double m_data[4] = {1, 1, 1, 1}; // the points' x and y extremes
    int m_points = 0;
};

} // namespace rewire::gui
