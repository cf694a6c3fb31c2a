#include "gui/curves_view.h"

#include "gui/colormap.h"

#include <QCheckBox>
#include <QLabel>
#include <QStringList>
#include <QGraphicsLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QVBoxLayout>
#include <QtCharts/QAreaSeries>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QScatterSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>

namespace rewire::gui {

CurvesView::CurvesView(QWidget* parent) : SnapshotView(parent)
{
    m_logX = new QCheckBox(tr("log epoch axis"));
    addControl(m_logX);

    Panel acc = makePanel(tr("Accuracy"), tr("accuracy (%)"));
    addCurve(acc, tr("test"), kNegative, Qt::SolidLine, [](const EpochMetrics& m) { return 100.0 * m.testAccuracy; });
    addCurve(acc, tr("train"), kPositive, Qt::DashLine, [](const EpochMetrics& m) { return 100.0 * m.trainAccuracy; });
    addCurve(acc, tr("validation"), kAdded, Qt::SolidLine, [](const EpochMetrics& m) {
        return m.hasValidation ? 100.0 * m.validationAccuracy : NAN;
    });
    m_validationAcc = acc.curves.back().series;
    Panel loss = makePanel(tr("Loss"), tr("loss"));
    addCurve(loss, tr("test"), kNegative, Qt::SolidLine, [](const EpochMetrics& m) { return m.testLoss; });
    addCurve(loss, tr("train"), kPositive, Qt::DashLine, [](const EpochMetrics& m) { return m.trainLoss; });
    addCurve(loss, tr("validation"), kAdded, Qt::SolidLine,
             [](const EpochMetrics& m) { return m.hasValidation ? m.validationLoss : NAN; });
    m_validationLoss = loss.curves.back().series;
    Panel conn = makePanel(tr("Connections"), tr("edges"));
    conn.fromZero = true;
    addCurve(conn, tr("total"), Qt::black, Qt::SolidLine, [](const EpochMetrics& m) { return static_cast<double>(m.connections); });
    addCurve(conn, tr("pruned"), kRemoved, Qt::DashLine, [](const EpochMetrics& m) { return static_cast<double>(m.pruned); }, true);
    addCurve(conn, tr("regrown"), kAdded, Qt::DotLine, [](const EpochMetrics& m) { return static_cast<double>(m.regrown); }, true);
    // SET regrows what it prunes: the two lines coincide. Pruned is drawn wide underneath, regrown
    // narrow on top with its points marked, so that both stay visible.
    conn.curves[1].series->setPen(QPen(kRemoved, 4.5, Qt::SolidLine));
    conn.curves[1].series->setPointsVisible(true); // (a single epoch's point shows too)
    conn.curves[1].series->setMarkerSize(9);
    conn.curves[2].series->setPen(QPen(kAdded, 1.5, Qt::DashLine));
    conn.curves[2].series->setPointsVisible(true);
    conn.curves[2].series->setMarkerSize(5);
    Panel turn = makePanel(tr("Turnover between snapshots"), tr("Jaccard distance"));
    turn.fromZero = true;
    addCurve(turn, tr("1 − |E∩E′| / |E∪E′|"), kRemoved, Qt::SolidLine, nullptr);
    m_panels = {acc, loss, conn, turn};

    auto* grid = new QGridLayout;
    grid->setSpacing(2);
    // With other runs beside the shown one: which colour is which run, once for the four charts
    // (their own legends would not hold every run's name).
    m_runLegend = new QLabel;
    m_runLegend->setWordWrap(true);
    m_runLegend->setTextFormat(Qt::RichText);
    m_runLegend->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_runLegend->hide();
    grid->addWidget(m_runLegend, 0, 0, 1, 2);
    for (std::size_t k = 0; k < m_panels.size(); ++k) {
        auto* view = new QChartView(m_panels[k].chart);
        view->setRenderHint(QPainter::Antialiasing);
        view->setMinimumSize(180, 160);
        grid->addWidget(view, static_cast<int>(k / 2) + 1, static_cast<int>(k % 2));
    }
    auto* charts = new QWidget; // the four charts: the figure
    charts->setLayout(grid);
    grid->setContentsMargins(0, 0, 0, 0);
    content()->addWidget(charts, 1);
    setFigure(charts);
    connect(m_logX, &QCheckBox::toggled, this, [this] { invalidate(); });
}

CurvesView::Panel CurvesView::makePanel(const QString& title, const QString& yTitle)
{
    Panel p;
    p.chart = new QChart;
    p.chart->setTitle(title);
    p.chart->legend()->setAlignment(Qt::AlignBottom);
    QFont small = p.chart->legend()->font(); // four charts share the tab: a smaller legend keeps its names whole
    small.setPointSizeF(small.pointSizeF() * 0.85);
    p.chart->legend()->setFont(small);
    p.chart->setMargins(QMargins(2, 2, 2, 2));
    p.chart->layout()->setContentsMargins(0, 0, 0, 0);
    p.x = new QValueAxis;
    p.x->setTitleText(tr("epoch"));
    p.x->setLabelFormat("%d");
    p.logX = new QLogValueAxis;
    p.logX->setTitleText(tr("epoch (log)"));
    p.logX->setLabelFormat("%g");
    p.logX->setMinorTickCount(-1);
    p.y = new QValueAxis;
    p.y->setTitleText(yTitle);
    p.chart->addAxis(p.x, Qt::AlignBottom);
    p.chart->addAxis(p.y, Qt::AlignLeft);
    p.cursor = new QScatterSeries;
    p.cursor->setMarkerSize(10);
    p.cursor->setColor(kSelected);
    p.cursor->setBorderColor(Qt::black);
    p.cursor->setName(tr("cursor"));
    return p;
}

void CurvesView::addCurve(Panel& p, const QString& name, QColor color, Qt::PenStyle style,
                          std::function<double(const EpochMetrics&)> value, bool evolutionOnly)
{
    auto* s = new QLineSeries;
    s->setName(name);
    s->setPen(QPen(color, 2, style));
    p.chart->addSeries(s);
    s->attachAxis(p.x);
    s->attachAxis(p.y);
    if (p.curves.empty()) { // the cursor marks the first curve; added after it so it is drawn on top
        p.chart->addSeries(p.cursor);
        p.cursor->attachAxis(p.x);
        p.cursor->attachAxis(p.y);
        p.chart->legend()->markers(p.cursor).front()->setVisible(false);
    }
    p.curves.push_back({s, name, std::move(value), evolutionOnly});
}

void CurvesView::setHistory(SnapshotPtr latest, bool refresh)
{
    m_latest = std::move(latest);
    if (refresh)
        invalidate();
}

void CurvesView::setOverlays(const QString& mainName, std::vector<RunCurves> runs)
{
    for (Overlay& o : m_overlays)
        for (int k = 0; k < 3; ++k) {
            m_panels[static_cast<std::size_t>(k)].chart->removeSeries(o.mean[k]);
            delete o.mean[k];
            if (o.band[k]) {
                m_panels[static_cast<std::size_t>(k)].chart->removeSeries(o.band[k]);
                delete o.band[k];
            }
        }
    m_overlays.clear();
    m_runs = std::move(runs);
    m_mainName = m_runs.empty() ? QString() : mainName;
    const auto swatch = [](const QColor& c) { return QStringLiteral("<span style=\"color:%1\">&#9632;</span>").arg(c.name()); };
    m_legendNames.clear();
    QStringList legend;
    bool bands = false;
    if (!m_runs.empty()) {
        m_legendNames << m_mainName;
        legend << tr("%1%2 <b>%3</b> (test, train dashed)")
                      .arg(swatch(kNegative), swatch(kPositive), m_mainName.toHtmlEscaped());
    }
    // Colours the shown run's curves do not use (blue, red, green, purple are its own).
    static const QColor palette[] = {{230, 145, 20}, {0, 150, 160}, {120, 120, 120}, {170, 120, 60},
                                     {210, 80, 150}, {100, 160, 40}, {40, 40, 40},   {80, 110, 220}};
    for (std::size_t r = 0; r < m_runs.size(); ++r) {
        const QColor colour = palette[r % std::size(palette)];
        const Qt::PenStyle style = r < std::size(palette) ? Qt::SolidLine : Qt::DashLine;
        const RunCurves& run = m_runs[r];
        Overlay o{};
        for (int k = 0; k < 3; ++k) {
            Panel& p = m_panels[static_cast<std::size_t>(k)];
            QAbstractAxis* x = m_axisIsLog ? static_cast<QAbstractAxis*>(p.logX) : p.x;
            if (run.seeds.size() > 1) {
                auto* band = new QAreaSeries(new QLineSeries, new QLineSeries);
                QColor fill = colour;
                fill.setAlpha(60);
                band->setBrush(fill);
                band->setPen(Qt::NoPen);
                band->setName(tr("%1 ± sd").arg(run.name));
                p.chart->addSeries(band);
                band->attachAxis(x);
                band->attachAxis(p.y);
                p.chart->legend()->markers(band).front()->setVisible(false);
                o.band[k] = band;
            }
            auto* mean = new QLineSeries;
            mean->setName(run.seeds.size() > 1 ? tr("%1 (%2 seeds)").arg(run.name).arg(run.seeds.size()) : run.name);
            mean->setPen(QPen(colour, 2, style));
            p.chart->addSeries(mean);
            mean->attachAxis(x);
            mean->attachAxis(p.y);
            p.chart->legend()->markers(mean).front()->setVisible(false); // named in the runs' legend
            o.mean[k] = mean;
        }
        m_overlays.push_back(o);
        const QString name = o.mean[0]->name();
        m_legendNames << name;
        legend << swatch(colour) + QStringLiteral(" ") + name.toHtmlEscaped();
        bands = bands || run.seeds.size() > 1;
    }
    if (bands)
        legend << tr("(bands: mean ± sd over seeds)");
    // Entries break between each other, never inside a name.
    for (QString& entry : legend)
        entry.replace(QStringLiteral(" "), QStringLiteral("&nbsp;")).replace(QStringLiteral("<span&nbsp;"), QStringLiteral("<span "));
    m_runLegend->setText(legend.join(QStringLiteral(" &nbsp; ")));
    m_runLegend->setToolTip(tr("Other runs: their test accuracy, test loss and connections; a compare folder's method "
                               "as the mean over its seeds with a ± sample sd band"));
    m_runLegend->setVisible(!m_runs.empty());
    invalidate();
}

QStringList CurvesView::legendNames(int chart) const
{
    QStringList names;
    for (QLegendMarker* m : m_panels.at(static_cast<std::size_t>(chart)).chart->legend()->markers())
        if (m->isVisible())
            names << m->label();
    return names;
}

QList<QPointF> CurvesView::seriesPoints(int chart, const QString& name) const
{
    for (QAbstractSeries* s : m_panels.at(static_cast<std::size_t>(chart)).chart->series())
        if (s->name() == name)
            if (auto* line = qobject_cast<QLineSeries*>(s))
                return line->points();
    return {};
}

void CurvesView::setLogX(bool logX) { m_logX->setChecked(logX); }

int CurvesView::testPoints() const { return m_panels.front().curves.front().series->count(); }

int CurvesView::pointCount() const
{
    int n = 0;
    for (const Panel& p : m_panels)
        for (const Curve& c : p.curves)
            n += static_cast<int>(c.series->count());
    return n;
}

QStringList CurvesView::changeMarks() const
{
    QStringList names;
    for (const QLineSeries* s : m_marks[0])
        names << s->name();
    return names;
}

// One dashed vertical line per change, between the last epoch before it and the first with it
// (x = epoch − 0.5), named in the accuracy chart's legend ("lr=0.01 @5": from epoch 5 on).
void CurvesView::markChanges(const std::vector<ParameterChange>& changes, int total)
{
    for (int k = 0; k < 2; ++k) {
        Panel& p = m_panels[static_cast<std::size_t>(k)];
        std::vector<QLineSeries*>& marks = m_marks[k];
        while (marks.size() > changes.size()) {
            p.chart->removeSeries(marks.back());
            delete marks.back();
            marks.pop_back();
        }
        while (marks.size() < changes.size()) {
            auto* s = new QLineSeries;
            p.chart->addSeries(s);
            s->attachAxis(m_axisIsLog ? static_cast<QAbstractAxis*>(p.logX) : p.x);
            s->attachAxis(p.y);
            marks.push_back(s);
        }
        for (std::size_t c = 0; c < changes.size(); ++c) {
            const ParameterChange& change = changes[c];
            const QString key = change.key == "zeta" ? QStringLiteral("ζ") : QString::fromStdString(change.key);
            QLineSeries* s = marks[c];
            s->setName(tr("%1=%2 @%3").arg(key, QString::fromStdString(change.value)).arg(change.epoch)); // compact: legends are narrow
            s->setPen(QPen(change.key == "lr" ? QColor(90, 90, 90) : QColor(150, 110, 20), 1.5, Qt::DashDotLine));
            const double x = std::max(0.5, std::min(static_cast<double>(total), change.epoch - 0.5));
            s->replace({QPointF(x, p.y->min()), QPointF(x, p.y->max())});
            p.chart->legend()->markers(s).front()->setVisible(k == 0);
        }
    }
}

QString CurvesView::caption() const
{
    QStringList titles;
    for (const Panel& p : m_panels)
        titles << p.chart->title();
    return titles.join(QStringLiteral("\n"));
}

void CurvesView::setEmptyText(const QString& text)
{
    m_emptyText = text;
    invalidate();
}

void CurvesView::refresh()
{
    const SnapshotPtr& h = m_latest ? m_latest : m_snapshot;
    const std::vector<EpochMetrics> none;
    const std::vector<EpochMetrics>& metrics = h ? h->metrics : none;
    const bool logX = m_logX->isChecked();
    const int cursor = m_snapshot ? m_snapshot->epoch : -1;
    const int total = h ? h->totalEpochs : 0;
    int last = metrics.empty() ? 1 : std::max(1, metrics.back().epoch);
    for (const RunCurves& r : m_runs)
        for (const std::vector<EpochMetrics>& seed : r.seeds)
            if (!seed.empty())
                last = std::max(last, seed.back().epoch);
    const double lastEpoch = last;
    const bool validation = !metrics.empty() && metrics.back().hasValidation;
    static const char* titles[] = {"Accuracy", "Loss", "Connections", "Turnover between snapshots"};
    for (std::size_t k = 0; k < m_panels.size(); ++k)
        m_panels[k].chart->setTitle(metrics.empty() && h ? tr("%1 (%2)")
                                                               .arg(tr(titles[k]),
                                                                    m_emptyText.isEmpty() ? tr("no metrics: open the run folder") : m_emptyText)
                                    : !m_runs.empty() && k < 2 ? tr("%1 (other runs: test)").arg(tr(titles[k]))
                                                                : tr(titles[k]));
    if (h && !h->turnover.empty() && !metrics.empty()) { // a live sketch's turnover is estimated on its sample
        int shift = 0;
        for (const LayerTurnover& t : h->turnover)
            shift = std::max(shift, t.sampleShift);
        if (shift > 0)
            m_panels[3].chart->setTitle(tr("Turnover (est., 1/%1 sample)").arg(1LL << shift));
    }
    m_panels[0].chart->legend()->markers(m_validationAcc).front()->setVisible(validation);
    m_panels[1].chart->legend()->markers(m_validationLoss).front()->setVisible(validation);

    for (std::size_t k = 0; k < m_panels.size(); ++k) {
        Panel& p = m_panels[k];
        if (logX != m_axisIsLog) { // swap the x axis of every series
            QAbstractAxis* from = logX ? static_cast<QAbstractAxis*>(p.x) : p.logX;
            QAbstractAxis* to = logX ? static_cast<QAbstractAxis*>(p.logX) : p.x;
            p.chart->removeAxis(from);
            p.chart->addAxis(to, Qt::AlignBottom);
            for (QAbstractSeries* s : p.chart->series())
                s->attachAxis(to);
        }
        double lo = INFINITY, hi = -INFINITY;
        QList<QPointF> mark;
        for (std::size_t c = 0; c < p.curves.size(); ++c) {
            QList<QPointF> points;
            auto add = [&](double x, double v) {
                if (!std::isfinite(v) || (logX && x < 1))
                    return;
                points.append({x, v});
                lo = std::min(lo, v);
                hi = std::max(hi, v);
                if (c == 0 && static_cast<int>(x) == cursor)
                    mark.append({x, v});
            };
            if (k == 3) { // turnover comes from the snapshots, not the metrics
                if (h)
                    for (const TurnoverPoint& t : h->turnoverHistory)
                        add(t.epoch, t.jaccardDistance);
            } else {
                for (const EpochMetrics& m : metrics)
                    if (!p.curves[c].evolutionOnly || m.epoch < total)
                        add(m.epoch, p.curves[c].value(m));
            }
            p.curves[c].series->replace(points);
        }
        p.cursor->replace(mark);
        // Other runs: per epoch, the mean over the seeds that reached it, and ± the sample sd.
        for (std::size_t r = 0; k < 3 && r < m_runs.size(); ++r) {
            QList<QPointF> mean, upper, lower;
            std::vector<std::vector<double>> byEpoch(static_cast<std::size_t>(last) + 1);
            for (const std::vector<EpochMetrics>& seed : m_runs[r].seeds)
                for (const EpochMetrics& m : seed)
                    if (const double x = p.curves[0].value(m); m.complete && m.epoch >= 1 && m.epoch <= last && std::isfinite(x))
                        byEpoch[static_cast<std::size_t>(m.epoch)].push_back(x);
            for (int e = 1; e <= last; ++e) {
                const std::vector<double>& v = byEpoch[static_cast<std::size_t>(e)];
                if (v.empty())
                    continue;
                double sum = 0, squares = 0;
                for (double x : v)
                    sum += x;
                const double mu = sum / static_cast<double>(v.size());
                for (double x : v)
                    squares += (x - mu) * (x - mu);
                const double sd = v.size() > 1 ? std::sqrt(squares / static_cast<double>(v.size() - 1)) : 0.0;
                mean.append({double(e), mu});
                upper.append({double(e), mu + sd});
                lower.append({double(e), mu - sd});
                lo = std::min(lo, mu - sd);
                hi = std::max(hi, mu + sd);
            }
            m_overlays[r].mean[k]->replace(mean);
            if (QAreaSeries* band = m_overlays[r].band[k]) {
                band->upperSeries()->replace(upper);
                band->lowerSeries()->replace(lower);
            }
        }
        p.y->setTickCount(5);
        if (!std::isfinite(lo)) { // no points: a plain 0..1 axis
            p.y->setRange(0, 1);
        } else {
            if (p.fromZero)
                lo = std::min(lo, 0.0);
            if (!(hi > lo))
                hi = lo + 1;
            const double pad = 0.06 * (hi - lo);
            p.y->setRange(p.fromZero && lo >= 0 ? 0 : lo - pad, hi + pad);
            p.y->applyNiceNumbers(); // round tick values
        }
        p.y->setLabelFormat(hi >= 10000 ? "%.0f" : "%.3g");
        if (logX) {
            p.logX->setRange(0.9, lastEpoch * 1.1);
        } else {
            p.x->setRange(0, lastEpoch);
            double step = 1; // a 1-2-5 step giving at most ~6 whole-epoch ticks (labels stay legible)
            for (double base = 1; lastEpoch / step > 6; base *= 10)
                for (double m : {1.0, 2.0, 5.0})
                    if (lastEpoch / step > 6)
                        step = m * base;
            p.x->setTickType(QValueAxis::TicksDynamic);
            p.x->setTickAnchor(0);
            p.x->setTickInterval(step);
        }
    }
    m_axisIsLog = logX;
    markChanges(h ? h->parameterChanges : std::vector<ParameterChange>{}, std::max(1, static_cast<int>(lastEpoch)));
}

} // namespace rewire::gui
