#include "datasets/libsvm_loader.h"

#include "datasets/gz_file.h"
#include "datasets/labels.h"

#include <cmath>
#include <charconv>

namespace rewire {

Dataset loadLibsvm(const std::filesystem::path& path, std::int64_t features)
{
    GzFile in(path);
    struct Entry {
        std::int64_t row, col;
        float value;
    };
    std::vector<Entry> entries;
    std::vector<std::string> labels;
    std::int64_t maxIndex = 0;
    std::string line;
    while (in.readLine(line)) {
        const auto hash = line.find('#');
        if (hash != std::string::npos)
            line.resize(hash);
        std::size_t i = line.find_first_not_of(" \t");
        if (i == std::string::npos)
            continue;
        std::size_t end = line.find_first_of(" \t", i);
        labels.push_back(line.substr(i, end == std::string::npos ? std::string::npos : end - i));
        const auto row = static_cast<std::int64_t>(labels.size()) - 1;
        std::int64_t previous = 0;
        i = end;
        while (i != std::string::npos && (i = line.find_first_not_of(" \t", i)) != std::string::npos) {
            end = line.find_first_of(" \t", i);
            const std::string_view tok(line.data() + i, (end == std::string::npos ? line.size() : end) - i);
            const auto colon = tok.find(':');
            std::int64_t index = 0;
            float value = 0;
            const bool okIndex = colon != std::string_view::npos &&
                                 std::from_chars(tok.data(), tok.data() + colon, index).ptr == tok.data() + colon;
            const char* vb = okIndex ? tok.data() + colon + 1 : tok.data(); // no pointer past npos
            if (okIndex && vb < tok.data() + tok.size() && *vb == '+')
                ++vb;
            const auto rv = okIndex ? std::from_chars(vb, tok.data() + tok.size(), value) : std::from_chars_result{};
            if (!okIndex || rv.ec != std::errc() || rv.ptr != tok.data() + tok.size())
                throw DatasetError(in.where() + "\"" + std::string(tok) + "\" is not index:value");
            if (index < 1)
                throw DatasetError(in.where() + "feature index " + std::to_string(index) + " (indices start at 1)");
            if (!std::isfinite(value))
                throw DatasetError(in.where() + "feature " + std::to_string(index) + " is \"" + std::string(tok) +
                                   "\", expected a finite number");
            if (index <= previous)
                throw DatasetError(in.where() + "feature index " + std::to_string(index) + " after " +
                                   std::to_string(previous) + " (indices must increase)");
            if (features > 0 && index > features)
                throw DatasetError(in.where() + "feature index " + std::to_string(index) + " beyond the declared " +
                                   std::to_string(features) + " features");
            previous = index;
            maxIndex = std::max(maxIndex, index);
            entries.push_back({row, index - 1, value});
            i = end;
        }
    }
    if (labels.empty())
        throw DatasetError(in.name() + ": no samples (empty file)");
    Dataset d;
    d.name = in.name();
    const std::int64_t dim = features > 0 ? features : maxIndex;
    if (dim == 0)
        throw DatasetError(in.name() + ": no feature values at all");
    // Sparse text, dense matrix: the largest index decides the width, and one token can ask for
    // 10^12. Past 1 GiB, the dense matrix may hold at most 1024 zeros per stored value (real
    // sparse sets such as rcv1 stay far below that; a 40-byte file asked for 5.7 GB).
    const double cells = static_cast<double>(labels.size()) * static_cast<double>(dim);
    if (cells > static_cast<double>(1 << 28) && cells > 1024.0 * static_cast<double>(entries.size()) + 1024.0)
        throw DatasetError(in.name() + ": " + (features > 0 ? "features=" + std::to_string(features)
                                                            : "the largest feature index, " + std::to_string(maxIndex) + ",") +
                           " makes a dense " + std::to_string(labels.size()) + " x " + std::to_string(dim) +
                           " matrix for " + std::to_string(entries.size()) +
                           " stored values; Rewire loads LIBSVM data dense, at most 1024 cells per stored value");
    requireFeatureMemory(static_cast<double>(labels.size()), static_cast<double>(dim), 0.0,
                         in.name() + (features > 0 ? " (features=" + std::to_string(features) + ")"
                                                   : " (largest feature index " + std::to_string(maxIndex) + ")"));
    d.x = FeatureMatrix::Zero(static_cast<Eigen::Index>(labels.size()), static_cast<Eigen::Index>(dim));
    for (const Entry& e : entries)
        d.x(e.row, e.col) = e.value;
    setLabels(d, labels);
    d.validate();
    return d;
}

} // namespace rewire
