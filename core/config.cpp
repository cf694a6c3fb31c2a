#include "core/config.h"

#include "datasets/registry.h"
#include "graph/atomic_file.h"

#include "core/init.h"
#include "core/methods/registry.h"
#include "core/network.h"

#include <charconv>
#include <cmath>
#include <algorithm>
#include <cstdio>

namespace rewire {

namespace {

[[noreturn]] void bad(const std::string& key, const std::string& value, const std::string& expected)
{
    throw ConfigError("--" + key + " " + value + ": " + expected);
}

// readNumber, not stod: stod follows LC_NUMERIC, which the desktop app's QApplication sets from
// the user's environment ("0.6" is not a number under de_DE), and it also reads hex.
double parseNumber(const std::string& key, const std::string& text)
{
    double v = 0.0;
    if (!readNumber(text, v))
        bad(key, text, "expected a number");
    return v;
}

long long parseInteger(const std::string& key, const std::string& text)
{
    long long v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size())
        bad(key, text, "expected an integer");
    return v;
}


} // namespace

const std::vector<std::string>& TrainConfig::keys()
{
    static const std::vector<std::string> k{"dataset", "test-dataset", "test-fraction", "validation", "validation-dataset", "scale", "arch",       "epsilon", "zeta",
                                            "epochs",  "batch",        "lr",         "momentum", "weight-decay",
                                            "dropout", "activation",   "method",     "init",     "loss",
                                            "threads", "precision",    "seed",       "snapshot-every",
                                            "checkpoint-every", "evolve-layers", "counts", "accset-k", "ratio-on",
                                            "dynset-window", "importance-pruning"};
    return k;
}

std::vector<NeuronIndex> TrainConfig::architecture() const
{
    std::vector<NeuronIndex> sizes;
    std::size_t start = 0;
    while (start <= arch.size()) {
        const std::size_t dash = arch.find('-', start);
        const std::string part = arch.substr(start, dash == std::string::npos ? std::string::npos : dash - start);
        long long v = 0;
        const auto r = std::from_chars(part.data(), part.data() + part.size(), v);
        if (part.empty() || r.ec != std::errc() || r.ptr != part.data() + part.size() || v < 1 || v > (1LL << 30))
            bad("arch", arch, "expected sizes like 784-1000-1000-10, each between 1 and 2^30");
        sizes.push_back(static_cast<NeuronIndex>(v));
        if (dash == std::string::npos)
            break;
        start = dash + 1;
    }
    if (sizes.size() < 2)
        bad("arch", arch, "expected at least an input and an output size");
    return sizes;
}

