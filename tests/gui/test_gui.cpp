// Qt Test suite of the desktop app, run under QT_QPA_PLATFORM=offscreen.

#include "run/run_folder.h"
#include "gui/colormap.h"
#include "gui/compared_runs.h"
#include "gui/curves_view.h"
#include "gui/line_raster.h"
#include "gui/degree_view.h"
#include "gui/main_window.h"
#include "gui/network_view.h"
#include "gui/neuron_table_model.h"
#include "gui/neuron_table_view.h"
#include "gui/run_browser.h"
#include "gui/snapshot_channel.h"
#include "gui/snapshot_view.h"
#include "gui/timeline_widget.h"
#include "gui/training_worker.h"
#include "gui/video_writer.h"

#include "core/methods/registry.h"
#include "core/options.h"
#include "core/trainer.h"
#include "datasets/registry.h"
#include "graph/atomic_file.h"
#include "graph/json.h"
#include "graph/model_io.h"
#include "analysis/degrees.h"
#include "analysis/network_sketch.h"
#include "analysis/neuron_table.h"
#include "analysis/topology_distance.h"
#include "analysis/topology_evolution.h"
#include "helpers.h"

#include <QDir>
#include <QFile>
#include <QHeaderView>
#include <QImage>
#include <QImageReader>
#include <QWheelEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QProcess>
#include <QProcessEnvironment>
#include <QScrollBar>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

#include <atomic>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

using namespace rewire;
using namespace rewire::gui;

namespace {

// A small, quick run: XOR in the plane through a sparse 2-48-48-2 network.
TrainConfig tinyConfig(int epochs)
{
    TrainConfig c;
    c.dataset = "synthetic:xor:samples=3000";
    c.arch = "2-48-48-2";
    c.epsilon = 4;
    c.epochs = epochs;
    c.batch = 32;
    c.lr = 0.05;
    c.threads = 1;
    c.activation = "relu";
    return c;
}

// Trains `config` to the end and saves the model at `file`; returns the path.
std::string trainModel(const TrainConfig& config, const QString& file)
{
    const LoadedData data = loadDataset(datasetRequest(config));
    Trainer trainer(config, data.split);
    trainer.run();
    saveModel(trainer.network(), file.toStdString());
    return file.toStdString();
}

// Types a config's run settings into the window's form.
void fillForm(MainWindow& w, const TrainConfig& config)
{
    const Json c = config.toJson();
    for (const char* key : {"dataset", "arch", "epsilon", "epochs", "batch", "lr", "threads", "activation"}) {
        const Json* v = c.find(key);
        w.setConfigValue(key, v->isString() ? v->asString() : formatNumber(v->asNumber()));
    }
}

SnapshotPtr snap(std::uint64_t generation, int epoch, int batch = 0)
{
    auto s = std::make_shared<Snapshot>();
    s->generation = generation;
    s->epoch = epoch;
    s->batch = batch;
    return s;
}

// Polls `done` (processing events) up to `ms` milliseconds.
template <class F>
bool waitFor(F done, int ms = 30000)
{
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!done()) {
        if (std::chrono::steady_clock::now() > end)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        QThread::msleep(5);
    }
    return true;
}

// Types `config` into the window's form and trains it into `runDir` to the end.
bool trainInWindow(MainWindow& w, const TrainConfig& config, const QString& runDir)
{
    fillForm(w, config);
    w.setRunDir(runDir);
    QSignalSpy ended(&w, &MainWindow::trainingEnded);
    return w.startTraining() && waitFor([&] { return !ended.isEmpty(); }, 60000);
}

// The window's questions, recorded and answered with `answer` (no by default).
struct Questions : std::vector<QString> {
    bool answer = false;
    explicit Questions(MainWindow& w)
    {
        w.setConfirmer([this](const QString& q) {
            push_back(q);
            return answer;
        });
    }
};

// The densest block of the network view's block mode at zoom 1 (at most 48 bins a column), by
// brute force.
double densestBlock(const NetworkGraph& g)
{
    double densest = 0;
    for (int l = 0; l < g.layerCount(); ++l) {
        const SparseLayer& layer = g.layer(l);
        const std::int64_t na = layer.inputs(), nb = layer.outputs();
        const int bi = static_cast<int>(std::min<std::int64_t>(na, 48)), bo = static_cast<int>(std::min<std::int64_t>(nb, 48));
        std::vector<double> count(static_cast<std::size_t>(bi * bo));
        for (NeuronIndex j = 0; j < layer.outputs(); ++j)
            for (EdgeIndex e = layer.rowPtr()[j]; e < layer.rowPtr()[j + 1]; ++e)
                count[static_cast<std::size_t>(layer.colIdx()[static_cast<std::size_t>(e)] * bi / na * bo + j * bo / nb)] += 1;
        for (int x = 0; x < bi; ++x)
            for (int y = 0; y < bo; ++y) { // neurons in bin x: those with ⌊i·bins/n⌋ = x, counted
                std::int64_t in = 0, out = 0;
                for (std::int64_t i = 0; i < na; ++i)
                    in += i * bi / na == x;
                for (std::int64_t j = 0; j < nb; ++j)
                    out += j * bo / nb == y;
                densest = std::max(densest, count[static_cast<std::size_t>(x * bo + y)] / (double(in) * double(out)));
            }
    }
    return densest;
}

QString rewireBin()
{
    const char* bin = std::getenv("REWIRE_BIN");
    return bin ? QString::fromLocal8Bit(bin) : QStringLiteral("rewire");
}

std::vector<std::vector<std::string>> readCsv(const std::string& file)
{
    std::ifstream in(file);
    std::vector<std::vector<std::string>> rows;
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> cells;
        std::stringstream s(line);
        std::string cell;
        while (std::getline(s, cell, ','))
            cells.push_back(cell);
        rows.push_back(cells);
    }
    return rows;
}

// Every view in its empty state (each shown, so that it refreshes): no snapshot, no curve point,
// no epoch or neuron count left in a caption, nothing in the table, no run in the status line.
void requireEmptyViews(MainWindow& w)
{
    QVERIFY(w.history().empty());
    QVERIFY(!w.currentSnapshot());
    QCOMPARE(w.timeline()->count(), 0);
    for (const auto& [name, view] : w.views()) {
        w.showView(name);
        QCoreApplication::processEvents();
        if (auto* v = qobject_cast<SnapshotView*>(view))
            QVERIFY2(!v->snapshot(), qPrintable(name));
    }
    QCOMPARE(w.curvesView()->pointCount(), 0);
    QVERIFY2(!w.curvesView()->caption().contains("("), qPrintable(w.curvesView()->caption()));
    QVERIFY2(!w.degreeView()->caption().contains("epoch"), qPrintable(w.degreeView()->caption()));
    QVERIFY2(w.degreeView()->caption().contains("No network yet."), qPrintable(w.degreeView()->caption()));
    QCOMPARE(w.degreeView()->pointCount(), 0);
    QCOMPARE(w.neuronView()->caption(), QStringLiteral("No network yet."));
    QCOMPARE(w.neuronView()->model()->rowCount(), 0);
    QVERIFY2(!w.statusText().contains("connections"), qPrintable(w.statusText()));
}

} // namespace

class GuiTest : public QObject {
    Q_OBJECT
private slots:
    void handOffDeliversIncreasingEpochsAndDropsStale();
    void handOffFromAThreadNeverGoesBackwards();
    void timelineStaysWithinItsMemoryBudget();
    void pauseStopsEpochsAdvancing();
    void stepAdvancesExactlyOneEpoch();
    void lrAndZetaChangeBetweenEpochs();
    void workerReportsBadConfigAsFailure();
    void neuronTableMatchesRewireAnalyze();
    void opensKilledRunFromCheckpoint();
    void germanDesktopDemoWritesLocaleFreeFiles();
    void timelineShowsSavedSnapshotsOfARunFolder();
    void windowTrainsLiveAndExports();
    void viewsRenderAndSelectNeurons();
    void openRejectsWhatIsNotARun();
    void lineRasterBlendsLikeSourceOver();
    void midEpochSnapshotsEveryKBatches();
    void formFollowsTheOptionsTableAndShowsMethodFields();
    void resetAndFailedStartClearEveryView();
    void destructiveActionsAskFirst();
    void validationMarksABadFieldAndDisablesStart();
    void plotsAndTableReadable();
    void statusWarnsWhenABusyMachineSlowsEpochs();
    void figuresExportAsSvgPdfAndPng();
    void timelineExportsAsVideo();
    void runsSideBySide();
    void networkZoomsPansAndFinds();
    void liveSketchKeepsAggregatesNotEdges();
    void comparisonsCancelAndComeBack();
};

void GuiTest::handOffDeliversIncreasingEpochsAndDropsStale()
{
    SnapshotChannel channel;
    channel.reset(1);
    QVERIFY(!channel.take());
    QVERIFY(channel.publish(snap(1, 0)));
    QVERIFY(channel.publish(snap(1, 1)));
    QVERIFY(channel.publish(snap(1, 2)));
    // Latest wins: only epoch 2 is delivered; 0 and 1 were superseded.
    SnapshotPtr got = channel.take();
    QVERIFY(got);
    QCOMPARE(got->epoch, 2);
    QCOMPARE(channel.superseded(), std::uint64_t(2));
    QVERIFY(!channel.take());
    // Stale: an epoch not newer than the newest published one is dropped.
    QVERIFY(!channel.publish(snap(1, 2)));
    QVERIFY(!channel.publish(snap(1, 1)));
    QVERIFY(!channel.take());
    // Mid-epoch snapshots order between epochs.
    QVERIFY(channel.publish(snap(1, 2, 10)));
    QVERIFY(!channel.publish(snap(1, 2, 5)));
    QVERIFY(channel.publish(snap(1, 3)));
    QCOMPARE(channel.take()->epoch, 3);
    // The timeline's archive keeps every end-of-epoch snapshot, superseded or not.
    std::vector<int> archived;
    for (const SnapshotPtr& s : channel.archived(0))
        archived.push_back(s->epoch);
    QCOMPARE(archived, (std::vector<int>{0, 1, 2, 3}));
    QCOMPARE(channel.archived(3).size(), std::size_t(1));
    // After a reset, snapshots of the old generation are stale whatever their epoch.
    channel.reset(2);
    QVERIFY(!channel.publish(snap(1, 50)));
    QVERIFY(channel.publish(snap(2, 0)));
    QCOMPARE(channel.take()->generation, std::uint64_t(2));
    QCOMPARE(channel.archived(0).size(), std::size_t(1));
    QCOMPARE(channel.dropped(), std::uint64_t(4)); // (1,2), (1,1), (1,2,5) and (1,50) after the reset
}

void GuiTest::handOffFromAThreadNeverGoesBackwards()
{
    SnapshotChannel channel;
    channel.reset(7);
    constexpr int kEpochs = 20000;
    std::atomic<bool> done{false};
    std::thread producer([&] {
        for (int e = 1; e <= kEpochs; ++e)
            channel.publish(snap(7, e));
        done = true;
    });
    std::vector<int> seen;
    while (!done || !seen.empty()) {
        if (SnapshotPtr s = channel.take())
            seen.push_back(s->epoch);
        else if (done)
            break;
    }
    producer.join();
    if (SnapshotPtr s = channel.take())
        seen.push_back(s->epoch);
    QVERIFY(!seen.empty());
    for (std::size_t i = 1; i < seen.size(); ++i)
        QVERIFY2(seen[i] > seen[i - 1], "epochs must strictly increase");
    QCOMPARE(seen.back(), kEpochs); // the newest is never lost
}

void GuiTest::pauseStopsEpochsAdvancing()
{
    SnapshotChannel channel;
    channel.reset(1);
    TrainingWorker::Options o;
    o.config = tinyConfig(1000);
    TrainingWorker worker(channel, 1, o);
    worker.start();
    QVERIFY(waitFor([&] { return worker.epochsDone() >= 2; }));
    worker.pause();
    QVERIFY(waitFor([&] { return worker.status().state == WorkerState::Paused; }));
    const int at = worker.epochsDone();
    int newest = -1;
    while (SnapshotPtr s = channel.take())
        newest = s->epoch;
    QCOMPARE(newest, at);
    QThread::msleep(400); // several epochs' worth of time at this size
    QCOMPARE(worker.epochsDone(), at);
    QCOMPARE(worker.status().state, WorkerState::Paused);
    QVERIFY(!channel.take());
    worker.resume();
    QVERIFY(waitFor([&] { return worker.epochsDone() > at; }));
    worker.requestStop();
    worker.join();
    QCOMPARE(worker.status().state, WorkerState::Stopped);
}

