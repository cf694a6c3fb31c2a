#include "datasets/synthetic.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <set>

namespace rewire {

namespace {

// Generates every sample in order; rowFor(i, label) returns where sample i's features go.
template <typename RowFor>
void generateMadelon(const MadelonOptions& o, const std::vector<int>& clusterOf, std::mt19937_64& rng, RowFor rowFor);

void checkMadelon(const MadelonOptions& o);

} // namespace

Dataset makeMadelon(const MadelonOptions& o)
{
    DataSplit s = makeMadelonSplit(o, 0.0);
    return std::move(s.train);
}

DataSplit makeMadelonSplit(const MadelonOptions& o, double testFraction)
{
    checkMadelon(o);
    requireFeatureMemory(static_cast<double>(o.samples), static_cast<double>(o.features), 16.0, "synthetic madelon");
    if (!(testFraction >= 0.0 && testFraction < 1.0))
        throw std::invalid_argument("synthetic madelon: test fraction must be in [0, 1), got " + std::to_string(testFraction));
    std::mt19937_64 rng(o.seed);
    const int clusters = o.classes * o.clustersPerClass;
    // Balanced clusters in random sample order, so no copy of the matrix is needed to shuffle.
    std::vector<int> clusterOf(static_cast<size_t>(o.samples));
    for (std::int64_t i = 0; i < o.samples; ++i)
        clusterOf[static_cast<size_t>(i)] = static_cast<int>(i % clusters);
    std::shuffle(clusterOf.begin(), clusterOf.end(), rng);
    // Stratified test assignment per class, fixed before any feature is drawn.
    std::vector<char> isTest(static_cast<size_t>(o.samples), 0);
    if (testFraction > 0.0) {
        std::vector<std::vector<std::int64_t>> byClass(static_cast<size_t>(o.classes));
        for (std::int64_t i = 0; i < o.samples; ++i)
            byClass[static_cast<size_t>(clusterOf[static_cast<size_t>(i)] % o.classes)].push_back(i);
        for (auto& idx : byClass) {
            const auto nTest = static_cast<size_t>(std::llround(testFraction * static_cast<double>(idx.size())));
            for (size_t k = 0; k < nTest; ++k)
                isTest[static_cast<size_t>(idx[k])] = 1;
        }
    }
    std::int64_t nTest = 0;
    for (char t : isTest)
        nTest += t;
    DataSplit out;
    for (Dataset* d : {&out.train, &out.test}) {
        d->name = "synthetic-madelon";
        d->classes = o.classes;
    }
    out.train.x.resize(o.samples - nTest, o.features);
    out.test.x.resize(nTest, o.features);
    std::int64_t nextTrain = 0, nextTest = 0;
    generateMadelon(o, clusterOf, rng, [&](std::int64_t i, int label) {
        Dataset& d = isTest[static_cast<size_t>(i)] ? out.test : out.train;
        std::int64_t& next = isTest[static_cast<size_t>(i)] ? nextTest : nextTrain;
        d.y.push_back(label);
        return d.x.row(next++).data();
    });
    out.train.validate();
    out.test.validate();
    return out;
}

namespace {

void checkMadelon(const MadelonOptions& o)
{
    auto bad = [](const std::string& what) { throw std::invalid_argument("synthetic madelon: " + what); };
    if (o.samples < 1)
        bad("samples must be >= 1, got " + std::to_string(o.samples));
    if (o.classes < 2)
        bad("classes must be >= 2, got " + std::to_string(o.classes));
    if (o.informative < 1)
        bad("informative must be >= 1, got " + std::to_string(o.informative));
    if (o.redundant < 0 || o.repeated < 0 || o.clustersPerClass < 1)
        bad("redundant/repeated must be >= 0 and clusters >= 1");
    if (static_cast<std::int64_t>(o.informative) + o.redundant + o.repeated > o.features)
        bad("informative + redundant + repeated = " + std::to_string(o.informative + o.redundant + o.repeated) +
            " exceeds features = " + std::to_string(o.features));
    const int clusters = o.classes * o.clustersPerClass;
    if (o.informative < 31 && clusters > (1 << o.informative))
        bad("classes * clusters = " + std::to_string(clusters) + " exceeds 2^informative = " +
            std::to_string(1 << o.informative));
    if (!(o.flipY >= 0.0 && o.flipY <= 1.0))
        bad("flip_y must be in [0, 1], got " + std::to_string(o.flipY));

}

template <typename RowFor>
void generateMadelon(const MadelonOptions& o, const std::vector<int>& clusterOf, std::mt19937_64& rng, RowFor rowFor)
{
    std::normal_distribution<float> gauss(0.0f, 1.0f);
    std::uniform_real_distribution<float> unif(-1.0f, 1.0f);
    const int inf = o.informative;
    const int clusters = o.classes * o.clustersPerClass;

    // Distinct hypercube vertices as cluster centroids.
    std::set<std::vector<int>> used;
    std::vector<std::vector<float>> centroids;
    while (static_cast<int>(centroids.size()) < clusters) {
        std::vector<int> bits(static_cast<size_t>(inf));
        for (int& b : bits)
            b = static_cast<int>(rng() & 1);
        if (!used.insert(bits).second)
            continue;
        std::vector<float> c(static_cast<size_t>(inf));
        for (int k = 0; k < inf; ++k)
            c[k] = static_cast<float>((2 * bits[k] - 1) * o.classSep);
        centroids.push_back(std::move(c));
    }
    // One random linear map per cluster gives each cluster its own covariance.
    std::vector<std::vector<float>> mix(static_cast<size_t>(clusters), std::vector<float>(static_cast<size_t>(inf * inf)));
    for (auto& m : mix)
        for (float& v : m)
            v = unif(rng);
    std::vector<float> redundantMap(static_cast<size_t>(inf) * o.redundant);
    for (float& v : redundantMap)
        v = unif(rng);
    std::vector<int> repeatedFrom(static_cast<size_t>(o.repeated));
    for (int& r : repeatedFrom)
        r = static_cast<int>(rng() % static_cast<std::uint64_t>(inf + o.redundant));
    // Columns are shuffled so informative features are not the first ones.
    std::vector<std::int64_t> column(static_cast<size_t>(o.features));
    std::iota(column.begin(), column.end(), 0);
    std::shuffle(column.begin(), column.end(), rng);

    std::vector<float> z(static_cast<size_t>(inf));
    std::vector<float> structured(static_cast<size_t>(inf + o.redundant + o.repeated));
    for (std::int64_t i = 0; i < o.samples; ++i) {
        const int cluster = clusterOf[static_cast<size_t>(i)];
        int label = cluster % o.classes;
        if (o.flipY > 0 && std::uniform_real_distribution<double>(0, 1)(rng) < o.flipY)
            label = static_cast<int>(rng() % static_cast<std::uint64_t>(o.classes));
        for (float& v : z)
            v = gauss(rng);
        const auto& m = mix[static_cast<size_t>(cluster)];
        for (int a = 0; a < inf; ++a) {
            float s = centroids[static_cast<size_t>(cluster)][a];
            for (int b = 0; b < inf; ++b)
                s += m[static_cast<size_t>(a * inf + b)] * z[b];
            structured[a] = s;
        }
        for (int r = 0; r < o.redundant; ++r) {
            float s = 0;
            for (int a = 0; a < inf; ++a)
                s += structured[a] * redundantMap[static_cast<size_t>(a * o.redundant + r)];
            structured[static_cast<size_t>(inf + r)] = s;
        }
        for (int r = 0; r < o.repeated; ++r)
            structured[static_cast<size_t>(inf + o.redundant + r)] = structured[static_cast<size_t>(repeatedFrom[r])];
        float* row = rowFor(i, label);
        for (std::int64_t f = 0; f < o.features; ++f)
            row[column[f]] = f < static_cast<std::int64_t>(structured.size()) ? structured[static_cast<size_t>(f)] : gauss(rng);
    }
}

} // namespace

} // namespace rewire