void TrainConfig::validate() const
{
    architecture();
    if (!(epsilon > 0.0))
        bad("epsilon", formatNumber(epsilon), "must be > 0 (edges per neuron scale, e.g. 20)");
    if (!(zeta >= 0.0 && zeta < 1.0))
        bad("zeta", formatNumber(zeta), "must be in [0, 1) (fraction of weights pruned per epoch, e.g. 0.3)");
    if (epochs < 1)
        bad("epochs", std::to_string(epochs), "must be >= 1");
    if (batch < 1 || batch > 65536)
        bad("batch", std::to_string(batch), "must be in [1, 65536]");
    if (precision != "fp32" && precision != "bf16")
        bad("precision", precision, "expected fp32 or bf16");
    if (!(lr > 0.0))
        bad("lr", formatNumber(lr), "must be > 0");
    if (!(momentum >= 0.0 && momentum < 1.0))
        bad("momentum", formatNumber(momentum), "must be in [0, 1)");
    if (!(weightDecay >= 0.0 && weightDecay < 1.0))
        bad("weight-decay", formatNumber(weightDecay), "must be in [0, 1)");
    if (!(dropout >= 0.0 && dropout < 1.0))
        bad("dropout", formatNumber(dropout), "must be in [0, 1) (fraction of hidden activations dropped)");
    if (!(testFraction > 0.0 && testFraction < 1.0))
        bad("test-fraction", formatNumber(testFraction), "must be in (0, 1)");
    if (!(validation >= 0.0 && validation < 1.0))
        bad("validation", formatNumber(validation), "must be in [0, 1) (share of the training data held out)");
    if (scale != "standard" && scale != "minmax" && scale != "none")
        bad("scale", scale, "expected standard, minmax or none");
    if (snapshotEvery < 0)
        bad("snapshot-every", std::to_string(snapshotEvery), "must be >= 0 (0 = no snapshots)");
    if (checkpointEvery < -1)
        bad("checkpoint-every", std::to_string(checkpointEvery),
            "expected auto, 0 (no checkpoints) or a number of epochs >= 1");
    if (threads < 0 || threads > 1024)
        bad("threads", std::to_string(threads), "expected auto or a count from 1 to 1024");
    // Spec mistakes are usage errors, found before any data is read.
    for (const auto& [key, spec] : {std::pair<const char*, const std::string&>{"dataset", dataset},
                                    {"test-dataset", testDataset},
                                    {"validation-dataset", validationDataset}})
        if (!spec.empty() && spec != "auto") {
            try {
                parseDatasetSpec(spec);
            } catch (const std::invalid_argument& e) {
                std::string what = e.what(); // "--dataset SPEC: ...", named by the flag that holds it
                if (what.rfind("--dataset ", 0) == 0)
                    what = "--" + std::string(key) + " " + what.substr(10);
                throw ConfigError(what);
            }
        }
    try {
        Activation::parse(activation);
        parseWeightInit(init);
        parseLoss(loss);
    } catch (const std::invalid_argument& e) {
        throw ConfigError(e.what());
    }
    findMethod(method);
    if (evolveLayers != "all" && evolveLayers != "hidden")
        bad("evolve-layers", evolveLayers, "expected all (every sparse layer) or hidden (not the output layer)");
    if (counts != "set" && counts != "accset" && counts != "lset")
        bad("counts", counts, "expected set, accset or lset");
    if (!(accsetK >= 0.0 && accsetK < 1.0))
        bad("accset-k", formatNumber(accsetK), "must be in [0, 1) (0: θ = 1 − accuracy)");
    if (ratioOn != "train" && ratioOn != "validation")
        bad("ratio-on", ratioOn, "expected train or validation");
    if (dynsetWindow < 1 || dynsetWindow > 1000)
        bad("dynset-window", std::to_string(dynsetWindow), "must be in [1, 1000] epochs");
    parseImportancePruning(importancePruning);
}

Json TrainConfig::toJson() const
{
    Json j;
    j.set("dataset", dataset);
    j.set("test-dataset", testDataset);
    j.set("test-fraction", testFraction);
    j.set("validation", validation);
    j.set("validation-dataset", validationDataset);
    j.set("scale", scale);
    j.set("arch", arch);
    j.set("epsilon", epsilon);
    j.set("zeta", zeta);
    j.set("epochs", epochs);
    j.set("batch", batch);
    j.set("lr", lr);
    j.set("momentum", momentum);
    j.set("weight-decay", weightDecay);
    j.set("dropout", dropout);
    j.set("activation", activation);
    j.set("method", method);
    j.set("init", init);
    j.set("loss", loss);
    if (threads == 0)
        j.set("threads", "auto");
    else
        j.set("threads", threads);
    j.set("precision", precision);
    // JSON numbers are doubles: seeds beyond 2^53 are written as strings so they stay exact.
    if (seed < (1ULL << 53))
        j.set("seed", static_cast<double>(seed));
    else
        j.set("seed", std::to_string(seed));
    j.set("evolve-layers", evolveLayers);
    j.set("counts", counts);
    j.set("accset-k", accsetK);
    j.set("ratio-on", ratioOn);
    j.set("dynset-window", dynsetWindow);
    j.set("importance-pruning", importancePruning.empty() ? std::string("off") : importancePruning);
    j.set("snapshot-every", snapshotEvery);
    if (checkpointEvery < 0)
        j.set("checkpoint-every", "auto");
    else
        j.set("checkpoint-every", checkpointEvery);
    return j;
}

