// Click-to-repaint in the desktop app on a large network: opens a model or run folder (offscreen),
// shows the network view, then clicks neurons one after another, each time timing from the mouse
// press to the end of the canvas's repaint (selection everywhere, the views' refresh, the frame).
// Usage: gui_click MODEL|RUN_DIR [clicks=20] [zoomed=0|1]  (QT_QPA_PLATFORM=offscreen without a display)
//        gui_click --live RUN_DIR KEY=VALUE...   (KEY sketch-above: rewire-gui's --sketch-above) trains that configuration (the `rewire train` keys) in the
//        window and measures on its first two snapshots, the second while the next epoch trains; prints
//        what each snapshot cost the worker, its bytes, and the process's peak RSS.
//        gui_click --live0 RUN_DIR KEY=VALUE...  the same on the initial network only (started paused, then
//        stopped): what a snapshot costs, without training.

#include "run/run_folder.h"
#include "gui/main_window.h"
#include "gui/network_view.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QMouseEvent>

#include <sys/resource.h>

#include <algorithm>
#include <clocale>
#include <cmath>
#include <numeric>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

QWidget* networkCanvas(rewire::gui::NetworkView* net)
{
    QWidget* canvas = nullptr;
    for (QWidget* child : net->findChildren<QWidget*>())
        if (child->metaObject()->className() == QStringLiteral("QWidget") && child->width() > 150)
            canvas = child;
    return canvas;
}

// The first frame of the shown snapshot, `clicks` clicks on the first hidden column, 8 zoom steps.
bool measure(rewire::gui::MainWindow& w, const char* what, double openMs, int clicks, bool zoomed)
{
    QElapsedTimer clock;
    rewire::gui::NetworkView* net = w.networkView();
    net->fitView();
    QWidget* canvas = networkCanvas(net);
    if (!canvas)
        return false;
    clock.start();
    canvas->repaint();
    QApplication::processEvents();
    const double firstMs = static_cast<double>(clock.nsecsElapsed()) / 1e6;
    // Whole new frames (the kept one no longer fits): block density, then the strongest edges again.
    clock.restart();
    net->setDetail(rewire::gui::NetworkView::Detail::Blocks);
    canvas->repaint();
    const double blocksMs = static_cast<double>(clock.nsecsElapsed()) / 1e6;
    clock.restart();
    net->setDetail(rewire::gui::NetworkView::Detail::TopK);
    canvas->repaint();
    const double topMs = static_cast<double>(clock.nsecsElapsed()) / 1e6;
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
            return false;
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
                what, static_cast<long long>(std::accumulate(arch.begin(), arch.end(), 0LL)), static_cast<long long>(s->edgeCount()), openMs,
                firstMs, zoomed ? "zoomed in" : "zoomed out", clicks, rewire::median(ms), sorted.back(), rewire::median(zoomMs),
                *std::max_element(zoomMs.begin(), zoomMs.end()));
    std::printf("  whole frames: block density %.0f ms, strongest edges %.0f ms\n", blocksMs, topMs);
    std::printf("  snapshot of epoch %d: %s, %.2f s of the worker's time, %.1f MiB\n", s->epoch,
                s->sketch ? (s->file.empty() ? "live sketch" : "sketch of its file") : s->source == "live run" ? "live copy" : "loaded",
                s->analyseSeconds,
                static_cast<double>(s->memoryBytes()) / (1 << 20));
    std::fflush(stdout);
    return true;
}

double peakRssMiB()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_maxrss) / 1024.0;
}

// --live RUN_DIR KEY=VALUE...: the run's first two snapshots, measured as they arrive.
int live(rewire::gui::MainWindow& w, int argc, char** argv, bool initialOnly)
{
    for (int k = 3; k < argc; ++k) {
        const std::string kv = argv[k];
        const auto eq = kv.find('=');
        if (eq == std::string::npos) {
            std::fprintf(stderr, "gui_click: expected KEY=VALUE, got %s\n", argv[k]);
            return 2;
        }
        if (kv.substr(0, eq) == "sketch-above") // the app's own (rewire-gui --sketch-above)
            w.setSketchAboveEdges(std::stoll(kv.substr(eq + 1)));
        else
            w.setConfigValue(kv.substr(0, eq), kv.substr(eq + 1));
    }
    w.setRunDir(QString::fromLocal8Bit(argv[2]));
    w.setForce(true);
    int arrived = 0;
    bool ended = false;
    QObject::connect(&w, &rewire::gui::MainWindow::snapshotArrived, [&](int) { ++arrived; });
    QObject::connect(&w, &rewire::gui::MainWindow::trainingEnded, [&](rewire::gui::WorkerState) { ended = true; });
    QElapsedTimer clock;
    clock.start();
    if (!w.startTraining(initialOnly)) {
        std::fprintf(stderr, "gui_click: %s\n", w.lastError().toLocal8Bit().constData());
        return 1;
    }
    for (int shown = 0; shown < (initialOnly ? 1 : 2);) {
        QApplication::processEvents(QEventLoop::WaitForMoreEvents); // (sleeps until the next event: no core spun)
        if (ended && arrived <= shown) {
            std::fprintf(stderr, "gui_click: the run ended: %s\n", w.statusText().toLocal8Bit().constData());
            return 1;
        }
        if (arrived > shown) {
            const double at = static_cast<double>(clock.nsecsElapsed()) / 1e9;
            const std::string what = "live run, " + std::to_string(at) + " s after Start";
            if (!measure(w, what.c_str(), 0, 20, false))
                return 1;
            shown = arrived;
        }
    }
    if (initialOnly)
        w.stopTraining();
    while (!ended)
        QApplication::processEvents(QEventLoop::WaitForMoreEvents);
    std::printf("gui_click --live: run ended after %.0f s; peak RSS %.0f MiB\n", static_cast<double>(clock.nsecsElapsed()) / 1e9,
                peakRssMiB());
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: gui_click MODEL|RUN_DIR [clicks=20] [zoomed=0|1]\n       gui_click --live|--live0 RUN_DIR "
                             "KEY=VALUE...\n");
        return 2;
    }
    if (!std::getenv("DISPLAY") && !std::getenv("QT_QPA_PLATFORM"))
        setenv("QT_QPA_PLATFORM", "offscreen", 1);
    QApplication app(argc, argv);
    std::setlocale(LC_NUMERIC, "C");
    rewire::gui::MainWindow w;
    w.setInteractive(false);
    w.resize(1600, 1000);
    w.show();
    if (std::string(argv[1]) == "--live" || std::string(argv[1]) == "--live0")
        return argc < 3 ? 2 : live(w, argc, argv, std::string(argv[1]) == "--live0");
    const int clicks = argc > 2 ? std::atoi(argv[2]) : 20;
    const bool zoomed = argc > 3 && std::atoi(argv[3]) != 0;
    QElapsedTimer clock;
    clock.start();
    if (!w.openPath(QString::fromLocal8Bit(argv[1]))) {
        std::fprintf(stderr, "gui_click: %s\n", w.lastError().toLocal8Bit().constData());
        return 1;
    }
    const double openMs = static_cast<double>(clock.nsecsElapsed()) / 1e6;
    return measure(w, argv[1], openMs, clicks, zoomed) ? 0 : 1;
}
