// Click-to-repaint in the desktop app on a large network: opens a model or run folder (offscreen),
// shows the network view, then clicks neurons one after another, each time timing from the mouse
// press to the end of the canvas's repaint (selection everywhere, the views' refresh, the frame).
// Usage: gui_click MODEL|RUN_DIR [clicks=20] [zoomed=0|1]  (QT_QPA_PLATFORM=offscreen without a display)

#include "run/run_folder.h"
#include "gui/main_window.h"
#include "gui/network_view.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QMouseEvent>

#include <algorithm>
#include <clocale>
#include <cmath>
#include <numeric>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: gui_click MODEL|RUN_DIR [clicks=20] [zoomed=0|1]\n");
        return 2;
    }
    if (!std::getenv("DISPLAY") && !std::getenv("QT_QPA_PLATFORM"))
        setenv("QT_QPA_PLATFORM", "offscreen", 1);
    QApplication app(argc, argv);
    std::setlocale(LC_NUMERIC, "C");
    const int clicks = argc > 2 ? std::atoi(argv[2]) : 20;
    const bool zoomed = argc > 3 && std::atoi(argv[3]) != 0;
    rewire::gui::MainWindow w;
    w.setInteractive(false);
    w.resize(1600, 1000);
    w.show();
    QElapsedTimer clock;
    clock.start();
    if (!w.openPath(QString::fromLocal8Bit(argv[1]))) {
        std::fprintf(stderr, "gui_click: %s\n", w.lastError().toLocal8Bit().constData());
        return 1;
    }
    const double openMs = static_cast<double>(clock.nsecsElapsed()) / 1e6;
    rewire::gui::NetworkView* net = w.networkView();
    QWidget* canvas = nullptr;
    for (QWidget* child : net->findChildren<QWidget*>())
        if (child->metaObject()->className() == QStringLiteral("QWidget") && child->width() > 150)
            canvas = child;
    if (!canvas)
        return 1;
    clock.restart();
    canvas->repaint();
    QApplication::processEvents();
    const double firstMs = static_cast<double>(clock.nsecsElapsed()) / 1e6;
    const rewire::gui::SnapshotPtr s = w.currentSnapshot();
    const int set = s->network->neuronSetCount() > 2 ? 1 : 0;
    const auto n = s->network->architecture()[static_cast<std::size_t>(set)];
    if (zoomed) {
        net->findNeuron(set, n / 2);
        canvas->repaint();
        QApplication::processEvents();
    }
    std::vector<double> ms;
    for (int k = 0; k < clicks; ++k) {
        // A neuron in view, a different one each time (alternating around the middle).
        const auto index = static_cast<rewire::NeuronIndex>(zoomed ? n / 2 + (k % 2 ? 1 : -1) * (k % 5 + 1) : (k * 7919LL + 13) % n);
        const QPointF at = net->neuronPosition({set, index});
        clock.restart();
        QMouseEvent press(QEvent::MouseButtonPress, at, canvas->mapToGlobal(at), Qt::LeftButton, Qt::LeftButton, Qt::NoModifier);
        QMouseEvent release(QEvent::MouseButtonRelease, at, canvas->mapToGlobal(at), Qt::LeftButton, Qt::NoButton, Qt::NoModifier);
        QApplication::sendEvent(canvas, &press);
        QApplication::sendEvent(canvas, &release);
        canvas->repaint(); // synchronous: the frame is drawn when it returns
        ms.push_back(static_cast<double>(clock.nsecsElapsed()) / 1e6);
        // The neuron under the pointer: zoomed out, one of the ~n/pixels drawn on that pixel row.
        const rewire::gui::NeuronRef got = net->selectedNeuron();
        if (got.set != set || std::abs(net->neuronPosition(got).y() - at.y()) > 1.0) {
            std::fprintf(stderr, "gui_click: the click at (%g, %g) did not select the neuron drawn there\n", at.x(), at.y());
            return 1;
        }
    }
    // Zoom steps (the wheel's 1.25x around the middle of the first hidden column), each a whole new frame.
    std::vector<double> zoomMs;
    for (int k = 0; k < 8; ++k) {
        clock.restart();
        net->zoomAt(net->neuronPosition({set, n / 2}), 1.25);
        canvas->repaint();
        zoomMs.push_back(static_cast<double>(clock.nsecsElapsed()) / 1e6);
    }
    const std::vector<rewire::NeuronIndex> arch = s->network->architecture();
    std::vector<double> sorted = ms;
    std::sort(sorted.begin(), sorted.end());
    std::printf("gui_click %s: %lld neurons, %lld edges; open %.0f ms, first frame %.0f ms; click to repaint (%s, %d clicks): "
                "median %.1f ms, max %.1f ms; zoom step (8 of 1.25x): median %.0f ms, max %.0f ms\n",
                argv[1], static_cast<long long>(std::accumulate(arch.begin(), arch.end(), 0LL)), static_cast<long long>(s->network->edgeCount()), openMs,
                firstMs, zoomed ? "zoomed in" : "zoomed out", clicks, rewire::median(ms), sorted.back(), rewire::median(zoomMs),
                *std::max_element(zoomMs.begin(), zoomMs.end()));
    return 0;
}
