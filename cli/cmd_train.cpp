#include "analysis/topology_evolution.h"
#include "cli/args.h"
#include "cli/option_flags.h"
#include "core/options.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "run/run_folder.h"
#include "core/memory_plan.h"
#include "core/parallel/mpi_transport.h"
#include "core/parallel/wasap.h"
#include "core/trainer.h"
#include "datasets/registry.h"
#include "graph/atomic_file.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

namespace rewire::cli {

namespace {

std::string methodsText()
{
    std::string s = "methods (--method):\n";
    for (const MethodSpec& m : methodRegistry())
        s += fmt::format("  {:<15} {}\n  {:<15} [{}]\n", m.name, m.summary, "", m.source);
    return s;
}

// What `rewire train` parsed: the options table's values given on the command line (by key,
// the last occurrence wins) and the run options.
struct TrainArgs {
    std::vector<std::pair<std::string, std::string>> options;
    std::string config, out, resume;
    bool force = false, quiet = false, markdown = false, dryRun = false, profile = false;
};

// The data's shape when the spec alone tells it (generated sets, the built-in IDX sets), so that a
// dry run and the memory check need not load or generate it. Only the total sample count matters
// for memory, not how it is split.
std::optional<DataShape> shapeFromSpec(const TrainConfig& config)
{
    if (!config.testDataset.empty() || !config.validationDataset.empty())
        return std::nullopt;
    if (config.dataset == "auto" || config.dataset.empty()) {
        if (!findFashionMnist().empty())
            return DataShape{70000, 0, 0, 784};
        TrainConfig fallback;
        fallback.dataset = kSyntheticDefaultSpec;
        return shapeFromSpec(fallback);
    }
    const DatasetSpec spec = parseDatasetSpec(config.dataset);
    if (spec.kind == DatasetSpec::Kind::Synthetic) {
        if (spec.name == "madelon")
            return DataShape{spec.madelon.samples, 0, 0, spec.madelon.features};
        return DataShape{spec.samples, 0, 0, 2};
    }
    return std::nullopt; // a named set may be missing: loading it says so, and tells its shape
}

// The parser comes from the options table: one flag per option, its help with the range and
// default, grouped as the table groups them. Returns false when --help was answered.
bool parseTrainArgs(int argc, char** argv, TrainArgs& a)
{
    CLI::App app("Trains a sparse MLP and writes a run folder: config.json (resolved options, usable with --config),\n"
                 "metrics.csv (one row per epoch), model.rwm (final model) and summary.json.",
                 "rewire train");
    app.allow_extras();
    app.get_formatter()->column_width(36);
    app.footer(methodsText() +
               "\nevery option is also a config.json key; README.md has the same table with its defaults.");
    OptionFlags table;
    table.addTo(app);
    app.add_option("--config", a.config, "options as a JSON object with the same keys (flags override it)")
        ->group("run")
        ->type_name("FILE.json");
    app.add_option("--out", a.out, "run folder [runs/<method>-<time>]")->group("run")->type_name("DIR");
    app.add_flag("--force", a.force, "write into a DIR that already holds a run")->group("run");
    app.add_flag("--quiet", a.quiet, "no per-epoch lines")->group("run");
    app.add_flag("--profile", a.profile,
                 wrapHelp("after each epoch line, the training pass's seconds per layer: forward, backward (bias "
                          "step and gradient phase), update phase; and input filling and loss"))
        ->group("run");
    app.add_flag("--dry-run", a.dryRun,
                 wrapHelp("print the memory the run will need, part by part (edges, optimiser state, activations, "
                          "data, transient peaks), and whether it fits; allocate and write nothing"))
        ->group("run");
    app.add_option("--resume", a.resume,
                   wrapHelp("continue the run in DIR (killed, interrupted or stopped) from its last checkpoint, or from the "
                   "start without one; the result equals that of the uninterrupted run. Takes --threads, "
                   "--checkpoint-every and --quiet"))
        ->group("run")
        ->type_name("DIR");
    app.add_flag("--options-markdown", a.markdown, "print the option and method tables as Markdown (README.md holds them)")
        ->group("run");
    if (!parseCommand(app, argc, argv, 2))
        return false;
    a.options = table.given();
    if (app.get_option("--resume")->count() == 0)
        a.resume.clear();
    return true;
}

} // namespace

int runTrain(int argc, char** argv)
{
    TrainArgs args;
    if (!parseTrainArgs(argc, argv, args))
        return 0;
    if (args.markdown) {
        std::printf("<!-- options:begin -->\n%s<!-- options:end -->\n\n<!-- methods:begin -->\n%s<!-- methods:end -->\n",
                    optionsMarkdown().c_str(), methodsMarkdown().c_str());
        return 0;
    }

    namespace fs = std::filesystem;
    const std::string* resumeDir = args.resume.empty() ? nullptr : &args.resume;
    ResumePoint resumed;
    TrainConfig config;
    if (resumeDir) {
        for (const auto& [key, value] : args.options)
            if (key != "threads" && key != "checkpoint-every")
                throw UsageError("--resume continues the run as " + *resumeDir + "/config.json set it; --" + key +
                                 " cannot change it (only --threads, --checkpoint-every and --quiet can)");
        if (!args.config.empty() || !args.out.empty())
            throw UsageError("--resume continues the run as " + *resumeDir + "/config.json set it; --" +
                             (args.config.empty() ? "out" : "config") + " cannot change it");
        if (args.force)
            throw UsageError("--resume continues a run and replaces nothing; --force does not apply");
        try {
            resumed = RunWriter::loadResume(*resumeDir);
        } catch (const std::invalid_argument& e) {
            throw UsageError(std::string("--resume ") + e.what());
        } // a damaged checkpoint or JSON file is a file error (exit 1) that names the file
        config = resumed.config;
        try {
            for (const auto& [key, value] : args.options)
                config.set(key, value);
            config.validate();
        } catch (const ConfigError& e) {
            throw UsageError(e.what());
        }
        resumed.config = config;
    }
    try {
        if (!args.config.empty() && !resumeDir) {
            try {
                config = TrainConfig::load(args.config);
            } catch (const ConfigError& e) {
                throw ConfigError(std::string("--config ") + e.what());
            }
        }
        if (!resumeDir) {
            for (const auto& [key, value] : args.options)
                config.set(key, value);
            config.validate();
        }
    } catch (const ConfigError& e) {
        throw UsageError(e.what());
    }

    // Under mpirun, rank 0 is the parameter server and runs the run as usual (folder, output, the
    // Trainer); the other ranks load the same data and work as workers 1..K-1.
    std::unique_ptr<parallel::MpiSession> mpi;
    const int ranks = parallel::mpirunWorldSize(); // 0: not started by mpirun
    if (ranks > 0 && !args.dryRun && (config.parallel != "off" || ranks > 1)) {
        if (config.parallel == "off")
            throw UsageError("started by mpirun: add --parallel wasap or --parallel wassp (otherwise every rank would "
                             "train the same network into the same folder)");
        mpi = std::make_unique<parallel::MpiSession>();
        const bool workersGiven = std::any_of(args.options.begin(), args.options.end(),
                                              [](const auto& kv) { return kv.first == "workers"; });
        if (workersGiven && config.workers != mpi->size()) {
            mpi->setExitCode(2);
            if (mpi->rank() == 0)
                std::fprintf(stderr, "rewire train: --workers %d: under mpirun the workers are the %d ranks; leave --workers "
                             "out or give %d\n", config.workers, mpi->size(), mpi->size());
            return 2;
        }
        config.workers = mpi->size();
        if (mpi->rank() > 0) {
            try {
                const LoadedData data = loadDataset(datasetRequest(config));
                parallel::workMpi(*mpi, config, data.split);
                return 0;
            } catch (const std::exception& e) { // printed before the session ends the job
                std::fprintf(stderr, "rewire train: %s: %s\n", mpi->rankName(mpi->rank()).c_str(), e.what());
                return 1;
            }
        }
    }
    auto body = [&]() -> int {
    const fs::path out = resumeDir ? fs::path(*resumeDir)
                         : !args.out.empty() ? fs::path(args.out)
                                              : fs::path(defaultRunDir(config.method));
    if (!resumeDir && !args.dryRun) {
        try {
            RunWriter::check(out, args.force);
        } catch (const std::invalid_argument& e) {
            throw UsageError(std::string("--out ") + e.what());
        }
    }

    std::optional<DataShape> shape;
    try {
        shape = shapeFromSpec(config);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    if (args.dryRun) {
        std::string how = "from the dataset spec";
        if (!shape) {
            const LoadedData loaded = loadDataset(datasetRequest(config));
            const DataSplit& d = loaded.split;
            shape = DataShape{d.train.samples(), d.test.samples(), d.validation.samples(), d.train.features()};
            how = "loaded to learn its shape";
        }
        if (config.architecture().front() != shape->features)
            throw UsageError(fmt::format("--arch {}: input size {} does not match the {} features of {}", config.arch,
                                         config.architecture().front(), shape->features, config.dataset));
        const MemoryPlan plan = planTrainingMemory(config, *shape);
        std::printf("dry run       %s, %s, batch %d, %s (data %s)\n", config.arch.c_str(), config.method.c_str(),
                    config.batch, config.optimizer.c_str(), how.c_str());
        const double available = availableMemoryBytes();
        std::printf("%s", formatMemoryPlan(plan, available).c_str());
        return !(available > 0) || plan.peakBytes() <= 0.9 * available ? 0 : 1;
    }
    // A run that cannot fit is refused before its data is generated or loaded, when the spec tells
    // the data's size; the Trainer checks again with the data in hand.
    if (shape) {
        try {
            requirePlanFits(planTrainingMemory(config, *shape), config);
        } catch (const ConfigError& e) {
            throw UsageError(e.what());
        }
    }

    // Everything that can fail on bad input happens before the run folder is created.
    const auto loadStart = std::chrono::steady_clock::now();
    LoadedData data = loadDataset(datasetRequest(config));
    const double loadSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - loadStart).count();
    std::unique_ptr<Trainer> trainer;
    const auto initStart = std::chrono::steady_clock::now();
    try {
        if (resumed.network)
            trainer = std::make_unique<Trainer>(config, data.split, std::move(*resumed.network), resumed.epochs);
        else
            trainer = std::make_unique<Trainer>(config, data.split);
    } catch (const ConfigError& e) {
        throw UsageError(resumeDir ? "--resume " + *resumeDir + ": " + e.what() : std::string(e.what()));
    }
    const double initSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - initStart).count();
    const bool quiet = args.quiet;
    if (!quiet) {
        std::printf("data          %s (%.2fs)\n", data.description.c_str(), loadSeconds);
        std::printf("network       %s, %s, %lld connections (",
                    formatArchitecture(trainer->network().architecture()).c_str(), config.method.c_str(),
                    static_cast<long long>(trainer->network().edgeCount()));
        for (int l = 0; l < trainer->network().layerCount(); ++l)
            std::printf("%s%.2f%%", l ? " " : "", 100.0 * trainer->network().layer(l).density());
        std::printf(" density)\ninit          %s%s (%.2fs)\nthreads       %d", toString(trainer->init()).c_str(),
                    config.init == "auto" ? (trainer->init() == WeightInit::SparseFanIn
                                                 ? " (auto: a layer starts below 1 % density)"
                                                 : " (auto)")
                                          : "",
                    initSeconds, trainer->threads());
        if (config.threads == 0)
            std::printf(" (auto: every core; fewer while other processes keep cores busy)");
        std::printf("\n");
        if (config.parallel != "off") {
            const int phase1 = parallel::phase1Epochs(config);
            std::printf("parallel      %s, %d %s x %d engine threads; phase 1 (parameter server) epochs 1-%d, "
                        "phase 2 (local replicas, averaged) epochs %d-%d\n",
                        config.parallel.c_str(), config.workers, mpi ? "MPI ranks" : "worker threads",
                        mpi ? (config.threads > 0 ? config.threads : mpi->threadsPerRank())
                            : parallel::workerThreads(config, config.workers),
                        phase1, phase1 + 1, config.epochs);
        }
        std::printf("run folder    %s\n", out.string().c_str());
        if (resumeDir && resumed.network)
            std::printf("resuming      after epoch %d of %d, from its checkpoint (the run was %s)\n", resumed.epochs,
                        config.epochs, resumed.status.c_str());
        else if (resumeDir)
            std::printf("resuming      from epoch 1: the run has no checkpoint (the run was %s; --checkpoint-every "
                        "was %s)\n",
                        resumed.status.c_str(), config.checkpointEvery < 0 ? "auto" : "0");
        std::fflush(stdout);
    }

    std::unique_ptr<RunWriter> writer;
    try {
        writer = resumed.network ? std::make_unique<RunWriter>(out, resumed)
                                 : std::make_unique<RunWriter>(out, config, trainer->network(),
                                                               data.split.validation.samples() > 0,
                                                               args.force || resumeDir);
    } catch (const std::invalid_argument& e) { // the folder became busy meanwhile
        throw UsageError(std::string(resumeDir ? "--resume " : "--out ") + e.what());
    }
    RunWriter& run = *writer;
    run.setThreads(trainer->threads());
    // A resumed run replays the hyper-parameter changes (the app's lr and zeta) that the killed
    // run had made after its checkpoint, each before the epoch it applied to.
    struct ChangeReplay : TrainingObserver {
        Trainer& trainer;
        RunWriter& run;
        const std::vector<RecordedChange>& changes;
        ChangeReplay(Trainer& t, RunWriter& r, const std::vector<RecordedChange>& c) : trainer(t), run(r), changes(c) {}
        void apply(int nextEpoch)
        {
            for (const RecordedChange& c : changes)
                if (c.epoch == nextEpoch) {
                    double v = 0.0;
                    readNumber(c.value, v);
                    if (c.key == "lr")
                        trainer.setLearningRate(v);
                    else
                        trainer.setZeta(v);
                    run.recordChange(c.epoch, c.key, c.value);
                }
        }
        void onEpoch(const EpochMetrics& m, const NetworkGraph&) override { apply(m.epoch + 1); }
    } replay(*trainer, run, resumed.laterChanges);
    replay.apply(trainer->epochsDone() + 1);
    trainer->setProfiling(args.profile);
    ProgressPrinter progress(config.epochs, config.batch, quiet);
    // The run folder first: when an epoch's line shows, its metrics and checkpoint are on disk (a
    // kill after the line keeps them).
    ObserverList observers{&run, &progress, &replay};
    installStopHandler();
    std::string status = "completed";
    int code = 0;
    std::string error;
    try {
        if (mpi)
            parallel::trainMpi(*mpi, *trainer, data.split, &observers);
        else if (config.parallel != "off")
            parallel::trainThreaded(*trainer, data.split, &observers);
        else
            trainer->run(&observers);
        if (!trainer->finished()) {
            status = "interrupted";
            code = 130;
            if (trainer->partialBatches() > 0)
                run.setNote(fmt::format("model.rwm holds {} complete epochs and {} of the {} batches of epoch {}; "
                                        "metrics.csv and the checkpoint hold complete epochs only",
                                        trainer->epochsDone(), trainer->partialBatches(), trainer->batchesPerEpoch(),
                                        trainer->epochsDone() + 1));
        }
    } catch (const TrainingDiverged& e) {
        status = "diverged";
        error = e.what();
        code = 3;
    }
    run.finish(status, error, trainer->epochsDone(), trainer->network(), data.description);
    if (code == 3) {
        std::fprintf(stderr, "rewire train: %s; metrics of the completed epochs are in %s, no model was saved\n",
                     error.c_str(), (out / "metrics.csv").string().c_str());
        return code;
    }
    if (!quiet) {
        const double accuracy = run.last().testAccuracy;
        std::printf("%s: test accuracy %s after %d epochs, %.2fs training, peak memory %.0f MiB\n", status.c_str(),
                    (formatMeasured(accuracy, 2, 100) + (std::isnan(accuracy) ? " (no test samples)" : "%")).c_str(),
                    trainer->epochsDone(), run.trainSeconds(), peakRssMiB());
        if (const NetworkExploration x = networkExploration(explorationRows(trainer->epochsDone(), trainer->network()),
                                                           trainer->network());
            x.tracked) {
            std::string layers;
            for (double r : x.perLayer)
                layers += fmt::format("{}{:.3g} %", layers.empty() ? "" : ", ", 100.0 * r);
            std::printf("exploration   %.3g %% of all positions were ever active (per layer: %s)%s\n", 100.0 * x.rate,
                        layers.c_str(), x.estimated ? "; layers above 2^27 positions estimated, ±0.41 %" : "");
        }
        std::printf("wrote         %s/{config.json,metrics.csv,model.rwm,summary.json}\n", out.string().c_str());
    }
    if (code == 130)
        std::fprintf(stderr, "rewire train: interrupted after %d complete epochs%s; continue with `rewire train --resume %s`\n",
                     trainer->epochsDone(),
                     trainer->partialBatches() > 0
                         ? fmt::format(" and {} of {} batches of the next", trainer->partialBatches(),
                                       trainer->batchesPerEpoch()).c_str()
                         : "",
                     out.string().c_str());
    return code;
    };
    if (!mpi)
        return body();
    // The session ends the job (MPI_Abort) unless every worker was told to stop: print first.
    int code = 1;
    try {
        code = body();
    } catch (const UsageError& e) {
        std::fprintf(stderr, "rewire train: %s\n", e.what());
        code = 2;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "rewire train: out of memory (the model or the data needs more memory than is free)\n");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rewire train: %s\n", e.what());
    }
    mpi->setExitCode(code);
    return code;
}

} // namespace rewire::cli
