#include "gui/main_window.h"

#include "analysis/analyze_report.h"
#include "analysis/sparse_assignment.h"
#include "analysis/topology_distance.h"
#include "analysis/topology_evolution.h"
#include "run/run_folder.h"
#include "core/methods/registry.h"
#include "core/options.h"
#include "core/trainer.h"
#include "core/work_pool.h"
#include "gui/adjacency_view.h"
#include "gui/colormap.h"
#include "gui/curves_view.h"
#include "gui/degree_view.h"
#include "gui/input_map_view.h"
#include "gui/network_view.h"
#include "gui/neuron_table_view.h"
#include "gui/run_browser.h"
#include "gui/timeline_widget.h"
#include "gui/video_writer.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontMetrics>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QSignalBlocker>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSplitter>
#include <QStatusBar>
#include <QSvgGenerator>
#include <QTabBar>
#include <QTabWidget>
#include <QThread>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>

namespace rewire::gui {

namespace {

// What the bar says of a comparison stopped by Cancel.
QString cancelledText(int epoch)
{
    return QObject::tr("comparison at epoch %1 cancelled: move the cursor or pick run B again to compute it").arg(epoch);
}

const char* kFormGroups[][2] = {{"data", "Data"}, {"model", "Model"}, {"method", "Method"},
                                 {"training", "Training"}, {"run", "Run"}};

// The tooltip of an option's field: the flag, its help, range or choices, and the methods that
// read it.
QString fieldTip(const OptionSpec& o)
{
    // What it is, its range, its default, and (a method's own option) which methods read it, each
    // with its paper.
    std::string tip = o.label + " (--" + o.key + "): " + o.help;
    if (const std::string range = optionRange(o); !range.empty() && o.kind != OptionKind::Text)
        tip += "\nrange: " + range;
    if (const std::string d = optionDefault(o); !d.empty())
        tip += "\ndefault: " + d;
    if (const auto users = optionMethods(o); !users.empty()) {
        tip += "\nread by:";
        for (const std::string& m : users)
            tip += "\n  " + m + " (" + findMethod(m).source + ")";
    }
    return QString::fromStdString(tip);
}

std::string jsonText(const Json& j)
{
    if (j.isString())
        return j.asString();
    if (j.isNumber())
        return formatNumber(j.asNumber());
    return j.dump(0);
}

QString epochLabel(const Snapshot& s)
{
    return s.batch ? QStringLiteral("epoch %1 + batch %2/%3").arg(s.epoch).arg(s.batch).arg(s.batchCount)
                   : QStringLiteral("epoch %1").arg(s.epoch);
}

// A quarter of the memory available now, within 256 MiB .. 8 GiB (256 MiB when unknown).
std::size_t defaultTimelineBudget()
{
    const double quarter = availableMemoryBytes() / 4;
    return static_cast<std::size_t>(std::clamp(quarter, 256.0 * (1 << 20), 8.0 * (1 << 30)));
}

} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), m_timelineBudget(defaultTimelineBudget())
{
    qRegisterMetaType<rewire::gui::NeuronRef>();
    qRegisterMetaType<rewire::gui::WorkerState>();
    setWindowTitle(tr("Rewire — sparse networks as graphs"));

    m_network = new NetworkView;
    m_curves = new CurvesView;
    m_degrees = new DegreeView;
    m_inputMap = new InputMapView;
    m_adjacency = new AdjacencyView;
    m_neurons = new NeuronTableView;
    m_tabs = new QTabWidget;
    m_tabs->addTab(m_curves, tr("Curves"));
    m_tabs->addTab(m_degrees, tr("Degrees"));
    m_tabs->addTab(m_inputMap, tr("Input map"));
    m_tabs->addTab(m_adjacency, tr("Adjacency"));
    m_tabs->addTab(m_neurons, tr("Neurons"));

    auto* views = new QSplitter(Qt::Horizontal);
    views->addWidget(m_network);
    views->addWidget(m_tabs);
    views->setStretchFactor(0, 4);
    views->setStretchFactor(1, 5);
    views->setSizes({440, 550});

    auto* formScroll = new QScrollArea;
    formScroll->setWidget(buildForm());
    formScroll->setWidgetResizable(true);
    formScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    formScroll->setMinimumWidth(formScroll->widget()->sizeHint().width() + 18);
    formScroll->setMaximumWidth(formScroll->widget()->sizeHint().width() + 40);

    auto* left = new QWidget;
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->setSpacing(2);
    leftLayout->addWidget(formScroll, 1);
    leftLayout->addWidget(m_buttonBar);
    auto* main = new QSplitter(Qt::Horizontal);
    main->addWidget(left);
    main->addWidget(views);
    main->setStretchFactor(1, 1);
    main->setCollapsible(0, true); // the form folds away (View ▸ Settings panel, F9, or the splitter)
    main->setCollapsible(1, false);
    m_formPanel = left;
    m_splitter = main;
    m_tabs->tabBar()->setUsesScrollButtons(false); // every tab's name in full
    m_tabs->tabBar()->setExpanding(false);

    m_timeline = new TimelineWidget;
    // The comparison bar, shown while other runs are open beside the shown one.
    m_compareBar = new QWidget;
    auto* bar = new QHBoxLayout(m_compareBar);
    bar->setContentsMargins(6, 0, 6, 0);
    bar->addWidget(new QLabel(tr("Compare with")));
    m_against = new QComboBox;
    m_against->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_against->setToolTip(tr("Run B, set against the shown run A at the cursor's epoch: its degree distribution in the "
                             "Degrees view, and here the NNSTD between A and B (Liu et al. 2020) and the turnover of their "
                             "edge sets"));
    bar->addWidget(m_against);
    m_comparisonLabel = new QLabel;
    m_comparisonLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_comparisonLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred); // never widens the window
    m_comparisonLabel->setToolTip(tr("NNSTD: the topology distance of Liu et al. 2020 (0: the same topology up to a "
                                     "relabelling of the hidden neurons; 1: no shared connection), as rewire distance "
                                     "computes it; its mean over all layers and over the hidden ones.\nTurnover: "
                                     "1 − |E_A ∩ E_B| / |E_A ∪ E_B| over the edge sets as they are, without relabelling."));
    bar->addWidget(m_comparisonLabel, 1);
    m_cancelComparison = new QPushButton(tr("Cancel"));
    m_cancelComparison->setToolTip(tr("Stop computing this comparison (it is computed again when the cursor moves "
                                      "or another run B is picked)"));
    m_cancelComparison->hide();
    bar->addWidget(m_cancelComparison);
    connect(m_cancelComparison, &QPushButton::clicked, this, &MainWindow::cancelComparison);
    auto* closeRuns = new QPushButton(tr("Close compared runs"));
    closeRuns->setToolTip(tr("Remove the other runs' curves and the comparison"));
    bar->addWidget(closeRuns);
    connect(closeRuns, &QPushButton::clicked, this, &MainWindow::clearComparedRuns);
    connect(m_against, &QComboBox::currentIndexChanged, this, [this] {
        m_cancelled = {}; // picking B again asks for the comparison again
        updateComparison();
    });
    m_compareBar->hide();
    auto* central = new QWidget;
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(2, 2, 2, 0);
    layout->addWidget(main, 1);
    layout->addWidget(m_compareBar);
    layout->addWidget(m_timeline);
    setCentralWidget(central);

    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("status"));
    statusBar()->addWidget(m_status, 1);
    buildMenus();

    for (SnapshotView* v : snapshotViews())
        connect(v, &SnapshotView::neuronSelected, this, &MainWindow::selectNeuron);
    connect(m_timeline, &TimelineWidget::cursorChanged, this, &MainWindow::setCursor);

    m_timer = new QTimer(this);
    m_timer->setInterval(40);
    connect(m_timer, &QTimer::timeout, this, &MainWindow::poll);
    m_timer->start();
    resize(1280, 800);
    updateControls();
    updateStatus(nullptr);
}

