#include "datasets/registry.h"

#include "graph/json.h"

#include "datasets/cifar10_loader.h"
#include "datasets/csv_loader.h"
#include "datasets/idx_loader.h"
#include "datasets/labels.h"
#include "datasets/libsvm_loader.h"
#include "datasets/madelon_loader.h"
#include "datasets/npy_loader.h"
#include "datasets/synthetic.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>
#include <stdexcept>

namespace rewire {

namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kFashionClasses{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                               "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

bool startsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
bool endsWith(const std::string& s, const std::string& suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

[[noreturn]] void badSpec(const std::string& spec, const std::string& what)
{
    throw std::invalid_argument("--dataset " + spec + ": " + what);
}

// "k=v,k=v" into a map; every key must be in `allowed`.
std::map<std::string, std::string> keyValues(const std::string& spec, const std::string& text,
                                             const std::vector<std::string>& allowed)
{
    std::map<std::string, std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t comma = text.find(',', start);
        const std::string kv = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        start = comma == std::string::npos ? text.size() : comma + 1;
        const auto eq = kv.find('=');
        if (eq == std::string::npos)
            badSpec(spec, "\"" + kv + "\" is not key=value");
        const std::string key = kv.substr(0, eq);
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            std::string list;
            for (const auto& a : allowed)
                list += (list.empty() ? "" : ", ") + a;
            badSpec(spec, "unknown key \"" + key + "\" (expected " + list + ")");
        }
        out[key] = kv.substr(eq + 1);
    }
    return out;
}

double number(const std::string& spec, const std::map<std::string, std::string>& kv, const std::string& key, double def)
{
    const auto it = kv.find(key);
    if (it == kv.end())
        return def;
    double v = 0.0;
    if (!readNumber(it->second, v))
        badSpec(spec, key + "=" + it->second + " is not a number");
    return v;
}

// A whole number in [lo, hi]; checked before any cast, so 1e300 is an error and not undefined.
std::int64_t whole(const std::string& spec, const std::map<std::string, std::string>& kv, const std::string& key,
                   std::int64_t def, std::int64_t lo, std::int64_t hi)
{
    const auto it = kv.find(key);
    if (it == kv.end())
        return def;
    const double v = number(spec, kv, key, 0.0);
    if (!(v >= static_cast<double>(lo) && v <= static_cast<double>(hi)) || v != std::floor(v))
        badSpec(spec, key + "=" + it->second + ": expected a whole number from " + std::to_string(lo) + " to " +
                          std::to_string(hi));
    return static_cast<std::int64_t>(v);
}

// PATH[,k=v...]: splits the options that follow the path.
std::pair<std::string, std::map<std::string, std::string>> pathAndOptions(const std::string& spec, const std::string& rest,
                                                                          const std::vector<std::string>& allowed)
{
    std::size_t cut = rest.size();
    for (const auto& key : allowed) {
        const auto p = rest.find("," + key + "=");
        if (p != std::string::npos)
            cut = std::min(cut, p);
    }
    const std::string path = rest.substr(0, cut);
    if (path.empty())
        badSpec(spec, "no file name");
    return {path, cut < rest.size() ? keyValues(spec, rest.substr(cut + 1), allowed) : std::map<std::string, std::string>{}};
}

// Two comma-separated paths (idx:IMAGES,LABELS and npy:X,Y).
void twoPaths(const std::string& spec, const std::string& rest, const char* expected, DatasetSpec& out)
{
    const auto comma = rest.find(',');
    if (comma == std::string::npos || comma == 0 || comma + 1 == rest.size())
        badSpec(spec, std::string("expected ") + expected);
    out.paths = {rest.substr(0, comma), rest.substr(comma + 1)};
}

constexpr std::int64_t kMaxSamples = std::int64_t(1) << 40, kMaxCount = 1 << 30;

void parseSynthetic(const std::string& spec, DatasetSpec& out)
{
    const std::string rest = spec.substr(std::string("synthetic:").size());
    const auto colon = rest.find(':');
    out.name = rest.substr(0, colon);
    const std::string params = colon == std::string::npos ? "" : rest.substr(colon + 1);
    const auto seedOf = [&](const std::map<std::string, std::string>& kv) {
        if (!kv.count("seed"))
            return;
        const std::string& t = kv.at("seed");
        std::uint64_t v = 0;
        const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
        if (r.ec != std::errc() || r.ptr != t.data() + t.size())
            badSpec(spec, "seed=" + t + ": expected an integer from 0 to 2^64-1");
        out.seed = v;
    };
    if (out.name == "madelon") {
        const auto kv = keyValues(spec, params, {"samples", "features", "informative", "redundant", "repeated", "classes",
                                                 "clusters", "class_sep", "flip_y", "seed"});
        MadelonOptions& o = out.madelon;
        o.samples = whole(spec, kv, "samples", o.samples, 1, kMaxSamples);
        o.features = whole(spec, kv, "features", o.features, 1, kMaxCount);
        o.informative = static_cast<int>(whole(spec, kv, "informative", o.informative, 0, kMaxCount));
        o.redundant = static_cast<int>(whole(spec, kv, "redundant", o.redundant, 0, kMaxCount));
        o.repeated = static_cast<int>(whole(spec, kv, "repeated", o.repeated, 0, kMaxCount));
        o.classes = static_cast<int>(whole(spec, kv, "classes", o.classes, 1, kMaxCount));
        o.clustersPerClass = static_cast<int>(whole(spec, kv, "clusters", o.clustersPerClass, 1, kMaxCount));
        o.classSep = number(spec, kv, "class_sep", o.classSep);
        o.flipY = number(spec, kv, "flip_y", o.flipY);
        seedOf(kv);
    } else if (out.name == "xor") {
        const auto kv = keyValues(spec, params, {"samples", "noise", "seed"});
        out.samples = whole(spec, kv, "samples", 1000, 1, kMaxSamples);
        out.noise = number(spec, kv, "noise", 0.3);
        seedOf(kv);
    } else if (out.name == "spirals") {
        const auto kv = keyValues(spec, params, {"samples", "classes", "turns", "noise", "seed"});
        out.samples = whole(spec, kv, "samples", 1500, 1, kMaxSamples);
        out.classes = static_cast<int>(whole(spec, kv, "classes", 3, 1, kMaxCount));
        out.turns = number(spec, kv, "turns", 1.0);
        out.noise = number(spec, kv, "noise", 0.02);
        seedOf(kv);
    } else {
        badSpec(spec, "unknown synthetic generator \"" + out.name + "\" (expected madelon, xor or spirals)");
    }
}

// ownTest, when given, receives a stratified test part of testFraction (madelon generates it
// directly, so the big matrix is never copied).
Dataset makeSynthetic(const DatasetSpec& spec, std::uint64_t seed, Dataset* ownTest, double testFraction)
{
    const std::uint64_t s = spec.seed.value_or(seed);
    Dataset d;
    if (spec.name == "madelon") {
        MadelonOptions o = spec.madelon;
        o.seed = s;
        if (ownTest) {
            DataSplit split = makeMadelonSplit(o, testFraction);
            d = std::move(split.train);
            *ownTest = std::move(split.test);
            ownTest->name = spec.text + " (test split)";
            if (o.features == 784)
                ownTest->shape = {28, 28};
        } else {
            d = makeMadelon(o);
        }
        if (o.features == 784)
            d.shape = {28, 28};
    } else if (spec.name == "xor") {
        d = makeXor(spec.samples, spec.noise, s);
    } else {
        d = makeSpirals(spec.samples, spec.classes, spec.turns, spec.noise, s);
    }
    d.name = spec.text;
    return d;
}

// Directory of a named dataset: $REWIRE_DATA_DIR/NAME, then /usr/share/datasets/NAME.
std::vector<fs::path> searchPath(const std::string& name)
{
    std::vector<fs::path> dirs;
    if (name == "fashion-mnist")
        if (const char* env = std::getenv("REWIRE_FASHION_MNIST_DIR"))
            dirs.emplace_back(env);
    if (const char* env = std::getenv("REWIRE_DATA_DIR"))
        dirs.push_back(fs::path(env) / name);
    dirs.push_back(fs::path("/usr/share/datasets") / name);
    return dirs;
}

// The file that marks a named dataset as present in a directory.
const std::map<std::string, std::string>& markers()
{
    static const std::map<std::string, std::string> m{{"fashion-mnist", "train-images-idx3-ubyte"},
                                                      {"mnist", "train-images-idx3-ubyte"},
                                                      {"kmnist", "train-images-idx3-ubyte"},
                                                      {"cifar10", "data_batch_1.bin"},
                                                      {"higgs", "HIGGS.csv"},
                                                      {"madelon", "madelon_train.data"}};
    return m;
}

fs::path findNamed(const std::string& name)
{
    const std::string marker = markers().at(name);
    std::error_code ec;
    for (const auto& dir : searchPath(name))
        for (const char* ext : {"", ".gz"})
            if (fs::exists(dir / (marker + ext), ec) || fs::exists(dir / "cifar-10-batches-bin" / (marker + ext), ec))
                return dir;
    return {};
}

// A dataset from a parsed spec; `ownTest` receives the format's own test split if there is one.
Dataset loadOne(const DatasetSpec& spec, std::uint64_t seed, Dataset* ownTest, double testFraction)
{
    auto withTest = [&](DataSplit s) {
        if (ownTest && s.test.samples() > 0)
            *ownTest = std::move(s.test);
        return std::move(s.train);
    };
    using Kind = DatasetSpec::Kind;
    const std::string& text = spec.text;
    switch (spec.kind) {
    case Kind::Named: {
        const std::string& name = spec.name;
        const fs::path dir = findNamed(name);
        if (dir.empty()) {
            std::string where;
            for (const auto& d : searchPath(name))
                where += (where.empty() ? "" : ", ") + d.string();
            throw DatasetError("--dataset " + name + ": not found in " + where +
                               (name == "fashion-mnist" ? " (apt-get install dataset-fashion-mnist)" : ""));
        }
        if (name == "cifar10")
            return withTest(loadCifar10(dir));
        if (name == "higgs")
            return loadHiggs(fs::exists(dir / "HIGGS.csv") ? dir / "HIGGS.csv" : dir / "HIGGS.csv.gz");
        if (name == "madelon")
            return withTest(loadNips((dir / "madelon").string()));
        DataSplit s = loadMnistDirectory(dir, name);
        if (name == "fashion-mnist")
            s.train.classNames = s.test.classNames = kFashionClasses;
        return withTest(std::move(s));
    }
    case Kind::Synthetic:
        return makeSynthetic(spec, seed, spec.name == "madelon" ? ownTest : nullptr, testFraction);
    case Kind::Idx:
        return loadIdx(spec.paths[0], spec.paths[1]);
    case Kind::Npy:
        return datasetFromArrays(loadNpy(spec.paths[0]), loadNpy(spec.paths[1]), spec.paths[0]);
    case Kind::Csv:
        return loadCsv(spec.paths[0], spec.csv);
    case Kind::Higgs:
        return loadHiggs(spec.paths[0], spec.higgsLowLevel);
    case Kind::Libsvm:
        return loadLibsvm(spec.paths[0], spec.libsvmFeatures);
    case Kind::Madelon:
        return withTest(loadNips(spec.paths[0]));
    case Kind::Cifar10:
        return withTest(loadCifar10(spec.paths[0]));
    case Kind::Npz:
        return withTest(loadNpzDataset(spec.paths[0]));
    case Kind::Path:
        break;
    }
    const fs::path p(text);
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
        if (fs::exists(p / "data_batch_1.bin", ec) || fs::exists(p / "cifar-10-batches-bin", ec))
            return withTest(loadCifar10(p));
        return withTest(loadMnistDirectory(p, p.filename().string()));
    }
    if (endsWith(text, ".csv") || endsWith(text, ".csv.gz") || endsWith(text, ".tsv"))
        return loadCsv(p);
    if (endsWith(text, ".npz"))
        return withTest(loadNpzDataset(p));
    if (!fs::exists(p, ec))
        throw DatasetError("--dataset " + text + ": no such file, directory or built-in name (run `rewire datasets` "
                           "for the names and formats)");
    throw DatasetError("--dataset " + text + ": cannot tell the format; prefix it (csv:, libsvm:, npz:, ...)");
}

