#include "gui/degree_view.h"

#include "analysis/degrees.h"
#include "gui/colormap.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QScatterSeries>

#include <algorithm>
#include <cmath>

namespace rewire::gui {

DegreeView::DegreeView(QWidget* parent) : SnapshotView(parent)
{
    m_layer = addCombo({}); // (no "Layer:" label: at 1024 wide the combo would be cut to "inputs → hid…")
    m_layer->setToolTip(tr("the layer whose degrees are shown"));
    m_side = addCombo({}, {tr("in-degree"), tr("out-degree")});
    m_side->setToolTip(tr("in: fan-in of the layer's output neurons; out: fan-out of its input neurons"));
    m_layer->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_ccdf = new QCheckBox(tr("CCDF"));
    addControl(m_ccdf);
    m_showInitial = new QCheckBox(tr("epoch 0"));
    m_showInitial->setChecked(true);
    addControl(m_showInitial);
    m_chart = new QChart;
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_x = new QLogValueAxis;
    m_x->setBase(10);
    m_x->setLabelFormat("%g");
    m_x->setMinorTickCount(-1);
    m_y = new QLogValueAxis;
    m_y->setBase(10);
    m_y->setLabelFormat("%g");
    m_y->setMinorTickCount(-1);
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    m_first = new QLineSeries;
    m_first->setPen(QPen(QColor(120, 120, 120), 1.5, Qt::DashLine));
    m_other = new QLineSeries;
    m_other->setPen(QPen(QColor(230, 145, 20), 2));
    m_other->setPointsVisible(true);
    m_line = new QLineSeries;
    m_line->setPen(QPen(kNegative, 2));
    m_line->setPointsVisible(true); // a CCDF of one degree is a single point
    m_dots = new QScatterSeries;
    m_dots->setMarkerSize(7);
    m_dots->setColor(kNegative);
    m_dots->setBorderColor(kNegative.darker());
    for (QXYSeries* series : std::initializer_list<QXYSeries*>{m_first, m_other, m_line, m_dots}) {
        m_chart->addSeries(series);
        series->attachAxis(m_x);
        series->attachAxis(m_y);
    }
    // The current epoch has one legend entry, the dots' (the CCDF line has the same colour):
    // markers shown and hidden as the CCDF box toggles overlapped in the legend.
    m_chart->legend()->markers(m_line).front()->setVisible(false);
    m_view = new QChartView(m_chart);
    setFigure(m_view);
    m_view->setRenderHint(QPainter::Antialiasing);
    content()->addWidget(m_view, 1);
    m_caption = new QLabel;
    m_caption->setWordWrap(true);
    content()->addWidget(m_caption);
    for (QComboBox* c : {m_layer, m_side})
        connect(c, &QComboBox::currentIndexChanged, this, [this] { invalidate(); });
    for (QCheckBox* c : {m_ccdf, m_showInitial})
        connect(c, &QCheckBox::toggled, this, [this] { invalidate(); });
}

void DegreeView::setAgainst(std::shared_ptr<const NetworkGraph> network, const QString& name)
{
    m_against = std::move(network);
    m_againstName = m_against ? name : QString();
    invalidate();
}

void DegreeView::setLayer(int layer) { m_layer->setCurrentIndex(layer); }
void DegreeView::setCcdf(bool ccdf) { m_ccdf->setChecked(ccdf); }
double DegreeView::axisSlack(bool xAxis) const
{
    const QLogValueAxis* axis = xAxis ? m_x : m_y;
    const double lo = m_data[xAxis ? 0 : 2], hi = m_data[xAxis ? 1 : 3];
    return std::max(lo / axis->min(), axis->max() / hi);
}

bool DegreeView::legendShows(const QString& name) const
{
    for (QLegendMarker* m : m_chart->legend()->markers())
        if (m->isVisible() && m->label() == name)
            return true;
    return false;
}

QString DegreeView::caption() const { return m_chart->title() + QStringLiteral("\n") + m_caption->text(); }

// A log axis around [lo, hi] (a margin each side) labelled across it: Qt labels the powers of the
// base only, so ranges under two decades take base 2 (k = 16, 32, 64; P = 0.125, 0.25, 0.5) and
// wider ones base 10; the range is widened to hold at least two labelled ticks, and stays at or
// below `cap` (probabilities: 1).
void DegreeView::setLogRange(QLogValueAxis* axis, double lo, double hi, double cap)
{
    lo /= 1.3;
    hi = std::min(hi * 1.3, std::max(cap, hi));
    const double base = hi / lo < 100 ? 2.0 : 10.0;
    const auto power = [base](double x) { return std::log(x) / std::log(base); };
    const double below = std::pow(base, std::floor(power(lo))), above = std::pow(base, std::ceil(power(hi)));
    if (std::floor(power(hi)) - std::ceil(power(lo)) < 1) { // fewer than two powers inside
        if (lo / below < above / hi || above > cap)
            lo = below;
        else
            hi = above;
        if (std::floor(power(hi)) - std::ceil(power(lo)) < 1) {
            lo = below;
            if (above <= cap)
                hi = above;
            else
                lo = below / base;
        }
    }
    axis->setBase(base);
    axis->setLabelFormat(base == 2 && lo < 1 && lo > 1e-3 ? "%.3g" : "%g");
    axis->setRange(lo, hi);
}

int DegreeView::labelledTicks(bool xAxis) const
{
    const QLogValueAxis* axis = xAxis ? m_x : m_y;
    const double b = axis->base();
    const auto power = [b](double x) { return std::log(x) / std::log(b); };
    return static_cast<int>(std::floor(power(axis->max()) + 1e-9) - std::ceil(power(axis->min()) - 1e-9)) + 1;
}

void DegreeView::refresh()
{
    m_points = 0;
    if (!m_snapshot || !m_snapshot->network) {
        for (QXYSeries* series : std::initializer_list<QXYSeries*>{m_first, m_other, m_line, m_dots}) {
            series->clear();
            series->setName(QString());
            m_chart->legend()->markers(series).front()->setVisible(false);
        }
        syncLayerCombo(m_layer);
        m_chart->setTitle(QString());
        m_caption->setText(tr("No network yet."));
        return;
    }
    const Snapshot& s = *m_snapshot;
    syncLayerCombo(m_layer);
    const int l = m_layer->currentIndex();
    const bool in = m_side->currentIndex() == 0;
    const bool ccdf = m_ccdf->isChecked();
    m_chart->setTitle(tr("%1 of layer %2 → %3, epoch %4")
                          .arg(in ? tr("In-degree") : tr("Out-degree"), neuronSetName(s, l), neuronSetName(s, l + 1))
                          .arg(s.epoch));

    double xmin = INFINITY, xmax = 1, ymin = 1, ymax = 1e-6;
    QString caption;
    // Points of one snapshot's distribution; zero degrees cannot sit on the log axis.
    auto points = [&](const std::vector<std::int64_t>& deg, bool current) {
        const DegreeDistribution d = degreeDistribution(deg);
        const double n = static_cast<double>(deg.size());
        QList<QPointF> out;
        for (std::size_t k = 0; k < d.degree.size(); ++k) {
            if (d.degree[k] <= 0)
                continue;
            const double y = ccdf ? d.ccdf[k] : static_cast<double>(d.count[k]) / n;
            out.append({static_cast<double>(d.degree[k]), y});
            xmax = std::max(xmax, static_cast<double>(d.degree[k]));
            xmin = std::min(xmin, static_cast<double>(d.degree[k]));
            ymin = std::min(ymin, y);
            ymax = std::max(ymax, y);
        }
        if (current) {
            m_points = static_cast<int>(out.size());
            caption = tr("%1 neurons, mean degree %2, max %3")
                          .arg(groupDigits(static_cast<long long>(n)))
                          .arg(d.mean, 0, 'f', 2)
                          .arg(d.max);
            if (d.zeros)
                caption += tr("; %1 with degree 0 not shown (log axis)").arg(groupDigits(d.zeros));
        }
        return out;
    };
    const bool overlay = m_showInitial->isChecked() && m_initial && m_initial->network && m_initial.get() != &s &&
                         m_initial->network->architecture() == s.network->architecture();
    // A snapshot's degrees from its neuron rows (a sketched network's graph holds only some edges).
    const auto rows = [&](const Snapshot& of) { return of.degrees(in ? l + 1 : l, in); };
    m_first->replace(overlay ? points(rows(*m_initial), false) : QList<QPointF>());
    const bool other = m_against && l < m_against->layerCount();
    m_other->replace(other ? points(degreeSequence(m_against->layer(l), in ? Side::In : Side::Out), false) : QList<QPointF>());
    m_other->setName(other ? m_againstName : QString());
    m_first->setName(overlay ? tr("epoch %1").arg(m_initial->epoch) : QString());
    const QList<QPointF> now = points(rows(s), true);
    m_dots->replace(ccdf ? QList<QPointF>() : now);
    m_line->replace(ccdf ? now : QList<QPointF>());
    m_dots->setName(tr("epoch %1").arg(s.epoch));
    QLegendMarker* current = m_chart->legend()->markers(m_dots).front();
    QLegendMarker* initial = m_chart->legend()->markers(m_first).front();
    QLegendMarker* against = m_chart->legend()->markers(m_other).front();
    if (!current->isVisible() || initial->isVisible() != overlay || against->isVisible() != other) {
        current->setVisible(true);
        initial->setVisible(overlay);
        against->setVisible(other);
        m_chart->legend()->hide(); // lays the entries out again (they overlapped)
        m_chart->legend()->show();
    }
    m_x->setTitleText(in ? tr("in-degree k") : tr("out-degree k"));
    m_y->setTitleText(ccdf ? tr("P(D ≥ k)") : tr("P(k)"));
    m_data[0] = std::isfinite(xmin) ? xmin : 1.0, m_data[1] = xmax, m_data[2] = ymin, m_data[3] = ymax;
    setLogRange(m_x, std::isfinite(xmin) ? xmin : 1.0, xmax);
    setLogRange(m_y, ymin, ymax, 1.0);
    m_caption->setText(caption);
}

} // namespace rewire::gui
