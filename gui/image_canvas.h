#pragma once
// A widget that shows an image rendered on demand at its own size: the views paint edges, heat
// maps and pixel maps into a QImage once per change, not on every repaint.

#include <QElapsedTimer>
#include <QImage>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>
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
    std::function<void(QPoint)> clicked; // a press and release without a drag between
    // Optional: the wheel (steps of 15 degrees, up positive) at a point; a drag by some pixels
    // (the left button, or the middle one); a double click.
    std::function<void(QPointF, double)> wheeled;
    std::function<void(QPointF)> dragged;
    std::function<void(QPointF)> doubleClicked;
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
        m_pressed = event->position();
        m_last = m_pressed;
        m_dragging = false;
    }
    void mouseMoveEvent(QMouseEvent* event) override
    {
        if (!dragged || !(event->buttons() & (Qt::LeftButton | Qt::MiddleButton)))
            return;
        if (!m_dragging && (event->position() - m_pressed).manhattanLength() < 4)
            return; // a click that trembles is still a click
        m_dragging = true;
        setCursor(Qt::ClosedHandCursor);
        dragged(event->position() - m_last);
        m_last = event->position();
    }
    void mouseReleaseEvent(QMouseEvent* event) override
    {
        if (m_dragging)
            unsetCursor();
        else if (clicked && event->button() == Qt::LeftButton)
            clicked(event->position().toPoint());
        m_dragging = false;
    }
    void mouseDoubleClickEvent(QMouseEvent* event) override
    {
        if (doubleClicked && event->button() == Qt::LeftButton)
            doubleClicked(event->position());
    }
    void wheelEvent(QWheelEvent* event) override
    {
        if (!wheeled) {
            event->ignore();
            return;
        }
        wheeled(event->position(), event->angleDelta().y() / 120.0);
        event->accept();
    }

private:
    QImage m_image;
    bool m_dirty = true;
    double m_renderMs = 0;
    QPointF m_pressed, m_last;
    bool m_dragging = false;
};

} // namespace rewire::gui
