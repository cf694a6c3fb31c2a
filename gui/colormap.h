#pragma once
// Colour maps and small painting helpers shared by the views.

#include <QColor>
#include <QPainter>
#include <QRect>
#include <QString>

namespace rewire::gui {

// Perceptually uniform sequential map (viridis), t in [0, 1].
QRgb viridis(double t);
// Edge colours: positive weights warm, negative cool; added and removed edges.
inline const QColor kPositive(202, 72, 44);
inline const QColor kNegative(33, 102, 172);
inline const QColor kAdded(26, 152, 80);
inline const QColor kRemoved(150, 60, 170);
inline const QColor kDead(220, 20, 60);
inline const QColor kSelected(255, 170, 0);

// A vertical colour bar of the viridis map with its range, at `rect` (labels to its right).
void drawColorBar(QPainter& painter, const QRect& rect, double low, double high, const QString& title);
// "12,345"
QString groupDigits(long long value);
// Lines of text wrapped at word boundaries to `width` (titles are never cut): the height they take,
// and drawing them from `top`.
int wrappedHeight(const QFontMetrics& fm, int width, const QStringList& lines);
int drawWrapped(QPainter& painter, int left, int top, int width, const QStringList& lines);

} // namespace rewire::gui
