#include "datasets/cifar10_loader.h"

#include "datasets/gz_file.h"

namespace rewire {

namespace {
constexpr std::size_t kPixels = 3 * 32 * 32;
const std::vector<std::string> kClasses{"airplane", "automobile", "bird",  "cat",  "deer",
                                        "dog",      "frog",       "horse", "ship", "truck"};
} // namespace

Dataset loadCifar10Batch(const std::filesystem::path& file)
{
    GzFile in(file);
    std::vector<unsigned char> record(kPixels + 1);
    std::vector<float> values;
    std::vector<std::int32_t> y;
    while (true) {
        const std::size_t at = in.offset();
        const std::size_t got = in.readSome(record.data(), record.size());
        if (got == 0)
            break;
        if (got != record.size())
            throw DatasetError(in.name() + ": truncated record at byte " + std::to_string(at) + " (" +
                               std::to_string(got) + " of 3073 bytes: 1 label + 3072 pixels)");
        if (record[0] > 9)
            throw DatasetError(in.name() + ": label " + std::to_string(record[0]) + " at byte " + std::to_string(at) +
                               ", expected 0 to 9 (is this the CIFAR-10 binary version?)");
        y.push_back(record[0]);
        values.insert(values.end(), record.begin() + 1, record.end());
    }
    if (y.empty())
        throw DatasetError(in.name() + ": empty file, expected 3073-byte CIFAR-10 records");
    Dataset d;
    d.name = in.name();
    d.x = Eigen::Map<const FeatureMatrix>(values.data(), static_cast<Eigen::Index>(y.size()),
                                          static_cast<Eigen::Index>(kPixels));
    d.y = std::move(y);
    d.classes = 10;
    d.shape = {3, 32, 32};
    d.classNames = kClasses;
    d.validate();
    return d;
}

DataSplit loadCifar10(const std::filesystem::path& dir)
{
    std::filesystem::path root = dir;
    std::error_code ec;
    if (!std::filesystem::exists(root / "data_batch_1.bin", ec) &&
        std::filesystem::exists(root / "cifar-10-batches-bin" / "data_batch_1.bin", ec))
        root /= "cifar-10-batches-bin";
    DataSplit s;
    for (int b = 1; b <= 5; ++b) {
        const auto file = root / ("data_batch_" + std::to_string(b) + ".bin");
        if (!std::filesystem::exists(file, ec))
            throw DatasetError(file.string() + ": file not found (expected data_batch_1..5.bin and test_batch.bin)");
        Dataset part = loadCifar10Batch(file);
        if (b == 1) {
            s.train = std::move(part);
        } else {
            const auto n = s.train.x.rows();
            s.train.x.conservativeResize(n + part.x.rows(), Eigen::NoChange);
            s.train.x.bottomRows(part.x.rows()) = part.x;
            s.train.y.insert(s.train.y.end(), part.y.begin(), part.y.end());
        }
    }
    s.train.name = "cifar10:" + dir.string();
    s.test = loadCifar10Batch(root / "test_batch.bin");
    return s;
}

} // namespace rewire