Dataset loadOne(const std::string& spec, std::uint64_t seed, Dataset* ownTest, double testFraction)
{
    return loadOne(parseDatasetSpec(spec), seed, ownTest, testFraction);
}

} // namespace

DatasetSpec parseDatasetSpec(const std::string& spec)
{
    using Kind = DatasetSpec::Kind;
    DatasetSpec out;
    out.text = spec;
    if (spec.empty())
        badSpec(spec, "empty (run `rewire datasets` for the names and formats)");
    if (markers().count(spec)) {
        out.kind = Kind::Named;
        out.name = spec;
        return out;
    }
    if (startsWith(spec, "synthetic:")) {
        out.kind = Kind::Synthetic;
        parseSynthetic(spec, out);
        return out;
    }
    const auto colon = spec.find(':');
    const std::string prefix = colon == std::string::npos ? "" : spec.substr(0, colon);
    const std::string rest = colon == std::string::npos ? spec : spec.substr(colon + 1);
    if (prefix == "idx") {
        out.kind = Kind::Idx;
        twoPaths(spec, rest, "idx:IMAGES,LABELS", out);
    } else if (prefix == "npy") {
        out.kind = Kind::Npy;
        twoPaths(spec, rest, "npy:X.npy,Y.npy", out);
    } else if (prefix == "csv") {
        out.kind = Kind::Csv;
        const auto [path, kv] = pathAndOptions(spec, rest, {"label", "header", "delimiter"});
        out.paths = {path};
        CsvOptions& o = out.csv;
        if (kv.count("label")) {
            const std::string& l = kv.at("label");
            int idx = 0;
            const auto r = std::from_chars(l.data(), l.data() + l.size(), idx);
            if (!l.empty() && r.ec == std::errc() && r.ptr == l.data() + l.size())
                o.labelColumn = idx;
            else if (!l.empty() && r.ec == std::errc::result_out_of_range)
                badSpec(spec, "label=" + l + ": column index out of range");
            else
                o.labelName = l;
        }
        if (kv.count("header")) {
            const std::string& h = kv.at("header");
            if (h != "yes" && h != "no" && h != "auto")
                badSpec(spec, "header=" + h + ": expected yes, no or auto");
            o.header = h == "yes" ? 1 : h == "no" ? 0 : -1;
        }
        if (kv.count("delimiter")) {
            const std::string& dl = kv.at("delimiter");
            if (dl != "tab" && dl != "space" && dl.size() != 1)
                badSpec(spec, "delimiter=" + dl + ": expected one character, tab or space");
            o.delimiter = dl == "tab" ? '\t' : dl == "space" ? ' ' : dl[0];
        }
    } else if (prefix == "higgs") {
        out.kind = Kind::Higgs;
        const auto [path, kv] = pathAndOptions(spec, rest, {"features"});
        out.paths = {path};
        const std::int64_t f = whole(spec, kv, "features", 28, 1, 28);
        if (f != 21 && f != 28)
            badSpec(spec, "features=" + kv.at("features") + ": expected 21 (low-level) or 28 (all)");
        out.higgsLowLevel = f == 21;
    } else if (prefix == "libsvm") {
        out.kind = Kind::Libsvm;
        const auto [path, kv] = pathAndOptions(spec, rest, {"features"});
        out.paths = {path};
        out.libsvmFeatures = whole(spec, kv, "features", 0, 0, kMaxCount);
    } else if (prefix == "madelon" || prefix == "cifar10" || prefix == "npz") {
        out.kind = prefix == "madelon" ? Kind::Madelon : prefix == "cifar10" ? Kind::Cifar10 : Kind::Npz;
        if (rest.empty())
            badSpec(spec, "no file name after \"" + prefix + ":\"");
        out.paths = {rest};
    } else if (!prefix.empty() && prefix.find('/') == std::string::npos && prefix.size() > 1) {
        badSpec(spec, "unknown format prefix \"" + prefix + ":\" (expected idx, csv, higgs, libsvm, madelon, cifar10, npz, "
                      "npy or synthetic)");
    } else {
        out.kind = Kind::Path;
        out.paths = {spec};
    }
    return out;
}

