#include "datasets/madelon_loader.h"

#include "datasets/gz_file.h"

#include <cmath>
#include <charconv>

namespace rewire {

Dataset loadNipsPart(const std::string& prefix, const std::string& part)
{
    const std::string dataPath = prefix + "_" + part + ".data", labelPath = prefix + "_" + part + ".labels";
    GzFile data(dataPath);
    std::vector<float> values;
    std::size_t columns = 0, rows = 0;
    std::string line;
    while (data.readLine(line)) {
        std::size_t count = 0, i = 0;
        while ((i = line.find_first_not_of(" \t", i)) != std::string::npos) {
            const std::size_t end = std::min(line.find_first_of(" \t", i), line.size());
            float v = 0;
            const char* b = line.data() + i;
            if (*b == '+')
                ++b;
            const auto r = std::from_chars(b, line.data() + end, v);
            if (r.ec != std::errc() || r.ptr != line.data() + end || !std::isfinite(v))
                throw DatasetError(data.where() + "value " + std::to_string(count + 1) + " is \"" +
                                   line.substr(i, end - i) +
                                   (r.ec == std::errc() && r.ptr == line.data() + end ? "\", expected a finite number"
                                                                                      : "\", expected a number"));
            values.push_back(v);
            ++count;
            i = end;
        }
        if (count == 0)
            continue;
        if (rows == 0)
            columns = count;
        else if (count != columns)
            throw DatasetError(data.where() + std::to_string(count) + " values, expected " + std::to_string(columns) +
                               " like the first line");
        ++rows;
    }
    if (rows == 0)
        throw DatasetError(dataPath + ": no samples (empty file)");
    GzFile labels(labelPath);
    std::vector<std::int32_t> y;
    while (labels.readLine(line)) {
        const auto b = line.find_first_not_of(" \t");
        if (b == std::string::npos)
            continue;
        const auto e = line.find_last_not_of(" \t");
        const std::string t = line.substr(b, e - b + 1);
        if (t == "1" || t == "+1")
            y.push_back(1);
        else if (t == "-1")
            y.push_back(0);
        else
            throw DatasetError(labels.where() + "label \"" + t + "\", expected -1 or 1");
    }
    if (y.size() != rows)
        throw DatasetError(labelPath + ": " + std::to_string(y.size()) + " labels but " + dataPath + " has " +
                           std::to_string(rows) + " samples");
    Dataset d;
    d.name = prefix + "_" + part;
    d.x = Eigen::Map<const FeatureMatrix>(values.data(), static_cast<Eigen::Index>(rows),
                                          static_cast<Eigen::Index>(columns));
    d.y = std::move(y);
    d.classes = 2;
    d.classNames = {"-1", "+1"};
    d.validate();
    return d;
}

DataSplit loadNips(const std::string& prefix)
{
    DataSplit s;
    s.train = loadNipsPart(prefix, "train");
    std::error_code ec;
    if (std::filesystem::exists(prefix + "_valid.labels", ec))
        s.test = loadNipsPart(prefix, "valid");
    return s;
}

} // namespace rewire
