#include "datasets/registry.h"

#include "datasets/csv_loader.h"
#include "datasets/idx_loader.h"
#include "datasets/synthetic.h"

#include <cstdlib>
#include <stdexcept>

namespace rewire {

namespace {

const std::vector<std::string> kFashionClasses{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                               "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

bool startsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

Dataset makeSyntheticFromSpec(const std::string& spec, std::uint64_t seed)
{
    // spec = "synthetic:madelon" or "synthetic:madelon:k=v,k=v"
    const std::string rest = spec.substr(std::string("synthetic:").size());
    const auto colon = rest.find(':');
    const std::string kind = rest.substr(0, colon);
    if (kind != "madelon")
        throw std::invalid_argument("--dataset " + spec + ": unknown synthetic generator \"" + kind +
                                    "\" (expected synthetic:madelon)");
    MadelonOptions o;
    o.seed = seed;
    std::string params = colon == std::string::npos ? "" : rest.substr(colon + 1);
    size_t start = 0;
    while (start < params.size()) {
        const size_t comma = params.find(',', start);
        const std::string kv = params.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        start = comma == std::string::npos ? params.size() : comma + 1;
        const auto eq = kv.find('=');
        if (eq == std::string::npos)
            throw std::invalid_argument("--dataset " + spec + ": \"" + kv + "\" is not key=value");
        const std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
        double v;
        try {
            size_t used = 0;
            v = std::stod(value, &used);
            if (used != value.size())
                throw std::invalid_argument("");
        } catch (const std::exception&) {
            throw std::invalid_argument("--dataset " + spec + ": " + key + "=" + value + " is not a number");
        }
        if (key == "samples") o.samples = static_cast<std::int64_t>(v);
        else if (key == "features") o.features = static_cast<std::int64_t>(v);
        else if (key == "informative") o.informative = static_cast<int>(v);
        else if (key == "redundant") o.redundant = static_cast<int>(v);
        else if (key == "repeated") o.repeated = static_cast<int>(v);
        else if (key == "classes") o.classes = static_cast<int>(v);
        else if (key == "clusters") o.clustersPerClass = static_cast<int>(v);
        else if (key == "class_sep") o.classSep = v;
        else if (key == "flip_y") o.flipY = v;
        else if (key == "seed") o.seed = static_cast<std::uint64_t>(v);
        else
            throw std::invalid_argument("--dataset " + spec + ": unknown key \"" + key +
                                        "\" (expected samples, features, informative, redundant, repeated, classes, "
                                        "clusters, class_sep, flip_y, seed)");
    }
    Dataset d = makeMadelon(o);
    d.name = spec;
    if (o.features == 784)
        d.shape = {28, 28};
    return d;
}

// A single dataset (no split) from a spec; `ownTest` receives the format's own test split if any.
Dataset loadOne(const std::string& spec, std::uint64_t seed, Dataset* ownTest)
{
    namespace fs = std::filesystem;
    if (spec == "fashion-mnist") {
        const fs::path dir = findFashionMnist();
        if (dir.empty())
            throw DatasetError("--dataset fashion-mnist: not installed (apt-get install dataset-fashion-mnist, or set "
                               "REWIRE_FASHION_MNIST_DIR)");
        DataSplit s = loadMnistDirectory(dir, "fashion-mnist");
        s.train.classNames = s.test.classNames = kFashionClasses;
        if (ownTest)
            *ownTest = std::move(s.test);
        return std::move(s.train);
    }
    if (startsWith(spec, "synthetic:"))
        return makeSyntheticFromSpec(spec, seed);
    if (startsWith(spec, "idx:")) {
        const std::string rest = spec.substr(4);
        const auto comma = rest.find(',');
        if (comma == std::string::npos)
            throw std::invalid_argument("--dataset " + spec + ": expected idx:IMAGES,LABELS");
        return loadIdx(rest.substr(0, comma), rest.substr(comma + 1));
    }
    if (startsWith(spec, "csv:"))
        return loadCsv(spec.substr(4));
    const fs::path p(spec);
    if (fs::is_directory(p)) {
        DataSplit s = loadMnistDirectory(p, p.filename().string());
        if (ownTest)
            *ownTest = std::move(s.test);
        return std::move(s.train);
    }
    if (p.extension() == ".csv")
        return loadCsv(p);
    if (!fs::exists(p))
        throw DatasetError("--dataset " + spec + ": no such file, directory or built-in name (expected auto, "
                           "fashion-mnist, synthetic:madelon[:k=v,...], idx:IMAGES,LABELS, csv:FILE or a path)");
    throw DatasetError("--dataset " + spec + ": cannot tell the format; prefix it (csv:, idx:)");
}

} // namespace

std::filesystem::path findFashionMnist()
{
    namespace fs = std::filesystem;
    std::vector<fs::path> candidates;
    if (const char* env = std::getenv("REWIRE_FASHION_MNIST_DIR"))
        candidates.emplace_back(env);
    candidates.emplace_back("/usr/share/datasets/fashion-mnist");
    for (const auto& c : candidates)
        if (fs::exists(c / "train-images-idx3-ubyte.gz") || fs::exists(c / "train-images-idx3-ubyte"))
            return c;
    return {};
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
    Dataset ownTest;
    bool haveOwnTest = false;
    {
        Dataset train = loadOne(spec, request.seed, &ownTest);
        haveOwnTest = ownTest.samples() > 0;
        if (!request.testSpec.empty()) {
            out.split.train = std::move(train);
            out.split.test = loadOne(request.testSpec, request.seed + 1, nullptr);
        } else if (haveOwnTest) {
            out.split.train = std::move(train);
            out.split.test = std::move(ownTest);
        } else {
            out.split = splitByFraction(std::move(train), request.testFraction, request.seed);
        }
    }
    Dataset& tr = out.split.train;
    Dataset& te = out.split.test;
    if (tr.features() != te.features())
        throw DatasetError("test data " + te.name + " has " + std::to_string(te.features()) +
                           " features, training data " + tr.name + " has " + std::to_string(tr.features()));
    const int classes = std::max(tr.classes, te.classes);
    tr.classes = te.classes = classes;
    if (te.shape.empty())
        te.shape = tr.shape;
    if (request.standardize) {
        const Standardizer s = Standardizer::fit(tr);
        s.apply(tr);
        s.apply(te);
    }
    out.description += spec + ": " + std::to_string(tr.samples()) + " train / " + std::to_string(te.samples()) +
                       " test samples, " + std::to_string(tr.features()) + " features, " + std::to_string(classes) +
                       " classes";
    return out;
}

} // namespace rewire
