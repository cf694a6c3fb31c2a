#pragma once
// Delimited text (.csv, .tsv; plain or gzip): one sample per line, one label column, numeric
// features.

#include "datasets/dataset.h"

#include <filesystem>

namespace rewire {

struct CsvOptions {
    char delimiter = 0;         // 0 = detect from the first line (',', ';', tab, else spaces)
    int labelColumn = -1;       // index; negative counts from the end (-1 = last column)
    std::string labelName;      // header name of the label column (overrides labelColumn)
    int header = -1;            // 1 = first line is a header, 0 = none, -1 = detect
    std::int64_t maxFeatures = -1; // keep only the first N feature columns (HIGGS: 21), -1 = all
};

// Labels follow mapLabels() (datasets/labels.h). Throws DatasetError naming file, line and
// column. Time complexity: O(file size); memory: the matrix plus one copy while reading.
Dataset loadCsv(const std::filesystem::path& path, const CsvOptions& options = {});

// HIGGS (UCI): no header, label (0/1 as floats) in the first column, 28 features; `lowLevel`
// keeps the first 21 (the low-level kinematic features).
Dataset loadHiggs(const std::filesystem::path& path, bool lowLevel = false);

} // namespace rewire
