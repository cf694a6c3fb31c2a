#include "gui/network_view.h"

#include "gui/colormap.h"
#include "gui/line_raster.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace rewire::gui {

namespace {

constexpr int kLeft = 40, kRight = 40, kTop = 64, kBottom = 44;

struct Geometry {
    std::vector<double> x;
    std::vector<NeuronIndex> n;
    double top = 0, bottom = 0;
    double y(int k, NeuronIndex i) const
    {
        return top + (static_cast<double>(i) + 0.5) * (bottom - top) / static_cast<double>(n[static_cast<std::size_t>(k)]);
    }
};

Geometry columnLayout(const Snapshot& s, QSize size)
{
    Geometry g;
    g.n = s.network->architecture();
    const int sets = static_cast<int>(g.n.size());
    for (int k = 0; k < sets; ++k)
        g.x.push_back(kLeft + (size.width() - kLeft - kRight) * (sets > 1 ? static_cast<double>(k) / (sets - 1) : 0.5));
    g.top = kTop;
    g.bottom = size.height() - kBottom;
    return g;
}

// Lines straight into the canvas image when the painter draws on one (see line_raster.h).
void drawLines(QPainter& p, const std::vector<QLineF>& lines, const QColor& color)
{
    if (auto* image = dynamic_cast<QImage*>(p.device()); image && image->format() == QImage::Format_ARGB32_Premultiplied) {
        blendLines(*image, lines, color);
        return;
    }
    p.setPen(QPen(color, 1.0));
    p.drawLines(lines.data(), static_cast<int>(lines.size()));
}

QColor edgeColor(float w, double alpha)
{
    QColor c = w >= 0 ? kPositive : kNegative;
    c.setAlphaF(std::clamp(alpha, 0.02, 1.0));
    return c;
}

} // namespace

NetworkView::NetworkView(QWidget* parent) : SnapshotView(parent)
{
    m_detail = addCombo(tr("Edges:"), {tr("strongest |w| per layer"), tr("block density"), tr("all (slow when dense)")});
    // Narrow enough for a 1024-pixel window: the combo shrinks to its shortest item's length.
    m_detail->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_detail->setMinimumContentsLength(12);
    m_detail->setToolTip(tr("strongest |w| per layer, block density between neuron bins, or every edge (slow when dense)"));
    m_changes = new QCheckBox(tr("changes"));
    m_changes->setToolTip(tr("highlight the edges added (green) and removed (purple) since the previous snapshot"));
    m_changes->setChecked(true);
    addControl(m_changes);
    m_canvas = new ImageCanvas;
    m_canvas->render = [this](QPainter& p, QSize size) { render(p, size); };
    m_canvas->clicked = [this](QPoint point) {
        const NeuronRef n = neuronAt(point);
        if (n.valid())
            select(n);
    };
    content()->addWidget(m_canvas, 1);
    setFigure(m_canvas);
    m_info = new QLabel;
    m_info->setWordWrap(true);
    m_info->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_info->setMinimumHeight(2 * fontMetrics().height() + 4);
    content()->addWidget(m_info);
    connect(m_detail, &QComboBox::currentIndexChanged, this, [this] { invalidate(); });
    connect(m_changes, &QCheckBox::toggled, this, [this] { invalidate(); });
    updateInfo();
}

void NetworkView::setDetail(Detail detail) { m_detail->setCurrentIndex(static_cast<int>(detail)); }

void NetworkView::setEdgeBudget(int edges)
{
    m_budget = std::max(1, edges);
    invalidate();
}

void NetworkView::refresh()
{
    m_canvas->invalidate();
    updateInfo();
}

NeuronRef NetworkView::neuronAt(QPoint point) const
{
    if (!m_snapshot || !m_snapshot->network)
        return {};
    const Geometry g = columnLayout(*m_snapshot, m_canvas->size());
    for (int k = 0; k < static_cast<int>(g.x.size()); ++k) {
        if (std::abs(point.x() - g.x[static_cast<std::size_t>(k)]) > 10 || point.y() < g.top || point.y() >= g.bottom)
            continue;
        const double f = (point.y() - g.top) / (g.bottom - g.top);
        const auto i = static_cast<NeuronIndex>(f * static_cast<double>(g.n[static_cast<std::size_t>(k)]));
        return {k, std::min(i, g.n[static_cast<std::size_t>(k)] - 1)};
    }
    return {};
}

