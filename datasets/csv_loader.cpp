#include "datasets/csv_loader.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <string_view>

namespace rewire {

namespace {

std::vector<std::string_view> split(std::string_view line, char delim)
{
    std::vector<std::string_view> out;
    size_t start = 0;
    while (true) {
        const size_t pos = line.find(delim, start);
        std::string_view field = line.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start);
        while (!field.empty() && (field.front() == ' ' || field.front() == '\t'))
            field.remove_prefix(1);
        while (!field.empty() && (field.back() == ' ' || field.back() == '\t' || field.back() == '\r'))
            field.remove_suffix(1);
        out.push_back(field);
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
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

} // namespace

Dataset loadCsv(const std::filesystem::path& path, const CsvOptions& options)
{
    const std::string name = path.string();
    std::ifstream in(path);
    if (!in)
        throw DatasetError(name + ": file not found or unreadable");
    std::vector<std::vector<float>> rows;
    std::vector<std::string> labelText;
    std::string line;
    size_t lineNo = 0, columns = 0, labelCol = 0;
    bool first = true;
    while (std::getline(in, line)) {
        ++lineNo;
        if (line.empty() || line == "\r")
            continue;
        const auto fields = split(line, options.delimiter);
        if (first) {
            columns = fields.size();
            if (columns < 2)
                throw DatasetError(name + ":" + std::to_string(lineNo) + ": found 1 column, expected a label and at least one feature");
            const long lc = options.labelColumn < 0 ? static_cast<long>(columns) + options.labelColumn : options.labelColumn;
            if (lc < 0 || lc >= static_cast<long>(columns))
                throw DatasetError(name + ": label column " + std::to_string(options.labelColumn) + " outside the " +
                                   std::to_string(columns) + " columns");
            labelCol = static_cast<size_t>(lc);
            first = false;
            bool isHeader = options.header == 1;
            if (options.header < 0) {
                float v;
                for (size_t c = 0; c < columns && !isHeader; ++c)
                    if (c != labelCol && !parseFloat(fields[c], v))
                        isHeader = true;
            }
            if (isHeader)
                continue;
        }
        if (fields.size() != columns)
            throw DatasetError(name + ":" + std::to_string(lineNo) + ": " + std::to_string(fields.size()) +
                               " fields, expected " + std::to_string(columns) + " like the first line");
        std::vector<float> row;
        row.reserve(columns - 1);
        for (size_t c = 0; c < columns; ++c) {
            if (c == labelCol)
                continue;
            float v;
            if (!parseFloat(fields[c], v))
                throw DatasetError(name + ":" + std::to_string(lineNo) + ": column " + std::to_string(c + 1) + " is \"" +
                                   std::string(fields[c]) + "\", expected a number");
            row.push_back(v);
        }
        rows.push_back(std::move(row));
        labelText.emplace_back(fields[labelCol]);
    }
    if (rows.empty())
        throw DatasetError(name + ": no data rows (empty file or header only)");

    Dataset d;
    d.name = name;
    d.x.resize(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(columns - 1));
    for (size_t i = 0; i < rows.size(); ++i)
        std::copy(rows[i].begin(), rows[i].end(), d.x.row(static_cast<Eigen::Index>(i)).data());
    bool integral = true;
    for (const auto& t : labelText) {
        int v = 0;
        const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
        if (r.ec != std::errc() || r.ptr != t.data() + t.size() || v < 0) {
            integral = false;
            break;
        }
    }
    if (integral) {
        for (const auto& t : labelText) {
            int v = 0;
            std::from_chars(t.data(), t.data() + t.size(), v);
            d.y.push_back(v);
            d.classes = std::max(d.classes, v + 1);
        }
    } else {
        std::map<std::string, int> ids;
        for (const auto& t : labelText)
            ids.emplace(t, 0);
        for (auto& [text, id] : ids) {
            id = static_cast<int>(d.classNames.size());
            d.classNames.push_back(text);
        }
        for (const auto& t : labelText)
            d.y.push_back(ids[t]);
        d.classes = static_cast<int>(ids.size());
    }
    d.validate();
    return d;
}

} // namespace rewire
