#include "datasets/dataset.h"

#include "graph/json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <numeric>
#include <random>

namespace rewire {

void Dataset::validate() const
{
    if (static_cast<std::int64_t>(y.size()) != x.rows())
        throw DatasetError(name + ": " + std::to_string(x.rows()) + " samples but " + std::to_string(y.size()) +
                           " labels");
    for (size_t i = 0; i < y.size(); ++i)
        if (y[i] < 0 || y[i] >= classes)
            throw DatasetError(name + ": label " + std::to_string(y[i]) + " of sample " + std::to_string(i) +
                               " outside [0, " + std::to_string(classes) + ")");
    // NaN or infinity in the data would reach training and look like a learning-rate problem.
    for (std::int64_t i = 0; i < x.rows(); ++i) {
        const float* row = x.row(i).data();
        for (std::int64_t f = 0; f < x.cols(); ++f)
            if (!std::isfinite(row[f]))
                throw DatasetError(name + ": sample " + std::to_string(i + 1) + ", feature " + std::to_string(f + 1) +
                                   " is " + (std::isnan(row[f]) ? "NaN" : "infinite") +
                                   " (expected a finite number; samples and features counted from 1)");
    }
}

Standardizer Standardizer::fit(const Dataset& train)
{
    Standardizer s;
    const auto n = train.samples();
    const auto d = train.features();
    std::vector<double> sum(static_cast<size_t>(d), 0.0), sq(static_cast<size_t>(d), 0.0);
    for (std::int64_t i = 0; i < n; ++i) {
        const float* row = train.x.row(i).data();
        for (std::int64_t f = 0; f < d; ++f) {
            sum[f] += row[f];
            sq[f] += static_cast<double>(row[f]) * row[f];
        }
    }
    s.m_mean.resize(static_cast<size_t>(d));
    s.m_scale.resize(static_cast<size_t>(d));
    for (std::int64_t f = 0; f < d; ++f) {
        const double mean = n ? sum[f] / n : 0.0;
        const double var = n ? std::max(0.0, sq[f] / n - mean * mean) : 0.0;
        const double sd = std::sqrt(var);
        s.m_mean[f] = static_cast<float>(mean);
        s.m_scale[f] = sd > 1e-8 ? static_cast<float>(sd) : 1.0f;
    }
    return s;
}

Standardizer Standardizer::fitMinMax(const Dataset& train)
{
    Standardizer s;
    const auto d = train.features();
    s.m_mean.assign(static_cast<size_t>(d), 0.0f);
    s.m_scale.assign(static_cast<size_t>(d), 1.0f);
    if (train.samples() == 0)
        return s;
    const Eigen::RowVectorXf lo = train.x.colwise().minCoeff(), hi = train.x.colwise().maxCoeff();
    for (std::int64_t f = 0; f < d; ++f) {
        s.m_mean[f] = lo[f];
        s.m_scale[f] = hi[f] - lo[f] > 1e-12f ? hi[f] - lo[f] : 1.0f;
    }
    return s;
}

void Standardizer::apply(Dataset& data) const
{
    if (static_cast<size_t>(data.features()) != m_mean.size())
        throw std::invalid_argument("Standardizer: fitted on " + std::to_string(m_mean.size()) +
                                    " features, data has " + std::to_string(data.features()));
    for (std::int64_t i = 0; i < data.samples(); ++i) {
        float* row = data.x.row(i).data();
        for (size_t f = 0; f < m_mean.size(); ++f) {
            const float v = (row[f] - m_mean[f]) / m_scale[f];
            if (!std::isfinite(v)) {
                const auto text = [](float x) { // the shortest text of the float itself
                    char buf[32];
                    return std::string(buf, std::to_chars(buf, buf + sizeof buf, x).ptr);
                };
                throw DatasetError(data.name + ": sample " + std::to_string(i + 1) + ", feature " +
                                   std::to_string(f + 1) + ": " + text(row[f]) + " does not fit in a float after "
                                   "scaling (centre " + text(m_mean[f]) + ", scale " + text(m_scale[f]) +
                                   " from the training data); try --scale minmax or none");
            }
            row[f] = v;
        }
    }
}

DataSplit splitByFraction(Dataset all, double testFraction, std::uint64_t seed)
{
    if (!(testFraction > 0.0 && testFraction < 1.0))
        throw std::invalid_argument("test fraction must be in (0, 1), got " + std::to_string(testFraction));
    std::mt19937_64 rng(seed);
    std::vector<std::vector<std::int64_t>> byClass(static_cast<size_t>(std::max(all.classes, 1)));
    for (std::int64_t i = 0; i < all.samples(); ++i)
        byClass[static_cast<size_t>(all.y[i])].push_back(i);
    std::vector<std::int64_t> trainIdx, testIdx;
    for (auto& idx : byClass) {
        std::shuffle(idx.begin(), idx.end(), rng);
        const auto nTest = static_cast<size_t>(std::llround(testFraction * static_cast<double>(idx.size())));
        testIdx.insert(testIdx.end(), idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(nTest));
        trainIdx.insert(trainIdx.end(), idx.begin() + static_cast<std::ptrdiff_t>(nTest), idx.end());
    }
    std::sort(trainIdx.begin(), trainIdx.end());
    std::sort(testIdx.begin(), testIdx.end());
    DataSplit split{selectRows(all, trainIdx, all.name), selectRows(all, testIdx, all.name + " (test split)"), {}};
    return split;
}

Dataset selectRows(const Dataset& data, std::span<const std::int64_t> rows, std::string name)
{
    Dataset d;
    d.name = std::move(name);
    d.classes = data.classes;
    d.shape = data.shape;
    d.classNames = data.classNames;
    d.x.resize(static_cast<Eigen::Index>(rows.size()), data.x.cols());
    d.y.resize(rows.size());
    for (std::size_t k = 0; k < rows.size(); ++k) {
        d.x.row(static_cast<Eigen::Index>(k)) = data.x.row(static_cast<Eigen::Index>(rows[k]));
        d.y[k] = data.y[static_cast<std::size_t>(rows[k])];
    }
    return d;
}

double availableMemoryBytes()
{
    std::ifstream in("/proc/meminfo");
    std::string key;
    double kib = 0;
    while (in >> key >> kib)
        if (key == "MemAvailable:")
            return kib * 1024.0;
        else
            in.ignore(256, '\n');
    return 0;
}

void requireFeatureMemory(double rows, double cols, double bytesPerRow, const std::string& what)
{
    const double need = rows * (cols * sizeof(float) + bytesPerRow), have = availableMemoryBytes();
    const auto gib = [](double b) {
        char buf[32];
        const auto r = std::to_chars(buf, buf + sizeof buf, b / (1 << 30), std::chars_format::fixed, 1);
        return std::string(buf, r.ptr);
    };
    if (!(need < 9.0e18) || (have > 0 && need > 0.9 * have))
        throw DatasetError(what + ": " + formatNumber(rows) + " samples x " + formatNumber(cols) + " features need " +
                           gib(need) + " GiB, " + gib(have) + " GiB of memory is available");
}

} // namespace rewire
