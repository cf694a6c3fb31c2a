// Checkpoints and `rewire train --resume`: a run killed at any moment continues to the result of
// the uninterrupted run, bit for bit.

#include "cli/cli_helpers.h"
#include "run/run_folder.h"
#include "graph/json.h"
#include "graph/model_io.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <random>
#include <thread>
#include <unistd.h>

using namespace rewire;
using namespace rewire::test;
namespace fs = std::filesystem;

namespace {

// Big enough that a run takes a few hundred milliseconds (kills land in training, evaluation,
// snapshots and checkpoint writes), small enough for 20+ kills in seconds.
const std::string kRun = "--dataset synthetic:madelon:samples=6000,features=20,informative=5,redundant=3,classes=3 "
                         "--arch 20-1000-1000-3 --epsilon 5 --epochs 8 --batch 32 --lr 0.05 --seed 7 --quiet "
                         "--snapshot-every 2 --checkpoint-every 1";

std::vector<std::string> words(const std::string& text)
{
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string w; in >> w;)
        out.push_back(w);
    return out;
}

// Starts `rewire ARGS` with its output to `log`; returns the pid.
pid_t spawn(const std::string& args, const fs::path& log = "/dev/null")
{
    const char* bin = std::getenv("REWIRE_BIN");
    REQUIRE(bin != nullptr);
    std::vector<std::string> argv = words(args);
    argv.insert(argv.begin(), bin);
    std::vector<char*> cargv;
    for (std::string& a : argv)
        cargv.push_back(a.data());
    cargv.push_back(nullptr);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        const int null = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(null, 1);
        ::dup2(null, 2);
        ::execv(bin, cargv.data());
        ::_exit(127);
    }
    return pid;
}

