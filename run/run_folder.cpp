#include "run/run_folder.h"

#include "analysis/topology_evolution.h"
#include "graph/atomic_file.h"
#include "graph/model_io.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <limits>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace rewire {

namespace fs = std::filesystem;

namespace {

// What a run writes at the top of its folder (snapshots/ holds epoch_NNNN.rwm).
const char* const kRunFiles[] = {"config.json",  "metrics.csv",  "model.rwm",           "summary.json",
                                 "changes.csv",  "topology.csv", "topology_degrees.csv", "checkpoint.rwm"};
const std::string kCheckpointPrefix = "checkpoint.";

// A streamed table (metrics rows, topology tables) after a write and flush: a full disk or an
// I/O error stops the run with the file named, instead of rows silently missing.
void requireWritten(const std::ofstream& out, const fs::path& file)
{
    if (!out)
        throw std::runtime_error("write error on " + file.string() + " (disk full?)");
}

// AtomicFile's temporary name for a run file: NAME.tmp-PID.
bool isTemporaryOf(const std::string& file, const std::string& name)
{
    const std::string prefix = name + ".tmp-";
    return file.size() > prefix.size() && file.rfind(prefix, 0) == 0 &&
           std::all_of(file.begin() + static_cast<std::ptrdiff_t>(prefix.size()), file.end(),
                       [](char c) { return c >= '0' && c <= '9'; });
}

bool isSnapshotName(const std::string& file)
{
    return file.size() > 10 && file.rfind("epoch_", 0) == 0 && file.compare(file.size() - 4, 4, ".rwm") == 0 &&
           std::all_of(file.begin() + 6, file.end() - 4, [](char c) { return c >= '0' && c <= '9'; });
}

// Temporary files of writes that a killed process never renamed: run files' and snapshots'
// NAME.tmp-PID, and nothing else (a user's notes.tmp-2024.txt stays).
void removeOrphans(const fs::path& dir)
{
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string file = e.path().filename().string();
        for (const char* name : kRunFiles)
            if (isTemporaryOf(file, name))
                fs::remove(e.path(), ec);
    }
    if (fs::is_directory(dir / "snapshots", ec))
        for (const auto& e : fs::directory_iterator(dir / "snapshots", ec)) {
            const std::string file = e.path().filename().string();
            const auto tmp = file.find(".tmp-");
            if (tmp != std::string::npos && isSnapshotName(file.substr(0, tmp)) && isTemporaryOf(file, file.substr(0, tmp)))
                fs::remove(e.path(), ec);
        }
}

// A folder Rewire wrote: any of its run files, a temporary one of a write a kill cut short, or
// snapshots/. So a run killed at any point (even before its config.json existed) can be
// replaced with --force.
bool isRunFolder(const fs::path& dir)
{
    std::error_code ec;
    for (const char* name : kRunFiles)
        if (fs::exists(dir / name, ec))
            return true;
    for (const auto& e : fs::directory_iterator(dir, ec))
        for (const char* name : kRunFiles)
            if (isTemporaryOf(e.path().filename().string(), name))
                return true;
    return fs::is_directory(dir / "snapshots", ec);
}

// Data written to a file so far reaches the disk (any descriptor of a file syncs the file).
void syncFile(const fs::path& file)
{
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw std::runtime_error("cannot open " + file.string() + ": " + std::strerror(errno));
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0)
        throw std::runtime_error("write error on " + file.string() + " (" + std::strerror(err) + ")");
}

// Whether another process holds the run folder's lock (a RunWriter that is still writing). The
// probe takes a shared lock, so it never makes a starting writer fail... for longer than the
// writer's retries (RunWriter::lock).
bool lockedByOther(const fs::path& dir)
{
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool busy = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd); // releases the lock when this call took it
    return busy;
}

std::string busyMessage(const fs::path& dir)
{
    return dir.string() + ": another process is writing this run folder (a training run still going); wait for it "
                          "or stop it first";
}

std::string readText(const fs::path& file) { return readWholeFile(file, 256 << 20); }