void GuiTest::stepAdvancesExactlyOneEpoch()
{
    SnapshotChannel channel;
    channel.reset(1);
    TrainingWorker::Options o;
    o.config = tinyConfig(50);
    o.startPaused = true;
    TrainingWorker worker(channel, 1, o);
    worker.start();
    QVERIFY(waitFor([&] { return worker.status().state == WorkerState::Paused; }));
    SnapshotPtr first = channel.take();
    QVERIFY(first);
    QCOMPARE(first->epoch, 0);
    QCOMPARE(worker.epochsDone(), 0);
    for (int k = 1; k <= 3; ++k) {
        worker.step();
        QVERIFY(waitFor([&] { return worker.epochsDone() == k && worker.status().state == WorkerState::Paused; }));
        QThread::msleep(150);
        QCOMPARE(worker.epochsDone(), k);
        SnapshotPtr s = channel.take();
        QVERIFY(s);
        QCOMPARE(s->epoch, k);
        QCOMPARE(static_cast<int>(s->metrics.size()), k);
    }
}

void GuiTest::lrAndZetaChangeBetweenEpochs()
{
    QTemporaryDir dir;
    SnapshotChannel channel;
    channel.reset(1);
    TrainingWorker::Options o;
    o.config = tinyConfig(10);
    o.startPaused = true;
    o.runDir = dir.filePath("run").toStdString();
    TrainingWorker worker(channel, 1, o);
    worker.start();
    QVERIFY(waitFor([&] { return worker.status().state == WorkerState::Paused; }));
    worker.setZeta(0.0);
    worker.step();
    QVERIFY(waitFor([&] { return worker.epochsDone() == 1 && worker.status().state == WorkerState::Paused; }));
    worker.step();
    QVERIFY(waitFor([&] { return worker.epochsDone() == 2 && worker.status().state == WorkerState::Paused; }));
    SnapshotPtr s = channel.take();
    QVERIFY(s);
    // zeta 0: no topology step after epochs 1 and 2, so nothing changed between the snapshots.
    QCOMPARE(s->metrics[0].pruned, EdgeIndex(0));
    QCOMPARE(s->metrics[1].pruned, EdgeIndex(0));
    QVERIFY(s->hasPrevious);
    for (const LayerTurnover& t : s->turnover)
        QCOMPARE(t.added, EdgeIndex(0));
    worker.setZeta(0.5);
    worker.step();
    QVERIFY(waitFor([&] { return worker.epochsDone() == 3 && worker.status().state == WorkerState::Paused; }));
    s = channel.take();
    QVERIFY(s->metrics[2].pruned > 0);
    worker.setLearningRate(0.02);
    worker.step();
    QVERIFY(waitFor([&] { return worker.epochsDone() == 4 && worker.status().state == WorkerState::Paused; }));
    // The run folder says which settings trained which epochs.
    const auto changes = readCsv(dir.filePath("run/changes.csv").toStdString());
    QCOMPARE(changes.size(), std::size_t(4));
    QCOMPARE(changes[1], (std::vector<std::string>{"1", "zeta", "0"}));
    QCOMPARE(changes[2], (std::vector<std::string>{"3", "zeta", "0.5"}));
    QCOMPARE(changes[3], (std::vector<std::string>{"4", "lr", "0.02"}));
    // The snapshots carry them, and the curves mark them (live, then from the run folder).
    s = channel.take();
    QVERIFY(s);
    QCOMPARE(s->parameterChanges.size(), std::size_t(3));
    const QStringList marks{"ζ=0 @1", "ζ=0.5 @3", "lr=0.02 @4"};
    CurvesView live;
    live.setHistory(s, false);
    live.setSnapshot(s, nullptr);
    live.show();
    QCOMPARE(live.changeMarks(), marks);
    worker.requestStop();
    QVERIFY(waitFor([&] { return !worker.active(); }));
    const LoadedRun run = loadRun(dir.filePath("run").toStdString(), 2);
    QCOMPARE(run.snapshots.back()->parameterChanges.size(), std::size_t(3));
    for (const SnapshotPtr& snap : run.snapshots) // a change shows from the snapshot of its epoch on
        QCOMPARE(snap->parameterChanges.size(), std::size_t(snap->epoch >= 4 ? 3 : snap->epoch >= 3 ? 2 : snap->epoch >= 1 ? 1 : 0));
    CurvesView opened;
    opened.setHistory(run.snapshots.back(), false);
    opened.setSnapshot(run.snapshots.back(), nullptr);
    opened.show();
    QCOMPARE(opened.changeMarks(), marks);
}

void GuiTest::workerReportsBadConfigAsFailure()
{
    SnapshotChannel channel;
    channel.reset(1);
    TrainingWorker::Options o;
    o.config = tinyConfig(2);
    o.config.arch = "5-10-2"; // XOR has 2 features
    TrainingWorker worker(channel, 1, o);
    worker.start();
    worker.join();
    const WorkerStatus st = worker.status();
    QCOMPARE(st.state, WorkerState::Failed);
    QVERIFY2(QString::fromStdString(st.message).contains("--arch"), st.message.c_str());
    QVERIFY(!channel.take());
}

void GuiTest::neuronTableMatchesRewireAnalyze()
{
    QTemporaryDir dir;
    // A trained model with some dead neurons: strong sparsity on a small net.
    TrainConfig config = tinyConfig(3);
    config.epsilon = 1;
    config.arch = "2-40-30-2";
    const std::string model = trainModel(config, dir.filePath("model.rwm"));

    QProcess analyze;
    analyze.start(rewireBin(), {"analyze", QString::fromStdString(model), "--out", dir.filePath("analysis")});
    QVERIFY(analyze.waitForFinished(60000));
    QVERIFY2(analyze.exitCode() == 0, analyze.readAllStandardError().constData());
    const auto csv = readCsv(dir.filePath("analysis/neurons.csv").toStdString());
    QCOMPARE(csv.front()[0], std::string("layer"));

    const LoadedRun run = loadRun(model, 1);
    QCOMPARE(run.snapshots.size(), std::size_t(1));
    NeuronTableModel table;
    table.setSnapshot(run.snapshots.front());
    QCOMPARE(static_cast<std::size_t>(table.rowCount()), csv.size() - 1);
    const int columns[] = {NeuronTableModel::Set,        NeuronTableModel::Index,       NeuronTableModel::InDegree,
                           NeuronTableModel::OutDegree,  NeuronTableModel::InStrength, NeuronTableModel::OutStrength,
                           NeuronTableModel::Importance, NeuronTableModel::Dead};
    int dead = 0;
    for (int r = 0; r < table.rowCount(); ++r) {
        const auto& row = csv[static_cast<std::size_t>(r) + 1];
        for (int c = 0; c < 8; ++c) {
            const double expected = std::stod(row[static_cast<std::size_t>(c)]);
            const double got = table.index(r, columns[c]).data(Qt::UserRole).toDouble();
            // The CSV holds 6 significant digits.
            QVERIFY2(std::abs(got - expected) <= 1e-5 * std::max(1.0, std::abs(expected)),
                     qPrintable(QStringLiteral("row %1 column %2: table %3, neurons.csv %4").arg(r).arg(c).arg(got).arg(expected)));
        }
        dead += std::stoi(row[7]);
    }
    QVERIFY2(dead > 0, "the model should have dead neurons for this test to bite");
    // The rank column: 1 = the highest importance in its set.
    const SnapshotPtr& s = run.snapshots.front();
    for (int set = 1; set < 3; ++set) {
        double best = -1;
        NeuronIndex top = 0;
        for (NeuronIndex i = 0; i < static_cast<NeuronIndex>(s->setStart[set + 1] - s->setStart[set]); ++i)
            if (s->neuron(set, i).importance > best)
                best = s->neuron(set, i).importance, top = i;
        QCOMPARE(table.index(table.rowOf(set, top), NeuronTableModel::Rank).data(Qt::UserRole).toInt(), 1);
    }
}

void GuiTest::timelineShowsSavedSnapshotsOfARunFolder()
{
    QTemporaryDir dir;
    const QString out = dir.filePath("run");
    QProcess train;
    train.start(rewireBin(), {"train", "--dataset", "synthetic:xor:samples=2000", "--arch", "2-32-32-2", "--epsilon", "4",
                              "--epochs", "4", "--snapshot-every", "2", "--threads", "1", "--quiet", "--out", out});
    QVERIFY(train.waitForFinished(120000));
    QVERIFY2(train.exitCode() == 0, train.readAllStandardError().constData());

    MainWindow w;
    w.setInteractive(false);
    w.show();
    QVERIFY2(w.openPath(out), qPrintable(w.lastError()));
    // Snapshots at epochs 0, 2 and 4, as saved.
    QCOMPARE(w.timeline()->count(), 3);
    QCOMPARE(w.history().size(), std::size_t(3));
    QCOMPARE(w.history()[0]->epoch, 0);
    QCOMPARE(w.history()[1]->epoch, 2);
    QCOMPARE(w.history()[2]->epoch, 4);
    QCOMPARE(w.currentSnapshot()->epoch, 4); // follow live: the newest
    QCOMPARE(w.configFromForm().arch, std::string("2-32-32-2")); // the form shows the run's settings
    QCOMPARE(w.configFromForm().epochs, 4);
    // Each snapshot carries the metrics up to its epoch; turnover against the previous one.
    QCOMPARE(w.history()[1]->metrics.size(), std::size_t(2));
    QVERIFY(w.history()[2]->hasPrevious);
    const auto saved = loadModel(out.toStdString() + "/snapshots/epoch_0002.rwm");
    w.timeline()->setCursor(1);
    QCOMPARE(w.currentSnapshot()->epoch, 2);
    QCOMPARE(w.currentSnapshot()->network->edgeCount(), saved.edgeCount());
    QCOMPARE(w.currentSnapshot()->network->layer(1).colIdx().size(), saved.layer(1).colIdx().size());
    QVERIFY(std::equal(saved.layer(1).weights().begin(), saved.layer(1).weights().end(),
                       w.currentSnapshot()->network->layer(1).weights().begin()));
    QVERIFY(!w.timeline()->followLive());
    // The curves show the whole run whatever the cursor.
    w.showView("curves");
    QCOMPARE(w.curvesView()->testPoints(), 4);
    // Play walks to the end.
    w.timeline()->setCursor(0);
    w.timeline()->setPlaying(true);
    QVERIFY(waitFor([&] { return w.currentSnapshot()->epoch == 4 && !w.timeline()->playing(); }, 10000));
}

