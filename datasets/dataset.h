#pragma once
// Dataset: a labelled sample matrix (samples x features, row-major) with shape metadata.

#include <Eigen/Core>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <span>
#include <vector>

namespace rewire {

using FeatureMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Any unreadable or malformed data; the message names the file, the line/offset and what was expected.
class DatasetError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// MemAvailable from /proc/meminfo (bytes), or 0 when it cannot be read.
double availableMemoryBytes();
// Throws DatasetError "WHAT: ... needs X GiB, Y GiB of memory is available" when rows x cols
// floats (plus bytesPerRow of bookkeeping per row) would not fit in 90 % of the available memory
// or overflow; called before a loader or generator allocates what a header or spec asked for.
void requireFeatureMemory(double rows, double cols, double bytesPerRow, const std::string& what);

struct Dataset {
    std::string name;
    FeatureMatrix x;              // one sample per row
    std::vector<std::int32_t> y;  // class index per sample, in [0, classes)
    int classes = 0;
    std::vector<int> shape;       // feature shape, e.g. {28, 28}; empty = flat
    std::vector<std::string> classNames;

    std::int64_t samples() const { return x.rows(); }
    std::int64_t features() const { return x.cols(); }
    // Throws DatasetError when labels and samples disagree or a label is out of range.
    void validate() const;
};

struct DataSplit {
    Dataset train;
    Dataset test;
    Dataset validation; // empty unless asked for
};

// Per-feature affine scaling fitted on training data only: x' = (x - mean) / scale.
class Standardizer {
public:
    // Mean and standard deviation per feature; constant features get scale 1.
    // Time complexity: O(samples * features).
    static Standardizer fit(const Dataset& train);
    // Min-max to [0, 1]: mean = min, scale = max - min (constant features: scale 1).
    static Standardizer fitMinMax(const Dataset& train);
    void apply(Dataset& data) const;
    const std::vector<float>& mean() const { return m_mean; }
    const std::vector<float>& scale() const { return m_scale; }

private:
    std::vector<float> m_mean;
    std::vector<float> m_scale;
};

// The samples `rows` of `data` (in that order), with its classes, shape and class names.
Dataset selectRows(const Dataset& data, std::span<const std::int64_t> rows, std::string name);

// Moves a seeded random fraction of `all` into a test set (per class, so class ratios hold).
DataSplit splitByFraction(Dataset all, double testFraction, std::uint64_t seed);

} // namespace rewire