void NetworkView::render(QPainter& p, QSize size)
{
    if (!m_snapshot || !m_snapshot->network) {
        p.drawText(QRect(QPoint(0, 0), size), Qt::AlignCenter, tr("No network yet: press Start, or open a run folder or model."));
        return;
    }
    const Snapshot& s = *m_snapshot;
    const NetworkGraph& net = *s.network;
    const Geometry g = columnLayout(s, size);
    const auto detail = static_cast<Detail>(m_detail->currentIndex());
    const bool changes = m_changes->isChecked() && s.hasPrevious;

    // Edges, layer by layer, weakest first so the strongest end on top.
    for (int l = 0; l < net.layerCount(); ++l) {
        const SparseLayer& layer = net.layer(l);
        const double x0 = g.x[static_cast<std::size_t>(l)], x1 = g.x[static_cast<std::size_t>(l) + 1];
        const auto w = layer.weights();
        const auto rowPtr = layer.rowPtr();
        const auto colIdx = layer.colIdx();
        float maxAbs = 0;
        for (float v : w)
            maxAbs = std::max(maxAbs, std::abs(v));
        if (maxAbs == 0)
            maxAbs = 1;
        if (detail == Detail::Blocks) {
            const int bi = static_cast<int>(std::min<NeuronIndex>(layer.inputs(), 48));
            const int bo = static_cast<int>(std::min<NeuronIndex>(layer.outputs(), 48));
            std::vector<double> count(static_cast<std::size_t>(bi * bo)), sum(count.size());
            for (NeuronIndex j = 0; j < layer.outputs(); ++j) {
                const int b = static_cast<int>(static_cast<std::int64_t>(j) * bo / layer.outputs());
                for (EdgeIndex e = rowPtr[j]; e < rowPtr[j + 1]; ++e) {
                    const int a = static_cast<int>(static_cast<std::int64_t>(colIdx[e]) * bi / layer.inputs());
                    count[static_cast<std::size_t>(a * bo + b)] += 1;
                    sum[static_cast<std::size_t>(a * bo + b)] += w[e];
                }
            }
            const double cellIn = static_cast<double>(layer.inputs()) / bi, cellOut = static_cast<double>(layer.outputs()) / bo;
            double maxDensity = 0;
            for (double c : count)
                maxDensity = std::max(maxDensity, c / (cellIn * cellOut));
            p.setPen(Qt::NoPen);
            for (int a = 0; a < bi; ++a)
                for (int b = 0; b < bo; ++b) {
                    const double c = count[static_cast<std::size_t>(a * bo + b)];
                    if (c == 0)
                        continue;
                    const double ya0 = g.top + (g.bottom - g.top) * a / bi, ya1 = g.top + (g.bottom - g.top) * (a + 1) / bi;
                    const double yb0 = g.top + (g.bottom - g.top) * b / bo, yb1 = g.top + (g.bottom - g.top) * (b + 1) / bo;
                    const QPointF band[4] = {{x0, ya0}, {x1, yb0}, {x1, yb1}, {x0, ya1}};
                    p.setBrush(edgeColor(static_cast<float>(sum[static_cast<std::size_t>(a * bo + b)]),
                                         0.35 * c / (cellIn * cellOut) / maxDensity));
                    p.drawPolygon(band, 4);
                }
        } else {
            struct Drawn {
                NeuronIndex from, to;
                float w;
            };
            std::vector<Drawn> edges;
            const EdgeIndex budget = detail == Detail::All ? std::max<EdgeIndex>(200000, m_budget) : m_budget;
            float threshold = 0;
            if (layer.edgeCount() > budget) {
                std::vector<float> mags(w.size());
                for (std::size_t e = 0; e < w.size(); ++e)
                    mags[e] = std::abs(w[e]);
                std::nth_element(mags.begin(), mags.begin() + (budget - 1), mags.end(), std::greater<>());
                threshold = mags[static_cast<std::size_t>(budget - 1)];
            }
            for (NeuronIndex j = 0; j < layer.outputs(); ++j)
                for (EdgeIndex e = rowPtr[j]; e < rowPtr[j + 1]; ++e)
                    if (std::abs(w[e]) >= threshold && static_cast<EdgeIndex>(edges.size()) < budget)
                        edges.push_back({colIdx[e], j, w[e]});
            // Opacity in a few levels of |w| per sign, each drawn in one call with one pen (a pen per
            // edge costs more than the line), weakest level first so the strongest end on top.
            constexpr int kLevels = 10;
            std::vector<QLineF> buckets[2][kLevels];
            for (const Drawn& d : edges) {
                const double rel = std::abs(d.w) / maxAbs;
                const int level = std::min(kLevels - 1, static_cast<int>(rel * rel * kLevels));
                buckets[d.w >= 0][level].emplace_back(QPointF(x0, g.y(l, d.from)), QPointF(x1, g.y(l + 1, d.to)));
            }
            const double base = edges.size() > 20000 ? 0.05 : 0.12;
            for (int level = 0; level < kLevels; ++level)
                for (int sign = 0; sign < 2; ++sign) {
                    const auto& lines = buckets[sign][level];
                    if (lines.empty())
                        continue;
                    drawLines(p, lines, edgeColor(sign ? 1.0f : -1.0f, base + 0.75 * (level + 0.5) / kLevels));
                }
        }
        if (changes) {
            const LayerEdgeChanges& c = s.changes[static_cast<std::size_t>(l)];
            auto drawSome = [&](const std::vector<ChangedEdge>& list, QColor color, Qt::PenStyle style) {
                // A uniform sample: enough to see where the topology moves without hiding the weights.
                const std::size_t cap = static_cast<std::size_t>(std::max(1, m_budget / 8));
                const std::size_t stride = list.size() > cap ? (list.size() + cap - 1) / cap : 1;
                color.setAlphaF(style == Qt::SolidLine ? 0.45 : 0.3);
                std::vector<QLineF> lines;
                for (std::size_t k = 0; k < list.size(); k += stride)
                    lines.emplace_back(QPointF(x0, g.y(l, list[k].from)), QPointF(x1, g.y(l + 1, list[k].to)));
                drawLines(p, lines, color);
            };
            drawSome(c.removed, kRemoved, Qt::DotLine);
            drawSome(c.added, kAdded, Qt::SolidLine);
        }
    }

    // The selected neuron's fan-in and fan-out, complete.
    if (m_selected.valid()) {
        const int k = m_selected.set;
        const NeuronIndex i = m_selected.index;
        std::vector<QLineF> lines;
        if (k > 0) {
            const SparseLayer& in = net.layer(k - 1);
            for (EdgeIndex e = in.rowPtr()[i]; e < in.rowPtr()[i + 1]; ++e)
                lines.emplace_back(QPointF(g.x[static_cast<std::size_t>(k) - 1], g.y(k - 1, in.colIdx()[e])), QPointF(g.x[static_cast<std::size_t>(k)], g.y(k, i)));
        }
        if (k < net.layerCount()) {
            const SparseLayer& out = net.layer(k);
            for (EdgeIndex e = out.colPtr()[i]; e < out.colPtr()[i + 1]; ++e)
                lines.emplace_back(QPointF(g.x[static_cast<std::size_t>(k)], g.y(k, i)), QPointF(g.x[static_cast<std::size_t>(k) + 1], g.y(k + 1, out.cscRow()[e])));
        }
        drawLines(p, lines, kSelected);
        // Twice, for a 2-pixel-ish highlight that stands out over the other edges.
        for (QLineF& line : lines)
            line.translate(1, 0);
        drawLines(p, lines, kSelected);
    }

    // Neurons: dots when there is room, else a colour strip (importance; inputs: strength), dead in red.
    const QFontMetrics fm = p.fontMetrics();
    for (int k = 0; k < static_cast<int>(g.n.size()); ++k) {
        const NeuronIndex n = g.n[static_cast<std::size_t>(k)];
        const double x = g.x[static_cast<std::size_t>(k)];
        const double spacing = (g.bottom - g.top) / static_cast<double>(n);
        double maxScore = 0;
        for (NeuronIndex i = 0; i < n; ++i) {
            const NeuronRow& r = s.neuron(k, i);
            maxScore = std::max(maxScore, k == 0 ? r.outStrength : r.importance);
        }
        std::int64_t dead = 0;
        for (NeuronIndex i = 0; i < n; ++i) {
            const NeuronRow& r = s.neuron(k, i);
            dead += r.dead;
            const double score = maxScore > 0 ? (k == 0 ? r.outStrength : r.importance) / maxScore : 0;
            const QColor fill = r.dead ? kDead : QColor::fromRgb(viridis(score));
            const double y = g.y(k, i);
            if (spacing >= 5) {
                const double radius = std::min(6.0, spacing * 0.38);
                p.setPen(QPen(Qt::black, 0.6));
                p.setBrush(fill);
                p.drawEllipse(QPointF(x, y), radius, radius);
            } else {
                p.fillRect(QRectF(x - 5, y - spacing / 2, 10, std::max(1.0, spacing)), fill);
            }
        }
        const QString lines[] = {neuronSetName(s, k), groupDigits(n), dead ? tr("%1 dead").arg(dead) : QString()};
        for (int line = 0; line < 3; ++line) {
            const int w = fm.horizontalAdvance(lines[line]);
            p.setPen(line == 2 ? kDead : Qt::black);
            p.drawText(QPointF(std::clamp(x, w / 2.0 + 2, size.width() - w / 2.0 - 2) - w / 2.0,
                               fm.height() + 4 + fm.ascent() + line * fm.height()),
                       lines[line]);
        }
    }
    if (m_selected.valid()) {
        p.setPen(QPen(Qt::black, 2));
        p.setBrush(kSelected);
        p.drawEllipse(QPointF(g.x[static_cast<std::size_t>(m_selected.set)], g.y(m_selected.set, m_selected.index)), 6, 6);
    }

    // Header: what is drawn. Per-layer edge counts under the columns, then the legend.
    p.setPen(Qt::black);
    const QString epoch = s.batch ? tr("epoch %1 + batch %2/%3").arg(s.epoch).arg(s.batch).arg(s.batchCount)
                                  : tr("epoch %1").arg(s.epoch);
    QString header = tr("%1 · %2 edges").arg(epoch, groupDigits(net.edgeCount()));
    if (changes) // against the snapshot it was analysed with (the timeline may have dropped it since)
        header += s.previousBatch ? tr(" · changes since epoch %1 + batch %2 (sample)").arg(s.previousEpoch).arg(s.previousBatch)
                                  : tr(" · changes since epoch %1 (sample)").arg(s.previousEpoch);
    if (detail == Detail::TopK)
        header += tr(" · strongest %1 |w| per layer drawn").arg(groupDigits(m_budget));
    else if (detail == Detail::Blocks)
        header += tr(" · block density between neuron bins");
    p.drawText(QPointF(4, fm.ascent() + 2), fm.elidedText(header, Qt::ElideRight, size.width() - 8));
    for (int l = 0; l < net.layerCount(); ++l) {
        const QString t = groupDigits(net.layer(l).edgeCount());
        const double cx = 0.5 * (g.x[static_cast<std::size_t>(l)] + g.x[static_cast<std::size_t>(l) + 1]);
        p.drawText(QPointF(cx - fm.horizontalAdvance(t) / 2.0, g.bottom + fm.ascent() + 3), t);
    }
    struct Key {
        QColor color;
        QString text;
    };
    std::vector<Key> keys{{kPositive, tr("w > 0")}, {kNegative, tr("w < 0")}};
    if (changes) {
        keys.push_back({kAdded, tr("added")});
        keys.push_back({kRemoved, tr("removed")});
    }
    keys.push_back({kDead, tr("dead")});
    double kx = 8;
    const double ky = size.height() - 8;
    for (const Key& key : keys) {
        p.setPen(QPen(key.color, 3));
        p.drawLine(QPointF(kx, ky - fm.ascent() / 2.0), QPointF(kx + 16, ky - fm.ascent() / 2.0));
        p.setPen(Qt::black);
        p.drawText(QPointF(kx + 20, ky), key.text);
        kx += 26 + fm.horizontalAdvance(key.text);
    }
}