void TrainConfig::set(const std::string& key, const std::string& value)
{
    if (key == "dataset") dataset = value;
    else if (key == "test-dataset") testDataset = value;
    else if (key == "test-fraction") testFraction = parseNumber(key, value);
    else if (key == "scale") scale = value;
    else if (key == "validation") validation = parseNumber(key, value);
    else if (key == "validation-dataset") validationDataset = value;
    else if (key == "arch") arch = value;
    else if (key == "epsilon") epsilon = parseNumber(key, value);
    else if (key == "zeta") zeta = parseNumber(key, value);
    else if (key == "epochs") epochs = static_cast<int>(std::clamp<long long>(parseInteger(key, value), -1, 1 << 30));
    else if (key == "batch") batch = static_cast<int>(std::clamp<long long>(parseInteger(key, value), -1, 1 << 30));
    else if (key == "lr") lr = parseNumber(key, value);
    else if (key == "momentum") momentum = parseNumber(key, value);
    else if (key == "weight-decay") weightDecay = parseNumber(key, value);
    else if (key == "dropout") dropout = parseNumber(key, value);
    else if (key == "activation") activation = value;
    else if (key == "method") method = value;
    else if (key == "init") init = value;
    else if (key == "loss") loss = value;
    else if (key == "precision") precision = value;
    else if (key == "evolve-layers") evolveLayers = value;
    else if (key == "counts") counts = value;
    else if (key == "accset-k") accsetK = parseNumber(key, value);
    else if (key == "ratio-on") ratioOn = value;
    else if (key == "dynset-window") dynsetWindow = static_cast<int>(std::clamp<long long>(parseInteger(key, value), -1, 1 << 30));
    else if (key == "importance-pruning") importancePruning = value == "off" ? std::string() : value;
    else if (key == "threads") {
        if (value == "auto")
            threads = 0;
        else if (value == "0")
            bad(key, value, "expected auto or a count from 1 to 1024");
        else
            threads = static_cast<int>(std::clamp<long long>(parseInteger(key, value), -1, 1 << 20));
    }
    else if (key == "checkpoint-every") {
        if (value == "auto")
            checkpointEvery = -1;
        else if (const long long k = parseInteger(key, value); k < 0)
            bad(key, value, "expected auto, 0 (no checkpoints) or a number of epochs >= 1");
        else
            checkpointEvery = static_cast<int>(std::min<long long>(k, 1 << 30));
    }
    else if (key == "snapshot-every") snapshotEvery = static_cast<int>(std::clamp<long long>(parseInteger(key, value), -1, 1 << 30));
    else if (key == "seed") {
        std::uint64_t s = 0;
        const auto r = std::from_chars(value.data(), value.data() + value.size(), s);
        if (r.ec != std::errc() || r.ptr != value.data() + value.size())
            bad(key, value, "expected an integer from 0 to 2^64-1");
        seed = s;
    } else
        throw ConfigError("unknown option --" + key);
}

TrainConfig TrainConfig::load(const std::filesystem::path& file)
{
    TrainConfig c;
    try {
        c.merge(Json::parse(readWholeFile(file, 64 << 20), file.string()), file.string());
    } catch (const ConfigError&) {
        throw;
    } catch (const std::runtime_error& e) { // unreadable, or not JSON: the message names the file
        throw ConfigError(e.what());
    }
    return c;
}

void TrainConfig::merge(const Json& json, const std::string& source)
{
    if (!json.isObject())
        throw ConfigError(source + ": expected a JSON object of training options");
    for (const auto& [key, value] : json.asObject()) {
        if (std::find(keys().begin(), keys().end(), key) == keys().end())
            throw ConfigError(source + ": unknown key \"" + key + "\"");
        std::string text;
        if (value.isString())
            text = value.asString();
        else if (value.isNumber())
            text = formatNumber(value.asNumber());
        else
            throw ConfigError(source + ": key \"" + key + "\" must be a string or a number");
        try {
            set(key, text);
        } catch (const ConfigError& e) {
            throw ConfigError(source + ": " + e.what());
        }
    }
}

} // namespace rewire
