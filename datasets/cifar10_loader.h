#pragma once
// CIFAR-10 binary version: data_batch_1..5.bin and test_batch.bin, records of 1 label byte and
// 3072 pixel bytes (red, green, blue planes of 32x32), 10,000 records per file.

#include "datasets/dataset.h"

#include <filesystem>

namespace rewire {

// One batch file (plain or gzip). Throws DatasetError naming the file and byte offset.
Dataset loadCifar10Batch(const std::filesystem::path& file);
// DIR (or DIR/cifar-10-batches-bin) holding the five training batches and the test batch.
DataSplit loadCifar10(const std::filesystem::path& dir);

} // namespace rewire
