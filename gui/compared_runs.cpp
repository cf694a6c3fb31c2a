#include "gui/compared_runs.h"

#include <algorithm>
#include <stdexcept>

namespace rewire::gui {

namespace fs = std::filesystem;

bool isCompareFolder(const fs::path& path)
{
    return fs::is_regular_file(path / "compare.json") && fs::is_directory(path / "runs");
}

namespace {

ComparedRun readRun(const fs::path& dir, bool inCompareFolder)
{
    ComparedRun run;
    run.dir = dir;
    run.name = dir.filename().string();
    if (run.name.empty()) // "runs/a/"
        run.name = dir.parent_path().filename().string();
    run.group = run.name;
    // `rewire compare` names its runs <method>-seed<S>.
    const std::size_t at = run.name.rfind("-seed");
    if (inCompareFolder && at != std::string::npos && at > 0 && at + 5 < run.name.size() &&
        run.name.find_first_not_of("0123456789", at + 5) == std::string::npos)
        run.group = run.name.substr(0, at);
    if (!fs::exists(dir / "metrics.csv") && !fs::exists(dir / "config.json"))
        throw std::runtime_error(dir.string() + ": not a run folder (no metrics.csv or config.json)");
    if (fs::exists(dir / "metrics.csv"))
        run.metrics = readMetricsCsv(dir / "metrics.csv");
    run.snapshots = listSnapshots(dir);
    if (fs::exists(dir / "model.rwm"))
        run.finalEpoch = run.metrics.empty() ? 0 : run.metrics.back().epoch;
    return run;
}

} // namespace

std::vector<ComparedRun> loadComparedRuns(const fs::path& path)
{
    std::vector<ComparedRun> runs;
    if (isCompareFolder(path)) {
        std::vector<fs::path> dirs;
        for (const auto& e : fs::directory_iterator(path / "runs"))
            if (e.is_directory())
                dirs.push_back(e.path());
        std::sort(dirs.begin(), dirs.end());
        for (const fs::path& d : dirs)
            runs.push_back(readRun(d, true));
        if (runs.empty())
            throw std::runtime_error((path / "runs").string() + ": a compare folder without runs");
        return runs;
    }
    if (!fs::is_directory(path))
        throw std::runtime_error(path.string() + ": not a run folder or a `rewire compare` folder");
    runs.push_back(readRun(path, false));
    return runs;
}

fs::path comparedNetworkFile(const ComparedRun& run, int epoch, int* found)
{
    *found = -1;
    fs::path file;
    for (const SnapshotFile& s : run.snapshots)
        if (s.epoch <= epoch && s.epoch > *found) {
            *found = s.epoch;
            file = s.path;
        }
    if (run.finalEpoch > *found && run.finalEpoch <= epoch) {
        *found = run.finalEpoch;
        file = run.dir / "model.rwm";
    }
    return file;
}

} // namespace rewire::gui
