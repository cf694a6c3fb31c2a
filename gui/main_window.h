#pragma once
// The desktop app's window: the run form (same keys as `rewire train`), Start / Pause / Step /
// Stop / Reset, the seven views driven by one timeline cursor, and the status line. Training runs
// in a TrainingWorker; the window polls its SnapshotChannel, so painting never holds training up.

#include "gui/compared_runs.h"
#include "gui/snapshot_channel.h"
#include "gui/snapshot_view.h"
#include "gui/training_worker.h"

#include <QElapsedTimer>
#include <QMainWindow>

#include <cmath>
#include <functional>
#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <utility>

class QComboBox;
class QLabel;
class QPushButton;
class QSplitter;
class QTabWidget;
class QFormLayout;
class QTimer;
class QWidget;

namespace rewire::gui {

class AdjacencyView;
class CurvesView;
class DegreeView;
class InputMapView;
class NetworkView;
class NeuronTableView;
class TimelineWidget;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // The run form. Throws ConfigError for an unknown key.
    void setConfigValue(const std::string& key, const std::string& value);
    // The form as a TrainConfig; throws ConfigError naming the key of a bad value.
    TrainConfig configFromForm() const;
    void setRunDir(const QString& dir); // empty: runs/gui-<time>
    // Write into a run folder that already holds a run (else refused, or asked when interactive).
    void setForce(bool force) { m_force = force; }
    // Runs whose network has more edges publish sketches (TrainingWorker::Options::sketchAboveEdges).
    void setSketchAboveEdges(EdgeIndex edges) { m_sketchAbove = edges; }
    // Dialogs for errors (off in headless runs, where errors go to stderr and lastError()).
    void setInteractive(bool interactive) { m_interactive = interactive; }
    const QString& lastError() const { return m_lastError; }
    // Destructive actions (Start while browsing a run; Reset, Open or Quit while training) ask
    // first: the confirmer answers (default: a dialog when interactive, else yes). lastQuestion()
    // is the last question asked.
    void setConfirmer(std::function<bool(const QString&)> confirmer) { m_confirmer = std::move(confirmer); }
    const QString& lastQuestion() const { return m_lastQuestion; }
    QString statusText() const; // the status line's permanent part
    // The form checked as it is typed: the first bad field's key and its message, worded with
    // the form's labels (empty when the form is valid). That field is marked, and Start and Step
    // stay disabled, with the message in their tooltips.
    const std::string& badField() const { return m_badField; }
    const QString& formProblem() const { return m_formProblem; }
    QPushButton* startButton() const { return m_start; }
    // The status line's load warning: epochs slower than the run's fastest by 25 % or more while
    // other processes' runnable threads (averaged) leave fewer cores than the run's threads. Empty
    // when neither or only one holds.
    static QString loadWarning(double busyElsewhere, int cores, int threads, const std::vector<EpochMetrics>& metrics);
    // How many threads of other processes are runnable now (default: core/work_pool.h's probe of
    // /proc/loadavg, given the run's own); tests set their own.
    void setLoadProbe(std::function<int(int ownRunnable)> probe) { m_loadProbe = std::move(probe); }

    // Commands (the buttons call these).
    bool startTraining(bool paused = false); // false: refused, or not confirmed
    void pauseTraining();
    void stepTraining();
    void stopTraining();
    bool resetTraining(); // false: not confirmed
    bool openPath(const QString& path);

    // Runs side by side. addComparedRun() adds a run folder, or every run of a `rewire compare`
    // folder (opening a compare folder shows its first run and adds them all): their curves are
    // drawn over the shown run's (one mean ± sd per method over its seeds), and the comparison
    // bar picks one run B to set against the shown run A at the cursor's epoch: B's degree
    // distribution in the Degrees view, the NNSTD between A and B and the turnover of their edge
    // sets in the bar. Reset removes them. False: lastError().
    bool addComparedRun(const QString& path);
    void clearComparedRuns();
    const std::vector<ComparedRun>& comparedRuns() const { return m_compared; }
    QString runName() const; // the shown run's name in legends (its folder's name; "live run")
    // B by name (empty: none); the comparison runs off the GUI thread, comparisonText() says
    // "computing…" until it is done.
    bool setAgainst(const QString& name);
    QString comparisonText() const;
    bool comparisonPending() const { return m_job.valid(); }
    // Abandons the running comparison (the bar's Cancel): its solver stops within milliseconds, and
    // that comparison is not started again until the cursor moves or another run B is picked.
    void cancelComparison();
    // Processes events until the comparison is done and shown; false after `ms` milliseconds.
    bool waitForComparison(int ms);
    struct Comparison {
        std::uint64_t generation = 0; // of the compared runs' list and the shown run
        std::weak_ptr<const Snapshot> a; // the snapshot compared
        QString runName;              // B's
        int batch = 0;
        int run = -1, epoch = -1; // B's index in comparedRuns(), A's epoch
        int epochB = -1;          // the epoch of B's network (its latest at or before A's epoch)
        std::filesystem::path file; // B's network's
        std::shared_ptr<const NetworkGraph> network;
        std::shared_ptr<const NetworkGraph> wholeA; // a sketched A's whole network, read from its file
        double nnstd = NAN, hiddenNnstd = NAN, turnover = NAN;
        QString error;
        bool cancelled = false; // its stop flag ended it
    };

