// rewire-gui: the desktop app. Without options it opens the window; --open browses a run folder
// or model; --demo trains the default configuration headless and saves a screenshot.

#include "core/config.h"
#include "core/options.h"
#include "run/run_folder.h"
#include "graph/json.h"
#include "gui/main_window.h"
#include "gui/network_view.h"
#include "gui/neuron_table_view.h"
#include "gui/timeline_widget.h"
#include "gui/video_writer.h"

#include <CLI/CLI.hpp>

#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QStatusBar>
#include <QTimer>

#include <clocale>
#include <cstdio>
#include <filesystem>
#include <unistd.h>
#include <cstdlib>
#include <map>
#include <fstream>
#include <sstream>
#include <string>

namespace {

struct Options {
    bool demo = false;
    bool force = false;
    QString open, screenshot, views, frames, video, view = QStringLiteral("curves"), out;
    int width = 1280, height = 800;
    int fps = 4;
    long long sketchAbove = rewire::gui::kSketchAboveEdges;
    std::vector<std::pair<std::string, std::string>> config;
};

[[noreturn]] void usage(const std::string& message)
{
    std::fprintf(stderr, "rewire-gui: %s (see rewire-gui --help)\n", message.c_str());
    std::exit(2);
}

// CLI11 (libcli11-dev): the app's own options, and every `rewire train` option from the options
// table (core/options.h), which set the form's fields.
Options parse(int argc, char** argv)
{
    Options o;
    CLI::App app("Opens the Rewire desktop app: set up a run (the same keys as `rewire train`), Start / Pause /\n"
                 "Step / Stop / Reset, and watch the topology evolve in the network, adjacency, input-map, degree,\n"
                 "neuron-table and curve views; scrub the timeline of snapshots.",
                 "rewire-gui");
    app.allow_extras();
    app.get_formatter()->column_width(30);
    std::string open, out, screenshot, views, frames, video, view = "curves", size;
    app.add_option("--open", open, "browse a run folder or a .rwm model without training")->type_name("PATH");
    app.add_option("--out", out, "run folder for the training [runs/gui-<time>]")->type_name("DIR");
    app.add_flag("--force", o.force, "write into a DIR that already holds a run");
    app.add_option("--sketch-above", o.sketchAbove,
                   "a run whose network has more edges than this shows live sketches (each layer's strongest "
                   "edges, a hash sample, exact block counts and neuron figures) instead of copying every edge at "
                   "every snapshot [16777216]")
        ->type_name("EDGES")
        ->check(CLI::Range(0LL, 1LL << 62));
    app.add_flag("--demo", o.demo,
                 "train the form's configuration (default: the reference one) at once and quit at the end; "
                 "without a display it runs on Qt's offscreen platform")
        ->group("headless");
    app.add_option("--screenshot", screenshot, "with --demo or --open: save a PNG of the whole window at the end")
        ->group("headless")
        ->type_name("FILE");
    app.add_option("--views", views, "with --demo or --open: save a PNG of each view into DIR")
        ->group("headless")
        ->type_name("DIR");
    app.add_option("--frames", frames, "with --demo or --open: save the timeline as DIR/frame_NNNN.png")
        ->group("headless")
        ->type_name("DIR");
    app.add_option("--video", video,
                   "with --demo or --open: save the timeline as a video, one frame per snapshot (.mp4 or .webm "
                   "through ffmpeg; .gif, or a GIF when ffmpeg is absent)")
        ->group("headless")
        ->type_name("FILE");
    app.add_option("--fps", o.fps, "frames a second of --video [4]")->group("headless")->check(CLI::Range(1, 60));
    app.add_option("--view", view, "tab to show: curves | degrees | input | adjacency | neurons [curves]")
        ->group("headless")
        ->type_name("NAME");
    app.add_option("--size", size, "window size [1280x800]")->group("headless")->type_name("WxH");
    std::map<std::string, std::string> values;
    std::vector<std::pair<std::string, CLI::Option*>> table;
    for (const rewire::OptionSpec& spec : rewire::trainOptions())
        table.emplace_back(spec.key, app.add_option("--" + spec.key, values[spec.key], spec.help)
                                         ->group("training options (as rewire train; they fill the form)")
                                         ->type_name(spec.valueName)
                                         ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast));
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        std::fputs(app.help().c_str(), stdout);
        std::exit(0);
    } catch (const CLI::ParseError& e) {
        usage(e.what());
    }
    for (const std::string& extra : app.remaining())
        usage(extra.rfind("-", 0) == 0 ? "unknown option " + extra.substr(0, extra.find('='))
                                       : "unexpected argument \"" + extra + "\" (options start with --)");
    o.open = QString::fromStdString(open);
    o.out = QString::fromStdString(out);
    o.screenshot = QString::fromStdString(screenshot);
    o.views = QString::fromStdString(views);
    o.frames = QString::fromStdString(frames);
    o.video = QString::fromStdString(video);
    o.view = QString::fromStdString(view);
    if (!size.empty() && (std::sscanf(size.c_str(), "%dx%d", &o.width, &o.height) != 2 || o.width < 320 || o.height < 240))
        usage("--size " + size + ": expected WxH, at least 320x240");
    for (const auto& [key, opt] : table)
        if (opt->count() > 0)
            o.config.emplace_back(key, values[key]);
    if (!o.demo && o.open.isEmpty() && (!o.screenshot.isEmpty() || !o.views.isEmpty() || !o.frames.isEmpty() || !o.video.isEmpty()))
        usage("--screenshot, --views, --frames and --video need --demo or --open");
    if (!o.video.isEmpty() && !rewire::gui::VideoWriter::supported(o.video))
        usage("--video " + video + ": expected a .mp4, .webm or .gif file");
    return o;
}