// summary.json's "status", when the file exists and has one. Throws for a damaged file.
std::optional<std::string> summaryStatus(const fs::path& runDir)
{
    const fs::path file = runDir / "summary.json";
    if (!fs::exists(file))
        return std::nullopt;
    const Json summary = Json::parse(readText(file), file.string());
    const Json* status = summary.isObject() ? summary.find("status") : nullptr;
    if (!status || !status->isString())
        return std::nullopt;
    return status->asString();
}

// --force: the old run's files go, so nothing stale (snapshots of epochs this run will not reach,
// topology tables of a run without snapshots) survives next to the new run. Anything else in
// the folder is the user's and stays. config.json and metrics.csv go last: until then a kill
// leaves a folder that still reads as a run folder.
void removeOldRun(const fs::path& dir)
{
    std::error_code ec;
    removeOrphans(dir);
    if (fs::is_directory(dir / "snapshots", ec)) {
        for (const auto& e : fs::directory_iterator(dir / "snapshots", ec))
            if (isSnapshotName(e.path().filename().string()))
                fs::remove(e.path(), ec);
        if (fs::is_empty(dir / "snapshots", ec))
            fs::remove(dir / "snapshots", ec);
    }
    for (const char* name : kRunFiles)
        if (std::string(name) != "config.json" && std::string(name) != "metrics.csv")
            fs::remove(dir / name, ec);
    fs::remove(dir / "metrics.csv", ec);
    fs::remove(dir / "config.json", ec);
}

// Rows of a changes.csv text ("epoch,key,value" and rows), skipping what does not parse.
std::vector<RecordedChange> parseChanges(const std::string& text)
{
    std::vector<RecordedChange> out;
    std::stringstream in(text);
    std::string line;
    std::getline(in, line); // header
    while (std::getline(in, line)) {
        const auto a = line.find(','), b = line.find(',', a == std::string::npos ? a : a + 1);
        if (a == std::string::npos || b == std::string::npos)
            continue;
        RecordedChange c;
        const auto r = std::from_chars(line.data(), line.data() + a, c.epoch);
        c.key = line.substr(a + 1, b - a - 1);
        c.value = line.substr(b + 1);
        double v = 0.0;
        if (r.ec == std::errc() && r.ptr == line.data() + a && (c.key == "lr" || c.key == "zeta") && readNumber(c.value, v))
            out.push_back(std::move(c));
    }
    return out;
}

} // namespace

std::vector<RecordedChange> readChanges(const fs::path& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return {};
    std::stringstream text;
    text << in.rdbuf();
    return parseChanges(text.str());
}

RunWriter::RunWriter(fs::path dir, const TrainConfig& config, const NetworkGraph& initial, bool hasValidation,
                     bool force)
    : m_dir(std::move(dir)), m_config(config)
{
    check(m_dir, force);
    fs::create_directories(m_dir);
    lock();
    if (force && isRunFolder(m_dir))
        removeOldRun(m_dir);
    writeTextFileAtomic(m_dir / "config.json", config.toJson().dump() + "\n");
    m_metricsText = metricsCsvHeader(initial.layerCount(), hasValidation) + '\n';
    m_metrics.open(m_dir / "metrics.csv", std::ios::trunc);
    if (!m_metrics)
        throw std::runtime_error("cannot write " + (m_dir / "metrics.csv").string());
    m_metrics << m_metricsText << std::flush;
    requireWritten(m_metrics, m_dir / "metrics.csv");
    if (config.snapshotEvery > 0) {
        fs::create_directories(m_dir / "snapshots");
        openTables(std::ios::trunc);
        m_topology << topologyCsvHeader();
        m_topologyDegrees << "epoch,layer,side,degree,count\n";
        snapshot(0, initial, nullptr);
    }
    // Before summary.json: a folder that says "running" always has a checkpoint to resume from
    // when checkpoints are on.
    if (config.checkpointEvery > 0)
        checkpoint(0, initial);
    m_lastEpochEnd = std::chrono::steady_clock::now();
    writeRunning();
}

