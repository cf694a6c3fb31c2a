#pragma once
// IDX files (MNIST family), plain or gzip-compressed (detected from the bytes, not the name).

#include "datasets/dataset.h"

#include <filesystem>

namespace rewire {

// Images: unsigned-byte IDX with 2 or more dimensions (magic 0x00000803 for 28x28 images);
// labels: unsigned-byte IDX with 1 dimension (magic 0x00000801). Pixels are returned as 0..255
// floats; scaling is the caller's choice. Throws DatasetError naming the file and byte offset.
// Time complexity: O(samples * features).
Dataset loadIdx(const std::filesystem::path& images, const std::filesystem::path& labels);

// Fashion-MNIST from a directory holding {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz].
DataSplit loadMnistDirectory(const std::filesystem::path& dir, const std::string& name);

} // namespace rewire
