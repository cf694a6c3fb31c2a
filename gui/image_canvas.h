#pragma once
// A widget that shows an image rendered on demand at its own size: the views paint edges, heat
// maps and pixel maps into a QImage once per change, not on every repaint.

#include <QElapsedTimer>
#include <QImage>
#include <QMouseEvent>
#include <QPainter>
#include <QWidget>

#include <functional>

namespace rewire::gui {

class ImageCanvas : public QWidget {
public:
    explicit ImageCanvas(QWidget* parent = nullptr) : QWidget(parent)
    {
        setMinimumSize(200, 160);
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    }
    std::function<void(QPainter&, QSize)> render;
    std::function<void(QPoint)> clicked;
    void invalidate()
    {
        m_dirty = true;
        update();
    }
    const QImage& image() const { return m_image; }
    // Time the last render took (ms).
    double renderMillis() const { return m_renderMs; }

protected:
    void paintEvent(QPaintEvent*) override
    {
        if (m_dirty || m_image.size() != size()) {
            m_image = QImage(size(), QImage::Format_ARGB32_Premultiplied);
            m_image.fill(Qt::white);
            if (render) {
                QElapsedTimer timer;
                timer.start();
                QPainter p(&m_image);
                p.setRenderHint(QPainter::Antialiasing, true);
                render(p, size());
                p.end();
                m_renderMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
            }
            m_dirty = false;
        }
        QPainter p(this);
        p.drawImage(0, 0, m_image);
    }
    void mousePressEvent(QMouseEvent* event) override
    {
        if (clicked && event->button() == Qt::LeftButton)
            clicked(event->position().toPoint());
    }

private:
    QImage m_image;
    bool m_dirty = true;
    double m_renderMs = 0;
};

} // namespace rewire::gui