MainWindow::~MainWindow()
{
    // A running comparison is abandoned, not waited for (its future's destructor joins it); the
    // worker's destructor stops and joins its thread.
    if (m_jobStop)
        m_jobStop->store(true);
}

QWidget* MainWindow::buildForm()
{
    auto* panel = new QWidget;
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(4, 2, 4, 2);
    layout->setSpacing(2);
    // One field per option of the options table (core/options.h) that belongs in the form;
    // a method's own options show while that method is chosen.
    for (const auto& [group, title] : kFormGroups) {
        auto* box = new QGroupBox(tr(title));
        auto* form = new QFormLayout(box);
        form->setContentsMargins(6, 2, 6, 2);
        form->setVerticalSpacing(2);
        for (const OptionSpec& o : trainOptions()) {
            if (o.group != group || !o.inForm)
                continue;
            const QString value = QString::fromStdString(optionDefault(o));
            QWidget* w;
            if (!o.choices.empty()) {
                auto* combo = new QComboBox;
                combo->setEditable(o.kind != OptionKind::Choice); // suggestions for free text
                for (const std::string& c : o.choices)
                    combo->addItem(QString::fromStdString(c));
                combo->setCurrentText(value);
                w = combo;
            } else {
                auto* edit = new QLineEdit(value);
                edit->setCursorPosition(0);
                w = edit;
            }
            w->setToolTip(fieldTip(o));
            if (o.kind != OptionKind::Text) // numbers and choices are short; specs such as the
                w->setMaximumWidth(118);      // architecture take the panel's width, shown whole
            form->addRow(QString::fromStdString(o.label), w);
            m_fields[o.key] = w;
            m_labels[o.key] = QString::fromStdString(o.label);
            if (!optionMethods(o).empty())
                m_methodRows.push_back({form, w, optionMethods(o)});
        }
        if (std::string(group) == "run") {
            auto* out = new QLineEdit;
            out->setPlaceholderText(tr("runs/gui-<time>"));
            out->setToolTip(tr("run folder (config.json, metrics.csv, snapshots, model.rwm, summary.json)"));
            out->setMaximumWidth(118);
            form->addRow(tr("run folder"), out);
            m_fields["out"] = out;
            m_labels["out"] = tr("run folder");
            auto* every = new QLineEdit(QStringLiteral("0"));
            every->setToolTip(tr("also publish a view snapshot every K batches (0 = after each epoch only)"));
            every->setMaximumWidth(118);
            form->addRow(tr("view every K batches"), every);
            m_fields["publish-batches"] = every;
            m_labels["publish-batches"] = tr("view every K batches");
        }
        layout->addWidget(box);
    }
    auto* methodBox = qobject_cast<QComboBox*>(m_fields["method"]);
    for (int i = 0; i < methodBox->count(); ++i) // each method in the list with its paper
        for (const MethodSpec& m : methodRegistry())
            if (m.name == methodBox->itemText(i).toStdString())
                methodBox->setItemData(i, QString::fromStdString(m.summary + " (" + m.source + ")"), Qt::ToolTipRole);
    connect(methodBox, &QComboBox::currentTextChanged, this, [this] { showMethodFields(); });
    showMethodFields();
    // The GUI keeps every epoch on the timeline: default to a snapshot per epoch in the run folder.
    static_cast<QLineEdit*>(m_fields["snapshot-every"])->setText(QStringLiteral("1"));
    // Checked as typed.
    for (const auto& [key, w] : m_fields) {
        m_tips[key] = w->toolTip();
        if (auto* edit = qobject_cast<QLineEdit*>(w))
            connect(edit, &QLineEdit::textChanged, this, [this] { validateForm(); });
        else if (auto* combo = qobject_cast<QComboBox*>(w))
            connect(combo, &QComboBox::currentTextChanged, this, [this] { validateForm(); });
    }

    auto* buttons = new QGridLayout;
    m_start = new QPushButton(tr("Start"));
    m_start->setObjectName(QStringLiteral("start"));
    m_pause = new QPushButton(tr("Pause"));
    m_step = new QPushButton(tr("Step"));
    m_stop = new QPushButton(tr("Stop"));
    m_reset = new QPushButton(tr("Reset"));
    m_start->setToolTip(tr("Start training, or resume a paused run"));
    m_pause->setToolTip(tr("Pause at the end of the running epoch"));
    m_step->setToolTip(tr("Train exactly one epoch, then pause"));
    m_stop->setToolTip(tr("End the run after the current batch; the run folder records status \"stopped\""));
    m_reset->setToolTip(tr("Discard the run from the views and unlock the settings"));
    buttons->addWidget(m_start, 0, 0);
    buttons->addWidget(m_pause, 0, 1);
    buttons->addWidget(m_step, 0, 2);
    buttons->addWidget(m_stop, 1, 0);
    buttons->addWidget(m_reset, 1, 1);
    // The buttons stay in view below the form (which scrolls when the window is short).
    m_buttonBar = new QWidget;
    m_buttonBar->setLayout(buttons);
    buttons->setContentsMargins(4, 2, 4, 2);
    layout->addStretch();
    connect(m_start, &QPushButton::clicked, this, [this] { startTraining(); });
    connect(m_pause, &QPushButton::clicked, this, &MainWindow::pauseTraining);
    connect(m_step, &QPushButton::clicked, this, &MainWindow::stepTraining);
    connect(m_stop, &QPushButton::clicked, this, &MainWindow::stopTraining);
    connect(m_reset, &QPushButton::clicked, this, &MainWindow::resetTraining);
    validateForm();

    // lr and zeta reach a running worker between epochs.
    for (const char* key : {"lr", "zeta"}) {
        auto* edit = static_cast<QLineEdit*>(m_fields[key]);
        connect(edit, &QLineEdit::editingFinished, this, [this, key, edit] {
            if (!m_worker || !m_worker->active())
                return;
            try {
                TrainConfig probe;
                probe.set(key, edit->text().toStdString());
                probe.validate();
                if (std::string(key) == "lr")
                    m_worker->setLearningRate(probe.lr);
                else
                    m_worker->setZeta(probe.zeta);
                statusBar()->showMessage(tr("%1 = %2 from the next epoch on").arg(key, edit->text()), 4000);
            } catch (const ConfigError& e) {
                fail(QString::fromStdString(e.what()));
            }
        });
    }
    return panel;
}

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    // Each file action asks for a path (a file to save or open, or a folder) and hands it over.
    enum class Ask { Save, Open, Folder };
    auto action = [this, file](const QString& label, Ask ask, const QString& title, const QString& name,
                               const QString& filter, std::function<void(const QString&)> use) {
        return file->addAction(label, this, [=, this] {
            const QString path = ask == Ask::Folder ? QFileDialog::getExistingDirectory(this, title, name)
                                 : ask == Ask::Open ? QFileDialog::getOpenFileName(this, title, name, filter)
                                                    : QFileDialog::getSaveFileName(this, title, name, filter);
            if (!path.isEmpty())
                use(path);
        });
    };
    const QString png = tr("PNG (*.png)");
    action(tr("&Open run folder…"), Ask::Folder, tr("Open a run folder"), QStringLiteral("runs"), {},
           [this](const QString& p) { openPath(p); })
        ->setShortcut(QKeySequence::Open);
    action(tr("Open &model…"), Ask::Open, tr("Open a model"), {}, tr("Rewire models (*.rwm)"),
           [this](const QString& p) { openPath(p); });
    action(tr("&Add run to compare…"), Ask::Folder, tr("A run folder or a rewire compare folder"), QStringLiteral("runs"), {},
           [this](const QString& p) { addComparedRun(p); });
    file->addAction(tr("Close compared runs"), this, &MainWindow::clearComparedRuns);
    file->addSeparator();
    action(tr("Export &metrics CSV…"), Ask::Save, tr("Export metrics"), QStringLiteral("metrics.csv"), tr("CSV (*.csv)"),
           [this](const QString& p) { exportMetricsCsv(p); });
    action(tr("Export &analysis of this snapshot…"), Ask::Folder, tr("Folder for the analysis CSVs"), {}, {},
           [this](const QString& p) { exportAnalysis(p); });
    action(tr("Export current &view as PNG…"), Ask::Save, tr("Export view"), QStringLiteral("view.png"), png,
           [this](const QString& p) { exportViewPng(m_tabs->currentWidget(), p); });
    action(tr("Export network view as PNG…"), Ask::Save, tr("Export view"), QStringLiteral("network.png"), png,
           [this](const QString& p) { exportViewPng(m_network, p); });
    for (const char* format : {"svg", "pdf", "png"})
        action(tr("Export current view as %1…").arg(QString::fromLatin1(format).toUpper()), Ask::Folder,
               tr("Folder for <view>_epoch_<N>.%1").arg(QString::fromLatin1(format)), {}, {}, [this, format](const QString& p) {
                   const int tab = m_tabs->currentIndex();
                   const char* names[] = {"curves", "degrees", "input", "adjacency", "neurons"};
                   // PNG at twice the size shown and 192 dpi: sharp on paper and on high-density screens.
                   const QString name = QString::fromLatin1(names[tab]);
                   SnapshotView* v = qobject_cast<SnapshotView*>(m_tabs->currentWidget());
                   const bool raster = std::string(format) == "png";
                   if (exportFigure(name, QString::fromLatin1(format), p, raster ? v->figureSize() * 2 : QSize(),
                                    raster ? 192 : 96)
                           .isEmpty() &&
                       !m_lastError.isEmpty())
                       fail(m_lastError);
               });
    action(tr("Export network view as SVG…"), Ask::Folder, tr("Folder for network_epoch_<N>.svg"), {}, {},
           [this](const QString& p) {
               if (exportFigure(QStringLiteral("network"), QStringLiteral("svg"), p).isEmpty() && !m_lastError.isEmpty())
                   fail(m_lastError);
           });
    action(tr("Export &timeline frames…"), Ask::Folder, tr("Folder for frame_NNNN.png"), {}, {},
           [this](const QString& p) { exportTimelineFrames(p); });
    action(tr("Export timeline as &video…"), Ask::Save, tr("Export the timeline as a video"), QStringLiteral("timeline.mp4"),
           tr("Videos (*.mp4 *.webm *.gif)"), [this](const QString& p) {
               if (exportVideo(p).isEmpty() && !m_lastError.isEmpty() && !m_lastError.startsWith(tr("no video written: %1 exists").arg(p)))
                   fail(m_lastError);
           });
    action(tr("Save window &screenshot…"), Ask::Save, tr("Screenshot"), QStringLiteral("rewire.png"), png,
           [this](const QString& p) { saveScreenshot(p); });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    const char* names[] = {"curves", "degrees", "input", "adjacency", "neurons"};
    for (int i = 0; i < m_tabs->count(); ++i)
        view->addAction(m_tabs->tabText(i), QKeySequence(QStringLiteral("Ctrl+%1").arg(i + 1)), this,
                        [this, n = QString(names[i])] { showView(n); });
    view->addSeparator();
    QAction* form = view->addAction(tr("Settings panel"), QKeySequence(Qt::Key_F9), this,
                                    [this] { setFormVisible(!formVisible()); });
    form->setToolTip(tr("Show or fold away the form and its buttons"));
}

