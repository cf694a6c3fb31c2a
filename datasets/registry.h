#pragma once
// Dataset specs: a built-in name or a path with a format prefix, resolved to a train/test split.
//
//   auto                      fashion-mnist when installed, otherwise the synthetic default
//   fashion-mnist             Debian's dataset-fashion-mnist (or $REWIRE_FASHION_MNIST_DIR)
//   synthetic:madelon[:k=v,...]  keys: samples features informative redundant repeated classes
//                             clusters class_sep flip_y seed
//   idx:IMAGES,LABELS         IDX pair (.gz or plain)
//   csv:FILE                  delimited text, label in the last column
//   DIR or FILE.csv           an MNIST-style directory / a CSV file

#include "datasets/dataset.h"

#include <filesystem>
#include <string>

namespace rewire {

struct DatasetRequest {
    std::string spec = "auto";
    std::string testSpec;        // separate test data; empty = the format's own test split or a fraction
    double testFraction = 0.3;   // used when there is neither
    bool standardize = true;     // per feature, fitted on the training part only
    std::uint64_t seed = 1;
};

struct LoadedData {
    DataSplit split;
    std::string description;     // what was loaded, for logs (mentions a fallback)
};

// Throws DatasetError (bad data) or std::invalid_argument (bad spec), naming the spec or file.
LoadedData loadDataset(const DatasetRequest& request);

// Directory holding Fashion-MNIST, or empty when it is not installed.
std::filesystem::path findFashionMnist();

// The spec "auto" falls back to when Fashion-MNIST is absent: 784 features in a 28x28 shape,
// 10 classes, so the reference architecture runs unchanged.
inline constexpr const char* kSyntheticDefaultSpec =
    "synthetic:madelon:samples=14000,features=784,informative=48,redundant=32,classes=10,clusters=2,class_sep=1.5";

} // namespace rewire