// Waits for pid; its exit code, or -signal when a signal ended it.
int reap(pid_t pid)
{
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

std::string runStatus(const fs::path& run)
{
    if (!fs::exists(run / "summary.json"))
        return "";
    const Json s = Json::parse(readFile(run / "summary.json"), "summary.json");
    return s.find("status")->asString();
}

// What the test compares: the model, the metrics without their timings, the topology tables.
void requireSameRun(const fs::path& a, const fs::path& b)
{
    REQUIRE(fs::exists(b / "model.rwm"));
    REQUIRE(readFile(a / "model.rwm") == readFile(b / "model.rwm"));
    REQUIRE(metricsWithoutTimes(a / "metrics.csv") == metricsWithoutTimes(b / "metrics.csv"));
    for (const char* f : {"topology.csv", "topology_degrees.csv"})
        REQUIRE(readFile(a / f) == readFile(b / f));
    std::vector<std::string> snapsA, snapsB;
    for (const SnapshotFile& f : listSnapshots(a))
        snapsA.push_back(readFile(f.path));
    for (const SnapshotFile& f : listSnapshots(b))
        snapsB.push_back(readFile(f.path));
    REQUIRE(snapsA == snapsB);
}

// Waits (at most 30 s) until the run's summary.json names its checkpoint after `epoch`.
void waitForCheckpoint(const fs::path& run, int epoch)
{
    const std::string key = "\"checkpoint_epoch\": " + std::to_string(epoch);
    for (int i = 0; i < 30000; ++i) {
        if (fs::exists(run / "summary.json") && readFile(run / "summary.json").find(key) != std::string::npos)
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    FAIL("no checkpoint after epoch " << epoch << " in " << run << " within 30 s");
}

// Starts `rewire train ARGS --out RUN`, and kills it with SIGKILL once its checkpoint after
// `epoch` exists (ARGS must train long enough for the kill to land).
void killAfterCheckpoint(const std::string& args, const fs::path& run, int epoch)
{
    const pid_t pid = spawn("train " + args + " --out " + run.string());
    waitForCheckpoint(run, epoch);
    ::kill(pid, SIGKILL);
    REQUIRE(reap(pid) == -SIGKILL);
}

bool hasTemporaryFiles(const fs::path& run)
{
    for (const auto& e : fs::recursive_directory_iterator(run))
        if (e.path().filename().string().find(".tmp-") != std::string::npos)
            return true;
    return false;
}

} // namespace

TEST_CASE("a run killed with SIGKILL at random moments resumes to the uninterrupted result", "[cli][resume]")
{
    const auto dir = tempDir("resume-kill");
    const auto t0 = std::chrono::steady_clock::now();
    const Result full = run("train " + kRun + " --threads 2 --out " + (dir / "full").string());
    INFO(full.output);
    REQUIRE(full.code == 0);
    const double fullMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    REQUIRE(!fs::exists(dir / "full" / "checkpoint.rwm")); // a completed run drops its checkpoint

    const fs::path k = dir / "killed";
    std::mt19937 rng(20261202);
    std::uniform_real_distribution<double> when(0.0, 0.6 * fullMs);
    int kills = 0, starts = 0, cycles = 0;
    // Each start is killed after a random delay; a run that completes is compared with the
    // uninterrupted one and the next cycle begins, until 20 kills have landed. Then the last
    // cycle finishes unkilled. Bounded: at most 300 starts.
    bool fresh = true;
    for (;;) {
        REQUIRE(starts < 300);
        // Alternate thread counts: results do not depend on them.
        const std::string threads = starts % 2 ? " --threads 1" : " --threads 2";
        const pid_t pid = spawn(fresh ? "train " + kRun + threads + " --out " + k.string()
                                      : "train --resume " + k.string() + threads + " --quiet",
                                dir / "log.txt");
        fresh = false;
        ++starts;
        if (kills < 20) {
            std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(when(rng)));
            ::kill(pid, SIGKILL); // a process that already exited is a zombie until reaped: no error
        }
        const int code = reap(pid);
        INFO("start " << starts << " ended with " << code << ": " << readFile(dir / "log.txt"));
        if (code == 2 && !fs::exists(k / "config.json")) {
            // Killed before the run folder held its config: there is no run to resume, and
            // --resume says which case it is (no folder; an empty one; one the run had begun to
            // fill); the user starts the run again.
            const char* expected = !fs::exists(k)  ? "no such run folder"
                                   : fs::is_empty(k) ? "not a Rewire run folder (no config.json)"
                                                     : "the run was killed before it wrote config.json";
            REQUIRE(readFile(dir / "log.txt").find(expected) != std::string::npos);
            fs::remove_all(k);
            fresh = true;
            continue;
        }
        REQUIRE((code == -SIGKILL || code == 0));
        kills += code == -SIGKILL;
        // Never a folder that says it is running without a loadable checkpoint or model.
        if (fs::exists(k / "summary.json")) {
            const std::string s = runStatus(k);
            INFO("status " << s);
            if (s == "running")
                REQUIRE_NOTHROW(loadModel(k / "checkpoint.rwm"));
            else
                REQUIRE_NOTHROW(loadModel(k / "model.rwm"));
            const RunModel m = findRunModel(k);
            REQUIRE_NOTHROW(loadNetworkOnly(m.path));
        }
        if (runStatus(k) == "completed") {
            ++cycles;
            requireSameRun(dir / "full", k);
            if (code == -SIGKILL && fs::exists(k / "checkpoint.rwm")) {
                // Killed between the completed summary and the checkpoint's removal (two files
                // cannot change at once): the model is final, and --resume says the leftover
                // checkpoint can be deleted.
                const Result again = run("train --resume " + k.string());
                REQUIRE(again.code == 2);
                REQUIRE(again.output.find("checkpoint.rwm is left from a kill during its last writes") != std::string::npos);
                fs::remove(k / "checkpoint.rwm");
            }
            REQUIRE(!fs::exists(k / "checkpoint.rwm"));
            REQUIRE(!hasTemporaryFiles(k));
            if (kills >= 20)
                break;
            fs::remove_all(k);
            fresh = true;
        }
    }
    WARN(kills << " kills in " << starts << " starts, " << cycles << " completed runs");
    REQUIRE(kills >= 20);
    const Json summary = Json::parse(readFile(k / "summary.json"), "summary.json");
    REQUIRE(summary.find("epochs_completed")->asNumber() == 8);
}