RunWriter::RunWriter(fs::path dir, const ResumePoint& resumed)
    : m_dir(std::move(dir)), m_config(resumed.config)
{
    lock();
    // Another resume may have finished the run between loadResume and this lock.
    if (summaryStatus(m_dir).value_or("") == "completed")
        throw std::invalid_argument(m_dir.string() + ": the run completed meanwhile; there is nothing to resume");
    // Everything that can fail is checked before anything in the folder changes.
    const std::vector<EpochMetrics> rows = parseMetricsCsv(resumed.metrics, "checkpoint.rwm (its metrics)");
    std::shared_ptr<const NetworkGraph> previous;
    std::vector<std::pair<fs::path, std::uintmax_t>> tables;
    if (m_config.snapshotEvery > 0) {
        for (const auto& [name, bytes] : {std::pair{"topology.csv", resumed.topologyBytes},
                                          std::pair{"topology_degrees.csv", resumed.topologyDegreesBytes}}) {
            const fs::path file = m_dir / name;
            std::error_code ec;
            const std::uintmax_t size = fs::exists(file, ec) ? fs::file_size(file, ec) : 0;
            if (ec || size < bytes)
                throw std::runtime_error(file.string() + ": " + std::to_string(size) + " bytes, its checkpoint recorded " +
                                         std::to_string(bytes) + "; the file was changed since, so the run cannot "
                                         "continue it");
            tables.emplace_back(file, bytes);
        }
        // The newest snapshot the checkpoint covers: the turnover of the next one is measured from it.
        fs::path newest;
        for (const SnapshotFile& f : listSnapshots(m_dir)) // by epoch
            if (f.epoch <= resumed.epochs)
                newest = f.path;
        if (!newest.empty())
            previous = std::make_shared<const NetworkGraph>(loadModel(newest).topologyCopy());
    }

    removeOrphans(m_dir);
    std::error_code ec;
    fs::remove(m_dir / "model.rwm", ec); // an interrupted run's, from an epoch this run trains again
    for (const SnapshotFile& f : listSnapshots(m_dir))
        if (f.epoch > resumed.epochs)
            fs::remove(f.path, ec);
    m_metricsText = resumed.metrics;
    // A run an older Rewire started has an older header (no alpha and beta columns): its rows
    // are written again in today's format, so every row of the file matches its header.
    const std::string oldHeader = m_metricsText.substr(0, m_metricsText.find('\n'));
    int layers = 0;
    for (std::size_t at = 0; (at = oldHeader.find(",connections_l", at)) != std::string::npos; ++at)
        ++layers;
    const std::string header = metricsCsvHeader(layers, oldHeader.find(",validation_loss,") != std::string::npos);
    if (oldHeader != header) {
        m_metricsText = header + '\n';
        for (const EpochMetrics& m : rows)
            m_metricsText += metricsCsvRow(m) + '\n';
    }
    writeTextFileAtomic(m_dir / "metrics.csv", m_metricsText);
    m_changesText = resumed.changes;
    if (m_changesText.empty())
        fs::remove(m_dir / "changes.csv", ec);
    else
        writeTextFileAtomic(m_dir / "changes.csv", m_changesText);
    m_metrics.open(m_dir / "metrics.csv", std::ios::app);
    if (!m_metrics)
        throw std::runtime_error("cannot write " + (m_dir / "metrics.csv").string());
    if (m_config.snapshotEvery > 0) {
        // Rows written after the checkpoint go; the epochs that wrote them run again.
        for (const auto& [file, bytes] : tables)
            fs::resize_file(file, bytes);
        fs::create_directories(m_dir / "snapshots");
        openTables(std::ios::app);
        m_previous = std::move(previous);
    }
    if (!rows.empty())
        m_last = rows.back();
    m_trainSeconds = resumed.trainSeconds;
    m_wall = resumed.wallSeconds;
    m_checkpointEpoch = resumed.network ? resumed.epochs : -1;
    m_resumedFrom = resumed.epochs;
    m_lastEpochEnd = std::chrono::steady_clock::now();
    writeRunning();
}

RunWriter::~RunWriter() = default;

RunWriter::FolderLock::~FolderLock()
{
    if (fd >= 0)
        ::close(fd); // and with it the flock
}

