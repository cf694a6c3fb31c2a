#pragma once
// NumPy arrays: .npy (format 1.0-3.0; float32, float64, uint8, int8, int32, int64, little-endian;
// C or Fortran order) and .npz archives of them (stored or deflated), as the reference Python
// code ships Fashion-MNIST.

#include "datasets/dataset.h"

#include <filesystem>
#include <map>

namespace rewire {

struct NpyArray {
    std::vector<std::int64_t> shape;
    std::vector<float> data; // C order, converted to float
};

// Throws DatasetError naming `source` and the byte offset.
NpyArray parseNpy(const std::vector<char>& bytes, const std::string& source);
NpyArray loadNpy(const std::filesystem::path& path);
// Members of an .npz by name without ".npy".
std::map<std::string, NpyArray> loadNpz(const std::filesystem::path& path);

// A dataset from features X (N x ...) and labels Y (N class indices, or N x C one-hot).
Dataset datasetFromArrays(const NpyArray& x, const NpyArray& y, const std::string& name);
// An .npz with x_train/y_train and x_test/y_test (any case), or x/y (then no test part).
DataSplit loadNpzDataset(const std::filesystem::path& path);

} // namespace rewire