void MainWindow::setFormVisible(bool visible)
{
    QList<int> sizes = m_splitter->sizes();
    const int total = sizes[0] + sizes[1];
    sizes[0] = visible ? m_formPanel->minimumSizeHint().width() : 0;
    sizes[1] = total - sizes[0];
    m_formPanel->setVisible(visible);
    m_splitter->setSizes(sizes);
}

bool MainWindow::formVisible() const { return m_formPanel->isVisible() && m_splitter->sizes()[0] > 0; }

std::vector<SnapshotView*> MainWindow::snapshotViews() const
{
    return {m_network, m_curves, m_degrees, m_inputMap, m_adjacency, m_neurons};
}

std::vector<std::pair<QString, QWidget*>> MainWindow::views() const
{
    return {{"network", m_network}, {"curves", m_curves},       {"degrees", m_degrees},  {"input", m_inputMap},
            {"adjacency", m_adjacency}, {"neurons", m_neurons}, {"timeline", m_timeline}};
}

void MainWindow::showView(const QString& name)
{
    for (int i = 0; i < m_tabs->count(); ++i)
        for (const auto& [n, w] : views())
            if (n == name && m_tabs->widget(i) == w)
                m_tabs->setCurrentIndex(i);
}

void MainWindow::showMethodFields()
{
    const std::string method = fieldText("method").toStdString();
    // The method's field says what the chosen method is and where it comes from.
    if (auto* box = qobject_cast<QComboBox*>(m_fields["method"])) {
        QString tip = fieldTip(*findOption("method"));
        for (const MethodSpec& m : methodRegistry())
            if (m.name == method)
                tip = QString::fromStdString(m.name + ": " + m.summary + "\npaper: " + m.source + "\n\n") + tip;
        m_tips["method"] = tip;
        if (m_badField != "method")
            box->setToolTip(tip);
    }
    for (const MethodRow& r : m_methodRows)
        r.form->setRowVisible(r.field, std::find(r.methods.begin(), r.methods.end(), method) != r.methods.end());
}

QString MainWindow::fieldText(const std::string& key) const
{
    const QWidget* w = m_fields.at(key);
    if (const auto* combo = qobject_cast<const QComboBox*>(w))
        return combo->currentText().trimmed();
    return static_cast<const QLineEdit*>(w)->text().trimmed();
}

void MainWindow::setConfigValue(const std::string& key, const std::string& value)
{
    const auto it = m_fields.find(key);
    if (it == m_fields.end()) {
        // Keys without a field (test-dataset, ...) still go through TrainConfig's checks.
        TrainConfig probe;
        probe.set(key, value);
        m_extra[key] = value;
        return;
    }
    if (auto* combo = qobject_cast<QComboBox*>(it->second))
        combo->setCurrentText(QString::fromStdString(value));
    else {
        auto* edit = static_cast<QLineEdit*>(it->second);
        edit->setText(QString::fromStdString(value));
        edit->setCursorPosition(0); // long values (architectures) show their start
    }
}

QString MainWindow::withLabels(const QString& message) const
{
    static const QRegularExpression flag(QStringLiteral("--([a-z0-9]+(-[a-z0-9]+)*)"));
    QString out;
    qsizetype at = 0;
    for (auto it = flag.globalMatch(message); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        const auto label = m_labels.find(m.captured(1).toStdString());
        out += message.mid(at, m.capturedStart() - at);
        out += label != m_labels.end() ? label->second : m.captured(0);
        at = m.capturedEnd();
    }
    return out + message.mid(at);
}

void MainWindow::validateForm()
{
    if (!m_start)
        return; // still building the form
    std::string bad;
    QString problem;
    TrainConfig config;
    try {
        for (const auto& [key, value] : m_extra)
            config.set(key, value);
        for (const auto& [key, widget] : m_fields) {
            if (key == "out")
                continue;
            bad = key;
            if (key == "publish-batches") {
                bool ok = false;
                if (fieldText(key).toInt(&ok) < 0 || !ok)
                    throw ConfigError("--publish-batches \"" + fieldText(key).toStdString() + "\": expected a whole number >= 0");
            } else {
                config.set(key, fieldText(key).toStdString());
            }
        }
        bad.clear();
        config.validate();
    } catch (const ConfigError& e) {
        problem = QString::fromStdString(e.what());
        if (bad.empty()) { // a rule across fields: mark the first field it names
            static const QRegularExpression flag(QStringLiteral("--([a-z0-9]+(-[a-z0-9]+)*)"));
            const QRegularExpressionMatch m = flag.match(problem);
            if (m.hasMatch() && m_fields.count(m.captured(1).toStdString()))
                bad = m.captured(1).toStdString();
        }
        problem = withLabels(problem);
    }
    m_badField = bad;
    if (!problem.isEmpty()) // in the status line too, until mended
        statusBar()->showMessage(problem);
    else if (!m_formProblem.isEmpty() && statusBar()->currentMessage() == m_formProblem)
        statusBar()->clearMessage();
    m_formProblem = problem;
    for (const auto& [key, w] : m_fields) {
        const bool marked = !bad.empty() && key == bad;
        w->setProperty("invalid", marked);
        w->setStyleSheet(marked ? QStringLiteral("%1 { border: 2px solid #c62828; }").arg(QString::fromLatin1(w->metaObject()->className()))
                                : QString());
        w->setToolTip(marked ? problem + QStringLiteral("\n\n") + m_tips[key] : m_tips[key]);
    }
    updateControls();
}

