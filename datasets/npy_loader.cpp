#include "datasets/npy_loader.h"

#include "datasets/gz_file.h"

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <regex>

namespace rewire {

namespace {

template <typename T> T le(const char* p)
{
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

std::vector<char> readAll(const std::filesystem::path& path)
{
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        throw DatasetError(path.string() + ": file not found");
    if (std::filesystem::is_directory(path, ec))
        throw DatasetError(path.string() + ": is a directory, expected a file");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw DatasetError(path.string() + ": cannot open");
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
        throw DatasetError(path.string() + ": read error");
    return bytes;
}

} // namespace

NpyArray parseNpy(const std::vector<char>& b, const std::string& source)
{
    auto fail = [&](std::size_t at, const std::string& what) {
        throw DatasetError(source + ": " + what + " (at byte " + std::to_string(at) + ")");
    };
    if (b.size() < 10 || std::memcmp(b.data(), "\x93NUMPY", 6) != 0)
        fail(0, "not a .npy array (expected the magic \\x93NUMPY)");
    const int major = static_cast<unsigned char>(b[6]);
    std::size_t headerLen = 0, start = 0;
    if (major == 1) {
        headerLen = le<std::uint16_t>(b.data() + 8);
        start = 10;
    } else if (major == 2 || major == 3) {
        if (b.size() < 12)
            fail(8, "truncated header");
        headerLen = le<std::uint32_t>(b.data() + 8);
        start = 12;
    } else {
        fail(6, ".npy format version " + std::to_string(major) + " is not supported (expected 1, 2 or 3)");
    }
    if (start + headerLen > b.size())
        fail(start, "truncated header");
    const std::string header(b.data() + start, headerLen);
    std::smatch m;
    if (!std::regex_search(header, m, std::regex(R"('descr'\s*:\s*'([<>|=])([a-z])(\d+)')")))
        fail(start, "header has no 'descr'");
    const char order = m[1].str()[0], kind = m[2].str()[0];
    std::string dtype = m[1].str(); // '<f4', as NumPy writes it
    dtype.append(m[2].str()).append(m[3].str()).insert(0, 1, '\'').push_back('\'');
    const int size = m[3].str().size() == 1 ? m[3].str()[0] - '0' : 0;
    const bool known = (kind == 'f' && (size == 4 || size == 8)) || (kind == 'u' && (size == 1 || size == 8)) ||
                       (kind == 'i' && (size == 1 || size == 4 || size == 8)) || (kind == 'b' && size == 1);
    if (!known)
        fail(start, "dtype " + dtype + " is not supported (expected float32/64, uint8, int8/32/64)");
    if (order == '>' && size > 1)
        fail(start, "big-endian arrays are not supported");
    const bool fortran = std::regex_search(header, std::regex(R"('fortran_order'\s*:\s*True)"));
    if (!std::regex_search(header, m, std::regex(R"('shape'\s*:\s*\(([^)]*)\))")))
        fail(start, "header has no 'shape'");
    NpyArray a;
    const std::string dims = m[1].str();
    const std::size_t dataStart = start + headerLen;
    const std::uint64_t available = b.size() - dataStart;
    // The product of the dimensions, checked against the bytes the file has before anything is
    // allocated (a shape whose product overflows, or needs more than the file holds, is an error).
    std::uint64_t count = 1;
    bool tooBig = false;
    const std::regex num(R"(\d+)");
    for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num); it != std::sregex_iterator(); ++it) {
        std::uint64_t d = 0;
        const std::string text = it->str();
        const auto r = std::from_chars(text.data(), text.data() + text.size(), d);
        if (r.ec != std::errc() || d > static_cast<std::uint64_t>(INT64_MAX))
            fail(start, "shape (" + dims + ") has a dimension beyond 2^63");
        a.shape.push_back(static_cast<std::int64_t>(d));
        if (d != 0 && count > available / d)
            tooBig = true;
        else
            count *= d;
    }
    if (tooBig || count > available / static_cast<std::uint64_t>(size))
        fail(dataStart, "truncated data: shape (" + dims + ") of " + dtype + " needs more than the " +
                            std::to_string(available) + " bytes the file has");
    a.data.resize(static_cast<std::size_t>(count));
    const char* p = b.data() + dataStart;
    for (std::uint64_t i = 0; i < count; ++i, p += size) {
        float v;
        if (kind == 'f' && size == 4) v = le<float>(p);
        else if (kind == 'f' && size == 8) v = static_cast<float>(le<double>(p));
        else if (kind == 'u' && size == 1) v = static_cast<unsigned char>(*p);
        else if (kind == 'i' && size == 1) v = static_cast<signed char>(*p);
        else if (kind == 'i' && size == 4) v = static_cast<float>(le<std::int32_t>(p));
        else if (kind == 'i' && size == 8) v = static_cast<float>(le<std::int64_t>(p));
        else if (kind == 'u' && size == 8) v = static_cast<float>(le<std::uint64_t>(p));
        else v = *p ? 1.0f : 0.0f; // 'b1' (checked above)
        a.data[static_cast<std::size_t>(i)] = v;
    }
    if (fortran && a.shape.size() == 2) {
        std::vector<float> c(a.data.size());
        const auto rows = a.shape[0], cols = a.shape[1];
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::int64_t col = 0; col < cols; ++col)
                c[static_cast<std::size_t>(r * cols + col)] = a.data[static_cast<std::size_t>(col * rows + r)];
        a.data = std::move(c);
    } else if (fortran && a.shape.size() > 2) {
        fail(start, "Fortran-order arrays with more than 2 dimensions are not supported");
    }
    return a;
}

