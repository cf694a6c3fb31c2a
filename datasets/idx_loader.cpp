#include "datasets/idx_loader.h"

#include "datasets/gz_file.h"

#include <array>
#include <memory>

namespace rewire {

namespace {

struct IdxHeader {
    std::vector<std::uint32_t> dims;
    // The product of the dimensions, or 0 past 2^48 (no file of that size is a data set here,
    // and four 32-bit dimensions could overflow 64 bits).
    std::uint64_t count() const
    {
        std::uint64_t n = 1;
        for (auto d : dims) {
            if (d != 0 && n > (std::uint64_t(1) << 48) / d)
                return 0;
            n *= d;
        }
        return n;
    }
};

IdxHeader readHeader(GzFile& f, int minDims, int maxDims)
{
    std::array<unsigned char, 4> magic{};
    f.read(magic.data(), 4, "the IDX magic number");
    if (magic[0] != 0 || magic[1] != 0)
        throw DatasetError(f.name() + ": bad IDX magic at byte 0 (expected 00 00 08 0N, found " +
                           std::to_string(magic[0]) + " " + std::to_string(magic[1]) + " " + std::to_string(magic[2]) +
                           " " + std::to_string(magic[3]) + ")");
    if (magic[2] != 0x08)
        throw DatasetError(f.name() + ": IDX element type 0x" + std::to_string(magic[2]) +
                           " at byte 2 is not supported (expected 0x08, unsigned byte)");
    const int nd = magic[3];
    if (nd < minDims || nd > maxDims)
        throw DatasetError(f.name() + ": IDX file has " + std::to_string(nd) + " dimensions at byte 3, expected " +
                           std::to_string(minDims) + (minDims == maxDims ? "" : " to " + std::to_string(maxDims)));
    IdxHeader h;
    for (int i = 0; i < nd; ++i) {
        std::array<unsigned char, 4> b{};
        f.read(b.data(), 4, "an IDX dimension");
        h.dims.push_back((std::uint32_t(b[0]) << 24) | (std::uint32_t(b[1]) << 16) | (std::uint32_t(b[2]) << 8) | b[3]);
    }
    return h;
}

} // namespace

Dataset loadIdx(const std::filesystem::path& images, const std::filesystem::path& labels)
{
    Dataset d;
    d.name = images.string();
    GzFile fi(images);
    const IdxHeader hi = readHeader(fi, 2, 4);
    const std::uint64_t n = hi.dims[0];
    if (hi.count() == 0 && n != 0)
        throw DatasetError(fi.name() + ": IDX header declares more than 2^48 values (dimensions at byte 4)");
    const std::uint64_t features = hi.count() / std::max<std::uint64_t>(n, 1);
    if (n == 0 || features == 0)
        throw DatasetError(fi.name() + ": IDX header declares an empty set (" + std::to_string(n) + " samples)");
    // The bytes first, then the float matrix: a header that lies costs no more than the file.
    const std::vector<unsigned char> raw = fi.readBytes(n * features, "pixel data");
    d.x.resize(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(features));
    for (std::uint64_t i = 0; i < n; ++i) {
        float* row = d.x.row(static_cast<Eigen::Index>(i)).data();
        const unsigned char* src = raw.data() + i * features;
        for (std::uint64_t f = 0; f < features; ++f)
            row[f] = src[f];
    }
    for (size_t k = 1; k < hi.dims.size(); ++k)
        d.shape.push_back(static_cast<int>(hi.dims[k]));

    GzFile fl(labels);
    const IdxHeader hl = readHeader(fl, 1, 1);
    if (hl.dims[0] != n)
        throw DatasetError(fl.name() + ": " + std::to_string(hl.dims[0]) + " labels but " + images.string() + " has " +
                           std::to_string(n) + " images");
    const std::vector<unsigned char> lab = fl.readBytes(n, "labels");
    d.y.assign(lab.begin(), lab.end());
    int maxLabel = 0;
    for (auto v : lab)
        maxLabel = std::max<int>(maxLabel, v);
    d.classes = maxLabel + 1;
    d.validate();
    return d;
}

DataSplit loadMnistDirectory(const std::filesystem::path& dir, const std::string& name)
{
    auto find = [&](const std::string& stem) {
        for (const char* ext : {".gz", ""}) {
            auto p = dir / (stem + ext);
            if (std::filesystem::exists(p))
                return p;
        }
        throw DatasetError(dir.string() + ": no " + stem + "[.gz] (expected the MNIST-style IDX file names)");
    };
    DataSplit s;
    s.train = loadIdx(find("train-images-idx3-ubyte"), find("train-labels-idx1-ubyte"));
    s.test = loadIdx(find("t10k-images-idx3-ubyte"), find("t10k-labels-idx1-ubyte"));
    const int classes = std::max(s.train.classes, s.test.classes);
    s.train.classes = s.test.classes = classes;
    s.train.name = name;
    s.test.name = name + " (test)";
    return s;
}

} // namespace rewire