    // Exports; each returns false and sets lastError() on failure.
    bool exportMetricsCsv(const QString& file);
    bool exportAnalysis(const QString& dir);
    bool exportViewPng(QWidget* view, const QString& file);
    // A view's figure (network | curves | degrees | input | adjacency | neurons), without its
    // controls, as svg | pdf | png, into `dir` as <view>_epoch_<N>[_batch_<B>].<format>, at `size`
    // pixels (empty: as shown) and `dpi` (PNG and PDF metadata and page size; SVG resolution).
    // Asks before replacing a file (see setConfirmer). Returns the file written, or empty with
    // lastError(); the status line confirms it.
    QString exportFigure(const QString& view, const QString& format, const QString& dir, QSize size = {}, int dpi = 96);
    bool exportTimelineFrames(const QString& dir);
    // The timeline as a video (.mp4 or .webm through ffmpeg; .gif, or a GIF when ffmpeg is
    // absent): one frame per snapshot, the views and the timeline as shown, `fps` frames a
    // second. Asks before replacing a file. Returns the file written, or empty with lastError();
    // the status line confirms it.
    QString exportVideo(const QString& file, int fps = 4);
    void setFfmpegProgram(const QString& program) { m_ffmpeg = program; } // tests: a missing one
    // One frame of the timeline video: the views and the timeline, without the form.
    QImage timelineFrame() const;
    bool saveScreenshot(const QString& file);

    // Takes a pending snapshot and refreshes the status line; the poll timer calls it.
    void poll();
    void selectNeuron(NeuronRef neuron);
    void showView(const QString& name); // network | curves | degrees | input | adjacency | neurons
    // The settings panel (form and buttons) shown or folded away; the views take its width.
    void setFormVisible(bool visible);
    bool formVisible() const;

    TrainingWorker* worker() const { return m_worker.get(); }
    // The form's input for a key (and "out", "publish-batches"), or null.
    QWidget* field(const std::string& key) const
    {
        const auto it = m_fields.find(key);
        return it == m_fields.end() ? nullptr : it->second;
    }
    const std::vector<SnapshotPtr>& history() const { return m_history; }
    // The memory the timeline's snapshots may hold (default: a quarter of the memory available at
    // start-up, 256 MiB to 8 GiB); past it, snapshots from the middle of the run are dropped
    // (thinSnapshots), keeping the first, the last and the one shown.
    void setTimelineBudget(std::size_t bytes);
    std::size_t timelineBudget() const { return m_timelineBudget; }
    int thinnedSnapshots() const { return m_thinned; }
    SnapshotPtr currentSnapshot() const;
    TimelineWidget* timeline() const { return m_timeline; }
    NetworkView* networkView() const { return m_network; }
    NeuronTableView* neuronView() const { return m_neurons; }
    CurvesView* curvesView() const { return m_curves; }
    DegreeView* degreeView() const { return m_degrees; }
    InputMapView* inputMapView() const { return m_inputMap; }
    AdjacencyView* adjacencyView() const { return m_adjacency; }
    std::vector<std::pair<QString, QWidget*>> views() const;
    // GUI-thread time spent applying each snapshot to the visible views (ms).
    const std::vector<double>& refreshMillis() const { return m_refreshMs; }
    QString runDir() const { return m_runDir; }

signals:
    void snapshotArrived(int epoch);
    void trainingEnded(rewire::gui::WorkerState state);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    SnapshotChannel m_channel;
    std::unique_ptr<TrainingWorker> m_worker;
    std::uint64_t m_generation = 0;
    WorkerState m_lastState = WorkerState::Idle;
    std::vector<SnapshotPtr> m_history;
    std::size_t m_timelineBudget;
    int m_thinned = 0; // snapshots dropped from the timeline to stay within the budget
    std::vector<double> m_refreshMs;
    int m_cursor = -1;
    NeuronRef m_selected;
    bool m_interactive = true;
    bool m_force = false;
    EdgeIndex m_sketchAbove = kSketchAboveEdges;
    QString m_lastError;
    QString m_lastQuestion;
    std::function<bool(const QString&)> m_confirmer;
    bool confirm(const QString& question);
    QString m_runDir;
    QString m_ffmpeg = QStringLiteral("ffmpeg");
    QString m_browsing; // what is open when not training

