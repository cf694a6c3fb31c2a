#include "gui/colormap.h"

#include <QFontMetrics>

#include <algorithm>
#include <array>
#include <cmath>

namespace rewire::gui {

QRgb viridis(double t)
{
    // Nine control points of matplotlib's viridis, interpolated linearly.
    static constexpr std::array<std::array<double, 3>, 9> k{{{0.267, 0.005, 0.329},
                                                             {0.283, 0.141, 0.458},
                                                             {0.254, 0.265, 0.530},
                                                             {0.207, 0.372, 0.553},
                                                             {0.164, 0.471, 0.558},
                                                             {0.128, 0.567, 0.551},
                                                             {0.135, 0.659, 0.518},
                                                             {0.267, 0.749, 0.441},
                                                             {0.993, 0.906, 0.144}}};
    if (!std::isfinite(t))
        t = 0;
    t = std::clamp(t, 0.0, 1.0) * (k.size() - 1);
    const std::size_t i = std::min<std::size_t>(static_cast<std::size_t>(t), k.size() - 2);
    const double f = t - static_cast<double>(i);
    auto c = [&](int ch) { return static_cast<int>(255.0 * (k[i][ch] * (1 - f) + k[i + 1][ch] * f) + 0.5); };
    return qRgb(c(0), c(1), c(2));
}

void drawColorBar(QPainter& p, const QRect& r, double low, double high, const QString& title)
{
    for (int y = 0; y < r.height(); ++y) {
        p.setPen(QColor::fromRgb(viridis(1.0 - static_cast<double>(y) / std::max(1, r.height() - 1))));
        p.drawLine(r.left(), r.top() + y, r.right(), r.top() + y);
    }
    p.setPen(Qt::black);
    p.drawRect(r);
    const QFontMetrics fm = p.fontMetrics();
    p.drawText(r.right() + 4, r.top() + fm.ascent() / 2, QString::number(high, 'g', 3));
    p.drawText(r.right() + 4, r.bottom() + fm.ascent() / 2, QString::number(low, 'g', 3));
    p.save();
    p.translate(r.right() + 4 + fm.horizontalAdvance(QStringLiteral("0.000")) + 6, r.center().y());
    p.rotate(90);
    p.drawText(-fm.horizontalAdvance(title) / 2, 0, title);
    p.restore();
}

QString groupDigits(long long value)
{
    QString s = QString::number(value < 0 ? -value : value);
    for (int i = s.size() - 3; i > 0; i -= 3)
        s.insert(i, QChar(','));
    return value < 0 ? QStringLiteral("-") + s : s;
}

int wrappedHeight(const QFontMetrics& fm, int width, const QStringList& lines)
{
    int height = 0;
    for (const QString& line : lines)
        height += fm.boundingRect(QRect(0, 0, std::max(1, width), 100000), Qt::TextWordWrap, line).height();
    return height;
}

int drawWrapped(QPainter& p, int left, int top, int width, const QStringList& lines)
{
    int y = top;
    for (const QString& line : lines) {
        const QRect r = p.fontMetrics().boundingRect(QRect(0, 0, std::max(1, width), 100000), Qt::TextWordWrap, line);
        p.drawText(QRect(left, y, std::max(1, width), r.height()), Qt::TextWordWrap | Qt::AlignLeft | Qt::AlignTop, line);
        y += r.height();
    }
    return y - top;
}

} // namespace rewire::gui