void RunWriter::lock()
{
    m_lock.fd = ::open(m_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (m_lock.fd < 0)
        throw std::runtime_error("cannot open " + m_dir.string() + ": " + std::strerror(errno));
    // A few retries: lockedByOther's probe holds a shared lock for microseconds.
    for (int attempt = 0;; ++attempt) {
        if (::flock(m_lock.fd, LOCK_EX | LOCK_NB) == 0)
            return;
        if (errno == EINTR)
            continue;
        if (errno != EWOULDBLOCK)
            throw std::runtime_error("cannot lock " + m_dir.string() + ": " + std::strerror(errno));
        if (attempt == 20)
            throw std::invalid_argument(busyMessage(m_dir));
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

void RunWriter::openTables(std::ios::openmode mode)
{
    m_topology.open(m_dir / "topology.csv", mode);
    m_topologyDegrees.open(m_dir / "topology_degrees.csv", mode);
    if (!m_topology || !m_topologyDegrees)
        throw std::runtime_error("cannot write " + (m_dir / "topology.csv").string() + " or topology_degrees.csv");
}

void RunWriter::checkpoint(int epochs, const NetworkGraph& network)
{
    // The tables whose lengths the checkpoint records reach the disk before it does.
    if (m_config.snapshotEvery > 0) {
        syncFile(m_dir / "topology.csv");
        syncFile(m_dir / "topology_degrees.csv");
    }
    std::map<std::string, std::string> a;
    a[kCheckpointPrefix + "epochs"] = std::to_string(epochs);
    a[kCheckpointPrefix + "config"] = m_config.toJson().dump();
    a[kCheckpointPrefix + "metrics"] = m_metricsText;
    a[kCheckpointPrefix + "changes"] = m_changesText;
    if (m_config.snapshotEvery > 0) {
        a[kCheckpointPrefix + "topology_bytes"] = std::to_string(fs::file_size(m_dir / "topology.csv"));
        a[kCheckpointPrefix + "topology_degrees_bytes"] = std::to_string(fs::file_size(m_dir / "topology_degrees.csv"));
    }
    a[kCheckpointPrefix + "train_seconds"] = formatNumber(m_trainSeconds);
    std::string wall;
    for (double w : m_wall) {
        if (!wall.empty())
            wall += ',';
        wall += formatNumber(w);
    }
    a[kCheckpointPrefix + "wall_seconds"] = wall;
    saveModel(network, m_dir / "checkpoint.rwm", true, &a);
    m_checkpointEpoch = epochs;
}

ResumePoint RunWriter::loadResume(const fs::path& dir)
{
    if (!fs::is_directory(dir))
        throw std::invalid_argument(dir.string() + ": no such run folder");
    if (!fs::exists(dir / "config.json")) {
        if (isRunFolder(dir))
            throw std::invalid_argument(dir.string() + ": the run was killed before it wrote config.json, so there is "
                                        "nothing to continue; start it again with its options and --out " +
                                        dir.string() + " --force");
        throw std::invalid_argument(dir.string() + ": not a Rewire run folder (no config.json)");
    }
    if (lockedByOther(dir))
        throw std::invalid_argument(busyMessage(dir));
    ResumePoint r;
    r.status = summaryStatus(dir).value_or("unknown");
    const fs::path file = dir / "checkpoint.rwm";
    if (r.status == "completed")
        throw std::invalid_argument(dir.string() + ": the run completed; there is nothing to resume" +
                                    (fs::exists(file) ? std::string(" (checkpoint.rwm is left from a kill during its "
                                                                    "last writes and can be deleted)")
                                                      : std::string()));
    if (r.status == "diverged")
        throw std::invalid_argument(dir.string() + ": the run diverged; resuming would diverge again at the same "
                                    "batch (start a new run with a smaller --lr)");
    const TrainConfig original = TrainConfig::load(dir / "config.json");
    original.validate();
    const std::string changesText = fs::exists(dir / "changes.csv") ? readText(dir / "changes.csv") : std::string();
    if (!fs::exists(file)) { // start again from the seed, replaying the changes the run had made
        r.config = original;
        r.laterChanges = parseChanges(changesText);
        return r;
    }
    NetworkGraph g = loadModel(file);
    auto& attrs = g.attributes();
    const auto bad = [&](const std::string& what) -> ModelFileError {
        return ModelFileError(file.string() + ": " + what + "; not a checkpoint of this run");
    };
    const auto get = [&](const std::string& key) -> std::string {
        const auto it = attrs.find(kCheckpointPrefix + key);
        if (it == attrs.end())
            throw bad("no " + kCheckpointPrefix + key + " attribute");
        return it->second;
    };
    const auto count = [&](const std::string& key) {
        const std::string text = get(key);
        std::uint64_t v = 0;
        const auto res = std::from_chars(text.data(), text.data() + text.size(), v);
        if (text.empty() || res.ec != std::errc() || res.ptr != text.data() + text.size())
            throw bad("attribute " + kCheckpointPrefix + key + " is not a count: \"" + text.substr(0, 40) + "\"");
        return v;
    };
    try {
        r.config.merge(Json::parse(get("config"), file.string() + " (" + kCheckpointPrefix + "config)"), file.string());
        r.config.validate();
    } catch (const ConfigError& e) {
        throw ModelFileError(file.string() + " (" + kCheckpointPrefix + "config): " + e.what());
    } catch (const std::runtime_error& e) {
        throw ModelFileError(e.what());
    }
    // The checkpoint must be this run's: every option but those a run may change on the way
    // (lr and zeta from the app; threads and checkpoint cadence, which do not change results).
    TrainConfig same = r.config;
    same.lr = original.lr;
    same.zeta = original.zeta;
    same.threads = original.threads;
    same.checkpointEvery = original.checkpointEvery;
    if (same.toJson().dump() != original.toJson().dump())
        throw bad("its options differ from " + (dir / "config.json").string());
    const std::uint64_t epochs = count("epochs");
    if (epochs >= static_cast<std::uint64_t>(r.config.epochs))
        throw bad("checkpoint after epoch " + std::to_string(epochs) + " of a run of " + std::to_string(r.config.epochs));
    r.epochs = static_cast<int>(epochs);
    r.metrics = get("metrics");
    const std::vector<EpochMetrics> rows = parseMetricsCsv(r.metrics, file.string() + " (" + kCheckpointPrefix + "metrics)");
    for (std::size_t i = 0; i < rows.size(); ++i)
        if (rows[i].epoch != static_cast<int>(i) + 1)
            throw bad("its metrics list epoch " + std::to_string(rows[i].epoch) + " in row " + std::to_string(i + 1));
    if (rows.size() != epochs)
        throw bad("its metrics hold " + std::to_string(rows.size()) + " epochs, it says " + std::to_string(epochs));
    if (r.config.snapshotEvery > 0) {
        r.topologyBytes = count("topology_bytes");
        r.topologyDegreesBytes = count("topology_degrees_bytes");
        for (const auto& [name, bytes] : {std::pair{"topology.csv", r.topologyBytes},
                                          std::pair{"topology_degrees.csv", r.topologyDegreesBytes}}) {
            std::error_code ec;
            const std::uintmax_t size = fs::exists(dir / name, ec) ? fs::file_size(dir / name, ec) : 0;
            if (ec || size < bytes)
                throw std::runtime_error((dir / name).string() + ": " + std::to_string(size) +
                                         " bytes, its checkpoint recorded " + std::to_string(bytes) +
                                         "; the file was changed since, so the run cannot continue it");
        }
    }
    r.changes = attrs.count(kCheckpointPrefix + "changes") ? get("changes") : std::string();
    for (RecordedChange& c : parseChanges(changesText)) // made after the checkpoint: replayed
        if (c.epoch > r.epochs)
            r.laterChanges.push_back(std::move(c));
    if (attrs.count(kCheckpointPrefix + "train_seconds"))
        readNumber(get("train_seconds"), r.trainSeconds);
    if (attrs.count(kCheckpointPrefix + "wall_seconds")) {
        std::stringstream wall(get("wall_seconds"));
        for (std::string cell; std::getline(wall, cell, ',');) {
            double w = 0.0;
            if (readNumber(cell, w))
                r.wallSeconds.push_back(w);
        }
    }
    for (const SparseLayer& l : g.layers())
        if (l.findEdgeProperty("velocity") < 0 || l.findNeuronProperty("bias_velocity") < 0)
            throw bad("no optimiser state (velocity, bias_velocity) in a layer");
    for (auto it = attrs.begin(); it != attrs.end();)
        it = it->first.rfind(kCheckpointPrefix, 0) == 0 ? attrs.erase(it) : std::next(it);
    r.network = std::move(g);
    return r;
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
    if (m_checkpointEpoch >= 0)
        summary.set("checkpoint_epoch", m_checkpointEpoch);
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
    if (lockedByOther(dir))
        throw std::invalid_argument(busyMessage(dir));
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

void RunWriter::epoch(const EpochMetrics& m, const NetworkGraph& network)
{
    const std::string row = metricsCsvRow(m) + '\n';
    m_metrics << row << std::flush;
    if (!m_metrics) { // a full disk: the part of the row that got out is cut, so every row stays whole
        m_metrics.close();
        std::error_code ec;
        fs::resize_file(m_dir / "metrics.csv", m_metricsText.size(), ec);
        requireWritten(m_metrics, m_dir / "metrics.csv");
    }
    m_metricsText += row;
    m_last = m;
    m_trainSeconds += m.epochSeconds;
    const auto now = std::chrono::steady_clock::now();
    m_wall.push_back(std::chrono::duration<double>(now - m_lastEpochEnd).count());
    m_lastEpochEnd = now;
    // Every few seconds, not every epoch: each write is flushed to the disk, and toy runs have
    // millisecond epochs.
    // Checkpoints hold whole epochs only; the last epoch's state is model.rwm.
    bool due = false;
    if (m.complete && m.epoch < m_config.epochs) {
        if (m_config.checkpointEvery > 0)
            due = m.epoch % m_config.checkpointEvery == 0;
        else if (m_config.checkpointEvery < 0) // auto: epochs long enough that losing one hurts
            due = m_wall.back() > 60.0;
    }
    if (due)
        checkpoint(m.epoch, network);
    if (due || now - m_lastRunningWrite >= std::chrono::seconds(5))
        writeRunning();
}

void RunWriter::recordChange(int fromEpoch, const std::string& key, const std::string& value)
{
    const fs::path file = m_dir / "changes.csv";
    if (m_changesText.empty())
        m_changesText = "epoch,key,value\n";
    m_changesText += std::to_string(fromEpoch) + ',' + key + ',' + value + '\n';
    writeTextFileAtomic(file, m_changesText);
    m_config.set(key, value); // checkpoints carry the settings of their last epoch
}

void RunWriter::snapshot(int epoch, const NetworkGraph& net, std::shared_ptr<const NetworkGraph> topology)
{
    saveModel(net, m_dir / "snapshots" / fmt::format("epoch_{:04d}.rwm", epoch));
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
    if (const NetworkExploration x = networkExploration(explorationRows(epochsDone, network), network); x.tracked) {
        summary.set("exploration_rate", x.rate);
        Json::Array perLayer(x.perLayer.begin(), x.perLayer.end());
        summary.set("exploration_rate_per_layer", Json(std::move(perLayer)));
        if (x.estimated)
            summary.set("exploration_rate_note", "layers above 2^27 positions are HyperLogLog estimates, relative "
                                                 "standard error 0.41 %");
    }
    summary.set("train_seconds", m_trainSeconds);
    if (!m_wall.empty())
        summary.set("median_epoch_wall_seconds", median(m_wall));
    summary.set("peak_rss_mib", peakRssMiB());
    if (m_threads > 0)
        summary.set("threads", m_threads);
    summary.set("dataset", datasetDescription);
    if (!error.empty())
        summary.set("error", error);
    if (m_resumedFrom >= 0)
        summary.set("resumed_from_epoch", m_resumedFrom);
    if (!m_note.empty())
        summary.set("note", m_note);
    if (status != "diverged") {
        saveModel(network, m_dir / "model.rwm");
        summary.set("model", "model.rwm");
    }
    if (status != "completed" && m_checkpointEpoch >= 0)
        summary.set("checkpoint_epoch", m_checkpointEpoch);
    writeTextFileAtomic(m_dir / "summary.json", summary.dump() + "\n");
    if (status == "completed") { // the model is final; the checkpoint would only take space
        std::error_code ec;
        fs::remove(m_dir / "checkpoint.rwm", ec);
    }
}

RunModel findRunModel(const fs::path& runDir)
{
    if (fs::exists(runDir / "model.rwm"))
        return {runDir / "model.rwm", ""};
    std::string status = "no summary.json";
    try {
        if (const auto st = summaryStatus(runDir))
            status = "summary.json says \"" + *st + "\"";
    } catch (const std::exception&) {
    }
    const std::string why = runDir.string() + ": no model.rwm (" + status + ": the run was killed, or is still training); ";
    if (fs::exists(runDir / "checkpoint.rwm"))
        return {runDir / "checkpoint.rwm", why + "using its last checkpoint, checkpoint.rwm"};
    const std::vector<SnapshotFile> snaps = listSnapshots(runDir);
    if (!snaps.empty())
        return {snaps.back().path, why + "using its newest snapshot, " + snaps.back().path.filename().string()};
    if (!isRunFolder(runDir))
        throw std::runtime_error(runDir.string() + ": not a run folder (no config.json, metrics.csv or model.rwm)");
    throw std::runtime_error(runDir.string() + ": neither model.rwm, checkpoint.rwm nor snapshots/epoch_NNNN.rwm; no "
                             "model to open (was the run killed before its first checkpoint?)");
}

NetworkGraph loadNetworkOnly(const fs::path& modelFile)
{
    NetworkGraph g = loadModel(modelFile);
    if (!g.attributes().count(kCheckpointPrefix + "epochs"))
        return g;
    for (auto it = g.attributes().begin(); it != g.attributes().end();)
        it = it->first.rfind(kCheckpointPrefix, 0) == 0 ? g.attributes().erase(it) : std::next(it);
    return g.topologyCopy();
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
    return h + ",pruned,regrown,alpha,beta,loss_before_step,loss_after_step,weight_updates,train_flops,epoch_seconds,"
               "evolution_seconds,eval_seconds,measure_seconds";
}

std::string formatMeasured(double x, int decimals, double scale)
{
    if (std::isnan(x))
        return "n/a";
    return fmt::format("{:.{}f}", scale * x, decimals);
}

std::string metricsCsvRow(const EpochMetrics& m)
{
    const auto measured = [](double x) { return formatMeasured(x, 6); };
    std::string row = std::to_string(m.epoch) + "," + measured(m.trainLoss) + "," + measured(m.trainAccuracy) + ",";
    if (m.hasValidation)
        row += measured(m.validationLoss) + "," + measured(m.validationAccuracy) + ",";
    row += measured(m.testLoss) + "," + measured(m.testAccuracy) + "," + std::to_string(m.connections);
    for (EdgeIndex c : m.connectionsPerLayer)
        fmt::format_to(std::back_inserter(row), ",{}", c);
    fmt::format_to(std::back_inserter(row), ",{},{},", m.pruned, m.regrown);
    // Seed 002's efficiency: α = accuracy / connections, β = loss × connections, over the
    // network the test figures describe (before the epoch's topology step).
    const auto c = static_cast<double>(m.trainedConnections ? m.trainedConnections : m.connections);
    row += c > 0 && !std::isnan(m.testAccuracy) ? fmt::format("{:.6e}", m.testAccuracy / c) : "n/a";
    row += ',';
    row += formatMeasured(m.testLoss * c, 3);
    row += "," + measured(m.lossBeforeStep) + "," + measured(m.lossAfterStep);
    fmt::format_to(std::back_inserter(row), ",{},{:.6e}", m.weightUpdates, m.trainFlops);
    fmt::format_to(std::back_inserter(row), ",{:.4f},{:.4f},{:.4f},{:.4f}", m.epochSeconds, m.evolutionSeconds, m.evalSeconds,
                   m.measureSeconds);
    return row;
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
    return parseMetricsCsv(readText(file), file.string());
}

std::vector<EpochMetrics> parseMetricsCsv(const std::string& text, const std::string& source)
{
    std::istringstream in(text);
    std::string line;
    if (!std::getline(in, line))
        throw std::runtime_error(source + ": empty file, expected a metrics.csv header");
    const std::vector<std::string> header = splitComma(line);
    std::map<std::string, std::size_t> col;
    for (std::size_t i = 0; i < header.size(); ++i)
        col[header[i]] = i;
    for (const char* required : {"epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "connections"})
        if (!col.count(required))
            throw std::runtime_error(source + ": header lacks the column \"" + required + "\"");
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
            throw std::runtime_error(source + ":" + std::to_string(lineNo) + ": " + std::to_string(cells.size()) +
                                     " fields, the header has " + std::to_string(header.size()));
        auto num = [&](const std::string& name, double fallback = 0.0) {
            const auto it = col.find(name);
            if (it == col.end())
                return fallback;
            double v = 0.0;
            if (cells[it->second] == "n/a")
                return std::numeric_limits<double>::quiet_NaN();
            if (!readNumber(cells[it->second], v))
                throw std::runtime_error(source + ":" + std::to_string(lineNo) + ": column " + name +
                                         ": not a number: \"" + cells[it->second] + "\"");
            return v;
        };
        // Counts: whole and in range before the cast (a hostile file's 1e300 is an error).
        auto whole = [&](const std::string& name, double max) {
            const double v = num(name);
            if (!(v >= 0 && v <= max && v == std::floor(v)))
                throw std::runtime_error(source + ":" + std::to_string(lineNo) + ": column " + name +
                                         ": expected a count, got \"" + cells[col.at(name)] + "\"");
            return v;
        };
        constexpr double kMaxEdges = 9.0e18;
        EpochMetrics m;
        m.epoch = static_cast<int>(whole("epoch", 2147483647.0));
        m.trainLoss = num("train_loss");
        m.trainAccuracy = num("train_accuracy");
        m.hasValidation = col.count("validation_loss") > 0;
        m.validationLoss = num("validation_loss");
        m.validationAccuracy = num("validation_accuracy");
        m.testLoss = num("test_loss");
        m.testAccuracy = num("test_accuracy");
        m.connections = static_cast<EdgeIndex>(whole("connections", kMaxEdges));
        for (std::size_t c : layerCols)
            m.connectionsPerLayer.push_back(static_cast<EdgeIndex>(whole(header[c], kMaxEdges)));
        m.pruned = col.count("pruned") ? static_cast<EdgeIndex>(whole("pruned", kMaxEdges)) : 0;
        m.regrown = col.count("regrown") ? static_cast<EdgeIndex>(whole("regrown", kMaxEdges)) : 0;
        m.lossBeforeStep = num("loss_before_step", std::numeric_limits<double>::quiet_NaN());
        m.lossAfterStep = num("loss_after_step", std::numeric_limits<double>::quiet_NaN());
        m.weightUpdates = col.count("weight_updates") ? static_cast<std::int64_t>(whole("weight_updates", kMaxEdges)) : 0;
        m.trainFlops = num("train_flops");
        m.epochSeconds = num("epoch_seconds");
        m.evolutionSeconds = num("evolution_seconds");
        m.evalSeconds = num("eval_seconds");
        m.measureSeconds = num("measure_seconds"); // 0 in runs written before the column
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
        int epoch = 0;
        const auto r = std::from_chars(stem.data() + 6, stem.data() + stem.size(), epoch);
        if (r.ec != std::errc() || r.ptr != stem.data() + stem.size() || stem.size() == 6 || epoch < 0)
            continue;
        out.push_back({epoch, e.path()});
    }
    std::sort(out.begin(), out.end(), [](const SnapshotFile& a, const SnapshotFile& b) { return a.epoch < b.epoch; });
    return out;
}

} // namespace rewire