void GuiTest::windowTrainsLiveAndExports()
{
    QTemporaryDir dir;
    MainWindow w;
    w.setInteractive(false);
    w.show();
    fillForm(w, tinyConfig(4));
    w.setRunDir(dir.filePath("live"));
    std::vector<int> arrived;
    connect(&w, &MainWindow::snapshotArrived, this, [&](int epoch) { arrived.push_back(epoch); });
    QSignalSpy ended(&w, &MainWindow::trainingEnded);
    // Started paused (as Step does): structural settings lock; lr and zeta stay editable.
    QVERIFY2(w.startTraining(true), qPrintable(w.lastError()));
    QVERIFY(waitFor([&] {
        w.poll();
        return w.worker()->status().state == WorkerState::Paused && !w.history().empty();
    }));
    QVERIFY(!w.field("arch")->isEnabled());
    QVERIFY(!w.field("epsilon")->isEnabled());
    QVERIFY(!w.field("dataset")->isEnabled());
    QVERIFY(w.field("lr")->isEnabled());
    QVERIFY(w.field("zeta")->isEnabled());
    QCOMPARE(w.history().front()->epoch, 0);
    QVERIFY(w.startTraining()); // Start on a paused run resumes it
    QVERIFY(waitFor([&] { return !ended.isEmpty(); }, 60000));
    QVERIFY(w.field("arch")->isEnabled());
    QCOMPARE(ended.front().front().value<WorkerState>(), WorkerState::Finished);
    QVERIFY(!arrived.empty());
    for (std::size_t i = 1; i < arrived.size(); ++i)
        QVERIFY(arrived[i] > arrived[i - 1]);
    QCOMPARE(arrived.back(), 4);
    QCOMPARE(w.history().back()->epoch, 4);
    QCOMPARE(w.history().back()->metrics.size(), std::size_t(4));
    // The run folder is the CLI's.
    const auto metrics = readMetricsCsv(dir.filePath("live/metrics.csv").toStdString());
    QCOMPARE(metrics.size(), std::size_t(4));
    QCOMPARE(listSnapshots(dir.filePath("live").toStdString()).size(), std::size_t(5));
    QVERIFY(QFile::exists(dir.filePath("live/model.rwm")));
    QCOMPARE(metrics.back().testAccuracy, w.history().back()->metrics.back().testAccuracy);
    // Exports.
    QVERIFY(w.exportMetricsCsv(dir.filePath("m.csv")));
    QCOMPARE(readMetricsCsv(dir.filePath("m.csv").toStdString()).size(), std::size_t(4));
    QVERIFY(w.exportAnalysis(dir.filePath("analysis")));
    QVERIFY(QFile::exists(dir.filePath("analysis/neurons.csv")));
    QVERIFY(QFile::exists(dir.filePath("analysis/degree_distribution.csv")));
    QVERIFY(w.exportTimelineFrames(dir.filePath("frames")));
    QVERIFY(QFile::exists(dir.filePath("frames/frame_0000.png")));
    QVERIFY(QFile::exists(dir.filePath("frames/frame_0004.png")));
    QVERIFY(w.saveScreenshot(dir.filePath("shot.png")));
    QCOMPARE(QImage(dir.filePath("shot.png")).size(), w.size());
    // Reset clears the views and unlocks the form.
    w.resetTraining();
    QVERIFY(w.history().empty());
    QVERIFY(!w.currentSnapshot());
}

void GuiTest::viewsRenderAndSelectNeurons()
{
    QTemporaryDir dir;
    TrainConfig config = tinyConfig(2);
    const std::string model = trainModel(config, dir.filePath("m.rwm"));

    MainWindow w;
    w.setInteractive(false);
    w.show();
    QVERIFY(w.openPath(QString::fromStdString(model)));
    QCOMPARE(w.currentSnapshot()->epoch, 2); // from the model's epochs_trained attribute
    // Every view paints something that is not blank.
    for (const auto& [name, view] : w.views()) {
        w.showView(name);
        QApplication::processEvents();
        const QImage img = view->grab().toImage();
        QVERIFY2(!img.isNull(), qPrintable(name));
        std::set<QRgb> colours;
        for (int y = 0; y < img.height(); y += 3)
            for (int x = 0; x < img.width(); x += 3)
                colours.insert(img.pixel(x, y));
        QVERIFY2(colours.size() > 20, qPrintable(name + " looks empty"));
    }
    // A click on a neuron in the network view selects it everywhere.
    NetworkView* net = w.networkView();
    const NeuronRef target{1, 5};
    QPoint at;
    QWidget* canvas = nullptr;
    for (QWidget* child : net->findChildren<QWidget*>())
        if (child->metaObject()->className() == QStringLiteral("QWidget") && child->width() > 150)
            canvas = child;
    QVERIFY(canvas);
    for (int y = 0; y < canvas->height() && at.isNull(); ++y)
        for (int x = 0; x < canvas->width(); x += 2)
            if (net->neuronAt(QPoint(x, y)) == target) {
                at = QPoint(x, y);
                break;
            }
    QVERIFY(!at.isNull());
    QTest::mouseClick(canvas, Qt::LeftButton, {}, at);
    QCOMPARE(net->selectedNeuron(), target);
    QCOMPARE(w.neuronView()->selectedNeuron(), target);
    QCOMPARE(w.degreeView()->selectedNeuron(), target);
    w.showView("neurons");
    QApplication::processEvents();
    const QModelIndex current = w.neuronView()->table()->currentIndex();
    QVERIFY(current.isValid());
    QCOMPARE(current.siblingAtColumn(NeuronTableModel::Index).data(Qt::UserRole).toInt(), 5);
    QCOMPARE(current.siblingAtColumn(NeuronTableModel::Set).data(Qt::UserRole).toInt(), 1);
    // The degree view plots the layer's distribution: one point per distinct positive degree.
    w.showView("degrees");
    w.degreeView()->setLayer(0);
    QApplication::processEvents();
    std::set<NeuronIndex> distinct;
    for (NeuronIndex j = 0; j < w.currentSnapshot()->network->layer(0).outputs(); ++j)
        if (w.currentSnapshot()->network->layer(0).inDegree(j) > 0)
            distinct.insert(w.currentSnapshot()->network->layer(0).inDegree(j));
    QCOMPARE(w.degreeView()->pointCount(), static_cast<int>(distinct.size()));
}

void GuiTest::openRejectsWhatIsNotARun()
{
    QTemporaryDir dir;
    MainWindow w;
    w.setInteractive(false);
    QVERIFY(!w.openPath(dir.path()));
    QVERIFY2(w.lastError().contains("not a run folder"), qPrintable(w.lastError()));
    QFile bad(dir.filePath("bad.rwm"));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("not a model");
    bad.close();
    QVERIFY(!w.openPath(dir.filePath("bad.rwm")));
    QVERIFY2(w.lastError().contains("bad.rwm"), qPrintable(w.lastError()));
    QVERIFY(w.history().empty());
}

void GuiTest::lineRasterBlendsLikeSourceOver()
{
    QImage img(40, 30, QImage::Format_ARGB32_Premultiplied);
    img.fill(Qt::white);
    // A horizontal line through pixel centres: full coverage on one row, nothing on the others.
    const std::vector<QLineF> h{QLineF(5, 10, 30, 10)};
    blendLines(img, h, QColor(255, 0, 0, 128)); // half-transparent red over white
    const QColor mid = img.pixelColor(15, 10);
    QCOMPARE(mid.red(), 255);
    QVERIFY(std::abs(mid.green() - 127) <= 2);
    QVERIFY(std::abs(mid.blue() - 127) <= 2);
    QCOMPARE(img.pixelColor(15, 9), QColor(Qt::white));
    QCOMPARE(img.pixelColor(15, 11), QColor(Qt::white));
    QCOMPARE(img.pixelColor(3, 10), QColor(Qt::white)); // before the start
    // A steep line halfway between two columns: coverage splits evenly, summing to one pixel.
    img.fill(Qt::white);
    const std::vector<QLineF> v{QLineF(20.5, 2, 20.5, 25)};
    blendLines(img, v, QColor(0, 0, 0));
    const int left = 255 - img.pixelColor(20, 12).red(), right = 255 - img.pixelColor(21, 12).red();
    QVERIFY(std::abs(left - right) <= 2);
    QVERIFY(std::abs(left + right - 255) <= 3);
    // A line that starts and ends far outside is clipped, and its inside part is drawn:
    // y = -50 + (x + 100) * 130/300 passes x = 30 at y = 6.33 (two thirds of it on row 6).
    img.fill(Qt::white);
    const std::vector<QLineF> out{QLineF(-100, -50, 200, 80)};
    blendLines(img, out, QColor(0, 0, 255));
    QVERIFY(std::abs((255 - img.pixelColor(30, 6).red()) - 170) <= 6);
    QVERIFY(std::abs((255 - img.pixelColor(30, 7).red()) - 85) <= 6);
    QCOMPARE(img.pixelColor(30, 6).blue(), 255);
    QCOMPARE(img.pixelColor(30, 20), QColor(Qt::white));
}

void GuiTest::midEpochSnapshotsEveryKBatches()
{
    SnapshotChannel channel;
    channel.reset(1);
    TrainingWorker::Options o;
    o.config = tinyConfig(2); // 2100 training samples / 32 = 66 batches per epoch
    o.publishEveryBatches = 20;
    TrainingWorker worker(channel, 1, o);
    std::vector<std::pair<int, int>> seen; // (epoch, batch), as the GUI would take them
    worker.start();
    for (;;) {
        const bool active = worker.active(); // read first: the last snapshot precedes the end state
        if (SnapshotPtr s = channel.take())
            seen.emplace_back(s->epoch, s->batch);
        else if (!active)
            break;
    }
    worker.join();
    QCOMPARE(seen.back(), std::make_pair(2, 0));
    QCOMPARE(worker.status().state, WorkerState::Finished);
    for (std::size_t i = 1; i < seen.size(); ++i)
        QVERIFY(seen[i] > seen[i - 1]);
    // Everything published: epochs 0, 1, 2 at their ends, and mid-epoch ones at batches 20, 40, 60 of
    // epochs 1 and 2 (published as epoch 0 + batch b and epoch 1 + batch b).
    std::vector<std::pair<int, int>> keys;
    for (const SnapshotPtr& s : channel.archived(0))
        keys.emplace_back(s->epoch, s->batch);
    QCOMPARE(keys, (std::vector<std::pair<int, int>>{{0, 0}, {1, 0}, {2, 0}}));
    QCOMPARE(channel.dropped(), std::uint64_t(0));
    QCOMPARE(channel.superseded() + seen.size(), std::uint64_t(9));
}

void GuiTest::timelineStaysWithinItsMemoryBudget()
{
    // thinSnapshots on 21 equal snapshots (epochs 0..20) with room for 6: evenly spread, ends kept.
    const auto net = std::make_shared<const NetworkGraph>(
        std::vector<SparseLayer>{SparseLayer::dense(8, 8, std::vector<float>(64, 0.5f))});
    auto makeHistory = [&] {
        std::vector<SnapshotPtr> h;
        for (int e = 0; e <= 20; ++e) {
            auto s = std::make_shared<Snapshot>();
            s->epoch = e;
            s->network = net;
            h.push_back(std::move(s));
        }
        return h;
    };
    auto epochs = [](const std::vector<SnapshotPtr>& h) {
        std::vector<int> e;
        for (const SnapshotPtr& s : h)
            e.push_back(s->epoch);
        return e;
    };
    std::vector<SnapshotPtr> h = makeHistory();
    const std::size_t one = h.front()->memoryBytes();
    QVERIFY(one > 64 * (sizeof(float) + sizeof(NeuronIndex))); // at least the weights and columns
    QCOMPARE(thinSnapshots(h, 21 * one), 0);
    QCOMPARE(thinSnapshots(h, 6 * one), 15);
    QCOMPARE(epochs(h), (std::vector<int>{0, 4, 8, 12, 16, 20}));
    // The snapshot shown stays, and the index pointing at it follows.
    h = makeHistory();
    int keep = 5;
    QCOMPARE(thinSnapshots(h, 6 * one, &keep), 15);
    QCOMPARE(epochs(h), (std::vector<int>{0, 5, 9, 13, 17, 20}));
    QCOMPARE(h[static_cast<std::size_t>(keep)]->epoch, 5);
    // Nothing fits: the ends (and the kept one) remain.
    h = makeHistory();
    keep = 10;
    QCOMPARE(thinSnapshots(h, 1, &keep), 18);
    QCOMPARE(epochs(h), (std::vector<int>{0, 10, 20}));

    // A live run whose timeline may hold almost nothing keeps its first and newest snapshots, drops
    // the rest, and says so; the run folder still gets every snapshot.
    QTemporaryDir dir;
    MainWindow w;
    w.setInteractive(false);
    fillForm(w, tinyConfig(6));
    w.setRunDir(dir.filePath("live"));
    w.setTimelineBudget(1);
    QSignalSpy ended(&w, &MainWindow::trainingEnded);
    QVERIFY2(w.startTraining(), qPrintable(w.lastError()));
    QVERIFY(waitFor([&] { return !ended.isEmpty(); }, 60000));
    QCOMPARE(w.history().size(), std::size_t(2));
    QCOMPARE(w.history().front()->epoch, 0);
    QCOMPARE(w.history().back()->epoch, 6);
    QCOMPARE(w.thinnedSnapshots(), 5); // epochs 1-5
    QCOMPARE(w.currentSnapshot(), w.history().back());
    const auto* status = w.findChild<QLabel*>(QStringLiteral("status"));
    QVERIFY(status);
    QVERIFY2(status->text().contains(QStringLiteral("timeline thinned: 5 snapshots dropped")), qPrintable(status->text()));
    QCOMPARE(listSnapshots(dir.filePath("live").toStdString()).size(), std::size_t(7));
    // Opening that run folder under the same budget loads all seven and keeps the two ends.
    w.resetTraining();
    QVERIFY2(w.openPath(dir.filePath("live")), qPrintable(w.lastError()));
    QCOMPARE(w.history().size(), std::size_t(2));
    QCOMPARE(w.thinnedSnapshots(), 5);
    QCOMPARE(w.history().back()->epoch, 6);
}