TrainConfig MainWindow::configFromForm() const
{
    TrainConfig config;
    for (const auto& [key, value] : m_extra)
        config.set(key, value);
    for (const auto& [key, widget] : m_fields)
        if (key != "out" && key != "publish-batches")
            config.set(key, fieldText(key).toStdString());
    config.validate();
    return config;
}

void MainWindow::setRunDir(const QString& dir) { static_cast<QLineEdit*>(m_fields["out"])->setText(dir); }

void MainWindow::fail(const QString& message)
{
    m_lastError = message;
    statusBar()->showMessage(message, 15000);
    if (m_interactive)
        QMessageBox::warning(this, tr("Rewire"), message);
    else
        std::fprintf(stderr, "rewire-gui: %s\n", message.toLocal8Bit().constData());
}

bool MainWindow::confirm(const QString& question)
{
    m_lastQuestion = question;
    if (m_confirmer)
        return m_confirmer(question);
    if (!m_interactive)
        return true;
    return QMessageBox::question(this, tr("Rewire"), question) == QMessageBox::Yes;
}

QString MainWindow::statusText() const { return m_status->text(); }

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (m_worker && m_worker->active() &&
        !confirm(tr("Training is running. Stop it and quit? The run folder keeps the epochs already written."))) {
        event->ignore();
        return;
    }
    clearRun(); // stops the worker after its current batch
    event->accept();
}

bool MainWindow::startTraining(bool paused)
{
    if (m_worker && m_worker->active()) {
        m_worker->resume();
        updateControls();
        return true;
    }
    if (!m_browsing.isEmpty() && !confirm(tr("Start a new run? The views of %1 will be cleared.").arg(m_browsing)))
        return false;
    // A Start that fails leaves every view empty, with only its error in the status line.
    const auto refuse = [this](const QString& message) {
        clearRun();
        updateControls();
        updateStatus(nullptr);
        fail(message);
        return false;
    };
    TrainingWorker::Options options;
    int publishBatches = 0;
    try {
        options.config = configFromForm();
        bool ok = false;
        publishBatches = fieldText("publish-batches").toInt(&ok);
        if (!ok || publishBatches < 0)
            throw ConfigError("update every K batches \"" + fieldText("publish-batches").toStdString() +
                              "\": expected a whole number >= 0");
    } catch (const ConfigError& e) {
        return refuse(withLabels(QString::fromStdString(e.what())));
    }
    const QString out = fieldText("out");
    options.runDir = out.isEmpty() ? std::filesystem::path(defaultRunDir("gui")) : std::filesystem::path(out.toStdString());
    try {
        RunWriter::check(options.runDir, m_force);
    } catch (const std::invalid_argument& e) {
        const QString what = tr("run folder %1").arg(QString::fromStdString(e.what()));
        const bool holdsRun = std::filesystem::is_directory(options.runDir);
        if (!m_interactive || !holdsRun ||
            QMessageBox::question(this, tr("Rewire"), what + tr("\n\nOverwrite that run?")) != QMessageBox::Yes)
            return refuse(what);
    }
    options.force = true; // checked above
    options.publishEveryBatches = publishBatches;
    options.sketchAboveEdges = m_sketchAbove;
    m_totalEpochs = options.config.epochs;
    m_runThreads = std::max(1, options.config.threads > 0 ? options.config.threads : onlineCores());
    m_busyElsewhere = 0;
    options.startPaused = paused;

    clearRun();
    m_curves->setEmptyText(tr("waiting for the first epoch"));
    m_runDir = QString::fromStdString(options.runDir.string());
    m_worker = std::make_unique<TrainingWorker>(m_channel, m_generation, std::move(options));
    m_worker->start();
    m_lastState = WorkerState::Loading;
    updateControls();
    return true;
}

void MainWindow::pauseTraining()
{
    if (m_worker)
        m_worker->pause();
    updateControls();
}

void MainWindow::stepTraining()
{
    if (!m_worker || !m_worker->active()) {
        if (!startTraining(true))
            return;
    }
    m_worker->step();
    updateControls();
}

void MainWindow::stopTraining()
{
    if (m_worker)
        m_worker->requestStop();
    updateControls();
}

void MainWindow::clearRun()
{
    m_worker.reset(); // a running worker stops after its current batch and is joined
    m_channel.reset(++m_generation);
    m_thinned = 0;
    m_history.clear();
    m_refreshMs.clear();
    m_cursor = -1;
    m_shown.reset();
    m_browsing.clear();
    m_runDir.clear();
    m_lastState = WorkerState::Idle;
    ++m_comparisonGeneration; // the shown run changes
    m_comparison = {};
    m_read.clear(); // (a whole network of its own, read for a comparison, can be a GiB)
    m_timeline->setEpochs({});
    m_timeline->setFollowLive(true);
    m_lastError.clear();
    statusBar()->clearMessage(); // an earlier error
    m_curves->setHistory(nullptr, false);
    m_curves->setEmptyText(QString());
    for (SnapshotView* v : snapshotViews())
        v->setSnapshot(nullptr, nullptr);
}

void MainWindow::setTimelineBudget(std::size_t bytes)
{
    m_timelineBudget = bytes;
    if (!m_history.empty()) {
        thinHistory();
        historyChanged();
    }
}

int MainWindow::heldIndex() const
{
    if (m_timeline->followLive() || !m_shown)
        return -1;
    const auto it = std::find(m_history.begin(), m_history.end(), m_shown);
    return it == m_history.end() ? -1 : static_cast<int>(it - m_history.begin());
}

void MainWindow::thinHistory()
{
    int keep = heldIndex();
    m_thinned += thinSnapshots(m_history, m_timelineBudget, keep >= 0 ? &keep : nullptr);
}

void MainWindow::historyChanged()
{
    std::vector<QString> labels;
    labels.reserve(m_history.size());
    for (const SnapshotPtr& s : m_history)
        labels.push_back(epochLabel(*s));
    m_timeline->setEpochs(labels); // moves the cursor (and the views) when following live
    // Keep showing the same snapshot when earlier ones were dropped (thinHistory).
    if (const int held = heldIndex(); held >= 0 && held != m_timeline->cursor())
        m_timeline->setCursor(held);
    const int c = m_timeline->cursor();
    if (m_history[static_cast<std::size_t>(c)] != m_shown)
        setCursor(c); // e.g. a mid-epoch snapshot replaced at the same position
    else if (m_history.back() != m_shown)
        m_curves->setHistory(m_history.back()); // the cursor stays behind: only the curves grow
}

bool MainWindow::resetTraining()
{
    if (m_worker && m_worker->active() &&
        !confirm(tr("Stop the training and clear every view? The run folder keeps the epochs already written.")))
        return false;
    clearRun();
    clearComparedRuns();
    updateControls();
    updateStatus(nullptr);
    return true;
}

