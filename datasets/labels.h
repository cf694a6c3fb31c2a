#pragma once
// One rule for turning label text into class indices, shared by the text formats:
//  - numbers that are all integral: {-1, +1} become {0, 1}; non-negative integers are used as
//    they are (classes = max + 1); other integer sets map to their sorted distinct values;
//  - anything else (text, fractions): sorted distinct values, kept as class names.

#include <cstdint>
#include <string>
#include <vector>

namespace rewire {

struct MappedLabels {
    std::vector<std::int32_t> y;
    int classes = 0;
    std::vector<std::string> names; // empty when the labels were used as class indices
};

MappedLabels mapLabels(const std::vector<std::string>& text);

struct Dataset;
// Sets d.y, d.classes and d.classNames from label text with mapLabels().
void setLabels(Dataset& d, const std::vector<std::string>& text);

// A separate test or validation file maps its own labels (a file with only some of the classes
// would number them differently): relabels `other` to the training data's class list, by name.
// Throws DatasetError naming a class the training data does not have. Time complexity: O(n log c).
void alignClasses(const Dataset& train, Dataset& other);

} // namespace rewire
