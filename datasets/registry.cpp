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
    return {path, cut < rest.size() ? keyValues(spec, rest.substr(cut + 1), allowed) : std::map<std::string, std::string>{}};
}

// ownTest, when given, receives a stratified test part of testFraction (madelon generates it
// directly, so the big matrix is never copied).
Dataset makeSynthetic(const std::string& spec, std::uint64_t seed, Dataset* ownTest, double testFraction)
{
    const std::string rest = spec.substr(std::string("synthetic:").size());
    const auto colon = rest.find(':');
    const std::string kind = rest.substr(0, colon);
    const std::string params = colon == std::string::npos ? "" : rest.substr(colon + 1);
    Dataset d;
    if (kind == "madelon") {
        const auto kv = keyValues(spec, params, {"samples", "features", "informative", "redundant", "repeated", "classes",
                                                 "clusters", "class_sep", "flip_y", "seed"});
        MadelonOptions o;
        o.samples = static_cast<std::int64_t>(number(spec, kv, "samples", static_cast<double>(o.samples)));
        o.features = static_cast<std::int64_t>(number(spec, kv, "features", static_cast<double>(o.features)));
        o.informative = static_cast<int>(number(spec, kv, "informative", o.informative));
        o.redundant = static_cast<int>(number(spec, kv, "redundant", o.redundant));
        o.repeated = static_cast<int>(number(spec, kv, "repeated", o.repeated));
        o.classes = static_cast<int>(number(spec, kv, "classes", o.classes));
        o.clustersPerClass = static_cast<int>(number(spec, kv, "clusters", o.clustersPerClass));
        o.classSep = number(spec, kv, "class_sep", o.classSep);
        o.flipY = number(spec, kv, "flip_y", o.flipY);
        o.seed = static_cast<std::uint64_t>(number(spec, kv, "seed", static_cast<double>(seed)));
        if (ownTest) {
            DataSplit split = makeMadelonSplit(o, testFraction);
            d = std::move(split.train);
            *ownTest = std::move(split.test);
            ownTest->name = spec + " (test split)";
            if (o.features == 784)
                ownTest->shape = {28, 28};
        } else {
            d = makeMadelon(o);
        }
        if (o.features == 784)
            d.shape = {28, 28};
    } else if (kind == "xor") {
        const auto kv = keyValues(spec, params, {"samples", "noise", "seed"});
        d = makeXor(static_cast<std::int64_t>(number(spec, kv, "samples", 1000)), number(spec, kv, "noise", 0.3),
                    static_cast<std::uint64_t>(number(spec, kv, "seed", static_cast<double>(seed))));
    } else if (kind == "spirals") {
        const auto kv = keyValues(spec, params, {"samples", "classes", "turns", "noise", "seed"});
        d = makeSpirals(static_cast<std::int64_t>(number(spec, kv, "samples", 1500)),
                        static_cast<int>(number(spec, kv, "classes", 3)), number(spec, kv, "turns", 1.0),
                        number(spec, kv, "noise", 0.02),
                        static_cast<std::uint64_t>(number(spec, kv, "seed", static_cast<double>(seed))));
    } else {
        badSpec(spec, "unknown synthetic generator \"" + kind + "\" (expected madelon, xor or spirals)");
    }
    d.name = spec;
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

// A dataset from a spec; `ownTest` receives the format's own test split if there is one.
Dataset loadOne(const std::string& spec, std::uint64_t seed, Dataset* ownTest, double testFraction)
{
    auto withTest = [&](DataSplit s) {
        if (ownTest && s.test.samples() > 0)
            *ownTest = std::move(s.test);
        return std::move(s.train);
    };
    if (markers().count(spec)) {
        const fs::path dir = findNamed(spec);
        if (dir.empty()) {
            std::string where;
            for (const auto& d : searchPath(spec))
                where += (where.empty() ? "" : ", ") + d.string();
            throw DatasetError("--dataset " + spec + ": not found in " + where +
                               (spec == "fashion-mnist" ? " (apt-get install dataset-fashion-mnist)" : ""));
        }
        if (spec == "cifar10")
            return withTest(loadCifar10(dir));
        if (spec == "higgs")
            return loadHiggs(fs::exists(dir / "HIGGS.csv") ? dir / "HIGGS.csv" : dir / "HIGGS.csv.gz");
        if (spec == "madelon")
            return withTest(loadNips((dir / "madelon").string()));
        DataSplit s = loadMnistDirectory(dir, spec);
        if (spec == "fashion-mnist")
            s.train.classNames = s.test.classNames = kFashionClasses;
        return withTest(std::move(s));
    }
    if (startsWith(spec, "synthetic:"))
        return makeSynthetic(spec, seed, startsWith(spec, "synthetic:madelon") ? ownTest : nullptr, testFraction);
    const auto colon = spec.find(':');
    const std::string prefix = colon == std::string::npos ? "" : spec.substr(0, colon);
    const std::string rest = colon == std::string::npos ? spec : spec.substr(colon + 1);
    if (prefix == "idx") {
        const auto comma = rest.find(',');
        if (comma == std::string::npos)
            badSpec(spec, "expected idx:IMAGES,LABELS");
        return loadIdx(rest.substr(0, comma), rest.substr(comma + 1));
    }
    if (prefix == "npy") {
        const auto comma = rest.find(',');
        if (comma == std::string::npos)
            badSpec(spec, "expected npy:X.npy,Y.npy");
        return datasetFromArrays(loadNpy(rest.substr(0, comma)), loadNpy(rest.substr(comma + 1)), rest.substr(0, comma));
    }
    if (prefix == "csv") {
        const auto [path, kv] = pathAndOptions(spec, rest, {"label", "header", "delimiter"});
        CsvOptions o;
        if (kv.count("label")) {
            const std::string& l = kv.at("label");
            char* end = nullptr;
            const long idx = std::strtol(l.c_str(), &end, 10);
            if (!l.empty() && *end == '\0')
                o.labelColumn = static_cast<int>(idx);
            else
                o.labelName = l;
        }
        if (kv.count("header")) {
            const std::string& h = kv.at("header");
            o.header = h == "yes" ? 1 : h == "no" ? 0 : h == "auto" ? -1 : (badSpec(spec, "header=" + h + ": expected yes, no or auto"), -1);
        }
        if (kv.count("delimiter")) {
            const std::string& dl = kv.at("delimiter");
            o.delimiter = dl == "tab" ? '\t' : dl == "space" ? ' ' : dl.size() == 1 ? dl[0] : (badSpec(spec, "delimiter=" + dl + ": expected one character, tab or space"), ',');
        }
        return loadCsv(path, o);
    }
    if (prefix == "higgs") {
        const auto [path, kv] = pathAndOptions(spec, rest, {"features"});
        const double f = number(spec, kv, "features", 28);
        if (f != 21 && f != 28)
            badSpec(spec, "features=" + kv.at("features") + ": expected 21 (low-level) or 28 (all)");
        return loadHiggs(path, f == 21);
    }
    if (prefix == "libsvm") {
        const auto [path, kv] = pathAndOptions(spec, rest, {"features"});
        return loadLibsvm(path, static_cast<std::int64_t>(number(spec, kv, "features", 0)));
    }
    if (prefix == "madelon")
        return withTest(loadNips(rest));
    if (prefix == "cifar10")
        return withTest(loadCifar10(rest));
    if (prefix == "npz")
        return withTest(loadNpzDataset(rest));
    if (!prefix.empty() && prefix.find('/') == std::string::npos && prefix.size() > 1)
        badSpec(spec, "unknown format prefix \"" + prefix + ":\" (expected idx, csv, higgs, libsvm, madelon, cifar10, npz, "
                      "npy or synthetic)");
    const fs::path p(spec);
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
        if (fs::exists(p / "data_batch_1.bin", ec) || fs::exists(p / "cifar-10-batches-bin", ec))
            return withTest(loadCifar10(p));
        return withTest(loadMnistDirectory(p, p.filename().string()));
    }
    if (endsWith(spec, ".csv") || endsWith(spec, ".csv.gz") || endsWith(spec, ".tsv"))
        return loadCsv(p);
    if (endsWith(spec, ".npz"))
        return withTest(loadNpzDataset(p));
    if (!fs::exists(p, ec))
        throw DatasetError("--dataset " + spec + ": no such file, directory or built-in name (run `rewire datasets` "
                           "for the names and formats)");
    throw DatasetError("--dataset " + spec + ": cannot tell the format; prefix it (csv:, libsvm:, npz:, ...)");
}

} // namespace

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
