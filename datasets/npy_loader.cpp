#include "datasets/npy_loader.h"
#include "graph/npz_writer.h"

#include "datasets/gz_file.h"

#include <zip.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
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

namespace {

// What a .npy header says, checked against the bytes the array has before anything is allocated.
struct NpyHeader {
    char kind = 'f';
    int size = 4;
    bool fortran = false;
    std::vector<std::int64_t> shape;
    std::uint64_t count = 1;    // elements
    std::size_t dataStart = 0;  // bytes of magic + header
};

constexpr std::size_t kMaxNpyHeader = 1 << 20; // NumPy writes a few hundred bytes

// The header's length from the first 12 bytes (`have` of them): magic, version, length field.
std::size_t npyPreamble(const char* b, std::size_t have, const std::function<void(std::size_t, const std::string&)>& fail,
                        std::size_t& start)
{
    if (have < 10 || std::memcmp(b, "\x93NUMPY", 6) != 0)
        fail(0, "not a .npy array (expected the magic \\x93NUMPY)");
    const int major = static_cast<unsigned char>(b[6]);
    std::size_t headerLen = 0;
    if (major == 1) {
        headerLen = le<std::uint16_t>(b + 8);
        start = 10;
    } else if (major == 2 || major == 3) {
        if (have < 12)
            fail(8, "truncated header");
        headerLen = le<std::uint32_t>(b + 8);
        start = 12;
    } else {
        fail(6, ".npy format version " + std::to_string(major) + " is not supported (expected 1, 2 or 3)");
    }
    if (headerLen > kMaxNpyHeader)
        fail(8, "header of " + std::to_string(headerLen) + " bytes (NumPy writes less than 1 MiB)");
    return headerLen;
}

// Parses the header text; `total` is the size of the whole array file or member.
NpyHeader npyHeader(const std::string& header, std::size_t start, std::uint64_t total,
                    const std::function<void(std::size_t, const std::string&)>& fail)
{
    NpyHeader h;
    std::smatch m;
    if (!std::regex_search(header, m, std::regex(R"('descr'\s*:\s*'([<>|=])([a-z])(\d+)')")))
        fail(start, "header has no 'descr'");
    const char order = m[1].str()[0];
    h.kind = m[2].str()[0];
    std::string dtype = m[1].str(); // '<f4', as NumPy writes it
    dtype.append(m[2].str()).append(m[3].str()).insert(0, 1, '\'').push_back('\'');
    h.size = m[3].str().size() == 1 ? m[3].str()[0] - '0' : 0;
    const char kind = h.kind;
    const int size = h.size;
    const bool known = (kind == 'f' && (size == 4 || size == 8)) || (kind == 'u' && (size == 1 || size == 8)) ||
                       (kind == 'i' && (size == 1 || size == 4 || size == 8)) || (kind == 'b' && size == 1);
    if (!known)
        fail(start, "dtype " + dtype + " is not supported (expected float32/64, uint8, int8/32/64)");
    if (order == '>' && size > 1)
        fail(start, "big-endian arrays are not supported");
    h.fortran = std::regex_search(header, std::regex(R"('fortran_order'\s*:\s*True)"));
    if (!std::regex_search(header, m, std::regex(R"('shape'\s*:\s*\(([^)]*)\))")))
        fail(start, "header has no 'shape'");
    const std::string dims = m[1].str();
    h.dataStart = start + header.size();
    const std::uint64_t available = total > h.dataStart ? total - h.dataStart : 0;
    // The product of the dimensions, checked against the bytes the file has before anything is
    // allocated (a shape whose product overflows, or needs more than the file holds, is an error).
    bool tooBig = false;
    const std::regex num(R"(\d+)");
    for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num); it != std::sregex_iterator(); ++it) {
        std::uint64_t d = 0;
        const std::string text = it->str();
        const auto r = std::from_chars(text.data(), text.data() + text.size(), d);
        if (r.ec != std::errc() || d > static_cast<std::uint64_t>(INT64_MAX))
            fail(start, "shape (" + dims + ") has a dimension beyond 2^63");
        h.shape.push_back(static_cast<std::int64_t>(d));
        if (d != 0 && h.count > available / d)
            tooBig = true;
        else
            h.count *= d;
    }
    if (tooBig || h.count > available / static_cast<std::uint64_t>(size))
        fail(h.dataStart, "truncated data: shape (" + dims + ") of " + dtype + " needs more than the " +
                              std::to_string(available) + " bytes the file has");
    if (h.fortran && h.shape.size() > 2)
        fail(start, "Fortran-order arrays with more than 2 dimensions are not supported");
    return h;
}