NpyArray loadNpy(const std::filesystem::path& path) { return parseNpy(readAll(path), path.string()); }

std::map<std::string, NpyArray> loadNpz(const std::filesystem::path& path)
{
    const std::string name = path.string();
    const std::vector<char> z = readAll(path);
    auto fail = [&](std::size_t at, const std::string& what) {
        throw DatasetError(name + ": " + what + " (at byte " + std::to_string(at) + ")");
    };
    // The end-of-central-directory record: last 22+ bytes, found by scanning back for its signature.
    if (z.size() < 22)
        fail(0, "not a zip archive (too short for an .npz)");
    std::size_t eocd = std::string::npos;
    for (std::size_t i = z.size() - 22 + 1; i-- > 0 && z.size() - i <= 22 + 65535;)
        if (le<std::uint32_t>(z.data() + i) == 0x06054b50) {
            eocd = i;
            break;
        }
    if (eocd == std::string::npos)
        fail(z.size(), "not a zip archive (no end-of-central-directory record); truncated .npz?");
    const std::uint16_t entries = le<std::uint16_t>(z.data() + eocd + 10);
    std::size_t cd = le<std::uint32_t>(z.data() + eocd + 16);
    std::map<std::string, NpyArray> out;
    for (std::uint16_t e = 0; e < entries; ++e) {
        if (cd + 46 > z.size() || le<std::uint32_t>(z.data() + cd) != 0x02014b50)
            fail(cd, "corrupt central directory");
        const std::uint16_t method = le<std::uint16_t>(z.data() + cd + 10);
        const std::uint32_t compSize = le<std::uint32_t>(z.data() + cd + 20);
        const std::uint32_t size = le<std::uint32_t>(z.data() + cd + 24);
        const std::uint16_t nameLen = le<std::uint16_t>(z.data() + cd + 28), extraLen = le<std::uint16_t>(z.data() + cd + 30),
                            commentLen = le<std::uint16_t>(z.data() + cd + 32);
        const std::size_t local = le<std::uint32_t>(z.data() + cd + 42);
        if (cd + 46 + nameLen > z.size())
            fail(cd, "corrupt central directory");
        std::string member(z.data() + cd + 46, nameLen);
        cd += 46 + nameLen + extraLen + commentLen;
        if (compSize == 0xFFFFFFFFu || size == 0xFFFFFFFFu)
            fail(local, "member " + member + " uses ZIP64 (over 4 GiB), which is not supported");
        if (local + 30 > z.size() || le<std::uint32_t>(z.data() + local) != 0x04034b50)
            fail(local, "corrupt local header of " + member);
        const std::size_t dataAt = local + 30 + le<std::uint16_t>(z.data() + local + 26) + le<std::uint16_t>(z.data() + local + 28);
        if (dataAt + compSize > z.size())
            fail(dataAt, "member " + member + " is truncated");
        // Everything about the member is checked before its buffer is allocated. Deflate cannot
        // expand more than 1032:1: a member that claims more is a zip bomb or lies about its size.
        if (method != 0 && method != 8)
            fail(local, "member " + member + " uses compression method " + std::to_string(method) +
                            " (expected stored or deflate)");
        if (method == 0 && compSize != size)
            fail(dataAt, "stored member " + member + " has inconsistent sizes");
        if (method == 8 && static_cast<std::uint64_t>(size) > 1032ull * compSize + 1024)
            fail(local, "member " + member + " claims " + std::to_string(size) + " bytes from " +
                            std::to_string(compSize) + " compressed (more than deflate can expand)");
        std::vector<char> bytes(size);
        if (method == 0) {
            if (size > 0)
                std::memcpy(bytes.data(), z.data() + dataAt, size);
        } else if (method == 8) {
            z_stream s{};
            inflateInit2(&s, -MAX_WBITS);
            s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(z.data() + dataAt));
            s.avail_in = compSize;
            s.next_out = reinterpret_cast<Bytef*>(bytes.data());
            s.avail_out = size;
            const int rc = inflate(&s, Z_FINISH);
            const auto produced = s.total_out;
            inflateEnd(&s);
            if (rc != Z_STREAM_END || produced != size)
                fail(dataAt, "member " + member + " does not inflate to its " + std::to_string(size) + " bytes");
        }
        if (member.size() > 4 && member.compare(member.size() - 4, 4, ".npy") == 0)
            member.resize(member.size() - 4);
        out.emplace(member, parseNpy(bytes, name + "[" + member + "]"));
    }
    if (out.empty())
        fail(0, "the archive holds no arrays");
    return out;
}