// CPU seconds of the GUI side: the main thread and Qt's helper threads (named by Qt, e.g.
// "Thread (pooled)"); the worker and its engine threads keep the process name. From /proc.
double guiCpuSeconds()
{
    double total = 0;
    const long ticks = sysconf(_SC_CLK_TCK);
    const std::string self = std::to_string(getpid());
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/task")) {
        std::ifstream commFile(e.path() / "comm"), statFile(e.path() / "stat");
        std::string comm, stat;
        std::getline(commFile, comm);
        std::getline(statFile, stat);
        if (e.path().filename() != self && comm == "rewire-gui")
            continue;
        // Fields after the ")" of the command: state ... utime (14th) stime (15th) of the line.
        std::istringstream rest(stat.substr(stat.rfind(')') + 2));
        std::string field;
        double utime = 0, stime = 0;
        for (int k = 3; k <= 15 && rest >> field; ++k) {
            if (k == 14)
                rewire::readNumber(field, utime);
            if (k == 15)
                rewire::readNumber(field, stime);
        }
        total += (utime + stime) / static_cast<double>(ticks);
    }
    return total;
}

bool headless(const Options& o)
{
    return o.demo || !o.screenshot.isEmpty() || !o.views.isEmpty() || !o.frames.isEmpty() || !o.video.isEmpty();
}

// Saves what was asked; returns the exit code.
int finish(rewire::gui::MainWindow& w, const Options& o)
{
    using namespace rewire;
    using namespace rewire::gui;
    // Show a neuron in every view: the most important one of the first hidden layer.
    if (const SnapshotPtr s = w.currentSnapshot(); s && s->setStart.size() > 2) {
        NeuronIndex best = 0;
        for (NeuronIndex i = 0; i < static_cast<NeuronIndex>(s->setStart[2] - s->setStart[1]); ++i)
            if (s->neuron(1, i).importance > s->neuron(1, best).importance)
                best = i;
        w.selectNeuron({1, best});
    }
    w.showView(o.view);
    QApplication::processEvents();
    // A comparison with another run (a compare folder) is shown done, not "computing…".
    w.waitForComparison(120000);
    int code = 0;
    if (!o.views.isEmpty()) {
        QDir().mkpath(o.views);
        for (const auto& [name, widget] : w.views()) {
            w.showView(name);
            QApplication::processEvents();
            if (!w.exportViewPng(widget, QDir(o.views).filePath(name + ".png")))
                code = 1;
        }
        w.showView(o.view);
        QApplication::processEvents();
    }
    if (!o.frames.isEmpty() && !w.exportTimelineFrames(o.frames))
        code = 1;
    if (!o.video.isEmpty()) {
        const QString file = w.exportVideo(o.video, o.fps);
        if (file.isEmpty()) {
            std::fprintf(stderr, "rewire-gui: %s\n", w.lastError().toLocal8Bit().constData());
            code = 1;
        } else
            std::printf("rewire-gui: %s\n", w.statusBar()->currentMessage().toLocal8Bit().constData());
    }
    if (!o.screenshot.isEmpty() && !w.saveScreenshot(o.screenshot))
        code = 1;
    return code;
}

} // namespace