// n elements of the header's dtype at p, as floats.
void npyConvert(const NpyHeader& h, const char* p, std::size_t n, float* out)
{
    const char kind = h.kind;
    const int size = h.size;
    for (std::size_t i = 0; i < n; ++i, p += size) {
        float v;
        if (kind == 'f' && size == 4) v = le<float>(p);
        else if (kind == 'f' && size == 8) v = static_cast<float>(le<double>(p));
        else if (kind == 'u' && size == 1) v = static_cast<unsigned char>(*p);
        else if (kind == 'i' && size == 1) v = static_cast<signed char>(*p);
        else if (kind == 'i' && size == 4) v = static_cast<float>(le<std::int32_t>(p));
        else if (kind == 'i' && size == 8) v = static_cast<float>(le<std::int64_t>(p));
        else if (kind == 'u' && size == 8) v = static_cast<float>(le<std::uint64_t>(p));
        else v = *p ? 1.0f : 0.0f; // 'b1' (checked by npyHeader)
        out[i] = v;
    }
}

void toCOrder(const NpyHeader& h, NpyArray& a)
{
    if (!h.fortran || a.shape.size() != 2)
        return;
    std::vector<float> c(a.data.size());
    const auto rows = a.shape[0], cols = a.shape[1];
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t col = 0; col < cols; ++col)
            c[static_cast<std::size_t>(r * cols + col)] = a.data[static_cast<std::size_t>(col * rows + r)];
    a.data = std::move(c);
}

// Reads an array from a stream of `total` bytes (a zip member): the header, then the data a chunk
// at a time straight into floats, never the whole raw member; then the rest of the stream, so
// the reader sees its end (libzip checks the member's CRC there).
NpyArray readNpyStream(const std::function<std::size_t(char*, std::size_t)>& read, std::uint64_t total,
                       const std::string& source)
{
    std::uint64_t pos = 0;
    auto fail = [&](std::size_t at, const std::string& what) {
        throw DatasetError(source + ": " + what + " (at byte " + std::to_string(at) + ")");
    };
    auto readExactly = [&](char* dst, std::size_t n) {
        std::size_t got = 0;
        while (got < n) {
            const std::size_t r = read(dst + got, n - got);
            if (r == 0)
                fail(static_cast<std::size_t>(pos + got), "truncated (the stream ended early)");
            got += r;
        }
        pos += n;
    };
    char pre[12] = {};
    const std::size_t first = static_cast<std::size_t>(std::min<std::uint64_t>(total, 10));
    readExactly(pre, first);
    if (first == 10 && std::memcmp(pre, "\x93NUMPY", 6) == 0 && static_cast<unsigned char>(pre[6]) >= 2 && total >= 12)
        readExactly(pre + 10, 2);
    std::size_t start = 0;
    const std::size_t headerLen = npyPreamble(pre, static_cast<std::size_t>(pos), fail, start);
    if (start + headerLen > total)
        fail(start, "truncated header");
    std::string header(headerLen, '\0');
    readExactly(header.data(), headerLen);
    const NpyHeader h = npyHeader(header, start, total, fail);
    NpyArray a;
    a.shape = h.shape;
    a.data.resize(static_cast<std::size_t>(h.count));
    std::vector<char> chunk(static_cast<std::size_t>(h.size) * 65536);
    for (std::uint64_t done = 0; done < h.count;) {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(h.count - done, 65536));
        readExactly(chunk.data(), n * static_cast<std::size_t>(h.size));
        npyConvert(h, chunk.data(), n, a.data.data() + done);
        done += n;
    }
    while (read(chunk.data(), chunk.size()) > 0) { // to the end: the CRC check
    }
    toCOrder(h, a);
    return a;
}

} // namespace