void GuiTest::opensKilledRunFromCheckpoint()
{
    // A run that died after 3 of 6 epochs (its writer never finished): snapshots up to epoch 2,
    // checkpoints after every epoch, no model.rwm, summary.json says "running".
    QTemporaryDir dir;
    const std::filesystem::path runDir = dir.filePath("run").toStdString();
    TrainConfig config = tinyConfig(6);
    config.snapshotEvery = 2;
    config.checkpointEvery = 1;
    LoadedData data = loadDataset(datasetRequest(config));
    Trainer trainer(config, data.split);
    {
        RunWriter writer(runDir, config, trainer.network(), false, false);
        for (int e = 0; e < 3; ++e) {
            struct Tap : TrainingObserver {
                RunWriter& w;
                explicit Tap(RunWriter& writer) : w(writer) {}
                void onTrained(const EpochMetrics& m, const NetworkGraph& g) override { w.trained(m, g); }
                void onEpoch(const EpochMetrics& m, const NetworkGraph& g) override { w.epoch(m, g); }
            } tap(writer);
            trainer.trainEpoch(&tap);
        }
    }
    QVERIFY(!std::filesystem::exists(runDir / "model.rwm"));
    QVERIFY(std::filesystem::exists(runDir / "checkpoint.rwm"));
    const LoadedRun run = loadRun(runDir, 1);
    QVERIFY2(QString::fromStdString(run.description).contains("checkpoint.rwm"), run.description.c_str());
    // Snapshots 0 and 2, then the checkpoint after epoch 3 with the three epochs' metrics.
    QCOMPARE(run.snapshots.size(), std::size_t(3));
    QCOMPARE(run.snapshots[0]->epoch, 0);
    QCOMPARE(run.snapshots[1]->epoch, 2);
    QCOMPARE(run.snapshots[2]->epoch, 3);
    QCOMPARE(run.snapshots[2]->metrics.size(), std::size_t(3));
    QCOMPARE(run.snapshots[2]->totalEpochs, 6);
}

void GuiTest::germanDesktopDemoWritesLocaleFreeFiles()
{
    // `LC_ALL=de_DE.UTF-8 rewire-gui --demo --epochs 1 --screenshot x.png`, the default run: it
    // could not start before ("0.6" was not a number under a decimal comma).
    rewire::test::GermanNumbers german; // builds de_DE.UTF-8 with localedef and sets LOCPATH
    QVERIFY2(german.active(), "localedef could not build de_DE.UTF-8 (Debian package locales)");
    const char* gui = std::getenv("REWIRE_GUI_BIN");
    QVERIFY2(gui, "REWIRE_GUI_BIN is not set");
    QTemporaryDir dir;
    QProcess app;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("LC_ALL", "de_DE.UTF-8");
    env.insert("LANG", "de_DE.UTF-8");
    env.insert("QT_QPA_PLATFORM", "offscreen");
    app.setProcessEnvironment(env);
    app.setWorkingDirectory(dir.path());
    app.start(QString::fromLocal8Bit(gui), {"--demo", "--epochs", "1", "--out", dir.filePath("run"), "--screenshot", "x.png"});
    QVERIFY(app.waitForFinished(280000));
    const QByteArray output = app.readAllStandardOutput() + app.readAllStandardError();
    QVERIFY2(app.exitCode() == 0, output.constData());
    QVERIFY(QFile(dir.filePath("x.png")).size() > 1000);
    const std::filesystem::path run = dir.filePath("run").toStdString();
    for (const char* file : {"config.json", "summary.json"}) {
        const Json j = Json::parse(readWholeFile(run / file), file); // throws on invalid JSON
        QVERIFY(j.isObject());
    }
    const Json config = Json::parse(readWholeFile(run / "config.json"), "config.json");
    QCOMPARE(config.find("activation")->asString(), std::string("allrelu:0.6"));
    QCOMPARE(config.find("lr")->asNumber(), 0.01);
    QCOMPARE(Json::parse(readWholeFile(run / "summary.json"), "summary.json").find("status")->asString(),
             std::string("completed"));
    // Numbers with a decimal point, not a comma: metrics.csv parses, and its accuracy is a fraction.
    const std::vector<EpochMetrics> rows = readMetricsCsv(run / "metrics.csv");
    QCOMPARE(rows.size(), std::size_t(1));
    QVERIFY(rows[0].testAccuracy > 0.1 && rows[0].testAccuracy <= 1.0);
    QVERIFY(loadModel(run / "model.rwm").attributes().at("activation") == "allrelu:0.6");
}

#include "test_gui.moc"

void GuiTest::formFollowsTheOptionsTableAndShowsMethodFields()
{
    MainWindow w;
    w.resize(1280, 800);
    w.show();
    QApplication::processEvents();
    // Every option the table puts in the form has a field, with its flag and help as tooltip.
    int fields = 0;
    for (const OptionSpec& o : trainOptions()) {
        if (!o.inForm) {
            QVERIFY(!w.field(o.key));
            continue;
        }
        QWidget* f = w.field(o.key);
        QVERIFY2(f, o.key.c_str());
        // Its label and flag, help, range, default, and for a method's own option the methods
        // reading it with their papers.
        const QString tip = f->toolTip();
        QVERIFY2(tip.contains(QString::fromStdString(o.label + " (--" + o.key + "): " + o.help)), qPrintable(tip));
        if (o.kind != OptionKind::Text && !optionRange(o).empty())
            QVERIFY2(tip.contains(QString::fromStdString("\nrange: " + optionRange(o))), qPrintable(tip));
        if (!optionDefault(o).empty())
            QVERIFY2(tip.contains(QString::fromStdString("\ndefault: " + optionDefault(o))), qPrintable(tip));
        for (const std::string& m : optionMethods(o))
            QVERIFY2(tip.contains(QString::fromStdString(m + " (" + findMethod(m).source + ")")), qPrintable(tip));
        ++fields;
    }
    QVERIFY(fields >= 25);
    // A method's own options show while it is chosen; options of every method always do.
    auto shown = [&](const char* key) { return !w.field(key)->isHidden(); };
    w.setConfigValue("method", "set");
    QApplication::processEvents();
    QVERIFY(shown("zeta"));
    QVERIFY(!shown("accset-k"));
    QVERIFY(!shown("dynset-window"));
    QVERIFY(shown("importance-pruning"));
    QVERIFY(shown("evolve-layers"));
    w.setConfigValue("method", "dynset");
    QApplication::processEvents();
    QVERIFY(shown("dynset-window"));
    // The method's field names the chosen method's paper.
    QVERIFY2(w.field("method")->toolTip().startsWith(QString::fromStdString("dynset: " + findMethod("dynset").summary + "\npaper: " +
                                                                             findMethod("dynset").source)),
             qPrintable(w.field("method")->toolTip()));
    QVERIFY(findMethod("dynset").source.find("Scholte") != std::string::npos);
    QVERIFY(shown("counts"));
    QVERIFY(shown("ratio-on"));
    w.setConfigValue("method", "static");
    QApplication::processEvents();
    QVERIFY(!shown("zeta")); // static sparse never drops anything
    QVERIFY(!shown("dynset-window"));
    // The fields make the config, checked by the table's rules.
    w.setConfigValue("method", "dynset");
    w.setConfigValue("dynset-window", "5");
    w.setConfigValue("importance-pruning", "30:5:10");
    const TrainConfig c = w.configFromForm();
    QCOMPARE(c.method, std::string("dynset"));
    QCOMPARE(c.dynsetWindow, 5);
    QCOMPARE(c.importancePruning, std::string("30:5:10"));
    w.setConfigValue("dynset-window", "0");
    bool refused = false;
    try {
        (void)w.configFromForm();
    } catch (const ConfigError& e) {
        refused = std::string(e.what()).find("--dynset-window 0") != std::string::npos;
    }
    QVERIFY(refused);
}
void GuiTest::resetAndFailedStartClearEveryView()
{
    QTemporaryDir dir;
    MainWindow w;
    w.setInteractive(false);
    w.show();
    const auto trainToEnd = [&](const QString& out) {
        fillForm(w, tinyConfig(2));
        w.setRunDir(out);
        QSignalSpy ended(&w, &MainWindow::trainingEnded);
        QVERIFY2(w.startTraining(), qPrintable(w.lastError()));
        QVERIFY(waitFor([&] { return !ended.isEmpty(); }, 60000));
        // The views show the run.
        w.showView("curves");
        QVERIFY(w.curvesView()->pointCount() > 0);
        w.showView("degrees");
        QVERIFY2(w.degreeView()->caption().contains("epoch 2"), qPrintable(w.degreeView()->caption()));
        w.showView("neurons");
        QVERIFY2(w.neuronView()->caption().contains("neurons"), qPrintable(w.neuronView()->caption()));
        QVERIFY(w.neuronView()->model()->rowCount() > 0);
        QVERIFY(w.statusText().contains("connections"));
    };
    trainToEnd(dir.filePath("a"));
    // A Start that fails (an impossible architecture): every view empty, its error alone shown.
    w.setConfigValue("arch", "2-x-2");
    QVERIFY(!w.startTraining());
    QVERIFY2(w.lastError().contains("2-x-2"), qPrintable(w.lastError()));
    requireEmptyViews(w);
    QCOMPARE(w.statusBar()->currentMessage(), w.lastError());
    // Reset takes the error away too.
    QVERIFY(w.resetTraining());
    requireEmptyViews(w);
    QVERIFY(w.lastError().isEmpty());
    QVERIFY(w.statusBar()->currentMessage().isEmpty());
    QVERIFY2(w.statusText().startsWith("idle"), qPrintable(w.statusText()));
    // Reset after a finished run.
    trainToEnd(dir.filePath("b"));
    QVERIFY(w.resetTraining());
    requireEmptyViews(w);
    // A Start refused because the run folder holds a run (not forced, not interactive).
    trainToEnd(dir.filePath("c"));
    w.setRunDir(dir.filePath("c"));
    QVERIFY(!w.startTraining());
    QVERIFY2(w.lastError().contains("run folder"), qPrintable(w.lastError()));
    requireEmptyViews(w);
}

