// rewire compare: the same data, architecture and seeds for several methods; one run folder per
// (method, seed), a summary, a mean ± std table and a plot.

#include "analysis/line_plot.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/option_flags.h"
#include "cli/progress.h"
#include "graph/json.h"
#include "core/methods/registry.h"
#include "core/options.h"
#include "core/trainer.h"
#include "graph/atomic_file.h"
#include "run/run_folder.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>

namespace rewire::cli {

namespace {

namespace fs = std::filesystem;


// One finished (or resumed-to-finish) run of the comparison.
struct CompareRun {
    std::string method;
    std::uint64_t seed = 0;
    std::vector<EpochMetrics> metrics;
    double seconds = 0.0;
    std::string params;
};

// "key=value;..." of the options the method reads.
std::string methodParams(const TrainConfig& c)
{
    std::string s;
    for (const std::string& key : findMethod(c.method).options)
        s += (s.empty() ? "" : ";") + key + "=" + findOption(key)->get(c);
    if (!c.importancePruning.empty())
        s += (s.empty() ? "" : ";") + std::string("importance-pruning=") + c.importancePruning;
    return s;
}

// Over the measured values (NaN: a split without samples) only; NaN when there are none.
double meanOf(const std::vector<double>& v)
{
    double s = 0;
    int n = 0;
    for (double x : v)
        if (!std::isnan(x)) {
            s += x;
            ++n;
        }
    return n ? s / n : std::nan("");
}

double stdOf(const std::vector<double>& v)
{
    const double m = meanOf(v);
    double s = 0;
    int n = 0;
    for (double x : v)
        if (!std::isnan(x)) {
            s += (x - m) * (x - m);
            ++n;
        }
    return n < 2 ? (n ? 0.0 : std::nan("")) : std::sqrt(s / (n - 1)); // sample std over seeds
}

// Per-epoch progress of one run on a terminal; a line per finished run otherwise.
struct CompareProgress : TrainingObserver {
    std::string label;
    int epochs = 0;
    bool tty = ::isatty(STDERR_FILENO) != 0;
    bool quiet = false;
    void onEpoch(const EpochMetrics& m, const NetworkGraph&) override
    {
        if (tty && !quiet) {
            std::fprintf(stderr, "\r  %s: epoch %d/%d  test acc %s%%  connections %lld      ", label.c_str(), m.epoch,
                         epochs, formatMeasured(m.testAccuracy, 2, 100).c_str(), static_cast<long long>(m.connections));
            std::fflush(stderr);
        }
    }
    bool stopRequested() override { return stopSignalled(); }
};

} // namespace

constexpr const char* kParamsBaseline = "dense-params";

int runCompare(int argc, char** argv)
{
    CLI::App app("Trains several methods with the same data, architecture and seeds, one run folder each\n"
                 "(DIR/runs/METHOD-seedS), then writes DIR/summary.csv, prints mean ± std per method and draws\n"
                 "DIR/compare.png (test accuracy and connections per epoch, mean with a min..max band over seeds).\n"
                 "Run the same command again to continue an interrupted comparison: finished runs are kept,\n"
                 "interrupted ones resume from their checkpoints.",
                 "rewire compare");
    app.allow_extras();
    app.get_formatter()->column_width(36);
    std::string methodsText = "set,accset,lset,dynset,neighbour-one,neighbour-most", out, configFile;
    int seeds = 3;
    std::optional<double> density;
    bool force = false, quiet = false;
    app.add_option("--methods", methodsText, wrapHelp("comma-separated registry names (rewire train --help lists them)"))
        ->type_name("A,B,...")
        ->default_str(methodsText)
        ->group("comparison");
    app.add_option("--seeds", seeds, "runs per method, with seeds --seed, --seed + 1, ...")
        ->default_str("3")
        ->group("comparison");
    app.add_option("--density", density,
                   wrapHelp("the sparse networks' overall density: sets --epsilon to the smallest ε whose Erdős–Rényi "
                            "network of --arch has it (seed 004 compares at 0.1, 0.06, 0.03)"))
        ->type_name("D")
        ->group("comparison");
    // Seed 004's baselines besides the registry's methods: "dense" (neuron-equivalent) and
    // "dense-params" (parameter-equivalent: dense, every hidden layer of the smallest width whose
    // parameters exceed the sparse network's at --epsilon).
    app.add_option("--out", out, "comparison folder [runs/compare-<time>]")->type_name("DIR")->group("comparison");
    app.add_option("--config", configFile, "training options as JSON (flags override it)")
        ->type_name("FILE.json")
        ->group("comparison");
    app.add_flag("--force", force, "start over in a DIR that holds a different comparison")->group("comparison");
    app.add_flag("--quiet", quiet, "no progress")->group("comparison");
    OptionFlags table;
    table.addTo(app, {"method"});
    if (!parseCommand(app, argc, argv, 2))
        return 0;

    TrainConfig base;
    std::vector<std::string> methods;
    for (std::string& m : splitText(methodsText, ','))
        if (!m.empty())
            methods.push_back(std::move(m));
    try {
        if (!configFile.empty()) {
            try {
                base = TrainConfig::load(configFile);
            } catch (const ConfigError& e) {
                throw ConfigError(std::string("--config ") + e.what());
            }
        }
        for (const auto& [key, value] : table.given())
            base.set(key, value);
        if (density) {
            const auto given = table.given();
            if (std::any_of(given.begin(), given.end(), [](const auto& kv) { return kv.first == "epsilon"; }))
                throw ConfigError("--density and --epsilon: give one of them");
            if (!(*density > 0.0 && *density <= 1.0))
                throw ConfigError("--density " + formatNumber(*density) + ": must be in (0, 1]");
            base.epsilon = epsilonForDensity(base.architecture(), *density); // a bad --arch names itself
        }
        if (methods.empty())
            throw ConfigError("--methods " + methodsText + ": expected at least one method");
        for (const std::string& m : methods) {
            base.method = m == kParamsBaseline ? std::string("dense") : m;
            base.validate();
        }
        if (seeds < 1 || seeds > 1000)
            throw ConfigError("--seeds " + std::to_string(seeds) + ": expected 1 to 1000 runs per method");
    } catch (const ConfigError& e) {
        throw UsageError(e.what());
    }
    base.method = methods.front();

    // The comparison's identity: a second call with the same request continues it.
    Json request;
    request.set("methods", methodsText);
    request.set("seeds", seeds);
    Json baseJson = base.toJson();
    for (const char* volatileKey : {"method", "threads", "checkpoint-every"})
        baseJson.set(volatileKey, nullptr);
    request.set("config", baseJson);
    const fs::path dir = out.empty() ? fs::path(defaultRunDir("compare")) : fs::path(out);
    const fs::path requestFile = dir / "compare.json";
    if (fs::exists(requestFile)) {
        const std::string before = readWholeFile(requestFile, 16 << 20);
        if (before != request.dump() + "\n" && !force)
            throw UsageError("--out " + dir.string() +
                             " holds a different comparison (compare.json); give another --out, or --force to start over");
    } else if (fs::exists(dir) && !fs::is_empty(dir) && !force) {
        throw UsageError("--out " + dir.string() + " is not empty and holds no comparison; give another --out or --force");
    }
    fs::create_directories(dir / "runs");
    writeTextFileAtomic(requestFile, request.dump() + "\n");

    installStopHandler();
    std::map<std::uint64_t, LoadedData> dataBySeed; // every method of a seed trains on the same split
    std::vector<CompareRun> runs;
    const int total = static_cast<int>(methods.size()) * seeds;
    int index = 0;
    for (int k = 0; k < seeds; ++k) {
        for (const std::string& method : methods) {
            ++index;
            TrainConfig config = base;
            config.method = method;
            if (method == kParamsBaseline) {
                config.method = "dense";
                config.arch = formatArchitecture(parameterEquivalentArch(base.architecture(), base.epsilon));
            }
            config.seed = base.seed + static_cast<std::uint64_t>(k);
            const std::string name = fmt::format("{}-seed{}", method, config.seed);
            const fs::path runDir = dir / "runs" / name;
            const std::string label = fmt::format("[{}/{}] {} seed {}", index, total, method, config.seed);
            CompareRun result{method, config.seed, {}, 0.0, methodParams(config)};

            // Finished before: read its metrics. Interrupted: resume. Otherwise start (over).
            ResumePoint resumed;
            bool resume = false;
            if (fs::exists(runDir / "summary.json")) {
                const Json summary = Json::parse(readWholeFile(runDir / "summary.json", 16 << 20), (runDir / "summary.json").string());
                const Json* status = summary.find("status");
                // Diverged runs count as done: the same seed diverges again at the same batch.
                const std::string st = status && status->isString() ? status->asString() : "";
                if ((st == "completed" || st == "diverged") && !force) {
                    result.metrics = readMetricsCsv(runDir / "metrics.csv");
                    for (const EpochMetrics& m : result.metrics)
                        result.seconds += m.epochSeconds + m.evolutionSeconds;
                    if (!quiet)
                        std::printf("%s: done before, %s (%s)\n", label.c_str(), st.c_str(), runDir.string().c_str());
                    runs.push_back(std::move(result));
                    continue;
                }
                if (!force) {
                    try {
                        resumed = RunWriter::loadResume(runDir);
                        resume = resumed.network.has_value();
                    } catch (const std::exception& e) { // no checkpoint, or a damaged one: train it again
                        resume = false;
                        if (!quiet)
                            std::printf("%s: starting again (%s)\n", label.c_str(), e.what());
                    }
                }
            }
            auto data = dataBySeed.find(config.seed);
            if (data == dataBySeed.end())
                data = dataBySeed.emplace(config.seed, loadDataset(datasetRequest(config))).first;
            std::unique_ptr<Trainer> trainer;
            std::unique_ptr<RunWriter> writer;
            try {
                if (resume) {
                    trainer = std::make_unique<Trainer>(resumed.config, data->second.split, std::move(*resumed.network),
                                                        resumed.epochs);
                    writer = std::make_unique<RunWriter>(runDir, resumed);
                } else {
                    trainer = std::make_unique<Trainer>(config, data->second.split);
                    writer = std::make_unique<RunWriter>(runDir, config, trainer->network(),
                                                         data->second.split.validation.samples() > 0, true);
                }
            } catch (const ConfigError& e) {
                throw UsageError(name + ": " + e.what());
            }
            writer->setThreads(trainer->threads());
            CompareProgress progress;
            progress.label = label;
            progress.epochs = config.epochs;
            progress.quiet = quiet;
            ObserverList observers{writer.get(), &progress};
            std::string status = "completed", error;
            try {
                trainer->run(&observers);
                if (!trainer->finished())
                    status = "interrupted";
            } catch (const TrainingDiverged& e) {
                status = "diverged";
                error = e.what();
            }
            writer->finish(status, error, trainer->epochsDone(), trainer->network(), data->second.description);
            if (progress.tty && !quiet)
                std::fprintf(stderr, "\r%100s\r", "");
            if (status == "interrupted") {
                std::fprintf(stderr,
                             "rewire compare: interrupted in %s; run the same command again to continue (finished "
                             "runs are kept)\n",
                             name.c_str());
                return 130;
            }
            result.metrics = readMetricsCsv(runDir / "metrics.csv");
            result.seconds = writer->trainSeconds();
            for (const EpochMetrics& m : result.metrics)
                result.seconds += m.evolutionSeconds;
            if (!quiet) {
                const EpochMetrics& last = result.metrics.empty() ? EpochMetrics() : result.metrics.back();
                std::printf("%s: %s, test accuracy %s%%, %lld connections, %.2fs\n", label.c_str(), status.c_str(),
                            formatMeasured(last.testAccuracy, 2, 100).c_str(), static_cast<long long>(last.connections),
                            result.seconds);
                std::fflush(stdout);
            }
            runs.push_back(std::move(result));
        }
    }

    // summary.csv: one row per run.
    std::string csv = "method,seed,epochs,final_test_accuracy,best_test_accuracy,final_test_loss,connections,alpha,beta,"
                      "weight_updates,train_flops,seconds,params\n";
    struct Agg {
        std::vector<double> finalAcc, bestAcc, loss, connections, alpha, beta, updates, flops, seconds;
    };
    std::map<std::string, Agg> agg;
    for (const CompareRun& r : runs) {
        if (r.metrics.empty())
            continue;
        const EpochMetrics& last = r.metrics.back();
        double best = std::nan("");
        for (const EpochMetrics& m : r.metrics)
            if (!std::isnan(m.testAccuracy) && !(best >= m.testAccuracy))
                best = m.testAccuracy;
        const double c = static_cast<double>(last.connections);
        const double alpha = last.testAccuracy / c, beta = last.testLoss * c;
        csv += fmt::format("{},{},{},{},{},{},{},{:.6e},{:.3f},{},{:.6e},{:.2f},{}\n", r.method, r.seed, r.metrics.size(),
                           formatMeasured(last.testAccuracy, 6), formatMeasured(best, 6),
                           formatMeasured(last.testLoss, 6), last.connections, alpha, beta, last.weightUpdates,
                           last.trainFlops, r.seconds, r.params);
        Agg& a = agg[r.method];
        a.finalAcc.push_back(last.testAccuracy);
        a.bestAcc.push_back(best);
        a.loss.push_back(last.testLoss);
        a.connections.push_back(c);
        a.alpha.push_back(alpha);
        a.beta.push_back(beta);
        a.updates.push_back(static_cast<double>(last.weightUpdates));
        a.flops.push_back(last.trainFlops);
        a.seconds.push_back(r.seconds);
    }
    writeTextFileAtomic(dir / "summary.csv", csv);

    // Mean ± std over seeds, in --methods order.
    // Padded by characters, not bytes ("±" is two bytes of UTF-8).
    auto cell = [](const std::string& t, std::size_t width) {
        const std::size_t chars = displayWidth(t);
        return t + std::string(chars < width ? width - chars : 0, ' ');
    };
    std::printf("\n%s\n", (cell("method", 16) + cell("seeds", 7) + cell("final test acc %", 18) +
                            cell("best test acc %", 18) + cell("test loss", 18) + cell("connections", 18) +
                            cell("weight updates", 16) + cell("train GFLOP", 13) + "seconds")
                               .c_str());
    for (const std::string& m : methods) {
        const auto it = agg.find(m);
        if (it == agg.end())
            continue;
        const Agg& a = it->second;
        auto pm = [](const std::vector<double>& v, double scale, int decimals) {
            if (std::isnan(meanOf(v)))
                return std::string("n/a");
            return fmt::format("{:.{}f} ± {:.{}f}", meanOf(v) * scale, decimals, stdOf(v) * scale, decimals);
        };
        std::printf("%s\n", (cell(m, 16) + cell(std::to_string(a.finalAcc.size()), 7) + cell(pm(a.finalAcc, 100, 2), 18) +
                             cell(pm(a.bestAcc, 100, 2), 18) + cell(pm(a.loss, 1, 4), 18) +
                             cell(pm(a.connections, 1, 0), 18) + cell(fmt::format("{:.3e}", meanOf(a.updates)), 16) +
                             cell(fmt::format("{:.1f}", meanOf(a.flops) / 1e9), 13) + pm(a.seconds, 1, 2))
                                .c_str());
    }

    // compare.png: mean per epoch with the min..max band over seeds.
    PlotPanel acc{"Test accuracy", "epoch", "accuracy (%)", {}}, conn{"Connections", "epoch", "edges", {}};
    for (const std::string& m : methods) {
        std::vector<const CompareRun*> mine;
        for (const CompareRun& r : runs)
            if (r.method == m && !r.metrics.empty())
                mine.push_back(&r);
        if (mine.empty())
            continue;
        std::size_t epochs = 0;
        for (const CompareRun* r : mine)
            epochs = std::max(epochs, r->metrics.size());
        PlotSeries sa{m, {}, {}, {}, {}}, sc{m, {}, {}, {}, {}};
        for (std::size_t e = 0; e < epochs; ++e) {
            std::vector<double> va, vc;
            for (const CompareRun* r : mine)
                if (e < r->metrics.size()) {
                    va.push_back(100 * r->metrics[e].testAccuracy);
                    vc.push_back(static_cast<double>(r->metrics[e].connections));
                }
            for (auto [s, v] : {std::pair<PlotSeries*, std::vector<double>*>{&sa, &va}, {&sc, &vc}}) {
                s->x.push_back(static_cast<double>(e + 1));
                s->y.push_back(meanOf(*v));
                s->low.push_back(*std::min_element(v->begin(), v->end()));
                s->high.push_back(*std::max_element(v->begin(), v->end()));
            }
        }
        acc.series.push_back(std::move(sa));
        conn.series.push_back(std::move(sc));
    }
    writeLinePlotPng(dir / "compare.png", {acc, conn});
    std::printf("\nwrote         %s/{summary.csv,compare.png}, runs in %s/runs\n", dir.string().c_str(),
                dir.string().c_str());
    return 0;
}

} // namespace rewire::cli