bool MainWindow::openPath(const QString& path)
{
    if (isCompareFolder(path.toStdString())) { // its first run, with every run beside it
        std::vector<ComparedRun> runs;
        try {
            runs = loadComparedRuns(path.toStdString());
        } catch (const std::exception& e) {
            fail(QString::fromStdString(e.what()));
            return false;
        }
        if (!openPath(QString::fromStdString(runs.front().dir.string())))
            return false;
        clearComparedRuns();
        return addComparedRun(path);
    }
    if (m_worker && m_worker->active()) {
        if (!confirm(tr("Stop the training and open %1? The run folder keeps the epochs already written.").arg(path))) {
            m_lastError = tr("not opened: training goes on");
            return false;
        }
        clearRun(); // stops the worker after its current batch
        updateControls();
    }
    LoadedRun run;
    QApplication::setOverrideCursor(Qt::WaitCursor);
    try {
        run = loadRun(
            path.toStdString(), m_generation + 1,
            [this](int done, int total) {
                statusBar()->showMessage(tr("loading snapshot %1 of %2…").arg(done).arg(total));
                QApplication::processEvents(QEventLoop::ExcludeUserInputEvents);
            },
            m_timelineBudget, m_sketchAbove);
    } catch (const std::exception& e) {
        QApplication::restoreOverrideCursor();
        fail(QString::fromStdString(e.what()));
        return false;
    }
    QApplication::restoreOverrideCursor();
    clearRun(); // loadRun numbered the snapshots with this generation
    m_history = run.snapshots;
    m_thinned = run.thinned;
    m_browsing = QString::fromStdString(run.description);
    if (!run.configJson.empty()) { // show the run's settings in the form
        const Json config = Json::parse(run.configJson);
        for (const auto& [key, widget] : m_fields)
            if (const Json* v = config.find(key))
                setConfigValue(key, jsonText(*v));
    }
    m_runDir = QString::fromStdString(run.runDir.string());
    historyChanged();
    if (!m_compared.empty())
        updateOverlays(); // the shown run's name in the legend, and B against it
    updateControls();
    updateStatus(nullptr);
    statusBar()->showMessage(tr("opened %1: %2 snapshots").arg(path).arg(m_history.size()), 5000);
    return true;
}

QString MainWindow::runName() const
{
    if (!m_runDir.isEmpty())
        return QFileInfo(QDir::cleanPath(m_runDir)).fileName();
    if (!m_browsing.isEmpty())
        return QFileInfo(m_browsing).fileName();
    return m_history.empty() ? QString() : tr("live run");
}

bool MainWindow::addComparedRun(const QString& path)
{
    std::vector<ComparedRun> runs;
    try {
        runs = loadComparedRuns(QDir::cleanPath(path).toStdString());
    } catch (const std::exception& e) {
        m_lastError = QString::fromStdString(e.what());
        fail(m_lastError);
        return false;
    }
    int added = 0;
    for (ComparedRun& r : runs) {
        const bool known = std::any_of(m_compared.begin(), m_compared.end(), [&](const ComparedRun& c) {
            return std::filesystem::weakly_canonical(c.dir) == std::filesystem::weakly_canonical(r.dir);
        });
        if (known)
            continue;
        // Names stay unique: a second "run" becomes "run (2)".
        std::string name = r.name;
        for (int k = 2; std::any_of(m_compared.begin(), m_compared.end(), [&](const ComparedRun& c) { return c.name == name; }); ++k)
            name = r.name + " (" + std::to_string(k) + ")";
        if (name != r.name && r.group == r.name)
            r.group = name;
        r.name = name;
        m_compared.push_back(std::move(r));
        ++added;
    }
    ++m_comparisonGeneration;
    updateOverlays();
    statusBar()->showMessage(tr("%1 run(s) added from %2; %3 beside the shown run").arg(added).arg(path).arg(m_compared.size()), 8000);
    return true;
}

void MainWindow::clearComparedRuns()
{
    m_compared.clear();
    m_read.clear();
    ++m_comparisonGeneration; // a pending result is for runs no longer listed
    m_comparison = {};
    m_degrees->setAgainst(nullptr, {});
    updateOverlays();
}

void MainWindow::updateOverlays()
{
    // One curve per group (a compare folder's method over its seeds; else the run), in order.
    std::vector<RunCurves> curves;
    for (const ComparedRun& r : m_compared) {
        const QString group = QString::fromStdString(r.group);
        auto it = std::find_if(curves.begin(), curves.end(), [&](const RunCurves& c) { return c.name == group; });
        if (it == curves.end()) {
            curves.push_back({group, {}});
            it = curves.end() - 1;
        }
        it->seeds.push_back(r.metrics);
    }
    m_curves->setOverlays(runName().isEmpty() ? tr("this run") : runName(), std::move(curves));
    const QString chosen = m_against->currentText();
    {
        const QSignalBlocker block(m_against);
        m_against->clear();
        m_against->addItem(tr("— no run —"));
        for (const ComparedRun& r : m_compared)
            m_against->addItem(QString::fromStdString(r.name));
        // B: the one chosen before, else the first run that is not the shown one.
        int pick = m_against->findText(chosen);
        for (std::size_t r = 0; pick <= 0 && r < m_compared.size(); ++r)
            if (m_runDir.isEmpty() || std::filesystem::weakly_canonical(m_compared[r].dir) !=
                                          std::filesystem::weakly_canonical(m_runDir.toStdString()))
                pick = static_cast<int>(r) + 1;
        m_against->setCurrentIndex(std::max(pick, 0));
    }
    m_compareBar->setVisible(!m_compared.empty());
    updateComparison();
}

bool MainWindow::setAgainst(const QString& name)
{
    const int index = name.isEmpty() ? 0 : m_against->findText(name);
    if (index < 0) {
        m_lastError = tr("no compared run named %1").arg(name);
        return false;
    }
    m_against->setCurrentIndex(index);
    updateComparison();
    return true;
}