int main(int argc, char** argv)
{
    const Options options = parse(argc, argv);
    if (headless(options) && !std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY") && !std::getenv("QT_QPA_PLATFORM"))
        setenv("QT_QPA_PLATFORM", "offscreen", 1);
    QApplication app(argc, argv);
    // QApplication set the C library's locale from the environment; Qt formats with QLocale, and
    // everything Rewire writes or reads must not follow a decimal comma (de_DE wrote "0,6" and
    // refused "0.6"). The engine's own formatting and parsing is locale-free as well.
    std::setlocale(LC_NUMERIC, "C");
    QApplication::setApplicationName("rewire-gui");
    rewire::gui::MainWindow window;
    window.setInteractive(!headless(options));
    try {
        for (const auto& [key, value] : options.config)
            window.setConfigValue(key, value);
        window.configFromForm();
    } catch (const rewire::ConfigError& e) {
        usage(e.what());
    }
    if (!options.out.isEmpty())
        window.setRunDir(options.out);
    window.setForce(options.force);
    window.setSketchAboveEdges(options.sketchAbove);
    if (headless(options)) // no one to ask: a file of the user's is replaced only with --force
        window.setConfirmer([force = options.force](const QString& question) {
            if (!force)
                std::fprintf(stderr, "rewire-gui: %s No: --force replaces it\n", question.toLocal8Bit().constData());
            return force;
        });
    window.resize(options.width, options.height);
    window.show();

    if (!options.open.isEmpty()) {
        if (!window.openPath(options.open))
            return headless(options) ? 1 : app.exec();
        if (headless(options) && !options.demo) {
            QApplication::processEvents();
            return finish(window, options);
        }
    }
    if (options.demo) {
        QObject::connect(&window, &rewire::gui::MainWindow::trainingEnded, &app, [&](rewire::gui::WorkerState state) {
            int code = state == rewire::gui::WorkerState::Finished ? 0 : 1;
            if (finish(window, options) != 0)
                code = 1;
            const auto& refresh = window.refreshMillis();
            const int epochs = window.worker() ? window.worker()->epochsDone() : 0;
            std::printf("rewire-gui: %s after %d epochs; run folder %s\n", toString(state), epochs,
                        window.runDir().toLocal8Bit().constData());
            std::printf("rewire-gui: GUI thread applying each snapshot to the views: median %.1f ms over %zu; "
                        "GUI-side CPU (main thread and Qt's helpers, painting included) %.2f s in all\n",
                        rewire::median(refresh), refresh.size(), guiCpuSeconds());
            std::printf("rewire-gui: network view frame %.1f ms\n", window.networkView()->renderMillis());
            std::ifstream summary(std::filesystem::path(window.runDir().toStdString()) / "summary.json");
            if (summary) {
                std::stringstream text;
                text << summary.rdbuf();
                const rewire::Json j = rewire::Json::parse(text.str());
                if (const rewire::Json* m = j.find("median_epoch_wall_seconds"))
                    std::printf("rewire-gui: median epoch wall time %.3f s\n", m->asNumber());
            }
            std::fflush(stdout);
            app.exit(code);
        });
        if (!window.startTraining())
            return 2;
    }
    return app.exec();
}
