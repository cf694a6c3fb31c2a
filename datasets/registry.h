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

#include "datasets/csv_loader.h"
#include "datasets/dataset.h"
#include "datasets/synthetic.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

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

// A spec taken apart, before anything is read: what loadDataset will load.
struct DatasetSpec {
    enum class Kind { Named, Synthetic, Idx, Npy, Csv, Higgs, Libsvm, Madelon, Cifar10, Npz, Path };
    Kind kind = Kind::Path;
    std::string text;               // the spec as given
    std::string name;               // Named: the built-in name; Synthetic: the generator
    std::vector<std::string> paths; // the file(s) or folder (idx and npy: two)
    MadelonOptions madelon;         // synthetic:madelon (its seed: `seed`)
    std::int64_t samples = 0;       // synthetic:xor and :spirals
    int classes = 0;
    double turns = 0.0, noise = 0.0;
    std::optional<std::uint64_t> seed; // a synthetic seed=; absent: the run's seed
    CsvOptions csv;
    bool higgsLowLevel = false;
    std::int64_t libsvmFeatures = 0;
};
// Parses a spec without touching the file system. Throws std::invalid_argument "--dataset SPEC:
// what is wrong" (a usage error).
DatasetSpec parseDatasetSpec(const std::string& spec);

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
