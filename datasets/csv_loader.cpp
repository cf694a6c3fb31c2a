#include "datasets/csv_loader.h"

#include "datasets/gz_file.h"
#include "datasets/labels.h"

#include <cmath>
#include <algorithm>
#include <charconv>
#include <string_view>

namespace rewire {

namespace {

std::vector<std::string_view> split(std::string_view line, char delim)
{
    std::vector<std::string_view> out;
    auto trim = [](std::string_view f) {
        while (!f.empty() && (f.front() == ' ' || f.front() == '\t' || f.front() == '"'))
            f.remove_prefix(1);
        while (!f.empty() && (f.back() == ' ' || f.back() == '\t' || f.back() == '"'))
            f.remove_suffix(1);
        return f;
    };
    if (delim == ' ') { // runs of blanks separate fields
        std::size_t i = 0;
        while (i < line.size()) {
            while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
                ++i;
            const std::size_t start = i;
            while (i < line.size() && line[i] != ' ' && line[i] != '\t')
                ++i;
            if (i > start)
                out.push_back(line.substr(start, i - start));
        }
        return out;
    }
    std::size_t start = 0;
    while (true) {
        const std::size_t pos = line.find(delim, start);
        out.push_back(trim(line.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start)));
        if (pos == std::string_view::npos)
            return out;
        start = pos + 1;
    }
}

bool parseFloat(std::string_view s, float& v)
{
    if (s.empty())
        return false;
    if (s.front() == '+')
        s.remove_prefix(1);
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec == std::errc::result_out_of_range && r.ptr == s.data() + s.size()) {
        // Beyond a float: infinite when the exponent is positive (the caller rejects it as not
        // finite), zero when it is negative (1e-999 is 0 to any network).
        const auto e = s.find_first_of("eE");
        const bool tiny = e != std::string_view::npos && e + 1 < s.size() && s[e + 1] == '-';
        v = tiny ? 0.0f : (s.front() == '-' ? -HUGE_VALF : HUGE_VALF);
        return true;
    }
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

char detectDelimiter(const std::string& line)
{
    for (char c : {',', ';', '\t'})
        if (line.find(c) != std::string::npos)
            return c;
    return ' ';
}

} // namespace

Dataset loadCsv(const std::filesystem::path& path, const CsvOptions& options)
{
    GzFile in(path);
    const std::string& name = in.name();
    std::vector<float> values;
    std::vector<std::string> labelText;
    std::string line;
    std::size_t columns = 0, labelCol = 0, features = 0;
    char delim = options.delimiter;
    bool first = true;
    while (in.readLine(line)) {
        if (line.find_first_not_of(" \t") == std::string::npos)
            continue;
        if (first) {
            if (!delim)
                delim = detectDelimiter(line);
            const auto fields = split(line, delim);
            columns = fields.size();
            if (columns < 2)
                throw DatasetError(in.where() + "found 1 column, expected a label and at least one feature");
            bool isHeader = options.header == 1;
            if (options.header < 0) {
                float v;
                std::size_t numeric = 0;
                for (const auto& f : fields)
                    numeric += parseFloat(f, v);
                isHeader = numeric + 1 < columns; // all-numeric but the label: data
            }
            long lc = options.labelColumn < 0 ? static_cast<long>(columns) + options.labelColumn : options.labelColumn;
            if (!options.labelName.empty()) {
                if (!isHeader)
                    throw DatasetError(in.where() + "label column \"" + options.labelName +
                                       "\" asked for by name, but the first line is not a header");
                const auto it = std::find(fields.begin(), fields.end(), options.labelName);
                if (it == fields.end())
                    throw DatasetError(in.where() + "no column named \"" + options.labelName + "\" in the header");
                lc = static_cast<long>(it - fields.begin());
            }
            if (lc < 0 || lc >= static_cast<long>(columns))
                throw DatasetError(name + ": label column " + std::to_string(options.labelColumn) + " outside the " +
                                   std::to_string(columns) + " columns");
            labelCol = static_cast<std::size_t>(lc);
            features = columns - 1;
            if (options.maxFeatures >= 0)
                features = std::min<std::size_t>(features, static_cast<std::size_t>(options.maxFeatures));
            first = false;
            if (isHeader)
                continue;
        }
        const auto fields = split(line, delim);
        if (fields.size() != columns)
            throw DatasetError(in.where() + std::to_string(fields.size()) + " fields, expected " +
                               std::to_string(columns) + " like the first line");
        std::size_t kept = 0;
        for (std::size_t c = 0; c < columns && kept < features; ++c) {
            if (c == labelCol)
                continue;
            float v = 0.0f;
            if (!parseFloat(fields[c], v) || !std::isfinite(v))
                throw DatasetError(in.where() + "column " + std::to_string(c + 1) + " is \"" + std::string(fields[c]) +
                                   (std::isfinite(v) ? "\", expected a number" : "\", expected a finite number"));
            values.push_back(v);
            ++kept;
        }
        if (fields[labelCol].empty())
            throw DatasetError(in.where() + "empty label in column " + std::to_string(labelCol + 1));
        labelText.emplace_back(fields[labelCol]);
    }
    if (labelText.empty())
        throw DatasetError(name + ": no data rows (empty file or header only)");

    Dataset d;
    d.name = name;
    d.x = Eigen::Map<const FeatureMatrix>(values.data(), static_cast<Eigen::Index>(labelText.size()),
                                          static_cast<Eigen::Index>(features));
    values = {};
    setLabels(d, labelText);
    d.validate();
    return d;
}

Dataset loadHiggs(const std::filesystem::path& path, bool lowLevel)
{
    CsvOptions o;
    o.delimiter = ',';
    o.header = 0;
    o.labelColumn = 0;
    Dataset d = loadCsv(path, o);
    if (d.features() != 28)
        throw DatasetError(path.string() + ": " + std::to_string(d.features()) +
                           " feature columns after the label, expected HIGGS's 28 (use csv:FILE,label=0 for other data)");
    if (lowLevel)
        d.x = FeatureMatrix(d.x.leftCols(21));
    if (d.classes != 2)
        throw DatasetError(path.string() + ": HIGGS labels must be 0 and 1, found " + std::to_string(d.classes) +
                           " classes");
    d.classNames = {"background", "signal"};
    return d;
}

} // namespace rewire
