#include "cli/args.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "run/run_folder.h"
#include "core/trainer.h"
#include "datasets/registry.h"
#include "graph/atomic_file.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdio>
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
  --threads T           auto | 1-1024: auto = every core; at most this many train at once,
                        fewer while other processes keep cores busy (checked every 10 ms);
                        results do not depend on it                                 [auto]
  --seed S              [1]
  --precision P         fp32 | bf16: bf16 stores the activations the sparse forward gathers
                        (fp32 accumulation, weights and gradients); faster on layers wider
                        than ~5,000 neurons, slower on narrow ones            [fp32]
run
  --config FILE.json    options as a JSON object with the same keys (flags override it)
  --out DIR             run folder                                  [runs/<method>-<time>]
  --force               write into a DIR that already holds a run
  --quiet               no per-epoch lines
  --snapshot-every K    save snapshots/epoch_NNNN.rwm at epoch 0, every K epochs and the last,
                        with topology.csv (per snapshot and layer: degrees, turnover) and
                        topology_degrees.csv (degree distributions per snapshot)
  --checkpoint-every K  auto | 0 | K: write checkpoint.rwm (model, optimiser state, counters,
                        metrics so far) at epoch 0 and every K epochs; auto: after every epoch
                        that took over a minute; 0: never                           [auto]
  --resume DIR          continue the run in DIR (killed, interrupted or stopped) from its last
                        checkpoint, or from the start without one; the result equals that of
                        the uninterrupted run. Takes --threads, --checkpoint-every and --quiet
)";

} // namespace

int runTrain(int argc, char** argv)
{
    std::set<std::string> valued(TrainConfig::keys().begin(), TrainConfig::keys().end());
    valued.insert({"config", "out", "resume"});
    const Args args = parseArgs(argc, argv, 2, valued, {"help", "force", "quiet"});
    if (args.flag("help")) {
        std::fputs(kTrainHelp, stdout);
        return 0;
    }
    if (!args.positional.empty())
        throw UsageError("unexpected argument \"" + args.positional.front() + "\" (options start with --)");

    namespace fs = std::filesystem;
    const std::string* resumeDir = args.option("resume");
    ResumePoint resumed;
    TrainConfig config;
    if (resumeDir) {
        for (const auto& [key, value] : args.options)
            if (key != "resume" && key != "threads" && key != "checkpoint-every")
                throw UsageError("--resume continues the run as " + *resumeDir + "/config.json set it; --" + key +
                                 " cannot change it (only --threads, --checkpoint-every and --quiet can)");
        if (args.flag("force"))
            throw UsageError("--resume continues a run and replaces nothing; --force does not apply");
        try {
            resumed = RunWriter::loadResume(*resumeDir);
        } catch (const std::invalid_argument& e) {
            throw UsageError(std::string("--resume ") + e.what());
        } // a damaged checkpoint or JSON file is a file error (exit 1) that names the file
        config = resumed.config;
        try {
            for (const auto& [key, value] : args.options)
                if (key != "resume")
                    config.set(key, value);
            config.validate();
        } catch (const ConfigError& e) {
            throw UsageError(e.what());
        }
        resumed.config = config;
    }
    try {
        if (const std::string* file = args.option("config"); file && !resumeDir) {
            try {
                config = TrainConfig::load(*file);
            } catch (const ConfigError& e) {
                throw ConfigError(std::string("--config ") + e.what());
            }
        }
        if (!resumeDir) {
            for (const auto& [key, value] : args.options)
                if (key != "config" && key != "out")
                    config.set(key, value);
            config.validate();
        }
    } catch (const ConfigError& e) {
        throw UsageError(e.what());
    }

    const fs::path out = resumeDir ? fs::path(*resumeDir)
                         : args.option("out") ? fs::path(*args.option("out"))
                                              : fs::path(defaultRunDir(config.method));
    if (!resumeDir) {
        try {
            RunWriter::check(out, args.flag("force"));
        } catch (const std::invalid_argument& e) {
            throw UsageError(std::string("--out ") + e.what());
        }
    }

    // Everything that can fail on bad input happens before the run folder is created.
    const auto loadStart = std::chrono::steady_clock::now();
    LoadedData data = loadDataset(datasetRequest(config));
    const double loadSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - loadStart).count();
    std::unique_ptr<Trainer> trainer;
    try {
        if (resumed.network)
            trainer = std::make_unique<Trainer>(config, data.split, std::move(*resumed.network), resumed.epochs);
        else
            trainer = std::make_unique<Trainer>(config, data.split);
    } catch (const ConfigError& e) {
        throw UsageError(resumeDir ? "--resume " + *resumeDir + ": " + e.what() : std::string(e.what()));
    }
    const bool quiet = args.flag("quiet");
    if (!quiet) {
        std::printf("data          %s (%.2fs)\n", data.description.c_str(), loadSeconds);
        std::printf("network       %s, %s, %lld connections (",
                    formatArchitecture(trainer->network().architecture()).c_str(), config.method.c_str(),
                    static_cast<long long>(trainer->network().edgeCount()));
        for (int l = 0; l < trainer->network().layerCount(); ++l)
            std::printf("%s%.2f%%", l ? " " : "", 100.0 * trainer->network().layer(l).density());
        std::printf(" density)\nthreads       %d", trainer->threads());
        if (config.threads == 0)
            std::printf(" (auto: every core; fewer while other processes keep cores busy)");
        std::printf("\n");
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
                                                               args.flag("force") || resumeDir);
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
    ProgressPrinter progress(config.epochs, config.batch, quiet);
    ObserverList observers{&progress, &run, &replay};
    installStopHandler();
    std::string status = "completed";
    int code = 0;
    std::string error;
    try {
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
}

} // namespace rewire::cli
