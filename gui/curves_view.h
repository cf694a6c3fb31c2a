#pragma once
// Training curves of the whole run (the newest snapshot's history), with the timeline cursor
// marked: accuracy, loss, connections with pruned/regrown counts, and topology turnover between
// consecutive snapshots. Log-x toggle. Series and axes are built once and refilled, so a refresh
// costs only the points.

#include "gui/snapshot_view.h"

#include <QStringList>

#include <functional>

class QAreaSeries;
class QCheckBox;
class QLabel;
class QChart;
class QLineSeries;
class QLogValueAxis;
class QScatterSeries;
class QValueAxis;

namespace rewire::gui {

// Another run's curves drawn over the shown run's: its test accuracy, test loss and connections,
// as the mean over its seeds with a ± sd band when it has several.
struct RunCurves {
    QString name;
    std::vector<std::vector<EpochMetrics>> seeds;
};

class CurvesView : public SnapshotView {
    Q_OBJECT
public:
    explicit CurvesView(QWidget* parent = nullptr);
    // The snapshot whose history is drawn (the newest); setSnapshot() moves the cursor.
    void setHistory(SnapshotPtr latest, bool refresh = true);
    void setLogX(bool logX);
    // What the titles say while a run has no metrics yet ("waiting for the first epoch" while
    // training; by default that the run folder holds them, for a model opened alone).
    void setEmptyText(const QString& text);
    // Points in the accuracy chart's test series; in all series; the charts' titles: for tests.
    int testPoints() const;
    int pointCount() const;
    QString caption() const;
    // Runs drawn over the shown one; a legend above the charts names every run's colour (the shown
    // one as `mainName`) while there are any.
    void setOverlays(const QString& mainName, std::vector<RunCurves> runs);
    const QStringList& runLegend() const { return m_legendNames; } // the runs it names, in order
    // The visible legend entries of a chart (0 accuracy, 1 loss, 2 connections, 3 turnover), and
    // the points of the series of that name, for tests.
    QStringList legendNames(int chart) const;
    QList<QPointF> seriesPoints(int chart, const QString& name) const;
    // The lr/ζ changes marked on the accuracy and loss charts: their legend entries, in order.
    QStringList changeMarks() const;

protected:
    void refresh() override;
    void selectionChanged() override {}

private:
    struct Curve {
        QLineSeries* series;
        QString name;
        std::function<double(const EpochMetrics&)> value;
        bool evolutionOnly = false; // pruned/regrown: no topology step after the last epoch
    };
    struct Panel {
        QChart* chart;
        QValueAxis* x;
        QLogValueAxis* logX;
        QValueAxis* y;
        std::vector<Curve> curves;
        QScatterSeries* cursor;
        bool fromZero = false;
    };
    QCheckBox* m_logX;
    std::vector<Panel> m_panels; // accuracy, loss, connections, turnover
    QLineSeries* m_validationAcc;
    QLineSeries* m_validationLoss;
    SnapshotPtr m_latest;
    bool m_axisIsLog = false;
    QString m_emptyText;
    std::vector<QLineSeries*> m_marks[2]; // per change, a vertical line in the accuracy and loss charts
    struct Overlay { // per run and chart (accuracy, loss, connections)
        QLineSeries* mean[3];
        QAreaSeries* band[3]; // null for a single seed
    };
    std::vector<RunCurves> m_runs;
    std::vector<Overlay> m_overlays;
    QString m_mainName;
    QLabel* m_runLegend;
    QStringList m_legendNames;
    void markChanges(const std::vector<ParameterChange>& changes, int total);

    Panel makePanel(const QString& title, const QString& yTitle);
    void addCurve(Panel& panel, const QString& name, QColor color, Qt::PenStyle style,
                  std::function<double(const EpochMetrics&)> value, bool evolutionOnly = false);
};

} // namespace rewire::gui