void MainWindow::updateComparison()
{
    const int run = m_against->currentIndex() - 1;
    const SnapshotPtr a = currentSnapshot();
    if (m_cancelled.run >= 0 && (m_cancelled.run != run || m_cancelled.a.lock() != a))
        m_cancelled = {}; // the cursor or B moved: a cancelled comparison is computed when asked again
    // A running job for another comparison than the one wanted now is abandoned; pollComparison()
    // starts the wanted one when it has ended.
    const auto stopUnwanted = [&](bool wanted) {
        if (m_job.valid() && !wanted && m_jobStop)
            m_jobStop->store(true);
    };
    if (run < 0 || run >= static_cast<int>(m_compared.size()) || !a || !a->network) {
        stopUnwanted(false);
        m_comparison = {};
        m_degrees->setAgainst(nullptr, {});
        m_comparisonLabel->setText(m_compared.empty() ? QString() : tr("pick a run B to set against %1").arg(runName()));
        m_cancelComparison->setVisible(m_job.valid());
        return;
    }
    if (m_comparison.generation == m_comparisonGeneration && m_comparison.run == run && m_comparison.a.lock() == a &&
        !m_job.valid()) {
        showComparison();
        return;
    }
    const bool cancelled = m_cancelled.run == run && m_cancelled.generation == m_comparisonGeneration &&
                           !m_cancelled.a.expired() && m_cancelled.a.lock() == a;
    if (m_job.valid()) { // one at a time
        stopUnwanted(!cancelled && m_jobKey.first == run && m_jobGeneration == m_comparisonGeneration && m_jobA.lock() == a);
        showComparison();
        return;
    }
    const auto refuse = [&](const QString& why) {
        m_comparison = {};
        m_comparison.generation = m_comparisonGeneration;
        m_comparison.run = run;
        m_comparison.a = a;
        m_comparison.epoch = a->epoch;
        m_comparison.runName = QString::fromStdString(m_compared[static_cast<std::size_t>(run)].name);
        m_comparison.error = why;
        m_degrees->setAgainst(nullptr, {});
        showComparison();
    };
    if (cancelled)
        return refuse(cancelledText(a->epoch));
    if (a->sketch && a->file.empty()) // the distance needs every edge of A, which a live sketch does not keep
        return refuse(tr("%1 at epoch %2 is a live sketch (too many edges to copy every epoch): open its run folder "
                         "to set it against %3")
                          .arg(runName())
                          .arg(a->epoch)
                          .arg(QString::fromStdString(m_compared[static_cast<std::size_t>(run)].name)));
    m_jobKey = {run, a->epoch};
    m_jobA = a;
    m_jobGeneration = m_comparisonGeneration;
    m_jobStop = std::make_shared<std::atomic<bool>>(false);
    const ComparedRun& b = m_compared[static_cast<std::size_t>(run)];
    int epochB = -1;
    const std::filesystem::path file = comparedNetworkFile(b, a->epoch, &epochB);
    // Networks are read once while the cursor moves over epochs that map to the same files.
    std::shared_ptr<const NetworkGraph> loaded = m_read.find(file);
    std::shared_ptr<const NetworkGraph> loadedA = a->sketch ? m_read.find(a->file) : nullptr;
    m_job = std::async(std::launch::async, [name = b.name, file, epochB, loaded, loadedA, run, a,
                                            generation = m_comparisonGeneration, stop = m_jobStop] {
        Comparison c;
        c.generation = generation;
        c.run = run;
        c.a = a;
        c.epoch = a->epoch;
        c.batch = a->batch;
        c.runName = QString::fromStdString(name);
        c.file = file;
        c.epochB = epochB;
        try {
            if (file.empty()) {
                c.error = QObject::tr("%1 has no network at or before epoch %2").arg(c.runName).arg(a->epoch);
                return c;
            }
            c.network = loaded ? loaded : std::make_shared<const NetworkGraph>(loadNetworkOnly(file));
            throwIfStopped(stop.get());
            // A sketch's whole network from its file (a live one was refused above).
            if (a->sketch && loadedA)
                checkSnapshotNetwork(*a, *loadedA); // (kept from an earlier comparison, perhaps as a B)
            if (a->sketch)
                c.wholeA = loadedA ? loadedA : std::make_shared<const NetworkGraph>(loadSnapshotNetwork(*a));
            const std::shared_ptr<const NetworkGraph> whole = a->sketch ? c.wholeA : a->network;
            throwIfStopped(stop.get());
            if (c.network->architecture() != whole->architecture()) {
                c.error = QObject::tr("%1 has another architecture").arg(c.runName);
                c.network.reset(); // nothing of it is shown
                return c;
            }
            NnstdOptions options;
            options.threads = 1; // beside a live run, one core
            options.stop = stop.get();
            const TopologyDistance d = topologyDistance(*whole, *c.network, options);
            c.nnstd = d.mean;
            c.hiddenNnstd = d.hiddenMean;
            double common = 0, all = 0;
            for (const LayerTurnover& t : maskTurnover(*whole, *c.network)) {
                common += static_cast<double>(t.common);
                all += static_cast<double>(t.common + t.added + t.removed);
            }
            c.turnover = all > 0 ? 1.0 - common / all : 0.0;
        } catch (const AssignmentCancelled&) {
            c.error = cancelledText(a->epoch);
            c.cancelled = true;
            c.network.reset();
        } catch (const std::exception& e) {
            c.error = QString::fromStdString(e.what());
        }
        return c;
    });
    showComparison();
}

void MainWindow::showComparison()
{
    m_comparisonLabel->setText(comparisonText());
    m_cancelComparison->setVisible(m_job.valid() && m_jobStop && !m_jobStop->load());
}

void MainWindow::cancelComparison()
{
    if (!m_job.valid() || !m_jobStop)
        return;
    m_jobStop->store(true);
    m_cancelled = {m_jobKey.first, m_jobA, m_jobGeneration};
    showComparison();
}

