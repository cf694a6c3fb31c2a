#include "gui/network_view.h"

#include "analysis/strongest.h"

#include "gui/colormap.h"
#include "gui/line_raster.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace rewire::gui {

namespace {

constexpr int kLeft = 40, kRight = 40;
constexpr double kDotSpacing = 5;    // pixels between neurons from which each gets its own dot
constexpr double kFoundSpacing = 24; // a found neuron's neighbours this far apart (and the most zoom)

// Where things go in one frame: the columns at zoom 1 and the view along them.
struct Geometry {
    std::vector<double> x;
    std::vector<NeuronIndex> n;
    double top = 0, bottom = 0; // the columns' extent on the canvas at zoom 1
    double zoom = 1, centre = 0.5;
    double height() const { return bottom - top; }
    // Canvas y of a point at fraction f of the columns' height.
    double sy(double f) const { return (top + bottom) / 2 + (f - centre) * zoom * height(); }
    double fraction(double y) const { return centre + (y - (top + bottom) / 2) / (zoom * height()); }
    double y(int k, double i) const { return sy((i + 0.5) / static_cast<double>(n[static_cast<std::size_t>(k)])); }
    double spacing(int k) const { return zoom * height() / static_cast<double>(n[static_cast<std::size_t>(k)]); }
    // The neurons of column k whose centres fall within [top, bottom] (first, last; first > last: none).
    std::pair<NeuronIndex, NeuronIndex> visible(int k) const
    {
        const double count = static_cast<double>(n[static_cast<std::size_t>(k)]);
        const double lo = std::ceil(fraction(top) * count - 0.5), hi = std::floor(fraction(bottom) * count - 0.5);
        return {static_cast<NeuronIndex>(std::max(0.0, lo)), static_cast<NeuronIndex>(std::min(count - 1, hi))};
    }
};

// Greedy wrapping of " · "-separated parts into lines no wider than `width`.
QStringList wrapParts(const QStringList& parts, const QFontMetrics& fm, int width)
{
    QStringList lines;
    for (const QString& part : parts) {
        const QString joined = lines.isEmpty() ? part : lines.back() + QStringLiteral(" · ") + part;
        if (!lines.isEmpty() && fm.horizontalAdvance(joined) <= width)
            lines.back() = joined;
        else
            lines << part;
    }
    return lines;
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

// Cuts lines to the band lo <= y <= hi (dropping those wholly outside).
void clipLines(std::vector<QLineF>& lines, double lo, double hi)
{
    std::vector<QLineF> kept;
    kept.reserve(lines.size());
    for (const QLineF& l : lines) {
        double t0 = 0, t1 = 1;
        const double dy = l.dy();
        for (const double edge : {lo, hi}) {
            if (dy == 0) {
                if (l.y1() < lo || l.y1() > hi)
                    t0 = 2;
                continue;
            }
            const double t = (edge - l.y1()) / dy;
            const bool entering = (edge == lo) == (dy > 0);
            if (entering)
                t0 = std::max(t0, t);
            else
                t1 = std::min(t1, t);
        }
        if (t0 <= t1)
            kept.emplace_back(l.pointAt(t0), l.pointAt(t1));
    }
    lines = std::move(kept);
}

QColor edgeColor(float w, double alpha)
{
    QColor c = w >= 0 ? kPositive : kNegative;
    c.setAlphaF(std::clamp(alpha, 0.02, 1.0));
    return c;
}

using Key = NetworkView::LegendKey;
constexpr int kScaleWidth = 90;

int keyWidth(const Key& k, const QFontMetrics& fm)
{
    return (k.scale ? kScaleWidth + 6 : 20) + fm.horizontalAdvance(k.text) + 6;
}

// Rows of keys that fit `width`.
std::vector<std::vector<Key>> keyRows(const std::vector<Key>& keys, const QFontMetrics& fm, int width)
{
    std::vector<std::vector<Key>> rows(1);
    int x = 8;
    for (const Key& k : keys) {
        const int w = keyWidth(k, fm);
        if (x + w > width && !rows.back().empty()) {
            rows.emplace_back();
            x = 8;
        }
        rows.back().push_back(k);
        x += w;
    }
    return rows;
}

} // namespace

NetworkView::NetworkView(QWidget* parent) : SnapshotView(parent)
{
    m_detail = addCombo({}, {tr("edges: strongest |w|"), tr("edges: block density"), tr("edges: all (slow when dense)")});
    // Narrow enough for a 1024-pixel window: the combo shrinks to its shortest item's length.
    m_detail->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_detail->setMinimumContentsLength(10);
    m_detail->setToolTip(tr("strongest |w| per layer, block density between neuron bins, or every edge (slow when dense); "
                            "taken among the edges in view"));
    m_changes = new QCheckBox(tr("changes"));
    m_changes->setToolTip(tr("highlight the edges added (green) and removed (purple) since the previous snapshot"));
    m_changes->setChecked(true);
    addControl(m_changes);
    m_search = new QLineEdit;
    m_search->setPlaceholderText(tr("find 1:44"));
    m_search->setToolTip(tr("Find a neuron: its neuron set (0 = inputs, 1 = hidden 1, …) and index, as 1:44; "
                            "it is selected and brought into view"));
    m_search->setMaximumWidth(80);
    m_search->setClearButtonEnabled(true);
    addControl(m_search);
    auto* fit = new QToolButton;
    fit->setText(tr("Fit"));
    fit->setToolTip(tr("Show every neuron (zoom with the wheel, drag to pan, double-click to fit)"));
    addControl(fit);
    m_canvas = new ImageCanvas;
    m_canvas->render = [this](QPainter& p, QSize size) { render(p, size); };
    m_canvas->clicked = [this](QPoint point) {
        const NeuronRef n = neuronAt(point);
        if (n.valid())
            select(n);
    };
    m_canvas->wheeled = [this](QPointF point, double steps) { zoomAt(point, std::pow(1.25, steps)); };
    m_canvas->dragged = [this](QPointF delta) { panBy(delta.y()); };
    m_canvas->doubleClicked = [this](QPointF) { fitView(); };
    content()->addWidget(m_canvas, 1);
    setFigure(m_canvas);
    m_info = new QLabel;
    m_info->setWordWrap(true);
    m_info->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Four lines, whatever it says (a dead neuron's of a live sketch take them at 1024 wide): a
    // selection never resizes the canvas (which would draw it all again).
    m_info->setFixedHeight(4 * fontMetrics().lineSpacing() + 4);
    m_info->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    content()->addWidget(m_info);
    connect(m_detail, &QComboBox::currentIndexChanged, this, [this] { invalidate(); });
    connect(m_changes, &QCheckBox::toggled, this, [this] { invalidate(); });
    connect(fit, &QToolButton::clicked, this, &NetworkView::fitView);
    connect(m_search, &QLineEdit::returnPressed, this, [this] {
        if (!findNeuron(m_search->text()))
            m_info->setText(QStringLiteral("<span style='color:#dc143c'>%1</span>").arg(m_searchError.toHtmlEscaped()));
    });
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
    clampView();
    m_canvas->invalidate();
    updateInfo();
}

double NetworkView::maxZoom() const
{
    if (!m_snapshot || !m_snapshot->network)
        return 1;
    NeuronIndex most = 1;
    for (NeuronIndex n : m_snapshot->network->architecture())
        most = std::max(most, n);
    const double height = std::max(50, m_canvas->height() - 150);
    return std::max(1.0, kFoundSpacing * static_cast<double>(most) / height);
}

void NetworkView::clampView()
{
    m_zoom = std::clamp(m_zoom, 1.0, maxZoom());
    const double half = 0.5 / m_zoom;
    m_centre = std::clamp(m_centre, half, 1 - half);
}

void NetworkView::setView(double zoom, double centre)
{
    m_zoom = zoom;
    m_centre = centre;
    clampView();
    m_canvas->invalidate();
}

void NetworkView::fitView() { setView(1, 0.5); }

// The layout of a frame: title lines and key rows (they decide the margins) and where the columns go.
struct NetworkView::Frame {
    QStringList title;
    std::vector<std::vector<Key>> keys;
    Geometry g;
};

NetworkView::Frame NetworkView::frame(QSize size, const QFontMetrics& fm) const
{
    Frame f;
    f.title = wrapParts(titleParts(), fm, size.width() - 8);
    f.keys = keyRows(legendKeys(), fm, size.width() - 8);
    f.g.n = m_snapshot->network->architecture();
    const int sets = static_cast<int>(f.g.n.size());
    for (int k = 0; k < sets; ++k)
        f.g.x.push_back(kLeft + (size.width() - kLeft - kRight) * (sets > 1 ? static_cast<double>(k) / (sets - 1) : 0.5));
    const int h = fm.height();
    f.g.top = 4 + h * static_cast<int>(f.title.size()) + 3 * h + 10; // the title, then each column's three label lines
    f.g.bottom = size.height() - (h + 6 + h * static_cast<int>(f.keys.size()) + 8); // edge counts, then the keys
    if (f.g.bottom < f.g.top + 20)
        f.g.bottom = f.g.top + 20;
    f.g.zoom = m_zoom;
    f.g.centre = m_centre;
    return f;
}

NetworkView::Frame NetworkView::frame() const { return frame(m_canvas->size(), QFontMetrics(m_canvas->font())); }

QStringList NetworkView::titleParts() const
{
    const Snapshot& s = *m_snapshot;
    const auto detail = static_cast<Detail>(m_detail->currentIndex());
    QStringList parts;
    parts << (s.batch ? tr("epoch %1 + batch %2/%3").arg(s.epoch).arg(s.batch).arg(s.batchCount) : tr("epoch %1").arg(s.epoch));
    parts << tr("%1 edges").arg(groupDigits(s.edgeCount()));
    if (s.sketch) { // what of the edges a live sketch keeps (SketchOptions)
        EdgeIndex strongest = 0;
        int shift = 0;
        for (const LayerSketch& k : s.sketch->layers) {
            strongest = std::max(strongest, k.strongest);
            shift = std::max(shift, k.shift);
        }
        parts << (shift == 0 ? tr("live sketch (every edge)")
                             : tr("live sketch: strongest %1 + 1/%2 sample").arg(groupDigits(strongest)).arg(EdgeIndex{1} << shift));
    }
    if (m_changes->isChecked() && s.hasPrevious) // against the snapshot it was analysed with (the timeline may have dropped it since)
        parts << (s.previousBatch ? tr("changes since epoch %1 + batch %2 (sample)").arg(s.previousEpoch).arg(s.previousBatch)
                                  : tr("changes since epoch %1 (sample)").arg(s.previousEpoch));
    if (detail == Detail::TopK)
        parts << (s.sketch ? tr("strongest %1 |w| per layer in view, of the sketch's").arg(groupDigits(m_budget))
                           : tr("strongest %1 |w| per layer in view").arg(groupDigits(m_budget)));
    else if (detail == Detail::Blocks)
        parts << tr("block density between neuron bins");
    return parts; // (the zoom shows under each column's name, as the range of neurons in view: the
                  // title's lines, and with them the columns' place, do not change as one zooms)
}

std::vector<NetworkView::LegendKey> NetworkView::legendKeys() const
{
    const auto detail = static_cast<Detail>(m_detail->currentIndex());
    std::vector<LegendKey> keys;
    if (detail == Detail::Blocks)
        keys.push_back({QColor(), tr("block density 0 – 0.000e-00"), true}); // room for the widest label
    else
        keys.insert(keys.end(), {{kPositive, tr("w > 0"), false}, {kNegative, tr("w < 0"), false}});
    if (m_changes->isChecked() && m_snapshot && m_snapshot->hasPrevious)
        keys.insert(keys.end(), {{kAdded, tr("added"), false}, {kRemoved, tr("removed"), false}});
    keys.push_back({kDead, tr("dead"), false});
    return keys;
}

NeuronRef NetworkView::neuronAt(QPoint point) const
{
    if (!m_snapshot || !m_snapshot->network)
        return {};
    const Frame f = frame();
    const Geometry& g = f.g;
    for (int k = 0; k < static_cast<int>(g.x.size()); ++k) {
        if (std::abs(point.x() - g.x[static_cast<std::size_t>(k)]) > 10 || point.y() < g.top || point.y() >= g.bottom)
            continue;
        const double count = static_cast<double>(g.n[static_cast<std::size_t>(k)]);
        const double i = std::floor(g.fraction(point.y()) * count);
        if (i < 0 || i >= count)
            return {};
        return {k, static_cast<NeuronIndex>(i)};
    }
    return {};
}

QPointF NetworkView::neuronPosition(NeuronRef neuron) const
{
    if (!m_snapshot || !m_snapshot->network || !neuron.valid() || neuron.set >= m_snapshot->network->neuronSetCount())
        return {};
    const Frame f = frame();
    return {f.g.x[static_cast<std::size_t>(neuron.set)], f.g.y(neuron.set, static_cast<double>(neuron.index))};
}

double NetworkView::neuronsPerBlock(int set) const
{
    return set >= 0 && set < static_cast<int>(m_perBlock.size()) ? m_perBlock[static_cast<std::size_t>(set)] : 0.0;
}

void NetworkView::zoomAt(QPointF point, double factor)
{
    if (!m_snapshot || !m_snapshot->network)
        return;
    const Frame f = frame();
    const double y = std::clamp(point.y(), f.g.top, f.g.bottom);
    const double under = f.g.fraction(y); // stays under the pointer
    const double zoom = std::clamp(m_zoom * factor, 1.0, maxZoom());
    setView(zoom, under - (y - (f.g.top + f.g.bottom) / 2) / (zoom * f.g.height()));
}

void NetworkView::panBy(double pixels)
{
    if (!m_snapshot || !m_snapshot->network)
        return;
    const Frame f = frame();
    setView(m_zoom, m_centre - pixels / (m_zoom * f.g.height()));
}

bool NetworkView::findNeuron(const QString& text)
{
    static const QRegularExpression form(QStringLiteral("^\\s*(\\d+)\\s*[:,\\s]\\s*(\\d+)\\s*$"));
    const QRegularExpressionMatch m = form.match(text);
    if (!m.hasMatch()) {
        m_searchError = tr("\"%1\": type a neuron as layer:index, e.g. 1:44 (layer 0 = inputs)").arg(text);
        return false;
    }
    bool ok1 = false, ok2 = false;
    const int set = m.captured(1).toInt(&ok1);
    const qlonglong index = m.captured(2).toLongLong(&ok2);
    if (!ok1 || !ok2 || index > std::numeric_limits<NeuronIndex>::max()) {
        m_searchError = tr("\"%1\": no such neuron").arg(text);
        return false;
    }
    return findNeuron(set, static_cast<NeuronIndex>(index));
}

bool NetworkView::findNeuron(int set, NeuronIndex index)
{
    m_searchError.clear();
    if (!m_snapshot || !m_snapshot->network) {
        m_searchError = tr("no network to search");
        return false;
    }
    const std::vector<NeuronIndex> arch = m_snapshot->network->architecture();
    if (set < 0 || set >= static_cast<int>(arch.size()) || index < 0 || index >= arch[static_cast<std::size_t>(set)]) {
        m_searchError = set >= 0 && set < static_cast<int>(arch.size())
                            ? tr("%1 has neurons 0 to %2, not %3")
                                  .arg(neuronSetName(*m_snapshot, set))
                                  .arg(arch[static_cast<std::size_t>(set)] - 1)
                                  .arg(index)
                            : tr("layers are 0 (inputs) to %1, not %2").arg(arch.size() - 1).arg(set);
        return false;
    }
    // Zoomed in until single neurons show in its column (kept if already so), centred on it.
    const Frame f = frame();
    const double count = static_cast<double>(arch[static_cast<std::size_t>(set)]);
    double zoom = m_zoom;
    if (zoom * f.g.height() / count < 2 * kDotSpacing)
        zoom = std::min(maxZoom(), kFoundSpacing * count / f.g.height());
    setView(zoom, (static_cast<double>(index) + 0.5) / count);
    select({set, index});
    return true;
}

void NetworkView::columnStats()
{
    if (!m_statsOf.expired() && m_statsOf.lock() == m_snapshot) // (a freed snapshot's address may come back)
        return;
    m_statsOf = m_snapshot;
    m_maxScore.clear();
    m_dead.clear();
    m_maxAbs.clear();
    if (!m_snapshot)
        return;
    const Snapshot& s = *m_snapshot;
    if (s.network)
        for (int l = 0; l < s.network->layerCount(); ++l) {
            float most = 0;
            for (float v : s.network->layer(l).weights())
                most = std::max(most, std::abs(v));
            m_maxAbs.push_back(most > 0 ? most : 1.0f);
        }
    for (std::size_t k = 0; k + 1 < s.setStart.size(); ++k) {
        double best = 0;
        std::int64_t dead = 0;
        for (std::size_t r = s.setStart[k]; r < s.setStart[k + 1]; ++r) {
            best = std::max(best, k == 0 ? s.neurons[r].outStrength : s.neurons[r].importance);
            dead += s.neurons[r].dead;
        }
        m_maxScore.push_back(best);
        m_dead.push_back(dead);
    }
}

void NetworkView::renderBase(QPainter& p, QSize size)
{
    m_perBlock.clear();
    m_drawn.clear();
    m_densityMax = 0;
    m_titleLines.clear();
    if (!m_snapshot || !m_snapshot->network) {
        p.drawText(QRect(QPoint(0, 0), size), Qt::AlignCenter | Qt::TextWordWrap,
                   tr("No network yet: press Start, or open a run folder or model."));
        return;
    }
    p.setFont(m_canvas->font());
    const QFontMetrics fm = p.fontMetrics();
    const Snapshot& s = *m_snapshot;
    const NetworkGraph& net = *s.network;
    columnStats();
    clampView();
    const Frame fr = frame(size, fm);
    const Geometry& g = fr.g;
    m_titleLines = fr.title;
    const auto detail = static_cast<Detail>(m_detail->currentIndex());
    const bool changes = m_changes->isChecked() && s.hasPrevious;
    std::vector<std::pair<NeuronIndex, NeuronIndex>> view;
    for (int k = 0; k < net.neuronSetCount(); ++k)
        view.push_back(g.visible(k));
    const auto inView = [&](int k, NeuronIndex i) {
        return i >= view[static_cast<std::size_t>(k)].first && i <= view[static_cast<std::size_t>(k)].second;
    };

    // Block density: bins over the neurons in view of both columns, one colour scale for all layers.
    // Bin x of a layer's input side holds neurons in[x] to in[x + 1] − 1 (out[] likewise).
    struct Blocks {
        int bi = 0, bo = 0;
        std::vector<std::int64_t> in, out;
        std::vector<double> density;
    };
    std::vector<Blocks> blocks(static_cast<std::size_t>(net.layerCount()));
    if (detail == Detail::Blocks) {
        for (int l = 0; l < net.layerCount(); ++l) {
            const SparseLayer& layer = net.layer(l);
            const auto [a0, a1] = view[static_cast<std::size_t>(l)];
            const auto [b0, b1] = view[static_cast<std::size_t>(l) + 1];
            if (a1 < a0 || b1 < b0)
                continue;
            Blocks& b = blocks[static_cast<std::size_t>(l)];
            std::vector<double> count;
            if (s.sketch) {
                // A live sketch's block counts: whole grid cells, at most 48 bins of them a side, so a
                // bin may reach past the view and holds at least a cell.
                const LayerSketch& k = s.sketch->layers[static_cast<std::size_t>(l)];
                const NeuronIndex nIn = layer.inputs(), nOut = layer.outputs();
                const std::int64_t c0 = static_cast<std::int64_t>(a0) * k.gridIn / nIn, c1 = static_cast<std::int64_t>(a1) * k.gridIn / nIn;
                const std::int64_t r0 = static_cast<std::int64_t>(b0) * k.gridOut / nOut, r1 = static_cast<std::int64_t>(b1) * k.gridOut / nOut;
                const std::int64_t nc = c1 - c0 + 1, nr = r1 - r0 + 1;
                b.bi = static_cast<int>(std::min<std::int64_t>(nc, 48));
                b.bo = static_cast<int>(std::min<std::int64_t>(nr, 48));
                for (int x = 0; x <= b.bi; ++x)
                    b.in.push_back(blockStart(c0 + blockStart(x, nc, b.bi), nIn, k.gridIn));
                for (int y = 0; y <= b.bo; ++y)
                    b.out.push_back(blockStart(r0 + blockStart(y, nr, b.bo), nOut, k.gridOut));
                count.assign(static_cast<std::size_t>(b.bi * b.bo), 0);
                for (std::int64_t r = r0; r <= r1; ++r) {
                    const int ob = static_cast<int>((r - r0) * b.bo / nr);
                    for (std::int64_t c = c0; c <= c1; ++c)
                        count[static_cast<std::size_t>(static_cast<int>((c - c0) * b.bi / nc) * b.bo + ob)] +=
                            static_cast<double>(k.grid[static_cast<std::size_t>(r * k.gridIn + c)]);
                }
            } else {
                const std::int64_t na = static_cast<std::int64_t>(a1) - a0 + 1, nb = static_cast<std::int64_t>(b1) - b0 + 1;
                b.bi = static_cast<int>(std::min<std::int64_t>(na, 48));
                b.bo = static_cast<int>(std::min<std::int64_t>(nb, 48));
                // Neuron i is in bin ⌊i·bins/n⌋: bin x holds ⌈x·n/bins⌉ to ⌈(x+1)·n/bins⌉ − 1.
                for (int x = 0; x <= b.bi; ++x)
                    b.in.push_back(a0 + blockStart(x, na, b.bi));
                for (int y = 0; y <= b.bo; ++y)
                    b.out.push_back(b0 + blockStart(y, nb, b.bo));
                count.assign(static_cast<std::size_t>(b.bi * b.bo), 0);
                for (NeuronIndex j = b0; j <= b1; ++j) {
                    const int ob = static_cast<int>((static_cast<std::int64_t>(j) - b0) * b.bo / nb);
                    for (EdgeIndex e = layer.rowPtr()[j]; e < layer.rowPtr()[j + 1]; ++e) {
                        const NeuronIndex i = layer.colIdx()[static_cast<std::size_t>(e)];
                        if (i < a0 || i > a1)
                            continue;
                        count[static_cast<std::size_t>(static_cast<int>((static_cast<std::int64_t>(i) - a0) * b.bi / na) * b.bo + ob)] += 1;
                    }
                }
            }
            // The density over each cell's own pairs (at most 1).
            b.density.resize(count.size());
            for (int x = 0; x < b.bi; ++x)
                for (int y = 0; y < b.bo; ++y) {
                    const double cellIn = static_cast<double>(b.in[static_cast<std::size_t>(x) + 1] - b.in[static_cast<std::size_t>(x)]);
                    const double cellOut = static_cast<double>(b.out[static_cast<std::size_t>(y) + 1] - b.out[static_cast<std::size_t>(y)]);
                    const double d = count[static_cast<std::size_t>(x * b.bo + y)] / (cellIn * cellOut);
                    b.density[static_cast<std::size_t>(x * b.bo + y)] = d;
                    m_densityMax = std::max(m_densityMax, d);
                }
        }
    }

    // Edges, layer by layer, weakest first so the strongest end on top.
    for (int l = 0; l < net.layerCount(); ++l) {
        const SparseLayer& layer = net.layer(l);
        const double x0 = g.x[static_cast<std::size_t>(l)], x1 = g.x[static_cast<std::size_t>(l) + 1];
        const auto w = layer.weights();
        const auto rowPtr = layer.rowPtr();
        const auto colIdx = layer.colIdx();
        if (detail == Detail::Blocks) {
            const Blocks& b = blocks[static_cast<std::size_t>(l)];
            p.setPen(Qt::NoPen);
            // Up to 48 x 48 translucent bands a layer, each over a wide strip: without antialiasing
            // their fill costs a fraction (their edges lie inside the neighbours' anyway).
            p.save();
            p.setRenderHint(QPainter::Antialiasing, false);
            for (int x = 0; x < b.bi; ++x)
                for (int y = 0; y < b.bo; ++y) {
                    const double d = b.density[static_cast<std::size_t>(x * b.bo + y)];
                    if (d == 0)
                        continue;
                    const double ya0 = g.y(l, static_cast<double>(b.in[static_cast<std::size_t>(x)]) - 0.5);
                    const double ya1 = g.y(l, static_cast<double>(b.in[static_cast<std::size_t>(x) + 1]) - 0.5);
                    const double yb0 = g.y(l + 1, static_cast<double>(b.out[static_cast<std::size_t>(y)]) - 0.5);
                    const double yb1 = g.y(l + 1, static_cast<double>(b.out[static_cast<std::size_t>(y) + 1]) - 0.5);
                    const QPointF band[4] = {{x0, ya0}, {x1, yb0}, {x1, yb1}, {x0, ya1}};
                    QColor c = QColor::fromRgb(viridis(d / m_densityMax));
                    c.setAlphaF(0.25 + 0.5 * d / m_densityMax);
                    p.setBrush(c);
                    p.drawPolygon(band, 4);
                }
            p.restore();
        } else {
            const float maxAbs = m_maxAbs[static_cast<std::size_t>(l)];
            // The strongest `budget` edges in view (an end in view), kept in a heap while the edges
            // in view stream past: one pass, nothing copied. Zoomed in, the edges in view are found
            // from the neurons in view, their rows (fan-in, CSR) and columns (fan-out, CSC), so a
            // frame costs what is in view, not the whole layer.
            struct Edge {
                NeuronIndex from, to;
                float w;
            };
            const EdgeIndex budget = detail == Detail::All ? std::max<EdgeIndex>(200000, m_budget) : m_budget;
            Strongest<Edge> strongest(static_cast<std::size_t>(std::min<EdgeIndex>(budget, layer.edgeCount())));
            const auto consider = [&](NeuronIndex from, NeuronIndex to, float v) { strongest.offer(std::abs(v), {from, to, v}); };
            const auto [a0, a1] = view[static_cast<std::size_t>(l)];
            const auto [b0, b1] = view[static_cast<std::size_t>(l) + 1];
            for (NeuronIndex j = b0; j <= b1; ++j)
                for (EdgeIndex e = rowPtr[j]; e < rowPtr[j + 1]; ++e)
                    consider(colIdx[static_cast<std::size_t>(e)], j, w[e]);
            const bool allRows = b0 == 0 && b1 == layer.outputs() - 1;
            if (!allRows) {
                const auto colPtr = layer.colPtr();
                const auto cscRow = layer.cscRow();
                const auto cscPerm = layer.cscPerm();
                for (NeuronIndex i = a0; i <= a1; ++i)
                    for (EdgeIndex k = colPtr[i]; k < colPtr[i + 1]; ++k)
                        if (const NeuronIndex j = cscRow[k]; j < b0 || j > b1) // (rows in view are in already)
                            consider(i, j, w[cscPerm[k]]);
            }
            // Opacity in a few levels of |w| per sign, each drawn in one call with one pen (a pen per
            // edge costs more than the line), weakest level first so the strongest end on top.
            constexpr int kLevels = 10;
            std::vector<QLineF> buckets[2][kLevels];
            const auto drawn = static_cast<EdgeIndex>(strongest.size());
            m_drawn.push_back({drawn, strongest.floor()});
            for (const auto& [mag, k] : strongest.items()) {
                const double rel = mag / maxAbs;
                const int level = std::min(kLevels - 1, static_cast<int>(rel * rel * kLevels));
                buckets[k.w >= 0][level].emplace_back(QPointF(x0, g.y(l, k.from)), QPointF(x1, g.y(l + 1, k.to)));
            }
            const double base = drawn > 20000 ? 0.05 : 0.12;
            for (int level = 0; level < kLevels; ++level)
                for (int sign = 0; sign < 2; ++sign) {
                    const auto& lines = buckets[sign][level];
                    if (!lines.empty())
                        drawLines(p, lines, edgeColor(sign ? 1.0f : -1.0f, base + 0.75 * (level + 0.5) / kLevels));
                }
        }
        if (changes) {
            const LayerEdgeChanges& c = s.changes[static_cast<std::size_t>(l)];
            auto drawSome = [&](const std::vector<ChangedEdge>& list, QColor color, double alpha) {
                // A uniform sample of those in view: where the topology moves, without hiding the weights.
                std::vector<const ChangedEdge*> seen;
                for (const ChangedEdge& e : list)
                    if (inView(l, e.from) || inView(l + 1, e.to))
                        seen.push_back(&e);
                const std::size_t cap = static_cast<std::size_t>(std::max(1, m_budget / 8));
                const std::size_t stride = seen.size() > cap ? (seen.size() + cap - 1) / cap : 1;
                color.setAlphaF(alpha);
                std::vector<QLineF> lines;
                for (std::size_t k = 0; k < seen.size(); k += stride)
                    lines.emplace_back(QPointF(x0, g.y(l, seen[k]->from)), QPointF(x1, g.y(l + 1, seen[k]->to)));
                drawLines(p, lines, color);
            };
            drawSome(c.removed, kRemoved, 0.3);
            drawSome(c.added, kAdded, 0.45);
        }
    }

    // Neurons in view: dots when there is room, else blocks of one pixel row (the mean score of the
    // neurons in it; red when most are dead).
    for (int k = 0; k < net.neuronSetCount(); ++k) {
        const auto [first, last] = view[static_cast<std::size_t>(k)];
        const double x = g.x[static_cast<std::size_t>(k)];
        const double spacing = g.spacing(k);
        const double maxScore = m_maxScore[static_cast<std::size_t>(k)];
        const auto score = [&](NeuronIndex i) {
            const NeuronRow& r = s.neuron(k, i);
            return maxScore > 0 ? (k == 0 ? r.outStrength : r.importance) / maxScore : 0.0;
        };
        if (last < first) {
            m_perBlock.push_back(0);
            continue;
        }
        if (spacing >= kDotSpacing) {
            m_perBlock.push_back(1);
            const double radius = std::min(6.0, spacing * 0.38);
            p.setPen(QPen(Qt::black, 0.6));
            for (NeuronIndex i = first; i <= last; ++i) {
                p.setBrush(s.neuron(k, i).dead ? kDead : QColor::fromRgb(viridis(score(i))));
                p.drawEllipse(QPointF(x, g.y(k, i)), radius, radius);
            }
            continue;
        }
        const int y0 = static_cast<int>(std::floor(g.y(k, first))), y1 = static_cast<int>(std::floor(g.y(k, last)));
        const std::size_t rows = static_cast<std::size_t>(y1 - y0 + 1);
        std::vector<double> sum(rows);
        std::vector<std::int64_t> count(rows), dead(rows);
        for (NeuronIndex i = first; i <= last; ++i) {
            const std::size_t row = static_cast<std::size_t>(std::clamp(static_cast<int>(std::floor(g.y(k, i))) - y0, 0, y1 - y0));
            sum[row] += score(i);
            ++count[row];
            dead[row] += s.neuron(k, i).dead;
        }
        m_perBlock.push_back(static_cast<double>(last - first + 1) / static_cast<double>(rows));
        for (std::size_t r = 0; r < rows; ++r) {
            if (count[r] == 0)
                continue;
            const QColor fill = 2 * dead[r] > count[r] ? kDead : QColor::fromRgb(viridis(sum[r] / static_cast<double>(count[r])));
            p.fillRect(QRectF(x - 5, y0 + static_cast<double>(r), 10, 1.0), fill);
        }
    }

    // What lies outside the columns' extent (zoomed in) is covered by the title and key bands.
    const int h = fm.height();
    p.fillRect(QRectF(0, 0, size.width(), g.top - 6), Qt::white);
    p.fillRect(QRectF(0, g.bottom + 6, size.width(), size.height() - g.bottom - 6), Qt::white);

    // Title, wrapped (never clipped); each column's name, size and dead count; edge counts per layer.
    p.setPen(Qt::black);
    for (int line = 0; line < fr.title.size(); ++line)
        p.drawText(QPointF(4, 2 + fm.ascent() + line * h), fr.title[line]);
    const double labelsTop = 4 + h * fr.title.size();
    // Columns too close for their names get short ones (in, h1, h2, …, out).
    bool shortNames = false;
    for (int k = 0; k < net.neuronSetCount(); ++k)
        shortNames = shortNames || (net.neuronSetCount() > 1 && fm.horizontalAdvance(neuronSetName(s, k)) + 6 > g.x[1] - g.x[0]);
    for (int k = 0; k < net.neuronSetCount(); ++k) {
        const double x = g.x[static_cast<std::size_t>(k)];
        const std::int64_t deadCount = m_dead[static_cast<std::size_t>(k)];
        const auto [first, last] = view[static_cast<std::size_t>(k)];
        QString count = groupDigits(g.n[static_cast<std::size_t>(k)]);
        if (m_zoom > 1.0001 && last >= first) // the neurons in view (the size shows at zoom 1)
            count = tr("%1–%2").arg(first).arg(last);
        const QString name = !shortNames ? neuronSetName(s, k)
                             : k == 0 ? tr("in")
                             : k + 1 == net.neuronSetCount() ? tr("out")
                                                             : tr("h%1").arg(k);
        const QString lines[] = {name, count, deadCount ? tr("%1 dead").arg(groupDigits(deadCount)) : QString()};
        for (int line = 0; line < 3; ++line) {
            const int w = fm.horizontalAdvance(lines[line]);
            p.setPen(line == 2 ? kDead : Qt::black);
            p.drawText(QPointF(std::clamp(x, w / 2.0 + 2, size.width() - w / 2.0 - 2) - w / 2.0, labelsTop + fm.ascent() + line * h),
                       lines[line]);
        }
    }
    p.setPen(Qt::black);
    for (int l = 0; l < net.layerCount(); ++l) {
        const QString t = groupDigits(s.layers[static_cast<std::size_t>(l)].edges);
        const double cx = 0.5 * (g.x[static_cast<std::size_t>(l)] + g.x[static_cast<std::size_t>(l) + 1]);
        p.drawText(QPointF(cx - fm.horizontalAdvance(t) / 2.0, g.bottom + 6 + fm.ascent()), t);
    }
    // The keys, in rows that fit; the density scale as a gradient labelled with its range.
    double ky = g.bottom + 6 + h + fm.ascent() + 2;
    for (const std::vector<Key>& row : fr.keys) {
        double kx = 8;
        for (const Key& key : row) {
            QString text = key.text;
            if (key.scale) {
                QLinearGradient gradient(kx, 0, kx + kScaleWidth, 0);
                for (int t = 0; t <= 10; ++t)
                    gradient.setColorAt(t / 10.0, QColor::fromRgb(viridis(t / 10.0)));
                p.fillRect(QRectF(kx, ky - fm.ascent() + 1, kScaleWidth, fm.ascent() - 1), gradient);
                p.setPen(QPen(Qt::black, 0.5));
                p.setBrush(Qt::NoBrush);
                p.drawRect(QRectF(kx, ky - fm.ascent() + 1, kScaleWidth, fm.ascent() - 1));
                text = tr("block density 0 – %1").arg(m_densityMax, 0, 'g', 3);
                p.setPen(Qt::black);
                p.drawText(QPointF(kx + kScaleWidth + 6, ky), text);
            } else {
                p.setPen(QPen(key.color, 3));
                p.drawLine(QPointF(kx, ky - fm.ascent() / 2.0), QPointF(kx + 16, ky - fm.ascent() / 2.0));
                p.setPen(Qt::black);
                p.drawText(QPointF(kx + 20, ky), text);
            }
            kx += keyWidth(key, fm);
        }
        ky += h;
    }
}

// A frame: the base (everything but the selection) from its cache when nothing it shows changed,
// so a click costs the selected neuron's own edges only; then the selection on top.
void NetworkView::render(QPainter& p, QSize size)
{
    if (!m_snapshot || !m_snapshot->network) {
        m_base = QImage();
        renderBase(p, size);
        return;
    }
    auto* image = dynamic_cast<QImage*>(p.device());
    const bool cacheable = image && image->size() == size && image->format() == QImage::Format_ARGB32_Premultiplied;
    BaseKey key{m_snapshot, m_detail->currentIndex(), m_changes->isChecked(), m_budget, m_zoom, m_centre, size};
    const bool hit = cacheable && !m_base.isNull() && !m_baseKey.snapshot.expired() &&
                     m_baseKey.snapshot.lock() == m_snapshot && m_baseKey.detail == key.detail &&
                     m_baseKey.changes == key.changes && m_baseKey.budget == key.budget && m_baseKey.zoom == key.zoom &&
                     m_baseKey.centre == key.centre && m_baseKey.size == key.size;
    m_baseHit = hit;
    if (hit) {
        p.drawImage(0, 0, m_base);
    } else {
        renderBase(p, size);
        if (cacheable) {
            m_base = image->copy();
            m_baseKey = key;
        }
    }
    renderSelection(p, size);
}

void NetworkView::renderSelection(QPainter& p, QSize size)
{
    if (!m_selected.valid() || m_selected.set >= m_snapshot->network->neuronSetCount())
        return;
    p.setFont(m_canvas->font());
    const Snapshot& s = *m_snapshot;
    const NetworkGraph& net = *s.network;
    const Frame fr = frame(size, p.fontMetrics());
    const Geometry& g = fr.g;
    // The selected neuron's fan-in and fan-out, complete, cut to the columns' band.
    if (m_selected.valid()) {
        const int k = m_selected.set;
        const NeuronIndex i = m_selected.index;
        std::vector<QLineF> lines;
        if (k > 0) {
            const SparseLayer& in = net.layer(k - 1);
            for (EdgeIndex e = in.rowPtr()[i]; e < in.rowPtr()[i + 1]; ++e)
                lines.emplace_back(QPointF(g.x[static_cast<std::size_t>(k) - 1], g.y(k - 1, in.colIdx()[e])),
                                   QPointF(g.x[static_cast<std::size_t>(k)], g.y(k, i)));
        }
        if (k < net.layerCount()) {
            const SparseLayer& out = net.layer(k);
            for (EdgeIndex e = out.colPtr()[i]; e < out.colPtr()[i + 1]; ++e)
                lines.emplace_back(QPointF(g.x[static_cast<std::size_t>(k)], g.y(k, i)),
                                   QPointF(g.x[static_cast<std::size_t>(k) + 1], g.y(k + 1, out.cscRow()[e])));
        }
        clipLines(lines, g.top - 6, g.bottom + 6);
        drawLines(p, lines, kSelected);
        // Twice, for a 2-pixel-ish highlight that stands out over the other edges.
        for (QLineF& line : lines)
            line.translate(1, 0);
        drawLines(p, lines, kSelected);
    }

    if (const double y = g.y(m_selected.set, m_selected.index); y >= g.top - 6 && y <= g.bottom + 6) {
        p.setPen(QPen(Qt::black, 2));
        p.setBrush(kSelected);
        p.drawEllipse(QPointF(g.x[static_cast<std::size_t>(m_selected.set)], g.y(m_selected.set, m_selected.index)), 6, 6);
    }
}

QString NetworkView::infoText() const { return m_info->text(); }

void NetworkView::updateInfo()
{
    if (!m_snapshot || !m_selected.valid()) {
        m_info->setText(tr("Click a neuron to see its fan-in, fan-out and metrics; wheel to zoom, drag to pan."));
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
    if (s.sketch && s.network) { // its figures are the whole network's; its lines, those the sketch kept
        const NetworkGraph& net = *s.network;
        const int k = m_selected.set;
        const NeuronIndex i = m_selected.index;
        EdgeIndex kept = 0;
        if (k > 0)
            kept += net.layer(k - 1).inDegree(i);
        if (k < net.layerCount())
            kept += net.layer(k).outDegree(i);
        if (kept < r.inDegree + r.outDegree)
            m_info->setText(m_info->text() + tr("; drawn %1/%2 (sketch)")
                                                  .arg(groupDigits(kept))
                                                  .arg(groupDigits(r.inDegree + r.outDegree)));
    }
}

} // namespace rewire::gui