Dataset datasetFromArrays(const NpyArray& x, const NpyArray& y, const std::string& name)
{
    if (x.shape.empty() || y.shape.empty())
        throw DatasetError(name + ": features and labels must have at least one dimension");
    const std::int64_t n = x.shape[0];
    if (y.shape[0] != n)
        throw DatasetError(name + ": " + std::to_string(n) + " samples but " + std::to_string(y.shape[0]) + " labels");
    Dataset d;
    d.name = name;
    const std::int64_t features = n ? static_cast<std::int64_t>(x.data.size()) / n : 0;
    d.x = Eigen::Map<const FeatureMatrix>(x.data.data(), n, features);
    for (std::size_t k = 1; k < x.shape.size(); ++k)
        d.shape.push_back(static_cast<int>(x.shape[k]));
    if (d.shape.size() == 1)
        d.shape.clear();
    if (y.shape.size() == 1 || (y.shape.size() == 2 && y.shape[1] == 1)) {
        for (std::int64_t i = 0; i < n; ++i) {
            const float v = y.data[static_cast<std::size_t>(i)];
            if (v < 0 || v != static_cast<float>(static_cast<std::int32_t>(v)))
                throw DatasetError(name + ": label " + std::to_string(v) + " of sample " + std::to_string(i) +
                                   " is not a class index (expected 0, 1, 2, ...)");
            d.y.push_back(static_cast<std::int32_t>(v));
            d.classes = std::max(d.classes, static_cast<int>(v) + 1);
        }
    } else if (y.shape.size() == 2) { // one-hot rows
        const std::int64_t c = y.shape[1];
        for (std::int64_t i = 0; i < n; ++i) {
            const float* row = y.data.data() + i * c;
            d.y.push_back(static_cast<std::int32_t>(std::max_element(row, row + c) - row));
        }
        d.classes = static_cast<int>(c);
    } else {
        throw DatasetError(name + ": labels must be a vector of class indices or a one-hot matrix");
    }
    d.validate();
    return d;
}

DataSplit loadNpzDataset(const std::filesystem::path& path)
{
    auto arrays = loadNpz(path);
    auto find = [&](std::initializer_list<const char*> names) -> const NpyArray* {
        for (const auto& [k, v] : arrays) {
            std::string lower = k;
            std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
            for (const char* n : names)
                if (lower == n)
                    return &v;
        }
        return nullptr;
    };
    DataSplit s;
    const NpyArray *xt = find({"x_train", "train_x"}), *yt = find({"y_train", "train_y"});
    const NpyArray *xv = find({"x_test", "test_x"}), *yv = find({"y_test", "test_y"});
    if (!xt || !yt) {
        xt = find({"x", "data"});
        yt = find({"y", "labels", "target"});
    }
    if (!xt || !yt) {
        std::string have;
        for (const auto& [k, v] : arrays)
            have += (have.empty() ? "" : ", ") + k;
        throw DatasetError(path.string() + ": expected arrays x_train/y_train (and x_test/y_test) or x/y, found " + have);
    }
    s.train = datasetFromArrays(*xt, *yt, path.string());
    if (xv && yv) {
        s.test = datasetFromArrays(*xv, *yv, path.string() + " (test)");
        const int classes = std::max(s.train.classes, s.test.classes);
        s.train.classes = s.test.classes = classes;
    }
    return s;
}

} // namespace rewire
