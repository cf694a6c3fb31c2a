#include "cli/run_folder.h"

#include "analysis/topology_evolution.h"
#include "graph/atomic_file.h"
#include "graph/model_io.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <limits>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <sstream>
#include <stdexcept>

namespace rewire {

namespace fs = std::filesystem;

namespace {

// What a run writes at the top of its folder (snapshots/ holds epoch_NNNN.rwm).
const char* const kRunFiles[] = {"config.json", "metrics.csv", "model.rwm", "summary.json",
                                 "changes.csv", "topology.csv", "topology_degrees.csv"};

// A streamed table (metrics rows, topology tables) after a write and flush: a full disk or an
// I/O error stops the run with the file named, instead of rows silently missing.
void requireWritten(const std::ofstream& out, const fs::path& file)
{
    if (!out)
        throw std::runtime_error("write error on " + file.string() + " (disk full?)");
}

bool isRunFolder(const fs::path& dir)
{
    return fs::exists(dir / "config.json") || fs::exists(dir / "metrics.csv");
}

// --force: the old run's files go, so nothing stale (snapshots of epochs this run will not reach,
// topology tables of a run without snapshots) survives next to the new run. Anything else in
// the folder is the user's and stays.
void removeOldRun(const fs::path& dir)
{
    std::error_code ec;
    for (const char* name : kRunFiles)
        fs::remove(dir / name, ec);
    for (const auto& sub : {dir, dir / "snapshots"}) {
        if (!fs::is_directory(sub, ec))
            continue;
        for (const auto& e : fs::directory_iterator(sub, ec)) {
            const std::string name = e.path().filename().string();
            const bool snapshot = sub != dir && name.rfind("epoch_", 0) == 0 && e.path().extension() == ".rwm";
            if (snapshot || name.find(".tmp-") != std::string::npos) // and orphaned temporary files
                fs::remove(e.path(), ec);
        }
    }
    if (fs::is_directory(dir / "snapshots", ec) && fs::is_empty(dir / "snapshots", ec))
        fs::remove(dir / "snapshots", ec);
}

} // namespace

RunWriter::RunWriter(fs::path dir, const TrainConfig& config, const NetworkGraph& initial, bool hasValidation,
                     bool force)
    : m_dir(std::move(dir)), m_config(config)
{
    check(m_dir, force);
    if (force && isRunFolder(m_dir))
        removeOldRun(m_dir);
    fs::create_directories(m_dir);
    writeTextFileAtomic(m_dir / "config.json", config.toJson().dump() + "\n");
    m_metrics.open(m_dir / "metrics.csv", std::ios::trunc);
    if (!m_metrics)
        throw std::runtime_error("cannot write " + (m_dir / "metrics.csv").string());
    m_metrics << metricsCsvHeader(initial.layerCount(), hasValidation) << '\n' << std::flush;
    requireWritten(m_metrics, m_dir / "metrics.csv");
    if (config.snapshotEvery > 0) {
        fs::create_directories(m_dir / "snapshots");
        m_topology.open(m_dir / "topology.csv", std::ios::trunc);
        m_topologyDegrees.open(m_dir / "topology_degrees.csv", std::ios::trunc);
        m_topology << topologyCsvHeader();
        m_topologyDegrees << "epoch,layer,side,degree,count\n";
        if (!m_topology || !m_topologyDegrees)
            throw std::runtime_error("cannot write " + (m_dir / "topology.csv").string() + " or topology_degrees.csv");
        snapshot(0, initial, nullptr);
    }
    m_lastEpochEnd = std::chrono::steady_clock::now();
    writeRunning();
}

void RunWriter::writeRunning()
{
    // From the start and after every epoch: a run that was killed says "running" with the epochs
    // it completed, so readers can tell it from a finished one.
    m_lastRunningWrite = std::chrono::steady_clock::now();
    Json summary;
    summary.set("status", "running");
    summary.set("epochs_completed", m_last.epoch);
    summary.set("pid", static_cast<double>(::getpid()));
    writeTextFileAtomic(m_dir / "summary.json", summary.dump() + "\n");
}

void RunWriter::check(const fs::path& dir, bool force)
{
    if (fs::exists(dir) && !fs::is_directory(dir))
        throw std::invalid_argument(dir.string() + ": exists and is not a directory");
    if (!fs::exists(dir) || fs::is_empty(dir))
        return;
    if (!isRunFolder(dir))
        throw std::invalid_argument(dir.string() + ": is not empty and is not a Rewire run folder (no config.json or "
                                    "metrics.csv), so nothing in it is replaced, even with --force; pick a new or "
                                    "empty folder");
    if (!force)
        throw std::invalid_argument(dir.string() + ": already holds a run (metrics.csv); pass --force to replace it "
                                    "or pick another folder");
}

void RunWriter::trained(const EpochMetrics& m, const NetworkGraph& network, std::shared_ptr<const NetworkGraph> topology)
{
    // The trained network of the epoch, before its topology step: the one its test figures describe.
    if (m_config.snapshotEvery > 0 && (m.epoch % m_config.snapshotEvery == 0 || m.epoch == m_config.epochs))
        snapshot(m.epoch, network, std::move(topology));
}

void RunWriter::epoch(const EpochMetrics& m)
{
    m_metrics << metricsCsvRow(m) << '\n' << std::flush;
    requireWritten(m_metrics, m_dir / "metrics.csv");
    m_last = m;
    m_trainSeconds += m.epochSeconds;
    const auto now = std::chrono::steady_clock::now();
    m_wall.push_back(std::chrono::duration<double>(now - m_lastEpochEnd).count());
    m_lastEpochEnd = now;
    // Every few seconds, not every epoch: each write is flushed to the disk, and toy runs have
    // millisecond epochs.
    if (now - m_lastRunningWrite >= std::chrono::seconds(5))
        writeRunning();
}

void RunWriter::recordChange(int fromEpoch, const std::string& key, const std::string& value)
{
    const fs::path file = m_dir / "changes.csv";
    const bool fresh = !fs::exists(file);
    std::ofstream out(file, std::ios::app);
    if (fresh)
        out << "epoch,key,value\n";
    out << fromEpoch << ',' << key << ',' << value << '\n' << std::flush;
    requireWritten(out, file);
}

void RunWriter::snapshot(int epoch, const NetworkGraph& net, std::shared_ptr<const NetworkGraph> topology)
{
    char name[32];
    std::snprintf(name, sizeof name, "epoch_%04d.rwm", epoch);
    saveModel(net, m_dir / "snapshots" / name);
    for (const TopologyRow& r : topologyRows(epoch, net, m_previous.get()))
        m_topology << topologyCsvRow(r);
    m_topologyDegrees << snapshotDegreeRows(epoch, net);
    m_topology.flush();
    m_topologyDegrees.flush();
    requireWritten(m_topology, m_dir / "topology.csv");
    requireWritten(m_topologyDegrees, m_dir / "topology_degrees.csv");
    // Turnover needs only the topology, not the optimiser's edge state.
    m_previous = topology ? std::move(topology) : std::make_shared<const NetworkGraph>(net.topologyCopy());
}

void RunWriter::finish(const std::string& status, const std::string& error, int epochsDone,
                       const NetworkGraph& network, const std::string& datasetDescription)
{
    m_metrics.close();
    Json summary;
    summary.set("status", status);
    summary.set("epochs_completed", epochsDone);
    summary.set("final_test_accuracy", m_last.testAccuracy);
    summary.set("final_test_loss", m_last.testLoss);
    summary.set("connections", static_cast<double>(network.edgeCount()));
    summary.set("train_seconds", m_trainSeconds);
    if (!m_wall.empty())
        summary.set("median_epoch_wall_seconds", median(m_wall));
    summary.set("peak_rss_mib", peakRssMiB());
    if (m_threads > 0)
        summary.set("threads", m_threads);
    summary.set("dataset", datasetDescription);
    if (!error.empty())
        summary.set("error", error);
    if (status != "diverged") {
        saveModel(network, m_dir / "model.rwm");
        summary.set("model", "model.rwm");
    }
    writeTextFileAtomic(m_dir / "summary.json", summary.dump() + "\n");
}

std::string defaultRunDir(const std::string& prefix)
{
    const std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
    return "runs/" + prefix + "-" + stamp;
}

double peakRssMiB()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_maxrss) / 1024.0;
}