QString NetworkView::infoText() const { return m_info->text(); }

void NetworkView::updateInfo()
{
    if (!m_snapshot || !m_selected.valid()) {
        m_info->setText(tr("Click a neuron to see its fan-in, fan-out and metrics."));
        return;
    }
    const Snapshot& s = *m_snapshot;
    const NeuronRow& r = s.neuron(m_selected.set, m_selected.index);
    const std::size_t row = s.setStart[static_cast<std::size_t>(m_selected.set)] + static_cast<std::size_t>(m_selected.index);
    QString change;
    if (s.hasPrevious && s.rankChange[row] != 0)
        change = QStringLiteral(" (%1%2)").arg(s.rankChange[row] > 0 ? "+" : "").arg(s.rankChange[row]);
    m_info->setText(tr("<b>%1, neuron %2</b>: fan-in %3 (strength %4), fan-out %5 (strength %6), importance %7, "
                       "rank %8%9 in its layer by %11%10")
                        .arg(neuronSetName(s, m_selected.set))
                        .arg(m_selected.index)
                        .arg(r.inDegree)
                        .arg(r.inStrength, 0, 'g', 4)
                        .arg(r.outDegree)
                        .arg(r.outStrength, 0, 'g', 4)
                        .arg(r.importance, 0, 'g', 4)
                        .arg(s.rank[row])
                        .arg(change)
                        .arg(r.dead ? tr(", <span style='color:#dc143c'>dead</span>") : QString())
                        .arg(m_selected.set == 0 ? tr("outgoing strength (inputs have no importance)") : tr("importance")));
}

} // namespace rewire::gui