void GuiTest::destructiveActionsAskFirst()
{
    QTemporaryDir dir;
    MainWindow w;
    w.setInteractive(false);
    w.show();
    Questions asked(w);
    // A finished run to open later (nothing to lose: no question).
    fillForm(w, tinyConfig(2));
    w.setRunDir(dir.filePath("done"));
    QSignalSpy ended(&w, &MainWindow::trainingEnded);
    QVERIFY2(w.startTraining(), qPrintable(w.lastError()));
    QVERIFY(waitFor([&] { return !ended.isEmpty(); }, 60000));
    QVERIFY(asked.empty());
    // A live run, paused so that it stays active; before its first epoch the curves say so.
    const auto startPaused = [&](const QString& out) {
        w.setRunDir(out);
        QVERIFY2(w.startTraining(true), qPrintable(w.lastError()));
        QVERIFY(waitFor([&] {
            w.poll();
            return w.worker()->status().state == WorkerState::Paused && !w.history().empty();
        }));
    };
    startPaused(dir.filePath("live"));
    QVERIFY(asked.empty()); // the finished run's views were not browsed: no question
    w.showView("curves");
    QVERIFY2(w.curvesView()->caption().contains("waiting for the first epoch"), qPrintable(w.curvesView()->caption()));
    QCOMPARE(w.curvesView()->pointCount(), 0);
    // "No" to Reset, Open and Quit while training: the run goes on, the window stays.
    QVERIFY(!w.resetTraining());
    QVERIFY(!w.openPath(dir.filePath("done")));
    w.close();
    QCOMPARE(asked.size(), std::size_t(3));
    QVERIFY2(asked[0].contains("Stop the training and clear"), qPrintable(asked[0]));
    QVERIFY2(asked[1].contains("Stop the training and open"), qPrintable(asked[1]));
    QVERIFY2(asked[2].contains("Stop it and quit"), qPrintable(asked[2]));
    QVERIFY(w.isVisible());
    QVERIFY(w.worker() && w.worker()->active());
    QVERIFY(!w.history().empty());
    // "Yes" to Open: training stops and the run opens.
    asked.answer = true;
    QVERIFY2(w.openPath(dir.filePath("done")), qPrintable(w.lastError()));
    QCOMPARE(asked.size(), std::size_t(4));
    QVERIFY(!w.worker());
    QCOMPARE(w.history().back()->epoch, 2);
    // Start while browsing: "no" keeps the run open, "yes" starts.
    asked.answer = false;
    w.setRunDir(dir.filePath("next"));
    QVERIFY(!w.startTraining());
    QCOMPARE(asked.size(), std::size_t(5));
    QVERIFY2(asked[4].contains("Start a new run"), qPrintable(asked[4]));
    QCOMPARE(w.history().size(), std::size_t(3)); // epochs 0, 1, 2 of "done"
    QVERIFY(!w.worker());
    asked.answer = true;
    startPaused(dir.filePath("next"));
    QCOMPARE(asked.size(), std::size_t(6));
    // "Yes" to Reset while training.
    QVERIFY(w.resetTraining());
    QCOMPARE(asked.size(), std::size_t(7));
    QVERIFY(!w.worker());
    requireEmptyViews(w);
    QVERIFY(w.resetTraining()); // nothing to lose: no question
    QCOMPARE(asked.size(), std::size_t(7));
    // "Yes" to Quit while training.
    startPaused(dir.filePath("last"));
    w.close();
    QCOMPARE(asked.size(), std::size_t(8));
    QVERIFY(!w.isVisible());
    QVERIFY(!w.worker());
}

void GuiTest::validationMarksABadFieldAndDisablesStart()
{
    MainWindow w;
    w.setInteractive(false);
    w.show();
    QVERIFY2(w.formProblem().isEmpty(), qPrintable(w.formProblem())); // the defaults are valid
    QVERIFY(w.startButton()->isEnabled());
    auto* arch = qobject_cast<QLineEdit*>(w.field("arch"));
    auto* lr = qobject_cast<QLineEdit*>(w.field("lr"));
    QVERIFY(arch && lr);
    // Typed, not submitted: the field is marked at once, in the form's words.
    arch->clear();
    QTest::keyClicks(arch, "784-x-10");
    QCOMPARE(w.badField(), std::string("arch"));
    QVERIFY2(w.formProblem().startsWith("architecture 784-x-10: "), qPrintable(w.formProblem()));
    QVERIFY2(!w.formProblem().contains("--"), qPrintable(w.formProblem()));
    QVERIFY(arch->property("invalid").toBool());
    QVERIFY(!arch->styleSheet().isEmpty());
    QVERIFY(arch->toolTip().startsWith(w.formProblem()));
    QVERIFY(!lr->property("invalid").toBool());
    QVERIFY(!w.startButton()->isEnabled());
    QCOMPARE(w.startButton()->toolTip(), w.formProblem());
    QCOMPARE(w.statusBar()->currentMessage(), w.formProblem());
    // Mended: the mark goes, Start comes back.
    arch->setText("784-100-10");
    QVERIFY2(w.formProblem().isEmpty(), qPrintable(w.formProblem()));
    QVERIFY(!arch->property("invalid").toBool());
    QVERIFY(arch->styleSheet().isEmpty());
    QVERIFY(w.startButton()->isEnabled());
    QVERIFY(w.statusBar()->currentMessage().isEmpty());
    // Another field, and a choice field's bad free text.
    lr->setText("fast");
    QCOMPARE(w.badField(), std::string("lr"));
    QVERIFY2(w.formProblem().startsWith("learning rate fast: "), qPrintable(w.formProblem()));
    QVERIFY(!w.startButton()->isEnabled());
    QVERIFY(!w.startTraining()); // programmatic Start refuses it too, in the same words
    QVERIFY2(w.lastError().startsWith("learning rate fast: "), qPrintable(w.lastError()));
    lr->setText("0.01");
    QVERIFY(w.startButton()->isEnabled());
    w.setConfigValue("epsilon", "-3");
    QCOMPARE(w.badField(), std::string("epsilon"));
    QVERIFY(!w.startButton()->isEnabled());
}

void GuiTest::plotsAndTableReadable()
{
    QTemporaryDir dir;
    MainWindow w;
    w.setInteractive(false);
    w.show();
    TrainConfig c = tinyConfig(3);
    c.arch = "2-64-64-2";
    fillForm(w, c);
    w.setRunDir(dir.filePath("run"));
    QSignalSpy ended(&w, &MainWindow::trainingEnded);
    QVERIFY2(w.startTraining(), qPrintable(w.lastError()));
    QVERIFY(waitFor([&] { return !ended.isEmpty(); }, 60000));
    // Degrees: both epochs in the legend whatever the CCDF box, and labelled ticks across both log
    // axes (at least two powers of their base inside), also for the narrow range of a 2-input layer.
    w.showView("degrees");
    for (int layer : {0, 1})
        for (bool ccdf : {true, false, true}) {
            w.degreeView()->setLayer(layer);
            w.degreeView()->setCcdf(ccdf);
            QCoreApplication::processEvents();
            QVERIFY(w.degreeView()->legendShows("epoch 0"));
            QVERIFY(w.degreeView()->legendShows("epoch 3"));
            QVERIFY2(w.degreeView()->labelledTicks(true) >= 2, qPrintable(w.degreeView()->caption()));
            QVERIFY2(w.degreeView()->labelledTicks(false) >= 2, qPrintable(w.degreeView()->caption()));
            // ... without stretching the axes far past the points (a decade each way would do it).
            QVERIFY2(w.degreeView()->axisSlack(true) <= 3 && w.degreeView()->axisSlack(false) <= 3,
                     qPrintable(QString::number(w.degreeView()->axisSlack(true)) + " " + QString::number(w.degreeView()->axisSlack(false))));
        }
    // Neurons: the caption follows the layer filter; a new sort starts at the top; inputs say how
    // they are ranked.
    w.showView("neurons");
    NeuronTableView* table = w.neuronView();
    QVERIFY2(table->caption().contains(": 132 neurons (all layers)"), qPrintable(table->caption()));
    table->setSetFilter(1);
    QVERIFY2(table->caption().contains(": 64 neurons (hidden 1)"), qPrintable(table->caption()));
    table->table()->scrollToBottom();
    QVERIFY(table->table()->verticalScrollBar()->value() > 0);
    table->table()->sortByColumn(NeuronTableModel::InDegree, Qt::DescendingOrder);
    QCOMPARE(table->table()->verticalScrollBar()->value(), 0);
    table->setSetFilter(0);
    QVERIFY2(table->caption().contains("2 neurons (inputs)") && table->caption().contains("ranked by outgoing strength"),
             qPrintable(table->caption()));
    // Every header fits its column.
    const QHeaderView* header = table->table()->horizontalHeader();
    for (int col = 0; col < NeuronTableModel::ColumnCount; ++col)
        QVERIFY2(header->sectionSize(col) >= header->sectionSizeHint(col), qPrintable(QString::number(col)));
    // The settings panel folds away and the views take its width.
    const int before = w.networkView()->width() + w.neuronView()->width();
    w.setFormVisible(false);
    QCoreApplication::processEvents();
    QVERIFY(!w.formVisible());
    QVERIFY(w.networkView()->width() + w.neuronView()->width() > before);
    w.setFormVisible(true);
    QCoreApplication::processEvents();
    QVERIFY(w.formVisible());
    QVERIFY(w.field("arch")->isVisible());
    // The network view's line says the same of a selected input.
    w.selectNeuron({0, 1});
    QVERIFY2(w.networkView()->infoText().contains("by outgoing strength"), qPrintable(w.networkView()->infoText()));
    w.selectNeuron({1, 3});
    QVERIFY2(w.networkView()->infoText().contains("by importance"), qPrintable(w.networkView()->infoText()));
}

void GuiTest::statusWarnsWhenABusyMachineSlowsEpochs()
{
    const auto epochs = [](std::vector<double> seconds) {
        std::vector<EpochMetrics> m(seconds.size());
        for (std::size_t i = 0; i < seconds.size(); ++i) {
            m[i].epoch = static_cast<int>(i) + 1;
            m[i].epochSeconds = seconds[i];
        }
        return m;
    };
    // Slower epochs and others' threads taking the cores the run wants: warned, with the figures.
    const QString w = MainWindow::loadWarning(2.0, 2, 2, epochs({1.0, 1.1, 1.8}));
    QVERIFY2(w.startsWith("machine busy: ~2.0 threads of other programs runnable on 2 cores") && w.endsWith("1.8x the fastest"),
             qPrintable(w));
    // Not when the machine is busy but the epochs keep their pace, nor when the epochs slow down
    // on an idle machine (a larger network after regrowth, say), nor before there is a pace.
    QVERIFY(MainWindow::loadWarning(2.0, 2, 2, epochs({1.0, 1.1, 1.2})).isEmpty());
    QVERIFY(MainWindow::loadWarning(0.2, 2, 1, epochs({1.0, 2.0})).isEmpty());
    QVERIFY(MainWindow::loadWarning(6.0, 2, 2, epochs({1.0})).isEmpty());
    QVERIFY(!MainWindow::loadWarning(1.5, 4, 3, epochs({1.0, 1.3})).isEmpty());
    // The window: a probe that says the machine is busy, and a run whose status is sampled.
    QTemporaryDir dir;
    MainWindow win;
    win.setInteractive(false);
    int probes = 0;
    win.setLoadProbe([&](int own) {
        ++probes;
        return own >= 2 ? 6 : -1; // the run's thread and the GUI's
    });
    TrainConfig c = tinyConfig(2);
    c.dataset = "synthetic:xor:samples=1000000"; // epochs long enough to be sampled while running
    fillForm(win, c);
    win.setRunDir(dir.filePath("run"));
    QSignalSpy ended(&win, &MainWindow::trainingEnded);
    QVERIFY(win.startTraining());
    QVERIFY(waitFor([&] { return !ended.isEmpty(); }, 60000));
    QVERIFY(probes > 0);
}