TEST_CASE("resume removes torn checkpoint writes and continues from the last good checkpoint", "[cli][resume]")
{
    const auto dir = tempDir("resume-torn");
    const std::string longer = kRun + " --epochs 30"; // still training when the kill lands
    REQUIRE(run("train " + longer + " --out " + (dir / "full").string()).code == 0);
    const fs::path t = dir / "torn";
    killAfterCheckpoint(longer, t, 2);
    // The half-written next checkpoint and snapshot a kill leaves behind.
    const std::string good = readFile(t / "checkpoint.rwm");
    writeFile(t / "checkpoint.rwm.tmp-99999", good.substr(0, good.size() / 3));
    writeFile(t / "snapshots" / "epoch_0004.rwm.tmp-99999", "RWMODEL");
    const Result r = run("train --resume " + t.string());
    INFO(r.output);
    REQUIRE(r.code == 0);
    REQUIRE(r.output.find("resuming") != std::string::npos);
    REQUIRE(!hasTemporaryFiles(t));
    requireSameRun(dir / "full", t);
}

TEST_CASE("resume without checkpoints starts again, and an interrupted run resumes from its checkpoint", "[cli][resume]")
{
    const auto dir = tempDir("resume-modes");
    const std::string longer = kRun + " --epochs 30"; // still training when the signals land
    REQUIRE(run("train " + longer + " --out " + (dir / "full").string()).code == 0);

    // --checkpoint-every 0: nothing to continue from, so the run starts again from its seed.
    const fs::path none = dir / "none";
    const pid_t pid = spawn("train " + longer + " --checkpoint-every 0 --out " + none.string());
    for (int i = 0; i < 30000 && readFile(none / "metrics.csv").find("\n2,") == std::string::npos; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ::kill(pid, SIGKILL);
    REQUIRE(reap(pid) == -SIGKILL);
    REQUIRE(!fs::exists(none / "checkpoint.rwm"));
    const Result r = run("train --resume " + none.string());
    INFO(r.output);
    REQUIRE(r.code == 0);
    REQUIRE(r.output.find("from epoch 1: the run has no checkpoint") != std::string::npos);
    requireSameRun(dir / "full", none);

    // Ctrl-C ends an epoch early; its partial row and model are replaced by the resumed run's.
    const fs::path stopped = dir / "stopped";
    const pid_t p2 = spawn("train " + longer + " --out " + stopped.string());
    waitForCheckpoint(stopped, 2);
    ::kill(p2, SIGINT);
    REQUIRE(reap(p2) == 130);
    REQUIRE(runStatus(stopped) == "interrupted");
    REQUIRE(fs::exists(stopped / "checkpoint.rwm"));
    REQUIRE(fs::exists(stopped / "model.rwm")); // the interrupted epoch's, kept until the resume
    const Result again = run("train --resume " + stopped.string() + " --threads 1");
    INFO(again.output);
    REQUIRE(again.code == 0);
    requireSameRun(dir / "full", stopped);
}

TEST_CASE("resume refuses what it cannot continue, naming the folder", "[cli][resume][errors]")
{
    const auto dir = tempDir("resume-errors");
    const fs::path done = dir / "done";
    REQUIRE(run("train " + kTiny + " --checkpoint-every 1 --out " + done.string()).code == 0);

    const Result completed = run("train --resume " + done.string());
    REQUIRE(completed.code == 2);
    REQUIRE(completed.output.find(done.string() + ": the run completed") != std::string::npos);

    const Result change = run("train --resume " + done.string() + " --lr 0.1");
    REQUIRE(change.code == 2);
    REQUIRE(change.output.find("--lr cannot change it") != std::string::npos);

    const Result missing = run("train --resume " + (dir / "nothing").string());
    REQUIRE(missing.code == 2);
    REQUIRE(missing.output.find("no such run folder") != std::string::npos);

    fs::create_directories(dir / "mine");
    const Result foreign = run("train --resume " + (dir / "mine").string());
    REQUIRE(foreign.code == 2);
    REQUIRE(foreign.output.find("not a Rewire run folder") != std::string::npos);

    // A folder a live process is writing: neither --resume nor --force touches it.
    const fs::path live = dir / "live";
    const pid_t pid = spawn("train " + kRun + " --epochs 200 --out " + live.string());
    waitForCheckpoint(live, 0);
    const Result busy = run("train --resume " + live.string());
    const Result forced = run("train " + kTiny + " --force --out " + live.string());
    ::kill(pid, SIGKILL);
    reap(pid);
    INFO(busy.output << forced.output);
    REQUIRE(busy.code == 2);
    REQUIRE(busy.output.find("another process is writing this run folder") != std::string::npos);
    REQUIRE(forced.code == 2);
    REQUIRE(forced.output.find("another process is writing this run folder") != std::string::npos);

    // A damaged checkpoint is a file error naming the file; nothing is removed.
    std::string bytes = readFile(live / "checkpoint.rwm");
    bytes[bytes.size() / 2] ^= 0x5a;
    writeFile(live / "checkpoint.rwm", bytes);
    const Result damaged = run("train --resume " + live.string());
    REQUIRE(damaged.code == 1);
    REQUIRE(damaged.output.find((live / "checkpoint.rwm").string() + ": checksum mismatch") != std::string::npos);
    REQUIRE(readFile(live / "checkpoint.rwm") == bytes);
}

TEST_CASE("info, analyze and export open a killed run from its checkpoint", "[cli][resume][analysis]")
{
    const auto dir = tempDir("resume-open");
    const fs::path live = dir / "run";
    killAfterCheckpoint(kRun + " --epochs 40", live, 1);
    REQUIRE(runStatus(live) == "running");
    REQUIRE(!fs::exists(live / "model.rwm"));

    const Result info = run("info " + live.string());
    INFO(info.output);
    REQUIRE(info.code == 0);
    REQUIRE(info.output.find("using its last checkpoint") != std::string::npos);
    REQUIRE(info.output.find("checkpoint    after epoch") != std::string::npos);
    REQUIRE(info.output.find("velocity (per edge), bias_velocity (per neuron)") != std::string::npos);
    REQUIRE(info.output.find("checkpoint.metrics") == std::string::npos);

    const Result analyze = run("analyze " + live.string() + " --powerlaw-precision 0");
    INFO(analyze.output);
    REQUIRE(analyze.code == 0);
    REQUIRE(fs::exists(live / "analysis" / "neurons.csv"));

    const Result exported = run("export " + live.string() + " --format edgelist -o " + (dir / "edges.csv").string());
    INFO(exported.output);
    REQUIRE(exported.code == 0);
    REQUIRE(readFile(dir / "edges.csv").find("velocity") == std::string::npos);

    // The killed run then resumes as usual.
    const Result resumed = run("train --resume " + live.string() + " --quiet");
    REQUIRE(resumed.code == 0);
    REQUIRE(runStatus(live) == "completed");
}

TEST_CASE("Ctrl-C in the last epoch is an interruption, not a completed run", "[cli][resume][signals]")
{
    const auto dir = tempDir("resume-last");
    // Epochs of a few hundred milliseconds, so the signal lands inside the last one.
    const std::string slow = "--dataset synthetic:madelon:samples=40000,features=20,informative=5,redundant=3,classes=3 "
                             "--arch 20-1000-1000-3 --epsilon 5 --epochs 3 --batch 32 --lr 0.05 --seed 7 --quiet "
                             "--checkpoint-every 1";
    REQUIRE(run("train " + slow + " --out " + (dir / "full").string()).code == 0);
    const fs::path k = dir / "run";
    const pid_t pid = spawn("train " + slow + " --out " + k.string(), dir / "log.txt");
    waitForCheckpoint(k, 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ::kill(pid, SIGINT);
    REQUIRE(reap(pid) == 130);
    INFO(readFile(dir / "log.txt"));
    REQUIRE(readFile(dir / "log.txt").find("interrupted after 2 complete epochs and") != std::string::npos);
    REQUIRE(runStatus(k) == "interrupted");
    const Json summary = Json::parse(readFile(k / "summary.json"), "summary.json");
    REQUIRE(summary.find("epochs_completed")->asNumber() == 2);
    REQUIRE(summary.find("note")->asString().find("model.rwm holds 2 complete epochs and") != std::string::npos);
    REQUIRE(metricsWithoutTimes(k / "metrics.csv").size() == 1 + 2); // whole epochs only
    REQUIRE(fs::exists(k / "checkpoint.rwm"));
    REQUIRE(run("train --resume " + k.string()).code == 0);
    REQUIRE(readFile(dir / "full" / "model.rwm") == readFile(k / "model.rwm"));
    REQUIRE(metricsWithoutTimes(dir / "full" / "metrics.csv") == metricsWithoutTimes(k / "metrics.csv"));
}

TEST_CASE("a checkpoint that is not this run's is refused before anything changes", "[cli][resume][errors]")
{
    const auto dir = tempDir("resume-foreign");
    const std::string args = kRun + " --epochs 30";
    const fs::path k = dir / "run";
    killAfterCheckpoint(args, k, 3);
    const std::string good = readFile(k / "checkpoint.rwm");
    const auto folder = [&] {
        std::string all;
        for (const char* f : {"metrics.csv", "topology.csv", "topology_degrees.csv", "summary.json"})
            all += readFile(k / f);
        for (const SnapshotFile& f : listSnapshots(k))
            all += f.path.string();
        return all;
    };
    const std::string before = folder();
    const auto tampered = [&](const std::string& key, const std::string& value) {
        NetworkGraph g = loadModel(k / "checkpoint.rwm");
        std::map<std::string, std::string> extra{{key, value}};
        saveModel(g, k / "checkpoint.rwm", true, &extra);
    };
    std::string otherSeed = loadModel(k / "checkpoint.rwm").attributes().at("checkpoint.config");
    REQUIRE(otherSeed.find("\"seed\": 7") != std::string::npos);
    otherSeed.replace(otherSeed.find("\"seed\": 7"), 9, "\"seed\": 8");
    const std::pair<std::pair<const char*, std::string>, const char*> cases[] = {
        {{"checkpoint.config", otherSeed}, "its options differ from"}, // another run's checkpoint
        {{"checkpoint.epochs", ""}, "checkpoint.epochs is not a count"},
        {{"checkpoint.epochs", "2"}, "its metrics hold 3 epochs, it says 2"},
        {{"checkpoint.epochs", "30"}, "checkpoint after epoch 30 of a run of 30"},
        {{"checkpoint.metrics", "epoch,train_loss\n1,0.5\n"}, "header lacks the column"},
        {{"checkpoint.topology_bytes", "999999999"}, "its checkpoint recorded 999999999"},
    };
    for (const auto& [attr, message] : cases) {
        INFO(attr.first << " = " << attr.second.substr(0, 80));
        writeFile(k / "checkpoint.rwm", good);
        tampered(attr.first, attr.second);
        const Result r = run("train --resume " + k.string());
        INFO(r.output);
        REQUIRE(r.code != 0);
        REQUIRE(r.output.find(message) != std::string::npos);
        REQUIRE(std::count(r.output.begin(), r.output.end(), '\n') == 1);
        REQUIRE(folder() == before); // nothing deleted, truncated or rewritten
    }
    // The user's own files with ".tmp-" in their names are not orphans of Rewire's writes.
    writeFile(k / "checkpoint.rwm", good);
    writeFile(k / "notes.tmp-2024.txt", "mine");
    writeFile(k / "snapshots" / "my.tmp-keep", "mine");
    REQUIRE(run("train --resume " + k.string()).code == 0);
    REQUIRE(readFile(k / "notes.tmp-2024.txt") == "mine");
    REQUIRE(readFile(k / "snapshots" / "my.tmp-keep") == "mine");
}

TEST_CASE("changes the killed run made after its checkpoint are replayed at their epochs", "[cli][resume]")
{
    // As the app records them: "from epoch 5, lr 0.02". Two copies killed after different
    // checkpoints (2 and 3) both replay the change before epoch 5, so they end identical, and
    // differently from a run without the change.
    const auto dir = tempDir("resume-changes");
    REQUIRE(run("train " + kRun + " --epochs 8 --out " + (dir / "plain").string()).code == 0);
    for (int at : {2, 3}) {
        const fs::path k = dir / ("run" + std::to_string(at));
        killAfterCheckpoint(kRun + " --epochs 8", k, at);
        writeFile(k / "changes.csv", "epoch,key,value\n5,lr,0.02\n");
        const Result r = run("train --resume " + k.string());
        INFO(r.output);
        REQUIRE(r.code == 0);
        REQUIRE(readFile(k / "changes.csv") == "epoch,key,value\n5,lr,0.02\n");
    }
    REQUIRE(readFile(dir / "run2" / "model.rwm") == readFile(dir / "run3" / "model.rwm"));
    REQUIRE(metricsWithoutTimes(dir / "run2" / "metrics.csv") == metricsWithoutTimes(dir / "run3" / "metrics.csv"));
    REQUIRE(readFile(dir / "run2" / "model.rwm") != readFile(dir / "plain" / "model.rwm"));
    const auto plain = metricsWithoutTimes(dir / "plain" / "metrics.csv"), changed = metricsWithoutTimes(dir / "run2" / "metrics.csv");
    REQUIRE(std::vector(plain.begin(), plain.begin() + 5) == std::vector(changed.begin(), changed.begin() + 5)); // epochs 1-4
    REQUIRE(plain[5] != changed[5]);                                                                              // epoch 5
}

TEST_CASE("a folder a kill left half-created is still a run folder", "[cli][resume][files]")
{
    const auto dir = tempDir("resume-half");
    const fs::path k = dir / "run";
    fs::create_directories(k);
    writeFile(k / "config.json.tmp-4242", "{\"ep");
    const Result resume = run("train --resume " + k.string());
    REQUIRE(resume.code == 2);
    REQUIRE(resume.output.find("killed before it wrote config.json") != std::string::npos);
    const Result refused = run("train " + kTiny + " --out " + k.string());
    REQUIRE(refused.code == 2);
    REQUIRE(refused.output.find("already holds a run") != std::string::npos);
    REQUIRE(run("train " + kTiny + " --out " + k.string() + " --force").code == 0);
    REQUIRE(!fs::exists(k / "config.json.tmp-4242"));
    REQUIRE(runStatus(k) == "completed");
}

TEST_CASE("a writer that fails after taking the folder's lock releases it", "[cli][resume][files]")
{
    const auto dir = tempDir("resume-lock");
    TrainConfig config;
    config.arch = "4-8-2";
    config.snapshotEvery = 1;
    NetworkGraph g({SparseLayer::fromEdges(4, 8, {{0, 0, 1.0f}}), SparseLayer::fromEdges(8, 2, {{0, 0, 1.0f}})});
    writeFile(dir / "snapshots", "a file where the snapshots folder goes");
    REQUIRE_THROWS(RunWriter(dir, config, g, false, true));
    fs::remove(dir / "snapshots");
    REQUIRE_NOTHROW(RunWriter(dir, config, g, false, true)); // not "another process is writing"
}

TEST_CASE("rewire compare continues after a kill: finished runs are kept, the killed one resumes", "[cli][resume][compare]")
{
    const auto dir = tempDir("resume-compare");
    const std::string args = "compare --methods set,accset --seeds 1 " + kRun;
    const Result full = run(args + " --out " + (dir / "full").string());
    INFO(full.output);
    REQUIRE(full.code == 0);

    const fs::path k = dir / "killed";
    const pid_t pid = spawn(args + " --out " + k.string());
    waitForCheckpoint(k / "runs" / "accset-seed7", 2);
    ::kill(pid, SIGKILL);
    REQUIRE(reap(pid) == -SIGKILL);
    REQUIRE(runStatus(k / "runs" / "set-seed7") == "completed");
    REQUIRE(runStatus(k / "runs" / "accset-seed7") == "running");

    // The finished run is kept as it is (kRun is --quiet, so its file says so, not the console).
    const auto setModelTime = fs::last_write_time(k / "runs" / "set-seed7" / "model.rwm");
    const Result again = run(args + " --out " + k.string());
    INFO(again.output);
    REQUIRE(again.code == 0);
    CHECK(fs::last_write_time(k / "runs" / "set-seed7" / "model.rwm") == setModelTime);
    for (const char* r : {"set-seed7", "accset-seed7"})
        requireSameRun(dir / "full" / "runs" / r, k / "runs" / r);
    // The summaries agree but for the seconds column.
    // Everything but the seconds column (the cost columns too: a resumed run counts on from its checkpoint).
    auto withoutSeconds = [](const fs::path& f) {
        std::string out;
        for (const std::string& line : splitLines(readFile(f))) {
            auto cells = splitCells(line);
            cells.erase(cells.begin() + 11);
            for (const std::string& c : cells)
                out += c + ",";
            out += "\n";
        }
        return out;
    };
    CHECK(withoutSeconds(dir / "full" / "summary.csv") == withoutSeconds(k / "summary.csv"));
}

TEST_CASE("a run an older Rewire started (metrics without alpha and beta) resumes with whole rows", "[cli][resume][files]")
{
    const auto dir = tempDir("resume-old-format");
    REQUIRE(run("train " + kRun + " --out " + (dir / "full").string()).code == 0);
    const fs::path k = dir / "run";
    killAfterCheckpoint(kRun, k, 2);
    // The format before the efficiency columns, in metrics.csv and in the checkpoint's copy.
    const auto older = [](const std::string& text) {
        std::string out;
        std::vector<std::size_t> drop;
        for (const std::string& line : splitLines(text)) {
            auto cells = splitCells(line);
            if (drop.empty())
                for (std::size_t c = cells.size(); c-- > 0;)
                    if (cells[c] == "alpha" || cells[c] == "beta")
                        drop.push_back(c);
            for (std::size_t c : drop) // from the right
                cells.erase(cells.begin() + static_cast<std::ptrdiff_t>(c));
            for (std::size_t c = 0; c < cells.size(); ++c)
                out += (c ? "," : "") + cells[c];
            out += "\n";
        }
        return out;
    };
    NetworkGraph g = loadModel(k / "checkpoint.rwm");
    const std::map<std::string, std::string> extra{{"checkpoint.metrics", older(g.attributes().at("checkpoint.metrics"))}};
    REQUIRE(extra.begin()->second.find("alpha") == std::string::npos);
    saveModel(g, k / "checkpoint.rwm", true, &extra);
    writeFile(k / "metrics.csv", older(readFile(k / "metrics.csv")));
    const Result r = run("train --resume " + k.string());
    INFO(r.output);
    REQUIRE(r.code == 0);
    // Every row matches the header again, and the run is the uninterrupted one. The old rows'
    // alpha and beta are recomputed from the 6-decimal figures, so they may differ in the 7th
    // digit; everything else is the same.
    const auto lines = splitLines(readFile(k / "metrics.csv"));
    for (const std::string& line : lines)
        CHECK(splitCells(line).size() == splitCells(lines.front()).size());
    REQUIRE(readFile(dir / "full" / "model.rwm") == readFile(k / "model.rwm"));
    const auto joined = [](const std::vector<std::string>& rows) {
        std::string t;
        for (const std::string& r : rows)
            t += r + "\n";
        return t;
    };
    CHECK(older(joined(metricsWithoutTimes(dir / "full" / "metrics.csv"))) ==
          older(joined(metricsWithoutTimes(k / "metrics.csv"))));
    for (const char* f : {"topology.csv", "topology_degrees.csv"})
        CHECK(readFile(dir / "full" / f) == readFile(k / f));
}
