#pragma once
// Layered network view: neurons in columns per layer, edges coloured by sign with opacity by |w|.
// Level of detail: the top-k edges by |w| per layer, block density between neuron bins (with its
// colour scale), or all edges when there are few. Edges added and removed since the previous
// snapshot are highlighted; a click on a neuron selects it and shows its fan-in, fan-out and
// metrics.
//
// Zoom and pan along the columns (the wheel zooms around the pointer, a drag pans, a double click
// or Fit shows everything; the search field finds "layer:index"): what is drawn is what is in view.
// A column with more neurons in view than pixels is drawn as blocks, one per pixel row (the mean
// importance of the neurons in it; red when most are dead), that open up into single neurons as
// the zoom gives them room; the strongest edges and the density blocks are taken among the edges
// in view.

#include "gui/image_canvas.h"
#include "gui/snapshot_view.h"

#include <QImage>

#include <memory>
#include <vector>

class QComboBox;
class QFontMetrics;
class QCheckBox;
class QLabel;
class QLineEdit;

namespace rewire::gui {

class NetworkView : public SnapshotView {
    Q_OBJECT
public:
    enum class Detail { TopK, Blocks, All };
    struct LegendKey {
        QColor color;
        QString text;
        bool scale = false; // the block-density colour scale: a gradient before the text
    };
    explicit NetworkView(QWidget* parent = nullptr);
    void setDetail(Detail detail);
    // Edges drawn per layer in TopK mode (and the cap on highlighted changes).
    void setEdgeBudget(int edges);
    // Milliseconds the last frame took to render.
    double renderMillis() const { return m_canvas->renderMillis(); }
    // The neuron under a point of the canvas, if any.
    NeuronRef neuronAt(QPoint point) const;
    QString infoText() const; // the line under the canvas, for tests

    // The view along the columns: `zoom` (1 = everything, up to maxZoom()) around `centre`, the
    // fraction of the columns' height at the middle of the canvas (0.5 at zoom 1).
    void setView(double zoom, double centre);
    double zoom() const { return m_zoom; }
    double centre() const { return m_centre; }
    double maxZoom() const; // the largest column's neurons 24 pixels apart
    void zoomAt(QPointF point, double factor); // keeps what is under `point` there
    void panBy(double pixels);                 // the content moves down by `pixels`
    void fitView();
    // Selects a neuron and brings it into view, zoomed in until single neurons show. False, with
    // searchError(), when there is no such neuron. The text form is what the search field takes:
    // "set:index" (neuron sets count from 0 = inputs), or "set index".
    bool findNeuron(int set, NeuronIndex index);
    bool findNeuron(const QString& text);
    const QString& searchError() const { return m_searchError; }
    // Where a neuron is drawn (canvas pixels; it may be out of view), for tests.
    QPointF neuronPosition(NeuronRef neuron) const;
    // Neurons per drawn block of a column in the last frame (1: each neuron its own dot), for tests.
    double neuronsPerBlock(int set) const;
    // The title lines of the last frame, for tests.
    QStringList titleLines() const { return m_titleLines; }
    // Per layer in the last frame's strongest/all modes: the edges drawn and the smallest |w| among
    // them, for tests.
    struct DrawnEdges {
        EdgeIndex count = 0;
        float weakest = 0;
    };
    const std::vector<DrawnEdges>& drawnEdges() const { return m_drawn; }
    // The colour scale of the last block-density frame: its largest density (0: not drawn).
    double densityScaleMax() const { return m_densityMax; }
    // Whether the last frame reused the cached base (a selection change only), for tests.
    bool lastFrameReusedBase() const { return m_baseHit; }

protected:
    void refresh() override;

private:
    ImageCanvas* m_canvas;
    QComboBox* m_detail;
    QCheckBox* m_changes;
    QLineEdit* m_search;
    QLabel* m_info;
    int m_budget = 1500;
    double m_zoom = 1, m_centre = 0.5;
    QString m_searchError;
    QStringList m_titleLines;
    std::vector<double> m_perBlock;
    std::vector<DrawnEdges> m_drawn;
    double m_densityMax = 0;
    // Per snapshot: each column's largest score (importance; inputs: out-strength) and dead count.
    std::weak_ptr<const Snapshot> m_statsOf;
    std::vector<double> m_maxScore;
    std::vector<std::int64_t> m_dead;
    std::vector<float> m_maxAbs;    // each layer's largest |w|

    struct Frame;
    Frame frame(QSize size, const QFontMetrics& fm) const; // needs a snapshot with a network
    Frame frame() const;                                   // the canvas's
    QStringList titleParts() const;
    std::vector<LegendKey> legendKeys() const;
    void render(QPainter& painter, QSize size);
    void renderBase(QPainter& painter, QSize size);
    void renderSelection(QPainter& painter, QSize size);
    // The last base frame (all but the selection) and what it showed.
    struct BaseKey {
        std::weak_ptr<const Snapshot> snapshot;
        int detail = -1;
        bool changes = false;
        int budget = 0;
        double zoom = 0, centre = 0;
        QSize size;
    };
    QImage m_base;
    BaseKey m_baseKey;
    bool m_baseHit = false;
    void updateInfo();
    void columnStats();
    void clampView();
};

} // namespace rewire::gui