void GuiTest::figuresExportAsSvgPdfAndPng()
{
    QTemporaryDir dir;
    MainWindow w;
    w.setInteractive(false);
    w.show();
    Questions asked(w);
    QVERIFY(w.exportFigure("degrees", "svg", dir.path()).isEmpty()); // nothing to export yet
    QVERIFY2(w.lastError().contains("no snapshot"), qPrintable(w.lastError()));
    QVERIFY(trainInWindow(w, tinyConfig(2), dir.filePath("run")));
    const QString out = dir.filePath("figures");
    // SVG: named after the view and epoch, well-formed, vector text and paths inside.
    for (const char* view : {"network", "curves", "degrees", "input", "adjacency", "neurons"}) {
        const QString file = w.exportFigure(view, "svg", out, QSize(900, 600));
        QCOMPARE(file, QDir(out).filePath(QStringLiteral("%1_epoch_2.svg").arg(view)));
        QVERIFY2(w.statusBar()->currentMessage().startsWith("exported " + file), qPrintable(w.statusBar()->currentMessage()));
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(&f);
        int elements = 0;
        QString root;
        while (!xml.atEnd())
            if (xml.readNext() == QXmlStreamReader::StartElement && elements++ == 0)
                root = xml.name().toString();
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QCOMPARE(root, QStringLiteral("svg"));
        QVERIFY2(elements > 20, qPrintable(QString::number(elements)));
    }
    // PDF: a PDF document.
    const QString pdf = w.exportFigure("curves", "pdf", out, QSize(1200, 800), 150);
    QFile p(pdf);
    QVERIFY(p.open(QIODevice::ReadOnly));
    QVERIFY(p.read(5) == "%PDF-");
    QVERIFY(p.size() > 2000);
    // PNG at the size and DPI asked for, without the view's controls.
    const QString png = w.exportFigure("degrees", "png", out, QSize(1500, 900), 300);
    const QImage image(png);
    QCOMPARE(image.size(), QSize(1500, 900));
    QCOMPARE(image.dotsPerMeterX(), 11811);
    // Nothing replaced without asking; no unknown view or format.
    QVERIFY(w.exportFigure("degrees", "png", out, QSize(10, 10)).isEmpty());
    QCOMPARE(asked.size(), std::size_t(1));
    QVERIFY2(w.lastError().contains("exists"), qPrintable(w.lastError()));
    QCOMPARE(QImage(png).size(), QSize(1500, 900));
    QVERIFY(w.exportFigure("pie", "svg", out).isEmpty());
    QVERIFY(w.exportFigure("degrees", "gif", out).isEmpty());
    QVERIFY(QDir(out).entryList({"*.part"}).isEmpty());
}

