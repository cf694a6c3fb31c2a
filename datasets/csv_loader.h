#pragma once
// Delimited text: one sample per line, one label column, numeric features.

#include "datasets/dataset.h"

#include <filesystem>

namespace rewire {

struct CsvOptions {
    char delimiter = ',';
    // Index of the label column; negative counts from the end (-1 = last column).
    int labelColumn = -1;
    // 1 = the first line is a header, 0 = no header, -1 = detect (a non-numeric feature field).
    int header = -1;
};

// Integer labels are used as class indices; any other label text is mapped to classes in sorted
// order (classNames keeps the text). Throws DatasetError naming file, line and column.
// Time complexity: O(file size).
Dataset loadCsv(const std::filesystem::path& path, const CsvOptions& options = {});

} // namespace rewire