    std::map<std::string, QWidget*> m_fields;
    std::map<std::string, std::string> m_extra; // keys without a field, set by setConfigValue
    struct MethodRow { // a method option's form row, shown while one of `methods` is chosen
        QFormLayout* form;
        QWidget* field;
        std::vector<std::string> methods;
    };
    std::vector<MethodRow> m_methodRows;
    std::map<std::string, QString> m_labels, m_tips; // each field's label and tooltip
    std::string m_badField;
    QString m_formProblem;
    void validateForm();
    QString withLabels(const QString& message) const; // "--key" -> the field's label
    void showMethodFields();
    int m_totalEpochs = 0;
    SnapshotPtr m_shown; // the snapshot the views show
    QPushButton *m_start = nullptr, *m_pause = nullptr, *m_step = nullptr, *m_stop = nullptr, *m_reset = nullptr;
    QWidget* m_buttonBar = nullptr;
    QWidget* m_formPanel = nullptr;
    QSplitter* m_splitter = nullptr;
    NetworkView* m_network;
    CurvesView* m_curves;
    DegreeView* m_degrees;
    InputMapView* m_inputMap;
    AdjacencyView* m_adjacency;
    NeuronTableView* m_neurons;
    QTabWidget* m_tabs;
    TimelineWidget* m_timeline;
    QLabel* m_status;
    QTimer* m_timer;
    std::vector<ComparedRun> m_compared;
    QWidget* m_compareBar = nullptr;
    QComboBox* m_against = nullptr;
    QLabel* m_comparisonLabel = nullptr;
    Comparison m_comparison;
    std::uint64_t m_comparisonGeneration = 1;
    // The last networks the comparisons read whole (B's, and a sketched A's), by file, kept for the
    // next comparison while the cursor moves over epochs that map to the same files; dropped when
    // the shown run or the compared runs change.
    struct ReadNetworks {
        std::pair<std::filesystem::path, std::shared_ptr<const NetworkGraph>> kept[2];
        std::shared_ptr<const NetworkGraph> find(const std::filesystem::path& file) const
        {
            for (const auto& [f, network] : kept)
                if (!file.empty() && f == file)
                    return network;
            return nullptr;
        }
        void keep(const std::filesystem::path& file, std::shared_ptr<const NetworkGraph> network)
        {
            if (find(file) != network)
                kept[1] = std::exchange(kept[0], {file, std::move(network)});
        }
        void clear() { kept[0] = kept[1] = {}; }
    } m_read;
    bool m_framing = false; // forEachTimelineFrame() is moving the cursor
    std::future<Comparison> m_job;
    std::pair<int, int> m_jobKey{-1, -1};
    std::weak_ptr<const Snapshot> m_jobA; // the running job's A, and its generation
    std::uint64_t m_jobGeneration = 0;
    std::shared_ptr<std::atomic<bool>> m_jobStop; // the running job's stop flag
    struct { // the comparison the user cancelled
        int run = -1;
        std::weak_ptr<const Snapshot> a;
        std::uint64_t generation = 0;
    } m_cancelled;
    QPushButton* m_cancelComparison = nullptr;
    void showComparison(); // the bar's text and Cancel button
    void updateOverlays();
    void updateComparison(); // after the cursor or B changed
    void pollComparison();
    QElapsedTimer m_statusClock;
    std::function<int(int)> m_loadProbe;
    double m_busyElsewhere = 0; // moving average of the probe while training
    int m_runThreads = 1;

    // Where the snapshot on screen sits in m_history when the cursor holds it (not following
    // live), else -1.
    int heldIndex() const;
    // Drops snapshots to stay within the budget, keeping the one shown unless following live.
    void thinHistory();
    // Stops a worker and empties the timeline and the views, in a new generation.
    void clearRun();
    // Hands m_history to the timeline and refreshes the views that need it.
    void historyChanged();
    QWidget* buildForm();
    void buildMenus();
    QString fieldText(const std::string& key) const;
    void setCursor(int index);
    // Moves the cursor over every snapshot of the timeline, calling `frame(i)` at each; puts the
    // cursor back. Stops at the first false.
    bool forEachTimelineFrame(const std::function<bool(int)>& frame);
    void updateControls();
    void updateStatus(const WorkerStatus* status);
    void fail(const QString& message);
    std::vector<SnapshotView*> snapshotViews() const;
};

} // namespace rewire::gui
