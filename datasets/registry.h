#pragma once
// Dataset specs: a built-in name or a path with a format prefix, resolved to a train/test split.
//
//   auto                          fashion-mnist when installed, otherwise the synthetic default
//   fashion-mnist, mnist, kmnist  IDX directories; cifar10, higgs, madelon: their standard files,
//                                 looked for in $REWIRE_DATA_DIR/NAME and /usr/share/datasets/NAME
//   synthetic:madelon[:k=v,...]   samples features informative redundant repeated classes clusters
//                                 class_sep flip_y seed
//   synthetic:xor[:k=v,...]       samples noise seed
//   synthetic:spirals[:k=v,...]   samples classes turns noise seed
//   idx:IMAGES,LABELS             IDX pair (.gz or plain)
//   csv:FILE[,label=NAME|INDEX][,header=yes|no|auto][,delimiter=C]   (.csv or .csv.gz)
//   higgs:FILE[,features=21]      HIGGS CSV(.gz): label first, 28 features (21 = low-level only)
//   libsvm:FILE[,features=N]      LIBSVM / SVMlight sparse text
//   madelon:PREFIX                NIPS 2003 format: PREFIX_train.data/.labels (+ _valid as test)
//   cifar10:DIR                   CIFAR-10 binary batches
//   npz:FILE                      NumPy archive with x_train/y_train[/x_test/y_test] or x/y
//   npy:X.npy,Y.npy               two NumPy arrays
//   DIR, FILE.csv[.gz], FILE.npz  recognised by shape or extension

#include "datasets/dataset.h"

#include <filesystem>
#include <string>

namespace rewire {

struct DatasetRequest {
    std::string spec = "auto";
    std::string testSpec;        // separate test data; empty = the format's own test split or a fraction
    double testFraction = 0.3;   // used when there is neither (stratified, seeded)
    std::string validationSpec;  // separate validation data
    double validationFraction = 0.0; // else this share of the training part (stratified, seeded)
    std::string scale = "standard"; // standard | minmax | none, fitted on the training part only
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

struct DatasetInfo {
    std::string name;       // spec to pass to --dataset
    std::string location;   // where it is (or is looked for)
    bool available = false;
    std::string shape;      // e.g. "60000+10000 x 28x28"
    int classes = 0;
};
// The built-in names, each with where it is looked for and its shape.
std::vector<DatasetInfo> listDatasets();

// The spec "auto" falls back to when Fashion-MNIST is absent: 784 features in a 28x28 shape,
// 10 classes, so the reference architecture runs unchanged.
inline constexpr const char* kSyntheticDefaultSpec =
    "synthetic:madelon:samples=14000,features=784,informative=48,redundant=32,classes=10,clusters=2,class_sep=1.5";

} // namespace rewire
