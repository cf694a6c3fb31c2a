#include "cli/args.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "core/trainer.h"
#include "datasets/registry.h"
#include "graph/atomic_file.h"
#include "graph/model_io.h"
#include "analysis/topology_evolution.h"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace rewire::cli {

namespace {

const char* kTrainHelp = R"(usage: rewire train [options]

Trains a sparse MLP and writes a run folder: config.json (resolved options, usable with --config),
metrics.csv (one row per epoch), model.rwm (final model) and summary.json.

data
  --dataset SPEC        auto | fashion-mnist | mnist | kmnist | cifar10 | higgs | madelon |
                        synthetic:madelon|xor|spirals[:k=v,...] | idx:IMAGES,LABELS |
                        csv:FILE[,label=L] | higgs:FILE | libsvm:FILE | madelon:PREFIX |
                        cifar10:DIR | npz:FILE | npy:X,Y | DIR | FILE.csv          [auto]
  --test-dataset SPEC   separate test data (default: the format's test split, else a fraction)
  --test-fraction F     stratified, seeded test share when there is no test split  [0.3]
  --validation F        hold out this share of the training data (stratified, seeded) [0]
  --validation-dataset SPEC  separate validation data
  --scale S             standard | minmax | none, fitted on the training part      [standard]
                        (`rewire datasets` lists the names and formats)
model
  --arch SIZES          layer sizes, input first                      [784-1000-1000-1000-10]
  --method M            set | static | dense                                        [set]
  --epsilon E           Erdős–Rényi sparsity: p = min(1, E(n_in+n_out)/(n_in n_out))  [20]
  --activation A        relu | leakyrelu[:a] | allrelu[:a] | sigmoid | tanh | linear [allrelu:0.6]
  --init I              he-uniform | he-sparse | xavier | normal | zero             [he-uniform]
  --loss L              cross-entropy | mse                                         [cross-entropy]
training
  --epochs N            [10]      --batch B        [128]     --lr R           [0.01]
  --momentum M          [0.9]     --weight-decay D [0.0002]  --dropout P      [0.3]
  --zeta Z              fraction of weights pruned and regrown per SET step          [0.3]
  --threads T           [2]       --seed S         [1]
run
  --config FILE.json    options as a JSON object with the same keys (flags override it)
  --out DIR             run folder                                  [runs/<method>-<time>]
  --force               write into a DIR that already holds a run
  --quiet               no per-epoch lines
  --snapshot-every K    save snapshots/epoch_NNNN.rwm at epoch 0, every K epochs and the last,
                        with topology.csv (per snapshot and layer: degrees, turnover) and
                        topology_degrees.csv (degree distributions per snapshot)
)";

std::string defaultOutDir(const std::string& method)
{
    const std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
    return "runs/" + method + "-" + stamp;
}

double peakRssMiB()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_maxrss) / 1024.0;
}

std::string csvHeader(int layers, bool validation)
{
    std::string h = "epoch,train_loss,train_accuracy,";
    if (validation)
        h += "validation_loss,validation_accuracy,";
    h += "test_loss,test_accuracy,connections";
    for (int l = 0; l < layers; ++l)
        h += ",connections_l" + std::to_string(l);
    return h + ",pruned,regrown,epoch_seconds,evolution_seconds,eval_seconds";
}

std::string csvRow(const EpochMetrics& m)
{
    char buf[256];
    std::snprintf(buf, sizeof buf, "%d,%.6f,%.6f,", m.epoch, m.trainLoss, m.trainAccuracy);
    std::string row = buf;
    if (m.hasValidation) {
        std::snprintf(buf, sizeof buf, "%.6f,%.6f,", m.validationLoss, m.validationAccuracy);
        row += buf;
    }
    std::snprintf(buf, sizeof buf, "%.6f,%.6f,%lld", m.testLoss, m.testAccuracy, static_cast<long long>(m.connections));
    row += buf;
    for (EdgeIndex c : m.connectionsPerLayer)
        row += "," + std::to_string(c);
    std::snprintf(buf, sizeof buf, ",%lld,%lld,%.4f,%.4f,%.4f", static_cast<long long>(m.pruned),
                  static_cast<long long>(m.regrown), m.epochSeconds, m.evolutionSeconds, m.evalSeconds);
    return row + buf;
}

} // namespace