namespace {

// ffprobe's count of a video's decoded frames and its size, as "frames,width,height".
QString probeVideo(const QString& file)
{
    QProcess probe;
    probe.start(QStringLiteral("ffprobe"), {"-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                                            "stream=nb_read_frames,width,height", "-of", "csv=p=0", file});
    if (!probe.waitForFinished(60000) || probe.exitCode() != 0)
        return QStringLiteral("ffprobe failed: ") + QString::fromLocal8Bit(probe.readAllStandardError());
    // ffprobe prints width,height,frames in the order of the stream's fields.
    const QStringList f = QString::fromLatin1(probe.readAllStandardOutput()).trimmed().split(',');
    return f.size() == 3 ? QStringLiteral("%1,%2,%3").arg(f[2], f[0], f[1]) : f.join(',');
}

} // namespace

void GuiTest::timelineExportsAsVideo()
{
    QVERIFY2(!VideoWriter::findFfmpeg("ffprobe").isEmpty() && !VideoWriter::findFfmpeg("ffmpeg").isEmpty(),
             "ffmpeg and ffprobe are not installed (scripts/setup.sh --tests installs Debian's ffmpeg)");
    QTemporaryDir dir;
    MainWindow w;
    w.resize(1024, 700);
    w.show();
    Questions asked(w);
    QVERIFY(w.exportVideo(dir.filePath("none.mp4")).isEmpty()); // nothing to show yet
    QVERIFY2(w.lastError().contains("no snapshots"), qPrintable(w.lastError()));
    QVERIFY(trainInWindow(w, tinyConfig(3), dir.filePath("run")));
    const int frames = w.timeline()->count();
    QCOMPARE(frames, 4); // epochs 0 to 3
    const int cursor = w.timeline()->cursor();
    // MP4 (H.264) and WebM (VP9) through ffmpeg: one frame per snapshot, at an even size.
    const QSize size = w.timelineFrame().size();
    const QSize even((size.width() + 1) / 2 * 2, (size.height() + 1) / 2 * 2);
    const QString expected = QStringLiteral("%1,%2,%3").arg(frames).arg(even.width()).arg(even.height());
    for (const char* name : {"run.mp4", "run.webm"}) {
        const QString file = w.exportVideo(dir.filePath(name), 5);
        QCOMPARE(file, dir.filePath(name));
        QCOMPARE(probeVideo(file), expected);
        QVERIFY2(w.statusBar()->currentMessage().startsWith(QStringLiteral("video: %1 frames at 5 a second").arg(frames)),
                 qPrintable(w.statusBar()->currentMessage()));
    }
    QCOMPARE(w.timeline()->cursor(), cursor); // the cursor is put back
    // Frames differ over the timeline: the views follow the cursor (the last frame is the last
    // epoch's, not a copy of the first).
    w.timeline()->setCursor(0);
    QApplication::processEvents();
    const QImage first = w.timelineFrame();
    w.timeline()->setCursor(frames - 1);
    QApplication::processEvents();
    QVERIFY(first != w.timelineFrame());
    // Without ffmpeg: an animated GIF beside the asked name, with every frame, and said so.
    w.setFfmpegProgram(dir.filePath("no-such-ffmpeg"));
    const QString gif = w.exportVideo(dir.filePath("fallback.mp4"), 2);
    QCOMPARE(gif, dir.filePath("fallback.gif"));
    QVERIFY(!QFileInfo::exists(dir.filePath("fallback.mp4")));
    QVERIFY2(w.statusBar()->currentMessage().contains("ffmpeg not found: an animated GIF instead of MP4"),
             qPrintable(w.statusBar()->currentMessage()));
    QImageReader reader(gif);
    QCOMPARE(reader.imageCount(), frames);
    QCOMPARE(reader.size(), even);
    QCOMPARE(probeVideo(gif), expected);
    // The frames follow the cursor: the first and the last differ.
    const QImage firstFrame = reader.read();
    QImage lastFrame;
    while (reader.canRead())
        lastFrame = reader.read();
    QVERIFY(!firstFrame.isNull() && !lastFrame.isNull());
    QVERIFY(firstFrame.convertToFormat(QImage::Format_RGB32) != lastFrame.convertToFormat(QImage::Format_RGB32));
    QVERIFY(QFileInfo(gif).permissions() & QFileDevice::ReadOther); // not owner-only, as giflib would make it
    // Nothing replaced without asking; asked and yes: replaced.
    QVERIFY(asked.empty());
    const auto before = QFileInfo(gif).lastModified();
    QVERIFY(w.exportVideo(gif).isEmpty());
    QCOMPARE(asked.size(), std::size_t(1));
    QVERIFY2(w.lastError().contains("exists"), qPrintable(w.lastError()));
    QCOMPARE(QFileInfo(gif).lastModified(), before);
    asked.answer = true;
    QCOMPARE(w.exportVideo(gif, 1), gif);
    QCOMPARE(QImageReader(gif).imageCount(), frames);
    // Impossible requests: one clear error each.
    QVERIFY(w.exportVideo(dir.filePath("x.avi")).isEmpty());
    QVERIFY2(w.lastError().contains(".mp4"), qPrintable(w.lastError()));
    QVERIFY(w.exportVideo(dir.filePath("x.mp4"), 0).isEmpty());
    QVERIFY(QDir(dir.path()).entryList({"*.part"}).isEmpty());

    // rewire-gui --open RUN --video FILE: the same from the command line.
    const char* app = std::getenv("REWIRE_GUI_BIN");
    QVERIFY2(app, "REWIRE_GUI_BIN is not set");
    QProcess cli;
    cli.start(QString::fromLocal8Bit(app), {"--open", dir.filePath("run"), "--size", "1024x700", "--video", dir.filePath("cli.mp4"),
                                            "--fps", "3"});
    QVERIFY(cli.waitForFinished(120000));
    const QByteArray out = cli.readAllStandardOutput() + cli.readAllStandardError();
    QVERIFY2(cli.exitCode() == 0, out.constData());
    QVERIFY2(out.contains("video: 4 frames at 3 a second"), out.constData());
    QCOMPARE(probeVideo(dir.filePath("cli.mp4")).section(',', 0, 0), QStringLiteral("4"));
    cli.start(QString::fromLocal8Bit(app), {"--open", dir.filePath("run"), "--video", dir.filePath("cli.mp4")});
    QVERIFY(cli.waitForFinished(120000));
    QCOMPARE(cli.exitCode(), 1); // exists, and no --force
    QVERIFY(cli.readAllStandardError().contains("--force replaces it"));
}

namespace {

// `rewire ARGS...` with the tiny run's settings; true when it exits with 0.
// `rewire ARGS` on a tiny configuration unless `own`: then ARGS as given.
bool runRewire(QStringList args, bool own = false)
{
    if (!own)
        args << "--dataset" << "synthetic:xor:samples=3000" << "--arch" << "2-48-48-2" << "--epsilon" << "4" << "--batch" << "32"
             << "--lr" << "0.05" << "--threads" << "1" << "--activation" << "relu" << "--snapshot-every" << "1";
    QProcess p;
    p.start(rewireBin(), args);
    if (!p.waitForFinished(240000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        qWarning("%s", (p.readAllStandardOutput() + p.readAllStandardError()).constData());
        return false;
    }
    return true;
}

} // namespace

void GuiTest::runsSideBySide()
{
    QTemporaryDir dir;
    const QString a = dir.filePath("alpha"), b = dir.filePath("beta"), cmp = dir.filePath("cmp");
    QVERIFY(runRewire({"train", "--epochs", "3", "--seed", "1", "--out", a}));
    QVERIFY(runRewire({"train", "--epochs", "3", "--seed", "2", "--out", b}));
    QVERIFY(runRewire({"compare", "--methods", "set,accset", "--seeds", "2", "--epochs", "2", "--out", cmp}));
    MainWindow w;
    w.setInteractive(false);
    w.resize(1280, 800);
    w.show();
    w.showView("curves");
    QVERIFY(w.openPath(a));
    QVERIFY(w.addComparedRun(b));
    QApplication::processEvents();
    CurvesView* curves = w.curvesView();
    // Two named runs in every chart; B's test accuracy is its metrics.csv.
    QCOMPARE(curves->runLegend(), QStringList({"alpha", "beta"}));
    QCOMPARE(curves->legendNames(0), QStringList({"test", "train"})); // the shown run's; the runs' legend names the colours
    const std::vector<EpochMetrics> mb = readMetricsCsv(b.toStdString() + "/metrics.csv");
    const QList<QPointF> pb = curves->seriesPoints(0, "beta");
    QCOMPARE(pb.size(), 3);
    for (int e = 0; e < 3; ++e) {
        QCOMPARE(pb[e].x(), double(e + 1));
        QCOMPARE(pb[e].y(), 100.0 * mb[static_cast<std::size_t>(e)].testAccuracy);
    }
    QCOMPARE(curves->seriesPoints(0, "test").size(), 3);
    QVERIFY(w.addComparedRun(b)); // the same folder again: no second copy
    QCOMPARE(w.comparedRuns().size(), std::size_t(1));

    // A vs B at the cursor's epoch: NNSTD and turnover as the analysis computes them, B's degrees overlaid.
    QVERIFY(w.setAgainst("beta"));
    auto check = [&](int epoch) {
        QVERIFY(w.waitForComparison(60000));
        const QString file = QStringLiteral("/snapshots/epoch_%1.rwm").arg(epoch, 4, 10, QChar('0'));
        const NetworkGraph na = loadNetworkOnly((a + file).toStdString()), nb = loadNetworkOnly((b + file).toStdString());
        const TopologyDistance d = topologyDistance(na, nb);
        double common = 0, all = 0;
        for (const LayerTurnover& t : maskTurnover(na, nb)) {
            common += double(t.common);
            all += double(t.common + t.added + t.removed);
        }
        const QString text = w.comparisonText();
        QVERIFY2(text.startsWith(QStringLiteral("alpha vs beta at epoch %1: NNSTD %2 (hidden layers %3) · turnover %4")
                                     .arg(epoch)
                                     .arg(d.mean, 0, 'f', 4)
                                     .arg(d.hiddenMean, 0, 'f', 4)
                                     .arg(1 - common / all, 0, 'f', 4)),
                 qPrintable(text));
        QVERIFY(d.mean > 0.05 && d.mean < 1); // two seeds: different, and not unrelated
        w.showView("degrees");
        QApplication::processEvents();
        QVERIFY2(w.degreeView()->legendShows(QStringLiteral("beta, epoch %1").arg(epoch)), qPrintable(w.degreeView()->caption()));
        QVERIFY(w.degreeView()->legendShows(QStringLiteral("epoch %1").arg(epoch)));
    };
    check(3);
    w.timeline()->setCursor(1); // epoch 1
    check(1);

    // A compare folder: its first run shown, every run beside it, one mean ± sd per method.
    QVERIFY(w.openPath(cmp));
    QCOMPARE(w.comparedRuns().size(), std::size_t(4));
    QCOMPARE(w.runName(), QStringLiteral("accset-seed1"));
    QVERIFY(w.waitForComparison(60000));
    QCOMPARE(w.comparisonText().left(28), QStringLiteral("accset-seed1 vs accset-seed2")); // B: not A itself
    w.showView("curves");
    QApplication::processEvents();
    QCOMPARE(curves->runLegend(), QStringList({"accset-seed1", "accset (2 seeds)", "set (2 seeds)"}));
    const QList<QPointF> mean = curves->seriesPoints(2, "set (2 seeds)");
    QCOMPARE(mean.size(), 2);
    const auto m1 = readMetricsCsv(cmp.toStdString() + "/runs/set-seed1/metrics.csv");
    const auto m2 = readMetricsCsv(cmp.toStdString() + "/runs/set-seed2/metrics.csv");
    QCOMPARE(mean[1].y(), (double(m1[1].connections) + double(m2[1].connections)) / 2);
    const QList<QPointF> acc = curves->seriesPoints(0, "accset (2 seeds)");
    QCOMPARE(acc.size(), 2);

    // Another run opened with the compared runs kept: it is named in the legend and set against B
    // by its own numbers (B has no epoch 3: its latest, epoch 2).
    QVERIFY(w.openPath(a));
    QCOMPARE(curves->runLegend().front(), QStringLiteral("alpha"));
    QVERIFY(w.waitForComparison(60000));
    {
        const NetworkGraph na = loadNetworkOnly((a + "/snapshots/epoch_0003.rwm").toStdString());
        const NetworkGraph nb = loadNetworkOnly((cmp + "/runs/accset-seed2/snapshots/epoch_0002.rwm").toStdString());
        const TopologyDistance d = topologyDistance(na, nb);
        const QString text = w.comparisonText();
        QVERIFY2(text.startsWith(QStringLiteral("alpha vs accset-seed2 at epoch 3 (accset-seed2: epoch 2, its latest by then): NNSTD %1")
                                     .arg(d.mean, 0, 'f', 4)),
                 qPrintable(text));
    }

    // Nothing else is taken for a run; Reset removes them all.
    QVERIFY(!w.addComparedRun(dir.filePath("nothing")));
    QVERIFY2(w.lastError().contains("nothing"), qPrintable(w.lastError()));
    QVERIFY(w.resetTraining());
    QVERIFY(w.comparedRuns().empty());
    QVERIFY(curves->runLegend().isEmpty());
    QVERIFY(curves->seriesPoints(0, "set (2 seeds)").isEmpty());
}

void GuiTest::networkZoomsPansAndFinds()
{
    QTemporaryDir dir;
    TrainConfig c = tinyConfig(1);
    c.arch = "2-3000-3000-2";
    const std::string model = trainModel(c, dir.filePath("big.rwm"));
    MainWindow w;
    w.setInteractive(false);
    w.resize(1024, 700);
    w.show();
    QVERIFY(w.openPath(QString::fromStdString(model)));
    QApplication::processEvents();
    NetworkView* net = w.networkView();
    QWidget* canvas = nullptr;
    for (QWidget* child : net->findChildren<QWidget*>())
        if (child->metaObject()->className() == QStringLiteral("QWidget") && child->width() > 150)
            canvas = child;
    QVERIFY(canvas);
    auto frame = [&] {
        canvas->repaint();
        QApplication::processEvents();
    };
    frame();
    // Zoomed out, 3000 neurons share a few hundred pixel rows: drawn as blocks.
    QCOMPARE(net->zoom(), 1.0);
    QVERIFY2(net->neuronsPerBlock(1) > 3, qPrintable(QString::number(net->neuronsPerBlock(1))));
    QCOMPARE(net->neuronsPerBlock(0), 1.0); // two inputs: dots
    // The title wraps instead of being cut.
    const QFontMetrics fm(canvas->font());
    QVERIFY(net->titleLines().size() >= 2);
    for (const QString& line : net->titleLines())
        QVERIFY2(fm.horizontalAdvance(line) <= canvas->width() - 8, qPrintable(line));
    QVERIFY2(net->titleLines().join(' ').contains(QStringLiteral("%1 edges").arg(groupDigits(w.currentSnapshot()->network->edgeCount()))),
             qPrintable(net->titleLines().join('|')));

    // The wheel zooms around the pointer: the neuron under it stays there.
    const QPointF middle = net->neuronPosition({1, 1500});
    const QPoint at(qRound(middle.x()), qRound(middle.y()) + 40);
    const NeuronRef under = net->neuronAt(at);
    QCOMPARE(under.set, 1);
    const double before = net->neuronPosition(under).y();
    for (int k = 0; k < 20; ++k) {
        QWheelEvent wheel(QPointF(at), canvas->mapToGlobal(QPointF(at)), QPoint(), QPoint(0, 120), Qt::NoButton, Qt::NoModifier,
                          Qt::NoScrollPhase, false);
        QApplication::sendEvent(canvas, &wheel);
    }
    frame();
    QVERIFY2(net->zoom() > 50, qPrintable(QString::number(net->zoom())));
    QCOMPARE(net->neuronAt(at), under); // still under the pointer, now drawn ~86 times apart
    QVERIFY(std::abs(net->neuronPosition(under).y() - at.y()) <= net->zoom() * std::abs(before - at.y()) + 0.5 * (net->neuronPosition({1, under.index + 1}).y() - net->neuronPosition(under).y()));
    QCOMPARE(net->neuronsPerBlock(1), 1.0); // opened up into single neurons
    // The edges drawn are the strongest of those with an end in view, per layer (a budget of 50
    // here, under what is in view).
    net->setEdgeBudget(50);
    frame();
    {
        int over = 0;
        const NetworkGraph& g = *w.currentSnapshot()->network;
        QCOMPARE(net->drawnEdges().size(), std::size_t(g.layerCount()));
        for (int l = 0; l < g.layerCount(); ++l) {
            const SparseLayer& layer = g.layer(l);
            // In view: the neurons that a click on their drawn centre finds (none outside the columns' band).
            std::vector<std::vector<char>> inView(2);
            for (int side = 0; side < 2; ++side)
                for (NeuronIndex i = 0; i < g.architecture()[static_cast<std::size_t>(l + side)]; ++i)
                    inView[static_cast<std::size_t>(side)].push_back(
                        net->neuronAt(net->neuronPosition({l + side, i}).toPoint()) == NeuronRef{l + side, i});
            auto visible = [&](int k, NeuronIndex i) { return inView[static_cast<std::size_t>(k - l)][static_cast<std::size_t>(i)] != 0; };
            std::vector<float> mags;
            for (NeuronIndex j = 0; j < layer.outputs(); ++j)
                for (EdgeIndex e = layer.rowPtr()[j]; e < layer.rowPtr()[j + 1]; ++e)
                    if (visible(l + 1, j) || visible(l, layer.colIdx()[static_cast<std::size_t>(e)]))
                        mags.push_back(std::abs(layer.weights()[static_cast<std::size_t>(e)]));
            std::sort(mags.begin(), mags.end(), std::greater<>());
            const auto expected = std::min<std::size_t>(50, mags.size());
            over += mags.size() > 50;
            QCOMPARE(net->drawnEdges()[static_cast<std::size_t>(l)].count, static_cast<EdgeIndex>(expected));
            if (expected > 0)
                QCOMPARE(net->drawnEdges()[static_cast<std::size_t>(l)].weakest, mags[expected - 1]);
        }
        QVERIFY(over >= 2);
    }
    net->setEdgeBudget(1500);
    frame();
    if (const char* shots = std::getenv("REWIRE_TEST_SHOTS")) // to look at
        net->grab().save(QDir(shots).filePath("network_zoomed.png"));
    // Zoomed, a click lands on the neuron drawn there, and selects it everywhere.
    const NeuronRef target{1, under.index + 2};
    const QPointF p = net->neuronPosition(target);
    QVERIFY(canvas->rect().contains(p.toPoint()));
    QCOMPARE(net->neuronAt(p.toPoint()), target);
    frame();
    QVERIFY(!net->lastFrameReusedBase()); // the zoom changed: drawn again
    const QImage unselected = canvas->grab().toImage();
    QTest::mouseClick(canvas, Qt::LeftButton, {}, p.toPoint());
    QCOMPARE(net->selectedNeuron(), target);
    QCOMPARE(w.neuronView()->selectedNeuron(), target);
    // A click redraws the selection over the frame it keeps: the selected dot is there, and away
    // from its edges nothing changed.
    frame();
    QVERIFY(net->lastFrameReusedBase());
    const QImage selected = canvas->grab().toImage();
    QCOMPARE(selected.pixelColor(p.toPoint()), kSelected);
    QVERIFY(unselected.pixelColor(p.toPoint()) != kSelected);
    // Between the last two columns (no edge of a hidden-1 neuron goes there) the kept frame is the
    // full frame drawn before the click, pixel for pixel.
    const int xa = qRound(net->neuronPosition({2, 0}).x()) + 8, xb = qRound(net->neuronPosition({3, 0}).x()) - 8;
    QVERIFY(xb > xa + 20);
    for (int y = canvas->height() / 4; y < 3 * canvas->height() / 4; y += 3)
        for (int x = xa; x < xb; x += 3)
            QCOMPARE(selected.pixel(x, y), unselected.pixel(x, y));
    // A drag pans (and is no click); a double click fits.
    const double centre = net->centre();
    QTest::mousePress(canvas, Qt::LeftButton, {}, p.toPoint());
    for (int dy = 5; dy <= 60; dy += 5) {
        QMouseEvent move(QEvent::MouseMove, QPointF(p.x(), p.y() + dy), canvas->mapToGlobal(QPointF(p.x(), p.y() + dy)),
                         Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(canvas, &move);
    }
    QTest::mouseRelease(canvas, Qt::LeftButton, {}, QPoint(qRound(p.x()), qRound(p.y()) + 60));
    QVERIFY(net->centre() < centre); // content moved down: the view went up the column
    QCOMPARE(net->selectedNeuron(), target);
    QTest::mouseDClick(canvas, Qt::LeftButton, {}, p.toPoint());
    QCOMPARE(net->zoom(), 1.0);

    // Search: selected, in view, single neurons; impossible ones named.
    QVERIFY(net->findNeuron(QStringLiteral("2:2999")));
    frame();
    QCOMPARE(net->selectedNeuron(), (NeuronRef{2, 2999}));
    QCOMPARE(w.neuronView()->selectedNeuron(), (NeuronRef{2, 2999}));
    const QPointF found = net->neuronPosition({2, 2999});
    QVERIFY(canvas->rect().contains(found.toPoint()));
    QCOMPARE(net->neuronAt(found.toPoint()), (NeuronRef{2, 2999}));
    QCOMPARE(net->neuronsPerBlock(2), 1.0);
    QVERIFY2(net->infoText().contains("hidden 2, neuron 2999"), qPrintable(net->infoText()));
    QVERIFY(net->findNeuron(QStringLiteral(" 1 7 ")));
    QCOMPARE(net->selectedNeuron(), (NeuronRef{1, 7}));
    QVERIFY(!net->findNeuron(QStringLiteral("1:3000")));
    QVERIFY2(net->searchError().contains("0 to 2999"), qPrintable(net->searchError()));
    QVERIFY(!net->findNeuron(QStringLiteral("4:0")));
    QVERIFY2(net->searchError().contains("0 (inputs) to 3"), qPrintable(net->searchError()));
    QVERIFY(!net->findNeuron(QStringLiteral("hidden")));
    QCOMPARE(net->selectedNeuron(), (NeuronRef{1, 7})); // a failed search changes nothing

    // Block density: one colour scale for all layers, its top the densest block's density.
    net->fitView();
    net->setDetail(NetworkView::Detail::Blocks);
    frame();
    const double densest = densestBlock(loadNetworkOnly(model));
    QVERIFY2(densest > 0 && densest <= 1, qPrintable(QString::number(densest)));
    QCOMPARE(net->densityScaleMax(), densest);
    if (const char* shots = std::getenv("REWIRE_TEST_SHOTS"))
        net->grab().save(QDir(shots).filePath("network_blocks.png"));
    // A neuron found in a big network does not outlive it: a network of 48 per layer has no 2999.
    QVERIFY(net->findNeuron(QStringLiteral("2:2999")));
    const std::string small = trainModel(tinyConfig(1), dir.filePath("small.rwm"));
    QVERIFY(w.openPath(QString::fromStdString(small)));
    frame();
    QVERIFY(!net->selectedNeuron().valid());
    QVERIFY(!w.neuronView()->selectedNeuron().valid());
    QVERIFY(net->findNeuron(QStringLiteral("2:47")));
}

// A live run above the sketch threshold: the worker publishes sketches of the trainer's network
// (no copy of its edges): exact neuron figures and block counts, the strongest edges and a
// consistent sample, and turnover and changes estimated on the sample, checked against the run
// folder's snapshot files of the same epochs; the window's views show them and refuse what needs
// every edge.
void GuiTest::liveSketchKeepsAggregatesNotEdges()
{
    QTemporaryDir dir;
    SnapshotChannel channel;
    channel.reset(1);
    TrainingWorker::Options o;
    o.config = tinyConfig(3);
    o.config.arch = "2-300-300-2";
    o.config.snapshotEvery = 1;
    o.runDir = dir.filePath("run").toStdString();
    o.sketchAboveEdges = 0;
    o.sketch.strongest = 50;
    o.sketch.sampleTarget = 200;
    o.sketch.gridCells = 16;
    o.sketch.sortedGridCells = 8;
    {
        TrainingWorker worker(channel, 1, o);
        worker.start();
        QVERIFY(waitFor([&] { return worker.status().state == WorkerState::Finished; }, 60000));
    }
    const std::vector<SnapshotPtr> shots = channel.drainArchived();
    QCOMPARE(shots.size(), std::size_t(4)); // epochs 0 to 3
    const auto run = std::filesystem::path(o.runDir);
    std::shared_ptr<const NetworkGraph> before;
    for (const SnapshotPtr& s : shots) {
        QVERIFY(s->sketch);
        QCOMPARE(s->network.get(), &s->sketch->graph);
        const auto file = run / "snapshots" / ("epoch_000" + std::to_string(s->epoch) + ".rwm");
        const auto full = std::make_shared<const NetworkGraph>(loadNetworkOnly(file));
        QCOMPARE(s->edgeCount(), full->edgeCount());
        // Rates fixed for the run from the first network: 600 edges -> 1/4, 2,400 -> 1/16.
        QCOMPARE(s->sketch->layers[0].shift, 2);
        QCOMPARE(s->sketch->layers[1].shift, 4);
        // The sketch is the one of the whole network, and far smaller.
        SketchOptions same = o.sketch;
        same.shifts = {2, 4, 2};
        const NetworkSketch expected = sketchNetwork(*full, same);
        for (int l = 0; l < full->layerCount(); ++l) {
            const LayerSketch &got = s->sketch->layers[static_cast<std::size_t>(l)], &want = expected.layers[static_cast<std::size_t>(l)];
            QCOMPARE(got.grid, want.grid);
            QCOMPARE(got.sortedGrid, want.sortedGrid);
            QCOMPARE(got.strongestFloor, want.strongestFloor);
            QCOMPARE(s->network->layer(l).edgeCount(), expected.graph.layer(l).edgeCount());
        }
        QVERIFY2(s->network->layer(1).edgeCount() < full->layer(1).edgeCount() / 8,
                 qPrintable(QString::number(s->network->layer(1).edgeCount())));
        QVERIFY(s->memoryBytes() < full->memoryBytes());
        // Neuron figures of the whole network.
        NeuronTable table(*full);
        table.run();
        QCOMPARE(s->neurons.size(), table.rows().size());
        for (std::size_t i = 0; i < s->neurons.size(); ++i) {
            QCOMPARE(s->neurons[i].inDegree, table.rows()[i].inDegree);
            QCOMPARE(s->neurons[i].outDegree, table.rows()[i].outDegree);
            QCOMPARE(s->neurons[i].dead, table.rows()[i].dead);
        }
        // Turnover: the sampled changes are exactly the true changes at sampled positions.
        if (before) {
            QVERIFY(s->hasPrevious);
            std::vector<LayerEdgeChanges> truth;
            const auto exact = maskTurnover(*before, *full, &truth);
            QCOMPARE(s->turnover[1].sampleShift, 4);
            // (epoch 1's network is epoch 0's trained: the first topology step comes after it)
            QVERIFY(s->epoch == 1 ? exact[1].jaccardDistance == 0 : exact[1].jaccardDistance > 0.2);
            QVERIFY2(std::abs(s->turnover[1].jaccardDistance - exact[1].jaccardDistance) < 0.15,
                     qPrintable(QStringLiteral("%1 vs %2").arg(s->turnover[1].jaccardDistance).arg(exact[1].jaccardDistance)));
            std::size_t sampledAdded = 0;
            for (const ChangedEdge& e : truth[1].added)
                sampledAdded += sampledPosition(1, e.from, e.to, 4);
            QCOMPARE(s->changes[1].added.size(), sampledAdded);
            for (const ChangedEdge& e : s->changes[1].added)
                QVERIFY(sampledPosition(1, e.from, e.to, 4));
        }
        before = full;
    }
    QCOMPARE(shots.back()->turnoverHistory.size(), std::size_t(3));

    // In the window: the views draw the sketch; what needs every edge says why it cannot.
    MainWindow w;
    w.setInteractive(false);
    w.resize(1280, 800);
    w.show();
    w.setSketchAboveEdges(0);
    TrainConfig c = tinyConfig(2);
    c.snapshotEvery = 1;
    QVERIFY(trainInWindow(w, c, dir.filePath("live")));
    const SnapshotPtr last = w.currentSnapshot();
    QVERIFY(last && last->sketch);
    QCOMPARE(last->epoch, 2);
    NetworkView* net = w.networkView();
    net->setDetail(NetworkView::Detail::Blocks);
    net->grab();
    QVERIFY2(net->titleLines().join(' ').contains("live sketch"), qPrintable(net->titleLines().join(' ')));
    // 48 neurons a column, grid cells of one neuron: the densities of the whole network.
    const NetworkGraph saved = loadNetworkOnly(std::filesystem::path(dir.filePath("live").toStdString()) / "snapshots" / "epoch_0002.rwm");
    QCOMPARE(net->densityScaleMax(), densestBlock(saved));
    // The degree plot comes from the exact neuron figures.
    std::set<std::int64_t> degrees;
    for (std::int64_t d : degreeSequence(saved.layer(1), Side::In))
        if (d > 0)
            degrees.insert(d);
    QVERIFY(degrees.size() > 2);
    w.showView("degrees");
    w.degreeView()->setLayer(1);
    QApplication::processEvents();
    QCOMPARE(w.degreeView()->pointCount(), static_cast<int>(degrees.size()));
    // A comparison and the analysis export need every edge of the shown network.
    QVERIFY(w.addComparedRun(dir.filePath("run")));
    QVERIFY(w.setAgainst(QStringLiteral("run")));
    QVERIFY2(w.comparisonText().contains("live sketch") && w.comparisonText().contains("open its run folder"),
             qPrintable(w.comparisonText()));
    QVERIFY(!w.exportAnalysis(dir.filePath("analysis")));
    QVERIFY2(w.lastError().contains("rewire analyze"), qPrintable(w.lastError()));
    QVERIFY(!QDir(dir.filePath("analysis")).exists());

    // A run folder opened above the threshold: sketches too, each with its file, from which the
    // comparison and the analysis export take the whole network.
    w.setConfigValue("seed", "2");
    QVERIFY(trainInWindow(w, c, dir.filePath("other")));
    w.clearComparedRuns();
    QVERIFY(w.openPath(dir.filePath("live")));
    const SnapshotPtr opened = w.currentSnapshot();
    QVERIFY(opened && opened->sketch);
    QCOMPARE(QString::fromStdString(opened->file.filename().string()), QStringLiteral("epoch_0002.rwm"));
    QCOMPARE(opened->edgeCount(), saved.edgeCount());
    QVERIFY(w.addComparedRun(dir.filePath("other")));
    QVERIFY(w.setAgainst(QStringLiteral("other")));
    QVERIFY(w.waitForComparison(60000));
    const NetworkGraph other = loadNetworkOnly(std::filesystem::path(dir.filePath("other").toStdString()) / "snapshots" / "epoch_0002.rwm");
    QVERIFY2(w.comparisonText().startsWith(
                 QStringLiteral("live vs other at epoch 2: NNSTD %1").arg(topologyDistance(saved, other).mean, 0, 'f', 4)),
             qPrintable(w.comparisonText()));
    QVERIFY2(w.exportAnalysis(dir.filePath("analysis")), qPrintable(w.lastError()));
    QVERIFY(QFile::exists(dir.filePath("analysis/neurons.csv")));
}

// Cancel stops the running comparison, which is not started again until the cursor or B moves; one
// stopped because the cursor moved on is computed again when the cursor comes back (never shown as
// cancelled). Layers of 4,000 neurons: each comparison takes far longer than the cancel.
void GuiTest::comparisonsCancelAndComeBack()
{
    QTemporaryDir dir;
    const QString a = dir.filePath("alpha"), b = dir.filePath("beta");
    for (const auto& [out, seed] : {std::pair{a, "1"}, std::pair{b, "2"}})
        QVERIFY(runRewire({"train", "--dataset", "synthetic:madelon:features=784,samples=300,classes=10", "--arch",
                           "784-4000-4000-10", "--epsilon", "10", "--epochs", "1", "--seed", seed, "--induced-loss-samples",
                           "0", "--snapshot-every", "1", "--threads", "1", "--out", out},
                          true));
    MainWindow w;
    w.setInteractive(false);
    w.resize(1280, 800);
    w.show();
    QVERIFY(w.openPath(a));
    QVERIFY(w.addComparedRun(b));
    QCOMPARE(w.currentSnapshot()->epoch, 1);
    QVERIFY(w.setAgainst("beta"));
    QVERIFY(w.comparisonPending());
    w.cancelComparison();
    QVERIFY2(w.comparisonText().startsWith("stopping the comparison at epoch 1"), qPrintable(w.comparisonText()));
    QVERIFY(w.waitForComparison(60000));
    const QString cancelled = QStringLiteral("comparison at epoch 1 cancelled: move the cursor or pick run B again to compute it");
    QCOMPARE(w.comparisonText(), cancelled);
    QApplication::processEvents();
    QVERIFY(!w.comparisonPending()); // not started again
    QCOMPARE(w.comparisonText(), cancelled);

    // Epoch 0's comparison is stopped when the cursor moves on, and computed when it comes back.
    w.timeline()->setCursor(0);
    QVERIFY(w.comparisonPending());
    w.timeline()->setCursor(1);
    w.timeline()->setCursor(0);
    QVERIFY(w.waitForComparison(60000));
    QVERIFY2(w.comparisonText().startsWith("alpha vs beta at epoch 0: NNSTD"), qPrintable(w.comparisonText()));
    // Back at the epoch cancelled by hand: computed now.
    w.timeline()->setCursor(1);
    QVERIFY(w.waitForComparison(60000));
    const NetworkGraph na = loadNetworkOnly((a + "/snapshots/epoch_0001.rwm").toStdString());
    const NetworkGraph nb = loadNetworkOnly((b + "/snapshots/epoch_0001.rwm").toStdString());
    NnstdOptions one;
    one.threads = 1;
    QVERIFY2(w.comparisonText().startsWith(
                 QStringLiteral("alpha vs beta at epoch 1: NNSTD %1").arg(topologyDistance(na, nb, one).mean, 0, 'f', 4)),
             qPrintable(w.comparisonText()));
    // A comparison still running when the window closes is stopped, not waited for (the
    // destructor sets its flag; the test ends either way).
    w.timeline()->setCursor(0);
    QVERIFY(w.comparisonPending());
}

QTEST_MAIN(GuiTest)