NpyArray parseNpy(const std::vector<char>& b, const std::string& source)
{
    auto fail = [&](std::size_t at, const std::string& what) {
        throw DatasetError(source + ": " + what + " (at byte " + std::to_string(at) + ")");
    };
    std::size_t start = 0;
    const std::size_t headerLen = npyPreamble(b.data(), b.size(), fail, start);
    if (start + headerLen > b.size())
        fail(start, "truncated header");
    const NpyHeader h = npyHeader(std::string(b.data() + start, headerLen), start, b.size(), fail);
    NpyArray a;
    a.shape = h.shape;
    a.data.resize(static_cast<std::size_t>(h.count));
    npyConvert(h, b.data() + h.dataStart, static_cast<std::size_t>(h.count), a.data.data());
    toCOrder(h, a);
    return a;
}

NpyArray loadNpy(const std::filesystem::path& path) { return parseNpy(readAll(path), path.string()); }

std::map<std::string, NpyArray> loadNpz(const std::filesystem::path& path)
{
    const std::string name = path.string();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        throw DatasetError(name + ": file not found");
    if (std::filesystem::is_directory(path, ec))
        throw DatasetError(name + ": is a directory, expected a file");
    // libzip: ZIP64, CRC checks, and consistency of the local and central headers (CHECKCONS).
    int code = 0;
    zip_t* archive = zip_open(name.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code);
    if (!archive)
        throw DatasetError(name + ": not a zip archive, or a damaged one (libzip: " + zipErrorText(code) +
                           "); an .npz is a zip of .npy files");
    const std::unique_ptr<zip_t, void (*)(zip_t*)> closer(archive, [](zip_t* z) { zip_discard(z); });
    std::map<std::string, NpyArray> out;
    const zip_int64_t entries = zip_get_num_entries(archive, 0);
    for (zip_int64_t i = 0; i < entries; ++i) {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(archive, static_cast<zip_uint64_t>(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) ||
            !(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE) || !(st.valid & ZIP_STAT_COMP_METHOD))
            throw DatasetError(name + ": member " + std::to_string(i) + ": unreadable entry (" +
                               zip_strerror(archive) + ")");
        const std::string member = st.name;
        if (!member.empty() && member.back() == '/')
            continue; // a folder entry
        const std::string where = name + "[" + member + "]";
        // Everything about the member is checked before its buffer is allocated. Deflate cannot
        // expand more than 1032:1: a member that claims more is a zip bomb or lies about its size.
        if (st.comp_method != ZIP_CM_STORE && st.comp_method != ZIP_CM_DEFLATE)
            throw DatasetError(name + ": member " + member + " uses compression method " +
                               std::to_string(st.comp_method) + " (expected stored or deflate, as NumPy writes)");
        if (st.comp_method == ZIP_CM_STORE && st.comp_size != st.size)
            throw DatasetError(name + ": stored member " + member + " has inconsistent sizes");
        if (st.comp_method == ZIP_CM_DEFLATE && st.size > 1032ull * st.comp_size + 1024)
            throw DatasetError(name + ": member " + member + " claims " + std::to_string(st.size) + " bytes from " +
                               std::to_string(st.comp_size) + " compressed (more than deflate can expand)");
        requireFeatureMemory(static_cast<double>(st.size), 1.0, 0.0, where); // at most a float per byte
        zip_file_t* file = zip_fopen_index(archive, static_cast<zip_uint64_t>(i), 0);
        if (!file)
            throw DatasetError(name + ": member " + member + ": cannot open (" + zip_strerror(archive) + ")");
        const std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> fileCloser(file, zip_fclose);
        const auto read = [&](char* dst, std::size_t n) -> std::size_t {
            const zip_int64_t got = zip_fread(file, dst, n);
            if (got < 0) // a CRC mismatch, a damaged deflate stream, an I/O error
                throw DatasetError(name + ": member " + member + ": " + zip_file_strerror(file) +
                                   " (the archive is damaged)");
            return static_cast<std::size_t>(got);
        };
        std::string key = member;
        if (key.size() > 4 && key.compare(key.size() - 4, 4, ".npy") == 0)
            key.resize(key.size() - 4);
        out.emplace(key, readNpyStream(read, st.size, where));
    }
    if (out.empty())
        throw DatasetError(name + ": the archive holds no arrays");
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