int runTrain(int argc, char** argv)
{
    std::set<std::string> valued(TrainConfig::keys().begin(), TrainConfig::keys().end());
    valued.insert({"config", "out"});
    const Args args = parseArgs(argc, argv, 2, valued, {"help", "force", "quiet"});
    if (args.flag("help")) {
        std::fputs(kTrainHelp, stdout);
        return 0;
    }
    if (!args.positional.empty())
        throw UsageError("unexpected argument \"" + args.positional.front() + "\" (options start with --)");

    TrainConfig config;
    try {
        if (const std::string* file = args.option("config")) {
            std::ifstream in(*file);
            if (!in)
                throw ConfigError("--config " + *file + ": cannot read the file");
            std::stringstream text;
            text << in.rdbuf();
            config.merge(Json::parse(text.str(), *file), *file);
        }
        for (const auto& [key, value] : args.options)
            if (key != "config" && key != "out")
                config.set(key, value);
        config.validate();
    } catch (const ConfigError& e) {
        throw UsageError(e.what());
    } catch (const std::runtime_error& e) { // JSON syntax
        throw UsageError(std::string("--config: ") + e.what());
    }

    namespace fs = std::filesystem;
    const fs::path out = args.option("out") ? fs::path(*args.option("out")) : fs::path(defaultOutDir(config.method));
    if (fs::exists(out) && !fs::is_directory(out))
        throw UsageError("--out " + out.string() + ": exists and is not a directory");
    if (fs::exists(out / "metrics.csv") && !args.flag("force"))
        throw UsageError("--out " + out.string() + ": already holds a run (metrics.csv); pass --force or pick another folder");

    // Everything that can fail on bad input happens before the run folder is created.
    DatasetRequest request;
    request.spec = config.dataset;
    request.testSpec = config.testDataset;
    request.testFraction = config.testFraction;
    request.scale = config.scale;
    request.validationSpec = config.validationDataset;
    request.validationFraction = config.validation;
    request.seed = config.seed;
    const auto loadStart = std::chrono::steady_clock::now();
    LoadedData data = loadDataset(request);
    const double loadSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - loadStart).count();
    std::unique_ptr<Trainer> trainer;
    try {
        trainer = std::make_unique<Trainer>(config, data.split);
    } catch (const ConfigError& e) {
        throw UsageError(e.what());
    }
    const bool quiet = args.flag("quiet");
    if (!quiet) {
        std::printf("data          %s (%.2fs)\n", data.description.c_str(), loadSeconds);
        std::printf("network       %s, %s, %lld connections (",
                    formatArchitecture(trainer->network().architecture()).c_str(), config.method.c_str(),
                    static_cast<long long>(trainer->network().edgeCount()));
        for (int l = 0; l < trainer->network().layerCount(); ++l)
            std::printf("%s%.2f%%", l ? " " : "", 100.0 * trainer->network().layer(l).density());
        std::printf(" density)\nrun folder    %s\n", out.string().c_str());
        std::fflush(stdout);
    }

    fs::create_directories(out);
    writeTextFileAtomic(out / "config.json", config.toJson().dump() + "\n");
    std::ofstream metrics(out / "metrics.csv", std::ios::trunc);
    if (!metrics)
        throw std::runtime_error("cannot write " + (out / "metrics.csv").string());
    metrics << csvHeader(trainer->network().layerCount(), data.split.validation.samples() > 0) << '\n' << std::flush;

    EpochMetrics last;
    double trainSeconds = 0.0;
    ProgressPrinter progress(config.epochs, config.batch, quiet, [&](const EpochMetrics& m, const NetworkGraph&) {
        metrics << csvRow(m) << '\n' << std::flush;
        last = m;
        trainSeconds += m.epochSeconds;
    });
    // Snapshots: the initial network, then the trained network every K epochs (before that
    // epoch's topology step, i.e. the network the epoch's test figures describe) and the last.
    std::unique_ptr<NetworkGraph> previous;
    std::ofstream topology, topologyDegrees;
    auto snapshot = [&](int epoch, const NetworkGraph& net) {
        char name[32];
        std::snprintf(name, sizeof name, "epoch_%04d.rwm", epoch);
        saveModel(net, out / "snapshots" / name);
        for (const TopologyRow& r : topologyRows(epoch, net, previous.get()))
            topology << topologyCsvRow(r);
        topologyDegrees << snapshotDegreeRows(epoch, net);
        topology.flush();
        topologyDegrees.flush();
        // Turnover needs only the topology: keep the CSR arrays, not the optimiser's edge state.
        std::vector<SparseLayer> layers;
        for (const SparseLayer& l : net.layers())
            layers.push_back(SparseLayer::fromCsr(l.inputs(), l.outputs(), {l.rowPtr().begin(), l.rowPtr().end()},
                                                  {l.colIdx().begin(), l.colIdx().end()},
                                                  {l.weights().begin(), l.weights().end()}));
        previous = std::make_unique<NetworkGraph>(std::move(layers));
    };
    if (config.snapshotEvery > 0) {
        fs::create_directories(out / "snapshots");
        topology.open(out / "topology.csv", std::ios::trunc);
        topologyDegrees.open(out / "topology_degrees.csv", std::ios::trunc);
        topology << topologyCsvHeader();
        topologyDegrees << "epoch,layer,side,degree,count\n";
        snapshot(0, trainer->network());
        progress.m_onTrained = [&](const EpochMetrics& m, const NetworkGraph& net) {
            if (m.epoch % config.snapshotEvery == 0 || m.epoch == config.epochs)
                snapshot(m.epoch, net);
        };
    }
    installStopHandler();
    std::string status = "completed";
    int code = 0;
    std::string error;
    try {
        trainer->run(&progress);
        if (!trainer->finished()) {
            status = "interrupted";
            code = 130;
        }
    } catch (const TrainingDiverged& e) {
        status = "diverged";
        error = e.what();
        code = 3;
    }
    metrics.close();

    Json summary;
    summary.set("status", status);
    summary.set("epochs_completed", trainer->epochsDone());
    summary.set("final_test_accuracy", last.testAccuracy);
    summary.set("final_test_loss", last.testLoss);
    summary.set("connections", static_cast<double>(trainer->network().edgeCount()));
    summary.set("train_seconds", trainSeconds);
    summary.set("peak_rss_mib", peakRssMiB());
    summary.set("dataset", data.description);
    if (code == 3) {
        summary.set("error", error);
        writeTextFileAtomic(out / "summary.json", summary.dump() + "\n");
        std::fprintf(stderr, "rewire train: %s; metrics of the completed epochs are in %s, no model was saved\n",
                     error.c_str(), (out / "metrics.csv").string().c_str());
        return code;
    }
    saveModel(trainer->network(), out / "model.rwm");
    summary.set("model", "model.rwm");
    writeTextFileAtomic(out / "summary.json", summary.dump() + "\n");
    if (!quiet) {
        std::printf("%s: test accuracy %.2f%% after %d epochs, %.2fs training, peak memory %.0f MiB\n", status.c_str(),
                    100.0 * last.testAccuracy, trainer->epochsDone(), trainSeconds, peakRssMiB());
        std::printf("wrote         %s/{config.json,metrics.csv,model.rwm,summary.json}\n", out.string().c_str());
    }
    return code;
}

} // namespace rewire::cli
