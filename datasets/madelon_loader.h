#pragma once
// The NIPS 2003 feature-selection format (Madelon, Arcene, ...): PREFIX_train.data and
// PREFIX_train.labels, PREFIX_valid.data and PREFIX_valid.labels; values separated by blanks, one
// sample per line, labels -1/+1 (mapped to 0/1).

#include "datasets/dataset.h"

#include <filesystem>

namespace rewire {

// One part: "train" or "valid". Throws DatasetError naming the file and line.
Dataset loadNipsPart(const std::string& prefix, const std::string& part);
// Train part, and the valid part as test data when its labels exist.
DataSplit loadNips(const std::string& prefix);

} // namespace rewire