fs::path findFashionMnist() { return findNamed("fashion-mnist"); }

std::vector<DatasetInfo> listDatasets()
{
    std::vector<DatasetInfo> out;
    const std::vector<std::tuple<std::string, std::string, int>> named{
        {"fashion-mnist", "60000+10000 x 28x28", 10}, {"mnist", "60000+10000 x 28x28", 10},
        {"kmnist", "60000+10000 x 28x28", 10},        {"cifar10", "50000+10000 x 3x32x32", 10},
        {"higgs", "11000000 x 28", 2},                {"madelon", "2000+600 x 500", 2}};
    for (const auto& [name, shape, classes] : named) {
        DatasetInfo i;
        i.name = name;
        i.shape = shape;
        i.classes = classes;
        const fs::path dir = findNamed(name);
        i.available = !dir.empty();
        if (i.available) {
            i.location = dir.string();
        } else {
            for (const auto& d : searchPath(name))
                i.location += (i.location.empty() ? "looked for in " : ", ") + d.string();
        }
        out.push_back(i);
    }
    out.push_back({"synthetic:madelon", "generated (options: samples, features, informative, ...)", true,
                   "1000 x 20 by default", 2});
    out.push_back({"synthetic:xor", "generated (options: samples, noise, seed)", true, "1000 x 2", 2});
    out.push_back({"synthetic:spirals", "generated (options: samples, classes, turns, noise, seed)", true, "1500 x 2", 3});
    return out;
}