double currentRssMiB()
{
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f)
        return 0.0;
    long pages = 0, resident = 0;
    const int got = std::fscanf(f, "%ld %ld", &pages, &resident);
    std::fclose(f);
    return got == 2 ? static_cast<double>(resident) * 4096.0 / (1024.0 * 1024.0) : 0.0;
}

double median(std::vector<double> v)
{
    if (v.empty())
        return 0.0;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string metricsCsvHeader(int layers, bool validation)
{
    std::string h = "epoch,train_loss,train_accuracy,";
    if (validation)
        h += "validation_loss,validation_accuracy,";
    h += "test_loss,test_accuracy,connections";
    for (int l = 0; l < layers; ++l)
        h += ",connections_l" + std::to_string(l);
    return h + ",pruned,regrown,epoch_seconds,evolution_seconds,eval_seconds";
}

std::string formatMeasured(double x, const char* format, double scale)
{
    if (std::isnan(x))
        return "n/a";
    char buf[64];
    std::snprintf(buf, sizeof buf, format, scale * x);
    return buf;
}

std::string metricsCsvRow(const EpochMetrics& m)
{
    char buf[256];
    const auto measured = [](double x) { return formatMeasured(x, "%.6f"); };
    std::string row = std::to_string(m.epoch) + "," + measured(m.trainLoss) + "," + measured(m.trainAccuracy) + ",";
    if (m.hasValidation)
        row += measured(m.validationLoss) + "," + measured(m.validationAccuracy) + ",";
    row += measured(m.testLoss) + "," + measured(m.testAccuracy) + "," + std::to_string(m.connections);
    for (EdgeIndex c : m.connectionsPerLayer) {
        std::snprintf(buf, sizeof buf, ",%lld", static_cast<long long>(c));
        row += buf;
    }
    std::snprintf(buf, sizeof buf, ",%lld,%lld,%.4f,%.4f,%.4f", static_cast<long long>(m.pruned),
                  static_cast<long long>(m.regrown), m.epochSeconds, m.evolutionSeconds, m.evalSeconds);
    return row + buf;
}

namespace {
std::vector<std::string> splitComma(const std::string& line)
{
    std::vector<std::string> out;
    std::stringstream s(line);
    std::string cell;
    while (std::getline(s, cell, ','))
        out.push_back(cell);
    return out;
}
} // namespace

std::vector<EpochMetrics> readMetricsCsv(const fs::path& file)
{
    std::ifstream in(file);
    if (!in)
        throw std::runtime_error(file.string() + ": cannot read the file");
    std::string line;
    if (!std::getline(in, line))
        throw std::runtime_error(file.string() + ": empty file, expected a metrics.csv header");
    const std::vector<std::string> header = splitComma(line);
    std::map<std::string, std::size_t> col;
    for (std::size_t i = 0; i < header.size(); ++i)
        col[header[i]] = i;
    for (const char* required : {"epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "connections"})
        if (!col.count(required))
            throw std::runtime_error(file.string() + ": header lacks the column \"" + required + "\"");
    std::vector<std::size_t> layerCols;
    for (int l = 0; col.count("connections_l" + std::to_string(l)); ++l)
        layerCols.push_back(col["connections_l" + std::to_string(l)]);

    std::vector<EpochMetrics> rows;
    int lineNo = 1;
    while (std::getline(in, line)) {
        ++lineNo;
        if (line.empty())
            continue;
        const std::vector<std::string> cells = splitComma(line);
        if (cells.size() != header.size())
            throw std::runtime_error(file.string() + ":" + std::to_string(lineNo) + ": " + std::to_string(cells.size()) +
                                     " fields, the header has " + std::to_string(header.size()));
        auto num = [&](const std::string& name, double fallback = 0.0) {
            const auto it = col.find(name);
            if (it == col.end())
                return fallback;
            double v = 0.0;
            if (cells[it->second] == "n/a")
                return std::numeric_limits<double>::quiet_NaN();
            if (!readNumber(cells[it->second], v))
                throw std::runtime_error(file.string() + ":" + std::to_string(lineNo) + ": column " + name +
                                         ": not a number: \"" + cells[it->second] + "\"");
            return v;
        };
        EpochMetrics m;
        m.epoch = static_cast<int>(num("epoch"));
        m.trainLoss = num("train_loss");
        m.trainAccuracy = num("train_accuracy");
        m.hasValidation = col.count("validation_loss") > 0;
        m.validationLoss = num("validation_loss");
        m.validationAccuracy = num("validation_accuracy");
        m.testLoss = num("test_loss");
        m.testAccuracy = num("test_accuracy");
        m.connections = static_cast<EdgeIndex>(num("connections"));
        for (std::size_t c : layerCols)
            m.connectionsPerLayer.push_back(static_cast<EdgeIndex>(num(header[c])));
        m.pruned = static_cast<EdgeIndex>(num("pruned"));
        m.regrown = static_cast<EdgeIndex>(num("regrown"));
        m.epochSeconds = num("epoch_seconds");
        m.evolutionSeconds = num("evolution_seconds");
        m.evalSeconds = num("eval_seconds");
        rows.push_back(std::move(m));
    }
    return rows;
}

std::vector<SnapshotFile> listSnapshots(const fs::path& runDir)
{
    std::vector<SnapshotFile> out;
    if (!fs::is_directory(runDir / "snapshots"))
        return out;
    for (const auto& e : fs::directory_iterator(runDir / "snapshots")) {
        const std::string stem = e.path().stem().string();
        if (e.path().extension() != ".rwm" || stem.rfind("epoch_", 0) != 0)
            continue;
        char* end = nullptr;
        const long epoch = std::strtol(stem.c_str() + 6, &end, 10);
        if (end == stem.c_str() + 6 || *end != '\0')
            continue;
        out.push_back({static_cast<int>(epoch), e.path()});
    }
    std::sort(out.begin(), out.end(), [](const SnapshotFile& a, const SnapshotFile& b) { return a.epoch < b.epoch; });
    return out;
}

} // namespace rewire
