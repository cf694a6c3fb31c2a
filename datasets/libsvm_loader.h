#pragma once
// LIBSVM / SVMlight sparse text: "label index:value index:value ..." with 1-based, increasing
// indices (how microarray sets such as Leukemia are commonly shared). Plain or gzip.

#include "datasets/dataset.h"

#include <filesystem>

namespace rewire {

// features: the declared dimension (an index beyond it is an error); 0 = the largest index seen.
// Labels follow mapLabels(); absent entries are 0. Throws DatasetError naming file and line.
// Time complexity: O(file size + samples * features).
Dataset loadLibsvm(const std::filesystem::path& path, std::int64_t features = 0);

} // namespace rewire
