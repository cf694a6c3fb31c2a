#include "cli/args.h"
#include "cli/commands.h"
#include "datasets/registry.h"

#include <cstdio>

namespace rewire::cli {

int runDatasets(int argc, char** argv)
{
    const Args args = parseArgs(argc, argv, 2, {}, {"help"});
    if (args.flag("help") || !args.positional.empty()) {
        std::puts("usage: rewire datasets\n  lists the built-in dataset names, where each is looked for, its shape and "
                  "classes, and the format prefixes --dataset accepts");
        return args.flag("help") ? 0 : 2;
    }
    std::printf("%-18s %-9s %-26s %7s  %s\n", "name", "status", "shape", "classes", "location");
    for (const DatasetInfo& d : listDatasets())
        std::printf("%-18s %-9s %-26s %7d  %s\n", d.name.c_str(), d.available ? "ready" : "absent",
                    d.shape.size() > 26 ? (d.shape.substr(0, 23) + "...").c_str() : d.shape.c_str(), d.classes,
                    d.location.c_str());
    std::puts(R"(
formats (--dataset / --test-dataset):
  idx:IMAGES,LABELS             MNIST-style IDX pair, plain or .gz
  csv:FILE[,label=NAME|INDEX][,header=yes|no|auto][,delimiter=C]    .csv/.tsv, plain or .gz
  higgs:FILE[,features=21]      HIGGS CSV(.gz), label first, 28 (or the 21 low-level) features
  libsvm:FILE[,features=N]      LIBSVM/SVMlight sparse text (e.g. Leukemia)
  madelon:PREFIX                NIPS 2003: PREFIX_train.data/.labels, PREFIX_valid.* as test
  cifar10:DIR                   CIFAR-10 binary batches
  npz:FILE | npy:X.npy,Y.npy    NumPy arrays (float32/64, uint8, int8/32/64; one-hot or index labels)
  synthetic:madelon|xor|spirals[:key=value,...]
names are looked for in $REWIRE_DATA_DIR/NAME and /usr/share/datasets/NAME)");
    return 0;
}

} // namespace rewire::cli