LoadedData loadDataset(const DatasetRequest& request)
{
    LoadedData out;
    std::string spec = request.spec.empty() ? "auto" : request.spec;
    if (spec == "auto") {
        if (!findFashionMnist().empty()) {
            spec = "fashion-mnist";
        } else {
            spec = kSyntheticDefaultSpec;
            out.description = "Fashion-MNIST is not installed; using the built-in synthetic set. ";
        }
    }
    if (request.scale != "standard" && request.scale != "minmax" && request.scale != "none")
        throw std::invalid_argument("--scale " + request.scale + ": expected standard, minmax or none");
    Dataset ownTest;
    Dataset train = loadOne(spec, request.seed, request.testSpec.empty() ? &ownTest : nullptr, request.testFraction);
    if (!request.testSpec.empty()) {
        out.split.train = std::move(train);
        out.split.test = loadOne(request.testSpec, request.seed + 1, nullptr, request.testFraction);
        alignClasses(out.split.train, out.split.test);
    } else if (ownTest.samples() > 0) {
        out.split.train = std::move(train);
        out.split.test = std::move(ownTest);
    } else {
        out.split = splitByFraction(std::move(train), request.testFraction, request.seed);
    }
    if (!request.validationSpec.empty()) {
        out.split.validation = loadOne(request.validationSpec, request.seed + 2, nullptr, request.testFraction);
        alignClasses(out.split.train, out.split.validation);
    } else if (request.validationFraction > 0.0) {
        DataSplit v = splitByFraction(std::move(out.split.train), request.validationFraction, request.seed + 2);
        out.split.train = std::move(v.train);
        out.split.validation = std::move(v.test);
        out.split.validation.name = out.split.train.name + " (validation split)";
    }
    Dataset& tr = out.split.train;
    Dataset& te = out.split.test;
    Dataset& va = out.split.validation;
    if (va.samples() > 0 && va.features() != tr.features())
        throw DatasetError("validation data " + va.name + " has " + std::to_string(va.features()) +
                           " features, training data " + tr.name + " has " + std::to_string(tr.features()));
    if (tr.features() != te.features())
        throw DatasetError("test data " + te.name + " has " + std::to_string(te.features()) +
                           " features, training data " + tr.name + " has " + std::to_string(tr.features()));
    const int classes = std::max({tr.classes, te.classes, va.classes});
    tr.classes = te.classes = va.classes = classes;
    if (te.shape.empty())
        te.shape = tr.shape;
    if (va.samples() > 0 && va.shape.empty())
        va.shape = tr.shape;
    if (request.scale != "none") {
        const Standardizer s = request.scale == "minmax" ? Standardizer::fitMinMax(tr) : Standardizer::fit(tr);
        s.apply(tr);
        s.apply(te);
        if (va.samples() > 0)
            s.apply(va);
    }
    out.description += spec + ": " + std::to_string(tr.samples()) + " train / " +
                       (va.samples() > 0 ? std::to_string(va.samples()) + " validation / " : std::string()) +
                       std::to_string(te.samples()) + " test samples, " + std::to_string(tr.features()) + " features, " + std::to_string(classes) +
                       " classes";
    return out;
}

} // namespace rewire
