#include "gui/run_browser.h"

#include "run/run_folder.h"
#include "core/config.h"
#include "graph/atomic_file.h"
#include "graph/json.h"
#include "graph/model_io.h"

#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace rewire::gui {

namespace fs = std::filesystem;

namespace {
int epochsTrained(const NetworkGraph& g, int fallback)
{
    const auto it = g.attributes().find("epochs_trained");
    int epochs = fallback;
    if (it != g.attributes().end())
        std::from_chars(it->second.data(), it->second.data() + it->second.size(), epochs);
    return epochs;
}
} // namespace

LoadedRun loadRun(const fs::path& path, std::uint64_t generation, const std::function<void(int, int)>& progress,
                  std::size_t budgetBytes, EdgeIndex sketchAboveEdges)
{
    SketchOptions sketch; // its rates fixed by the first network sketched
    LoadedRun run;
    std::vector<std::pair<int, fs::path>> files;
    std::vector<EpochMetrics> metrics;
    std::vector<ParameterChange> changes;
    std::shared_ptr<NetworkGraph> checkpoint; // a killed run's, loaded once
    int totalEpochs = 0;
    if (fs::is_directory(path)) {
        run.runDir = path;
        if (fs::exists(path / "metrics.csv"))
            metrics = readMetricsCsv(path / "metrics.csv");
        for (const RecordedChange& c : readChanges(path / "changes.csv"))
            changes.push_back({c.epoch, c.key, c.value});
        if (fs::exists(path / "config.json")) {
            TrainConfig config;
            try {
                config = TrainConfig::load(path / "config.json");
            } catch (const ConfigError& e) {
                throw std::runtime_error(e.what());
            }
            totalEpochs = config.epochs;
            run.configJson = config.toJson().dump();
        }
        for (const SnapshotFile& f : listSnapshots(path))
            files.emplace_back(f.epoch, f.path);
        run.description = path.string();
        // model.rwm, else a killed run's checkpoint (or newest snapshot); throws when there is none.
        const RunModel found = findRunModel(path);
        if (!found.note.empty()) {
            run.description += " (killed or still training: " + found.path.filename().string() + ")";
            // The checkpoint is newer than the snapshots when it holds later epochs.
            if (found.path.filename() == "checkpoint.rwm") {
                checkpoint = std::make_shared<NetworkGraph>(loadNetworkOnly(found.path));
                if (files.empty() || epochsTrained(*checkpoint, 0) > files.back().first)
                    files.emplace_back(-1, found.path);
            }
        } else if (files.empty()) {
            files.emplace_back(-1, found.path);
        }
    } else if (fs::exists(path)) {
        files.emplace_back(-1, path);
        run.description = path.filename().string();
    } else {
        throw std::runtime_error(path.string() + ": no such file or folder");
    }
    if (totalEpochs == 0 && !metrics.empty())
        totalEpochs = metrics.back().epoch;

    std::shared_ptr<const Snapshot> previous;
    int done = 0;
    for (const auto& [fileEpoch, file] : files) {
        auto s = std::make_shared<Snapshot>();
        auto network = checkpoint && file.filename() == "checkpoint.rwm" ? checkpoint
                                                                          : std::make_shared<NetworkGraph>(loadNetworkOnly(file));
        s->generation = generation;
        s->epoch = fileEpoch >= 0 ? fileEpoch : epochsTrained(*network, metrics.empty() ? 0 : metrics.back().epoch);
        s->totalEpochs = std::max(totalEpochs, s->epoch);
        s->source = run.description;
        for (const EpochMetrics& m : metrics)
            if (m.epoch <= s->epoch)
                s->metrics.push_back(m);
        for (const ParameterChange& c : changes)
            if (c.epoch <= s->epoch)
                s->parameterChanges.push_back(c);
        if (network->edgeCount() > sketchAboveEdges) {
            fixSampleRates(sketch, *network);
            analyseSketched(*s, *network, sketch, previous.get());
            s->file = file; // the whole network, for what a sketch cannot give (NNSTD, the analysis files)
        } else {
            analyseSnapshot(*s, std::move(network), previous.get());
        }
        previous = s;
        run.snapshots.push_back(std::move(s));
        run.thinned += thinSnapshots(run.snapshots, budgetBytes);
        if (progress)
            progress(++done, static_cast<int>(files.size()));
    }
    return run;
}

void checkSnapshotNetwork(const Snapshot& s, const NetworkGraph& g)
{
    if (const int epoch = epochsTrained(g, s.epoch); epoch != s.epoch)
        throw std::runtime_error(s.file.string() + " holds epoch " + std::to_string(epoch) + " now, not the epoch " +
                                 std::to_string(s.epoch) + " shown: open the run again");
}

NetworkGraph loadSnapshotNetwork(const Snapshot& s)
{
    NetworkGraph g = loadNetworkOnly(s.file);
    checkSnapshotNetwork(s, g);
    return g;
}

} // namespace rewire::gui