namespace rewire {

Dataset makeXor(std::int64_t samples, double noise, std::uint64_t seed)
{
    if (samples < 1 || !(noise >= 0))
        throw std::invalid_argument("synthetic xor: samples must be >= 1 and noise >= 0");
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> gauss(0.0, noise);
    requireFeatureMemory(static_cast<double>(samples), 2.0, 8.0, "synthetic xor");
    Dataset d;
    d.name = "synthetic-xor";
    d.classes = 2;
    d.x.resize(samples, 2);
    d.y.resize(static_cast<std::size_t>(samples));
    for (std::int64_t i = 0; i < samples; ++i) {
        const int a = static_cast<int>(rng() & 1), b = static_cast<int>(rng() & 1);
        d.x(i, 0) = static_cast<float>((a ? 1.0 : -1.0) + gauss(rng));
        d.x(i, 1) = static_cast<float>((b ? 1.0 : -1.0) + gauss(rng));
        d.y[static_cast<std::size_t>(i)] = a ^ b;
    }
    return d;
}

Dataset makeSpirals(std::int64_t samples, int classes, double turns, double noise, std::uint64_t seed)
{
    if (samples < 1 || classes < 2 || !(turns > 0) || !(noise >= 0))
        throw std::invalid_argument("synthetic spirals: samples >= 1, classes >= 2, turns > 0 and noise >= 0 expected");
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::normal_distribution<double> gauss(0.0, noise);
    requireFeatureMemory(static_cast<double>(samples), 2.0, 8.0, "synthetic spirals");
    Dataset d;
    d.name = "synthetic-spirals";
    d.classes = classes;
    d.x.resize(samples, 2);
    d.y.resize(static_cast<std::size_t>(samples));
    for (std::int64_t i = 0; i < samples; ++i) {
        const int c = static_cast<int>(i % classes);
        const double t = unit(rng);
        const double angle = 2.0 * M_PI * (turns * t + static_cast<double>(c) / classes);
        d.x(i, 0) = static_cast<float>(t * std::cos(angle) + gauss(rng));
        d.x(i, 1) = static_cast<float>(t * std::sin(angle) + gauss(rng));
        d.y[static_cast<std::size_t>(i)] = c;
    }
    return d;
}

} // namespace rewire