void MainWindow::pollComparison()
{
    if (!m_job.valid() || m_job.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
        return;
    m_comparison = m_job.get();
    const bool asked = m_comparison.run == m_cancelled.run && m_comparison.a.lock() == m_cancelled.a.lock();
    if (m_comparison.error.isEmpty() && asked)
        m_cancelled = {}; // it ended before the cancel reached it: its result stands
    if (m_comparison.network)
        m_read.keep(m_comparison.file, m_comparison.network);
    if (const SnapshotPtr a = m_comparison.a.lock(); a && m_comparison.wholeA)
        m_read.keep(a->file, m_comparison.wholeA);
    if (m_comparison.cancelled && !asked)
        m_comparison = {}; // stopped because it was no longer wanted: computed again when it is
    // A result for runs or a snapshot no longer shown (the list changed, another run was opened,
    // the cursor moved) is dropped; updateComparison() asks for the one wanted now.
    const SnapshotPtr shown = currentSnapshot();
    if (m_comparison.generation != m_comparisonGeneration || m_comparison.a.lock() != shown)
        m_comparison = {};
    if (m_comparison.run >= 0 && m_comparison.network)
        m_degrees->setAgainst(m_comparison.network, tr("%1, epoch %2").arg(m_comparison.runName).arg(m_comparison.epochB));
    else
        m_degrees->setAgainst(nullptr, {});
    updateComparison(); // the cursor or B may have moved meanwhile
}

bool MainWindow::waitForComparison(int ms)
{
    QElapsedTimer clock;
    clock.start();
    while (comparisonPending() && clock.elapsed() < ms) {
        QApplication::processEvents(QEventLoop::AllEvents, 20);
        pollComparison();
        if (comparisonPending())
            QThread::msleep(5);
    }
    return !comparisonPending();
}

QString MainWindow::comparisonText() const
{
    if (m_job.valid())
        return m_jobStop && m_jobStop->load() ? tr("stopping the comparison at epoch %1…").arg(m_jobKey.second)
                                              : tr("computing the comparison at epoch %1…").arg(m_jobKey.second);
    const Comparison& c = m_comparison;
    if (c.run < 0 || c.generation != m_comparisonGeneration)
        return {};
    const QString& b = c.runName;
    if (!c.error.isEmpty())
        return c.error;
    QString text = tr("%1 vs %2 at epoch %3").arg(runName(), b).arg(c.epoch);
    if (c.batch > 0)
        text += tr(" + batch %1").arg(c.batch);
    if (c.epochB != c.epoch)
        text += tr(" (%1: epoch %2, its latest by then)").arg(b).arg(c.epochB);
    text += tr(": NNSTD %1").arg(c.nnstd, 0, 'f', 4);
    if (std::isfinite(c.hiddenNnstd))
        text += tr(" (hidden layers %1)").arg(c.hiddenNnstd, 0, 'f', 4);
    text += tr(" · turnover %1").arg(c.turnover, 0, 'f', 4);
    return text;
}

SnapshotPtr MainWindow::currentSnapshot() const
{
    return m_cursor >= 0 && m_cursor < static_cast<int>(m_history.size()) ? m_history[static_cast<std::size_t>(m_cursor)] : nullptr;
}

void MainWindow::setCursor(int index)
{
    if (index < 0 || index >= static_cast<int>(m_history.size()))
        return;
    QElapsedTimer timer;
    timer.start();
    m_cursor = index;
    const SnapshotPtr& current = m_history[static_cast<std::size_t>(index)];
    m_shown = current;
    m_curves->setHistory(m_history.back(), false);
    if (!SnapshotView::holds(current, m_selected)) // a neuron the network shown has not
        m_selected = {};
    for (SnapshotView* v : snapshotViews())
        v->setSnapshot(current, m_history.front());
    for (SnapshotView* v : snapshotViews())
        v->setSelectedNeuron(m_selected);
    m_refreshMs.push_back(static_cast<double>(timer.nsecsElapsed()) / 1e6);
    if (!m_compared.empty() && !m_framing)
        updateComparison();
}

void MainWindow::selectNeuron(NeuronRef neuron)
{
    m_selected = neuron;
    for (SnapshotView* v : snapshotViews())
        v->setSelectedNeuron(neuron);
}

void MainWindow::poll()
{
    pollComparison();
    if (!m_worker)
        return;
    // Status first: a worker that reports the end has published its last snapshot already.
    const WorkerStatus status = m_worker->status();
    SnapshotPtr latest = m_channel.take();
    if (latest && latest->generation != m_generation)
        latest.reset();
    if (latest) {
        // The timeline: every end-of-epoch snapshot (archived by the channel, so none is lost when
        // training outpaces the GUI), plus the newest mid-epoch one at the end while it is newest.
        if (!m_history.empty() && m_history.back()->batch > 0)
            m_history.pop_back();
        for (SnapshotPtr& s : m_channel.drainArchived())
            if (s->generation == m_generation)
                m_history.push_back(std::move(s));
        if (latest->batch > 0)
            m_history.push_back(latest);
        thinHistory();
        historyChanged();
        emit snapshotArrived(latest->epoch);
    }
    // The status line at ~4 Hz: every repaint flushes the window, which is not free while training
    // shares the CPU.
    if (latest || status.state != m_lastState || !m_statusClock.isValid() || m_statusClock.elapsed() >= 250) {
        updateStatus(&status);
        m_statusClock.start();
    }
    if (status.state != m_lastState) {
        m_lastState = status.state;
        updateControls();
        if (status.state == WorkerState::Failed)
            fail(QString::fromStdString(status.message));
        if (status.state == WorkerState::Finished || status.state == WorkerState::Stopped ||
            status.state == WorkerState::Failed)
            emit trainingEnded(status.state);
    }
}

void MainWindow::updateControls()
{
    const bool active = m_worker && m_worker->active();
    const WorkerState state = m_worker ? m_worker->status().state : WorkerState::Idle;
    const bool paused = state == WorkerState::Paused;
    for (const auto& [key, w] : m_fields)
        w->setEnabled(!active || key == "lr" || key == "zeta");
    m_start->setText(paused ? tr("Resume") : tr("Start"));
    const bool formOk = m_formProblem.isEmpty() || active; // a running worker took the form already
    m_start->setEnabled((!active || paused) && formOk);
    m_pause->setEnabled(active && !paused);
    m_step->setEnabled((!active || paused) && formOk);
    m_start->setToolTip(formOk ? tr("Start training, or resume a paused run") : m_formProblem);
    m_step->setToolTip(formOk ? tr("Train exactly one epoch, then pause") : m_formProblem);
    m_stop->setEnabled(active);
    m_reset->setEnabled(m_worker || !m_history.empty());
}

QString MainWindow::loadWarning(double busyElsewhere, int cores, int threads, const std::vector<EpochMetrics>& metrics)
{
    std::vector<double> seconds;
    for (const EpochMetrics& m : metrics)
        if (m.complete && m.epochSeconds > 0)
            seconds.push_back(m.epochSeconds);
    if (seconds.size() < 2 || busyElsewhere + threads <= cores)
        return {};
    const double fastest = *std::min_element(seconds.begin(), seconds.end() - 1);
    const double slowdown = seconds.back() / fastest;
    if (slowdown < 1.25)
        return {};
    return tr("machine busy: ~%1 threads of other programs runnable on %2 cores; the last epoch took %3x the fastest")
        .arg(busyElsewhere, 0, 'f', 1)
        .arg(cores)
        .arg(slowdown, 0, 'f', 1);
}

void MainWindow::updateStatus(const WorkerStatus* status)
{
    const QString before = m_status->text();
    QStringList parts;
    if (status) {
        QString state = QString::fromUtf8(toString(status->state));
        if (status->pausePending)
            state += tr(" (pausing after this epoch)");
        parts << state;
        QString epoch = tr("epoch %1/%2").arg(status->epoch).arg(m_totalEpochs);
        if (status->state == WorkerState::Running && status->batchCount > 0)
            epoch += tr(", batch %1/%2").arg(status->batch).arg(status->batchCount);
        parts << epoch;
        if (status->samplesPerSecond > 0)
            parts << tr("%1 samples/s").arg(groupDigits(std::llround(status->samplesPerSecond)));
        if (status->state == WorkerState::Running) { // the run's threads and the GUI's own
            const int busy = m_loadProbe ? m_loadProbe(m_runThreads + 1) : busyThreadsElsewhere(m_runThreads + 1);
            if (busy >= 0)
                m_busyElsewhere = 0.9 * m_busyElsewhere + 0.1 * busy; // ~2.5 s at 4 Hz
        }
        if (!m_history.empty()) {
            const QString warning = loadWarning(m_busyElsewhere, onlineCores(), m_runThreads, m_history.back()->metrics);
            if (!warning.isEmpty())
                parts << QStringLiteral("<span style='color:#c62828'>%1</span>").arg(warning);
        }
    } else if (!m_browsing.isEmpty()) {
        parts << tr("browsing %1").arg(m_browsing);
    } else {
        parts << tr("idle: set up a run and press Start, or open a run folder (Ctrl+O)");
    }
    if (!m_history.empty())
        parts << tr("%1 connections").arg(groupDigits(m_history.back()->edgeCount()));
    parts << tr("memory %1 MiB").arg(currentRssMiB(), 0, 'f', 0);
    if (m_thinned > 0)
        parts << tr("timeline thinned: %1 snapshots dropped to stay within %2 MiB")
                     .arg(m_thinned)
                     .arg(static_cast<double>(m_timelineBudget) / (1 << 20), 0, 'f', 0);
    if (!m_runDir.isEmpty())
        parts << m_runDir;
    const QString text = parts.join(QStringLiteral("  ·  "));
    if (text != before)
        m_status->setText(text);
}

bool MainWindow::exportMetricsCsv(const QString& file)
{
    if (m_history.empty() || m_history.back()->metrics.empty()) {
        m_lastError = tr("no metrics to export yet");
        return false;
    }
    const auto& metrics = m_history.back()->metrics;
    std::ofstream out(file.toStdString(), std::ios::trunc);
    out << metricsCsvHeader(m_history.back()->network->layerCount(), metrics.back().hasValidation) << '\n';
    for (const EpochMetrics& m : metrics)
        out << metricsCsvRow(m) << '\n';
    if (!out) {
        fail(tr("cannot write %1").arg(file));
        return false;
    }
    return true;
}

bool MainWindow::exportAnalysis(const QString& dir)
{
    const SnapshotPtr s = currentSnapshot();
    if (!s) {
        m_lastError = tr("no snapshot to analyse");
        return false;
    }
    if (s->sketch && s->file.empty()) {
        fail(tr("epoch %1 of the live run is a sketch (too large to copy every epoch): analyse the run folder's "
                "snapshot files with `rewire analyze %2`, or open the run folder")
                 .arg(s->epoch)
                 .arg(m_runDir));
        return false;
    }
    try {
        // On the GUI thread: 100 bootstrap samples per power-law fit (p's standard error <= 0.05,
        // stated in powerlaw.csv) keep the window responsive; `rewire analyze` defaults to 1,000.
        AnalysisOptions options;
        options.bootstrapSamples = 100;
        const std::shared_ptr<const NetworkGraph> whole = // a sketch's whole network from its file
            s->sketch ? std::make_shared<const NetworkGraph>(loadSnapshotNetwork(*s)) : s->network;
        writeAnalysis(*whole, dir.toStdString(), options);
    } catch (const std::exception& e) {
        fail(QString::fromStdString(e.what()));
        return false;
    }
    statusBar()->showMessage(tr("wrote the analysis of epoch %1 into %2").arg(s->epoch).arg(dir), 5000);
    return true;
}

bool MainWindow::exportViewPng(QWidget* view, const QString& file)
{
    if (!view->grab().save(file, "PNG")) {
        fail(tr("cannot write %1").arg(file));
        return false;
    }
    return true;
}

QString MainWindow::exportFigure(const QString& view, const QString& format, const QString& dir, QSize size, int dpi)
{
    SnapshotView* figure = nullptr;
    for (const auto& [name, w] : views())
        if (name == view)
            figure = qobject_cast<SnapshotView*>(w);
    const QString fmt = format.toLower();
    if (!figure || (fmt != "svg" && fmt != "pdf" && fmt != "png") || dpi < 10 || dpi > 2400 ||
        (!size.isEmpty() && (size.width() > 20000 || size.height() > 20000))) {
        m_lastError = tr("cannot export view \"%1\" as \"%2\" at %3x%4, %5 dpi: views are network, curves, degrees, input, "
                         "adjacency and neurons; formats svg, pdf and png; sizes up to 20000 pixels, 10 to 2400 dpi")
                          .arg(view, format)
                          .arg(size.width())
                          .arg(size.height())
                          .arg(dpi);
        return {};
    }
    const SnapshotPtr s = currentSnapshot();
    if (!s) {
        m_lastError = tr("no snapshot to export: start a run or open one");
        return {};
    }
    // A hidden tab's charts are not laid out (their legends lack their names): shown for the export.
    QWidget* const shownTab = m_tabs->currentWidget();
    showView(view);
    QApplication::processEvents(QEventLoop::ExcludeUserInputEvents);
    struct Restore {
        QTabWidget* tabs;
        QWidget* tab;
        ~Restore() { tabs->setCurrentWidget(tab); }
    } restore{m_tabs, shownTab};
    if (size.isEmpty())
        size = figure->figureSize();
    if (size.isEmpty())
        size = QSize(1200, 800);
    QString name = QStringLiteral("%1_epoch_%2").arg(view).arg(s->epoch);
    if (s->batch > 0)
        name += QStringLiteral("_batch_%1").arg(s->batch);
    const QString file = QDir(dir).filePath(name + "." + fmt);
    if (QFileInfo::exists(file) && !confirm(tr("Replace %1?").arg(file))) {
        m_lastError = tr("not exported: %1 exists").arg(file);
        return {};
    }
    QDir().mkpath(dir);
    const QString part = file + QStringLiteral(".part"); // written whole, then renamed over
    bool ok = true;
    const QString title = tr("Rewire: %1, epoch %2").arg(view).arg(s->epoch);
    if (fmt == "svg") {
        QSvgGenerator svg;
        svg.setFileName(part);
        svg.setSize(size);
        svg.setViewBox(QRect(QPoint(0, 0), size));
        svg.setResolution(dpi);
        svg.setTitle(title);
        QPainter p;
        ok = p.begin(&svg);
        if (ok)
            figure->paintFigure(p, size); // SVG is in pixels at 96 dpi: laid out as asked
        ok = p.end() && ok;
    } else if (fmt == "pdf") {
        QPdfWriter pdf(part);
        pdf.setResolution(dpi);
        pdf.setTitle(title);
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        pdf.setPageSize(QPageSize(QSizeF(size.width() * 72.0 / dpi, size.height() * 72.0 / dpi), QPageSize::Point, {},
                                  QPageSize::ExactMatch));
        QPainter p;
        ok = p.begin(&pdf);
        if (ok)
            figure->paintFigure(p, size, dpi / 96.0);
        ok = p.end() && ok;
    } else {
        QImage image(size, QImage::Format_ARGB32);
        image.fill(Qt::white);
        const int perMetre = static_cast<int>(std::lround(dpi / 0.0254));
        image.setDotsPerMeterX(perMetre);
        image.setDotsPerMeterY(perMetre);
        QPainter p(&image);
        p.setRenderHint(QPainter::Antialiasing);
        figure->paintFigure(p, size, dpi / 96.0);
        p.end();
        ok = image.save(part, "PNG");
    }
    if (ok) {
        QFile::remove(file);
        ok = QFile::rename(part, file);
    }
    if (!ok) {
        QFile::remove(part);
        fail(tr("cannot write %1").arg(file));
        return {};
    }
    statusBar()->showMessage(tr("exported %1 (%2x%3, %4 dpi)").arg(file).arg(size.width()).arg(size.height()).arg(dpi), 8000);
    return file;
}

bool MainWindow::forEachTimelineFrame(const std::function<bool(int)>& frame)
{
    const int keep = m_timeline->cursor();
    const bool follow = m_timeline->followLive();
    m_timeline->setFollowLive(false);
    m_framing = true; // no comparison per frame: it would lag behind the frames
    bool ok = true;
    for (int i = 0; ok && i < m_timeline->count(); ++i) {
        m_timeline->setCursor(i);
        QApplication::processEvents(QEventLoop::ExcludeUserInputEvents);
        ok = frame(i);
    }
    m_framing = false;
    m_timeline->setCursor(keep);
    m_timeline->setFollowLive(follow);
    return ok;
}

bool MainWindow::exportTimelineFrames(const QString& dir)
{
    if (m_history.empty()) {
        m_lastError = tr("no snapshots");
        return false;
    }
    QDir().mkpath(dir);
    return forEachTimelineFrame([&](int i) {
        const QString file = QDir(dir).filePath(QStringLiteral("frame_%1.png").arg(i, 4, 10, QChar('0')));
        if (centralWidget()->grab().save(file, "PNG"))
            return true;
        fail(tr("cannot write %1").arg(file));
        return false;
    });
}

QImage MainWindow::timelineFrame() const
{
    // The views as shown, and below them a caption in place of the timeline's controls: the run
    // and the snapshot's epoch.
    const QPixmap views = m_splitter->widget(1)->grab();
    const double ratio = views.devicePixelRatio();
    const QFontMetrics metrics(font());
    const int caption = metrics.height() + 8;
    QImage frame(QSize(views.width(), views.height() + qRound(caption * ratio)), QImage::Format_RGB32);
    frame.setDevicePixelRatio(ratio);
    frame.fill(palette().color(QPalette::Window));
    QPainter p(&frame);
    p.drawPixmap(0, 0, views);
    const SnapshotPtr s = currentSnapshot();
    QString text = runName();
    if (s)
        text += tr("  ·  %1  (%2 of %3)")
                    .arg(epochLabel(*s))
                    .arg(m_timeline->cursor() + 1)
                    .arg(m_timeline->count());
    p.setPen(palette().color(QPalette::WindowText));
    p.drawText(QRectF(8, views.height() / ratio, views.width() / ratio - 16, caption), Qt::AlignVCenter | Qt::AlignLeft, text);
    return frame;
}

QString MainWindow::exportVideo(const QString& file, int fps)
{
    if (m_history.empty()) {
        m_lastError = tr("no snapshots for a video: start a run or open one");
        return {};
    }
    if (fps < 1 || fps > 60) {
        m_lastError = tr("video at %1 frames a second: expected 1 to 60").arg(fps);
        return {};
    }
    VideoWriter video(file, fps, m_ffmpeg);
    const QString suffix = QFileInfo(file).suffix().toLower();
    if (!VideoWriter::supported(file)) {
        m_lastError = tr("%1: a video is .mp4 or .webm (through ffmpeg) or .gif").arg(file);
        return {};
    }
    if (QFileInfo::exists(video.file()) && !confirm(tr("Replace %1?").arg(video.file()))) {
        m_lastError = tr("no video written: %1 exists").arg(video.file());
        return {};
    }
    QElapsedTimer clock;
    clock.start();
    const int total = m_timeline->count();
    const bool ok = forEachTimelineFrame([&](int i) {
        statusBar()->showMessage(tr("video: frame %1 of %2…").arg(i + 1).arg(total));
        return video.add(timelineFrame());
    });
    if (!ok || !video.finish()) {
        m_lastError = tr("no video written: %1").arg(video.error());
        fail(m_lastError);
        return {};
    }
    QString message = tr("video: %1 frames at %2 a second (%3x%4) written to %5 in %6 s")
                          .arg(video.frames())
                          .arg(fps)
                          .arg(video.size().width())
                          .arg(video.size().height())
                          .arg(video.file())
                          .arg(clock.elapsed() / 1000.0, 0, 'f', 1);
    if (video.fellBack())
        message += tr(" (ffmpeg not found: an animated GIF instead of %1; apt install ffmpeg)").arg(suffix.toUpper());
    statusBar()->showMessage(message, 15000);
    return video.file();
}

bool MainWindow::saveScreenshot(const QString& file)
{
    QApplication::processEvents(QEventLoop::ExcludeUserInputEvents);
    if (!grab().save(file, "PNG")) {
        fail(tr("cannot write %1").arg(file));
        return false;
    }
    return true;
}

} // namespace rewire::gui
