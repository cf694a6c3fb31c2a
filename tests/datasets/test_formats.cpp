// Round trips and malformed-file corpora for every format, on files the tests write.

#include "datasets/cifar10_loader.h"
#include "datasets/csv_loader.h"
#include "datasets/libsvm_loader.h"
#include "datasets/madelon_loader.h"
#include "datasets/npy_loader.h"
#include "datasets/registry.h"
#include "datasets/synthetic.h"
#include "helpers.h"

#include <catch2/catch.hpp>
#include <zlib.h>

#include <cstring>
#include <fstream>

using namespace rewire;
using namespace rewire::test;
namespace fs = std::filesystem;

namespace {

std::string npy(const std::string& descr, const std::string& shape, const std::string& data, bool fortran = false)
{
    std::string header = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
                         ", 'shape': (" + shape + "), }";
    while ((10 + header.size() + 1) % 64)
        header += ' ';
    header += '\n';
    std::string out = "\x93NUMPY\x01";
    out += '\0';
    out += static_cast<char>(header.size() & 0xFF);
    out += static_cast<char>(header.size() >> 8);
    return out + header + data;
}

template <typename T> std::string raw(std::initializer_list<T> v)
{
    std::string s(v.size() * sizeof(T), '\0');
    std::memcpy(s.data(), std::data(v), s.size());
    return s;
}

void le16(std::string& s, unsigned v) { s += char(v & 0xFF), s += char((v >> 8) & 0xFF); }
void le32(std::string& s, unsigned long v) { le16(s, v & 0xFFFF), le16(s, (v >> 16) & 0xFFFF); }

void le64(std::string& s, unsigned long long v) { le32(s, v & 0xFFFFFFFFull), le32(s, v >> 32); }

// A minimal zip writer (stored or raw-deflated members), as numpy.savez[_compressed] produces.
// zip64: the sizes in ZIP64 extra fields (0xFFFFFFFF in the 32-bit ones), as Python's zipfile
// writes members past 4 GiB (or any member with force_zip64).
std::string zip(const std::vector<std::pair<std::string, std::string>>& members, bool compress, bool zip64 = false)
{
    std::string out, central;
    for (const auto& [name, data] : members) {
        std::string body = data;
        if (compress) {
            z_stream s{};
            deflateInit2(&s, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
            body.assign(deflateBound(&s, data.size()), '\0');
            s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
            s.avail_in = static_cast<uInt>(data.size());
            s.next_out = reinterpret_cast<Bytef*>(body.data());
            s.avail_out = static_cast<uInt>(body.size());
            deflate(&s, Z_FINISH);
            body.resize(s.total_out);
            deflateEnd(&s);
        }
        const auto crc = crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
        const std::size_t offset = out.size();
        std::string extra;
        if (zip64)
            le16(extra, 0x0001), le16(extra, 16), le64(extra, data.size()), le64(extra, body.size());
        const unsigned version = zip64 ? 45 : 20;
        const unsigned long compSize = zip64 ? 0xFFFFFFFFul : body.size(), size = zip64 ? 0xFFFFFFFFul : data.size();
        le32(out, 0x04034b50), le16(out, version), le16(out, 0), le16(out, compress ? 8 : 0), le32(out, 0);
        le32(out, crc), le32(out, compSize), le32(out, size), le16(out, name.size()), le16(out, extra.size());
        out += name + extra + body;
        le32(central, 0x02014b50), le16(central, version), le16(central, version), le16(central, 0),
            le16(central, compress ? 8 : 0);
        le32(central, 0), le32(central, crc), le32(central, compSize), le32(central, size);
        le16(central, name.size()), le16(central, extra.size()), le16(central, 0), le16(central, 0), le16(central, 0);
        le32(central, 0), le32(central, offset);
        central += name + extra;
    }
    const std::size_t cd = out.size();
    out += central;
    le32(out, 0x06054b50), le16(out, 0), le16(out, 0), le16(out, members.size()), le16(out, members.size());
    le32(out, central.size()), le32(out, cd), le16(out, 0);
    return out;
}

} // namespace

TEST_CASE("CSV: gzip, delimiters, label by name, float labels", "[datasets][csv]")
{
    const auto dir = tempDir("fmt-csv");
    const Dataset a = loadCsv(writeFile(dir / "a.csv.gz", "x;label;y\n1.5;cat;2\n3;dog;-4\n", true), {0, -1, "label"});
    REQUIRE(a.samples() == 2);
    REQUIRE(a.features() == 2);
    REQUIRE(a.x(1, 1) == -4.0f);
    REQUIRE(a.classNames == std::vector<std::string>{"cat", "dog"});
    std::string higgs;
    for (int r = 0; r < 2; ++r) {
        higgs += r == 0 ? "1.000000000000000000e+00" : "0.000000000000000000e+00";
        for (int f = 0; f < 28; ++f) {
            higgs += ',';
            higgs += std::to_string(r * 100 + f);
        }
        higgs += "\n";
    }
    const Dataset h = loadHiggs(writeFile(dir / "higgs.csv.gz", higgs, true));
    REQUIRE(h.y == std::vector<std::int32_t>{1, 0});
    REQUIRE(h.features() == 28);
    REQUIRE(h.x(1, 27) == 127.0f);
    const Dataset low = loadHiggs(dir / "higgs.csv.gz", true);
    REQUIRE(low.features() == 21);
    REQUIRE(low.x(1, 20) == 120.0f);
    CsvOptions first2;
    first2.labelColumn = 0;
    first2.maxFeatures = 2;
    REQUIRE(loadCsv(dir / "higgs.csv.gz", first2).features() == 2);
    REQUIRE_THROWS_WITH(loadHiggs(writeFile(dir / "short.csv", "1,0.5,0.25\n0,1,2\n")),
                        Catch::Contains("2 feature columns after the label, expected HIGGS's 28"));
    const Dataset t = loadCsv(writeFile(dir / "t.tsv", "1\t2\t-1\n3\t4\t1\n"));
    REQUIRE(t.y == std::vector<std::int32_t>{0, 1}); // -1/+1 become 0/1
    REQUIRE_THROWS_WITH(loadCsv(dir / "a.csv.gz", {0, -1, "price"}), Catch::Contains("no column named \"price\""));
    REQUIRE_THROWS_WITH(loadCsv(writeFile(dir / "nolabel.csv", "1,2,\n"), {}), Catch::Contains("nolabel.csv:1: empty label"));
    std::string three = higgs + "2" + higgs.substr(higgs.find(','), higgs.find('\n') - higgs.find(',') + 1);
    REQUIRE_THROWS_WITH(loadHiggs(writeFile(dir / "h3.csv", three)), Catch::Contains("HIGGS labels must be 0 and 1"));
}

TEST_CASE("LIBSVM round trip and malformed lines", "[datasets][libsvm]")
{
    const auto dir = tempDir("fmt-libsvm");
    const Dataset d = loadLibsvm(writeFile(dir / "a.svm", "+1 1:0.5 3:-2 # comment\n-1 2:1e-1\n\n+1 4:7\n"));
    REQUIRE(d.samples() == 3);
    REQUIRE(d.features() == 4);
    REQUIRE(d.y == std::vector<std::int32_t>{1, 0, 1});
    REQUIRE(d.x(0, 0) == 0.5f);
    REQUIRE(d.x(0, 1) == 0.0f);
    REQUIRE(d.x(0, 2) == -2.0f);
    REQUIRE(d.x(1, 1) == Approx(0.1f));
    REQUIRE(loadLibsvm(dir / "a.svm", 10).features() == 10);
    REQUIRE(loadLibsvm(writeFile(dir / "m.svm.gz", "2 1:1\n0 2:1\n1 1:3\n", true)).classes == 3);
    REQUIRE_THROWS_WITH(loadLibsvm(dir / "a.svm", 3), Catch::Contains("a.svm:4: feature index 4 beyond the declared 3"));
    REQUIRE_THROWS_WITH(loadLibsvm(writeFile(dir / "b.svm", "1 3:1 2:1\n")), Catch::Contains("b.svm:1: feature index 2 after 3"));
    REQUIRE_THROWS_WITH(loadLibsvm(writeFile(dir / "c.svm", "1 0:1\n")), Catch::Contains("indices start at 1"));
    REQUIRE_THROWS_WITH(loadLibsvm(writeFile(dir / "d.svm", "1 2:x\n")), Catch::Contains("d.svm:1: \"2:x\" is not index:value"));
    REQUIRE_THROWS_WITH(loadLibsvm(writeFile(dir / "e.svm", "1 2\n")), Catch::Contains("is not index:value"));
    REQUIRE_THROWS_WITH(loadLibsvm(writeFile(dir / "f.svm", "")), Catch::Contains("no samples"));
    // One index on one line decides the dense width: refused before allocating, with the culprit
    // named (it was "out of memory" from std::bad_alloc, naming nothing).
    REQUIRE_THROWS_WITH(loadLibsvm(writeFile(dir / "wide.svm", "1 4000000000000:1\n0 1:1\n")),
                        Catch::Contains("wide.svm: the largest feature index, 4000000000000, makes a dense 2 x "
                                        "4000000000000 matrix for 2 stored values"));
    // Found by fuzz_libsvm: 3 lines, one index of 477777777, 5.7 GB; within the memory of a big
    // machine, but 10^8 zeros per stored value.
    REQUIRE_THROWS_WITH(loadLibsvm(writeFile(dir / "fuzz.svm", "1 1:1\n3 477777777:7\n1 2:2\n")),
                        Catch::Contains("fuzz.svm: the largest feature index, 477777777,"));
    // features= sets the width the same way.
    REQUIRE_THROWS_WITH(loadLibsvm(writeFile(dir / "f.svm", "1 1:1\n0 2:1\n"), 999999999999),
                        Catch::Contains("features=999999999999 makes a dense 2 x 999999999999 matrix"));
}

TEST_CASE("NIPS 2003 / Madelon format", "[datasets][madelon]")
{
    const auto dir = tempDir("fmt-nips");
    const std::string p = (dir / "toy").string();
    writeFile(p + "_train.data", "1 2 3 \n4 5 6\n7 8 9\n");
    writeFile(p + "_train.labels", "1\n-1\n1\n");
    const DataSplit s = loadNips(p);
    REQUIRE(s.train.samples() == 3);
    REQUIRE(s.train.x(1, 2) == 6.0f);
    REQUIRE(s.train.y == std::vector<std::int32_t>{1, 0, 1});
    REQUIRE(s.test.samples() == 0); // no valid labels: the caller splits
    writeFile(p + "_valid.data", "1 1 1\n");
    writeFile(p + "_valid.labels", "-1\n");
    REQUIRE(loadNips(p).test.samples() == 1);
    writeFile(p + "_valid.labels", "0\n");
    REQUIRE_THROWS_WITH(loadNips(p), Catch::Contains("toy_valid.labels:1: label \"0\", expected -1 or 1"));
    writeFile(p + "_train.data", "1 2 3\n4 5\n7 8 9\n");
    REQUIRE_THROWS_WITH(loadNipsPart(p, "train"), Catch::Contains("toy_train.data:2: 2 values, expected 3"));
    writeFile(p + "_train.data", "1 2 3\n4 5 6\n");
    REQUIRE_THROWS_WITH(loadNipsPart(p, "train"), Catch::Contains("3 labels but"));
    writeFile(p + "_train.data", "1 2 a\n");
    REQUIRE_THROWS_WITH(loadNipsPart(p, "train"), Catch::Contains("value 3 is \"a\""));
}

TEST_CASE("CIFAR-10 binary batches", "[datasets][cifar10]")
{
    const auto dir = tempDir("fmt-cifar");
    auto batch = [](int records, int labelBase) {
        std::string s;
        for (int r = 0; r < records; ++r) {
            s += static_cast<char>((labelBase + r) % 10);
            for (int p = 0; p < 3072; ++p)
                s += static_cast<char>((r + p) % 251);
        }
        return s;
    };
    for (int b = 1; b <= 5; ++b)
        writeFile(dir / ("data_batch_" + std::to_string(b) + ".bin"), batch(3, b));
    writeFile(dir / "test_batch.bin", batch(2, 7));
    const DataSplit s = loadCifar10(dir);
    REQUIRE(s.train.samples() == 15);
    REQUIRE(s.test.samples() == 2);
    REQUIRE(s.train.shape == std::vector<int>{3, 32, 32});
    REQUIRE(s.train.y[3] == 2); // batch 2, record 0
    REQUIRE(s.train.x(4, 10) == static_cast<float>((1 + 10) % 251));
    REQUIRE(s.test.classNames[7] == "horse");
    const std::string good = batch(2, 0);
    REQUIRE_THROWS_WITH(loadCifar10Batch(writeFile(dir / "short.bin", good.substr(0, 3073 + 100))),
                        Catch::Contains("short.bin: truncated record at byte 3073"));
    std::string badLabel = good;
    badLabel[3073] = 42;
    REQUIRE_THROWS_WITH(loadCifar10Batch(writeFile(dir / "label.bin", badLabel)), Catch::Contains("label 42 at byte 3073"));
    REQUIRE_THROWS_WITH(loadCifar10Batch(writeFile(dir / "empty.bin", "")), Catch::Contains("empty file"));
    fs::remove(dir / "data_batch_4.bin");
    REQUIRE_THROWS_WITH(loadCifar10(dir), Catch::Contains("data_batch_4.bin: file not found"));
}

TEST_CASE("NumPy .npy and .npz, stored and deflated", "[datasets][npy]")
{
    const auto dir = tempDir("fmt-npy");
    const std::string x = npy("<f4", "3, 2", raw<float>({1, 2, 3, 4, 5, 6}));
    const std::string y = npy("|u1", "3,", raw<unsigned char>({2, 0, 1}));
    const NpyArray a = loadNpy(writeFile(dir / "x.npy", x));
    REQUIRE(a.shape == std::vector<std::int64_t>{3, 2});
    REQUIRE(a.data[3] == 4.0f);
    const std::string fo = npy("<f8", "2, 3", raw<double>({1, 2, 3, 4, 5, 6}), true);
    const NpyArray f = parseNpy(std::vector<char>(fo.begin(), fo.end()), "f");
    REQUIRE(f.data == std::vector<float>{1, 3, 5, 2, 4, 6}); // Fortran order becomes C order
    const std::string yOneHot = npy("<f8", "2, 3", raw<double>({0, 0, 1, 1, 0, 0}));
    const std::string xi = npy("<i8", "2, 2, 1", raw<std::int64_t>({1, 2, 3, 4}));
    for (bool deflate : {false, true}) {
        const auto path = writeFile(dir / (deflate ? "d.npz" : "s.npz"),
                              zip({{"X_train.npy", x}, {"Y_train.npy", y}, {"X_test.npy", xi}, {"Y_test.npy", yOneHot}},
                                  deflate));
        const DataSplit s = loadNpzDataset(path);
        REQUIRE(s.train.samples() == 3);
        REQUIRE(s.train.y == std::vector<std::int32_t>{2, 0, 1});
        REQUIRE(s.train.x(2, 1) == 6.0f);
        REQUIRE(s.test.y == std::vector<std::int32_t>{2, 0});
        REQUIRE(s.test.shape == std::vector<int>{2, 1});
        REQUIRE(s.test.x(1, 0) == 3.0f);
    }
    // Malformed corpus.
    REQUIRE_THROWS_WITH(parseNpy(std::vector<char>(x.begin(), x.begin() + 8), "t"), Catch::Contains("not a .npy"));
    std::vector<char> cut(x.begin(), x.end() - 4);
    REQUIRE_THROWS_WITH(parseNpy(cut, "t"), Catch::Contains("truncated data"));
    // A shape whose product overflows 64 bits (a SIGSEGV before), or that needs more than the
    // file: an error before anything is allocated; a dimension past 2^63 too (std::stoll's
    // "stoll" reached the user before).
    for (const char* shape : {"4294967296, 4294967296, 16", "3037000500, 3037000500", "1000000000,"}) {
        const std::string lie = npy("<f4", shape, raw<float>({1, 2}));
        REQUIRE_THROWS_WITH(parseNpy(std::vector<char>(lie.begin(), lie.end()), "lie.npy"),
                            Catch::Contains("lie.npy: truncated data: shape (" + std::string(shape) + ") of '<f4' needs more than the 8 bytes"));
    }
    const std::string wide = npy("<f4", "99999999999999999999,", "");
    REQUIRE_THROWS_WITH(parseNpy(std::vector<char>(wide.begin(), wide.end()), "w.npy"),
                        Catch::Contains("w.npy: shape (99999999999999999999,) has a dimension beyond 2^63"));
    const std::string c8 = npy("<c8", "1,", std::string(8, '\0'));
    REQUIRE_THROWS_WITH(parseNpy(std::vector<char>(c8.begin(), c8.end()), "t"), Catch::Contains("not supported"));
    const std::string be = npy(">f4", "1,", std::string(4, '\0'));
    REQUIRE_THROWS_WITH(parseNpy(std::vector<char>(be.begin(), be.end()), "t"), Catch::Contains("big-endian"));
    const std::string z = zip({{"x.npy", x}, {"y.npy", y}}, true);
    REQUIRE(loadNpzDataset(writeFile(dir / "xy.npz", z)).train.samples() == 3);
    REQUIRE_THROWS_WITH(loadNpz(writeFile(dir / "trunc.npz", z.substr(0, z.size() / 2))), Catch::Contains("trunc.npz"));
    REQUIRE_THROWS_WITH(loadNpzDataset(writeFile(dir / "names.npz", zip({{"a.npy", x}}, false))),
                        Catch::Contains("expected arrays x_train/y_train") && Catch::Contains("found a"));
    REQUIRE_THROWS_WITH(loadNpzDataset(writeFile(dir / "count.npz", zip({{"x.npy", x}, {"y.npy", yOneHot}}, false))),
                        Catch::Contains("3 samples but 2 labels"));
    const std::string neg = npy("<i4", "3,", raw<std::int32_t>({0, -1, 1}));
    REQUIRE_THROWS_WITH(loadNpzDataset(writeFile(dir / "neg.npz", zip({{"x.npy", x}, {"y.npy", neg}}, false))),
                        Catch::Contains("is not a class index"));
    REQUIRE_THROWS_WITH(loadNpz(writeFile(dir / "text.npz", "hello, not a zip archive at all")), Catch::Contains("not a zip"));

    // ZIP64 members (sizes in the extra field), stored and deflated, read like any other.
    for (bool deflate : {false, true}) {
        const DataSplit s64 = loadNpzDataset(writeFile(dir / "z64.npz", zip({{"x.npy", x}, {"y.npy", y}}, deflate, true)));
        REQUIRE(s64.train.samples() == 3);
        REQUIRE(s64.train.x(2, 1) == 6.0f);
    }
    // Every member's CRC is checked: a flipped data byte in a stored member is found, named.
    std::string flipped = zip({{"x.npy", x}, {"y.npy", y}}, false);
    const std::size_t payload = flipped.find("\x93NUMPY") + x.size() - 2; // inside x's float data
    flipped[payload] ^= 0x01;
    REQUIRE_THROWS_WITH(loadNpz(writeFile(dir / "crc.npz", flipped)),
                        Catch::Contains("crc.npz: member x.npy: CRC error") && Catch::Contains("damaged"));
}

TEST_CASE("registry: prefixes, options, scaling, toys", "[datasets][registry]")
{
    const auto dir = tempDir("fmt-registry");
    writeFile(dir / "d.csv", "a,b,y\n0,10,0\n5,20,1\n10,30,0\n0,40,1\n5,50,0\n10,60,1\n0,70,0\n5,80,1\n10,90,0\n0,100,1\n");
    DatasetRequest r;
    r.spec = "csv:" + (dir / "d.csv").string() + ",label=y";
    r.scale = "minmax";
    r.testFraction = 0.2;
    const LoadedData d = loadDataset(r);
    REQUIRE(d.split.train.samples() == 8);
    REQUIRE(d.split.train.x.minCoeff() == 0.0f);
    REQUIRE(d.split.train.x.maxCoeff() == 1.0f);
    r.spec = "csv:" + (dir / "d.csv").string() + ",label=0";
    r.scale = "none";
    REQUIRE(loadDataset(r).split.train.classes == 11); // column a as label: values 0, 5, 10
    r.spec = "synthetic:spirals:samples=300,classes=4";
    REQUIRE(loadDataset(r).split.train.classes == 4);
    r.spec = "synthetic:xor:samples=200,noise=0.1";
    REQUIRE(loadDataset(r).split.train.features() == 2);
    // A stratified validation share comes out of the training part; the test part is untouched.
    r.spec = "synthetic:spirals:samples=1000,classes=4";
    r.testFraction = 0.2;
    r.validationFraction = 0.25;
    const LoadedData v = loadDataset(r);
    REQUIRE(v.split.test.samples() == 200);
    REQUIRE(v.split.validation.samples() == 200);
    REQUIRE(v.split.train.samples() == 600);
    REQUIRE(std::count(v.split.validation.y.begin(), v.split.validation.y.end(), 3) == 50);
    r.validationFraction = 0.0;
    r.spec = "csv:" + (dir / "d.csv").string() + ",header=maybe";
    REQUIRE_THROWS_WITH(loadDataset(r), Catch::Contains("header=maybe: expected yes, no or auto"));
    r.spec = "parquet:" + (dir / "d.csv").string();
    REQUIRE_THROWS_WITH(loadDataset(r), Catch::Contains("unknown format prefix \"parquet:\""));
    r.spec = "synthetic:moons";
    REQUIRE_THROWS_WITH(loadDataset(r), Catch::Contains("unknown synthetic generator \"moons\""));
    r.spec = "auto";
    r.scale = "log";
    REQUIRE_THROWS_WITH(loadDataset(r), Catch::Contains("--scale log"));
    REQUIRE(listDatasets().size() >= 9);
}

TEST_CASE("toy generators are deterministic and separable by construction", "[datasets][synthetic]")
{
    const Dataset a = makeXor(500, 0.1, 3), b = makeXor(500, 0.1, 3);
    REQUIRE(a.x == b.x);
    int agree = 0;
    for (int i = 0; i < 500; ++i)
        agree += ((a.x(i, 0) > 0) != (a.x(i, 1) > 0)) == (a.y[i] == 1);
    REQUIRE(agree > 490);
    const Dataset s = makeSpirals(600, 3, 1.5, 0.0, 1);
    REQUIRE(s.classes == 3);
    REQUIRE(std::count(s.y.begin(), s.y.end(), 2) == 200);
    REQUIRE(s.x.cwiseAbs().maxCoeff() <= 1.0f);
}

TEST_CASE("npz members are bounded: sizes that deflate cannot reach, empty stored members", "[datasets][npy]")
{
    const auto dir = tempDir("fmt-npz-bomb");
    const std::string x = npy("<f4", "3, 2", raw<float>({1, 2, 3, 4, 5, 6}));
    std::string z = zip({{"x.npy", x}, {"y.npy", x}}, true);
    // The first member's uncompressed size patched to 3 GB, in the central directory (a 4-byte
    // field at offset 24 of the entry) and the local header (offset 22); the allocation came
    // first before.
    const std::uint32_t lie = 3000000000u;
    const auto patchSize = [&](std::string& archive) {
        const std::size_t cd = archive.find(std::string("PK\x01\x02", 4));
        REQUIRE(cd != std::string::npos);
        std::memcpy(&archive[cd + 24], &lie, 4);
        std::memcpy(&archive[22], &lie, 4);
    };
    patchSize(z);
    REQUIRE_THROWS_WITH(loadNpzDataset(writeFile(dir / "bomb.npz", z)),
                        Catch::Contains("bomb.npz") && Catch::Contains("claims 3000000000 bytes from") &&
                            Catch::Contains("more than deflate can expand"));
    // A stored member whose two sizes disagree: refused before the 3 GB buffer (fuzz_npy).
    std::string stored = zip({{"x.npy", x}, {"y.npy", x}}, false);
    patchSize(stored);
    REQUIRE_THROWS_WITH(loadNpzDataset(writeFile(dir / "stored.npz", stored)),
                        Catch::Contains("stored member x.npy has inconsistent sizes"));
    // Central directory and local header disagree: a damaged archive (libzip's consistency check).
    std::string mismatch = zip({{"x.npy", x}, {"y.npy", x}}, true);
    std::memcpy(&mismatch[mismatch.find(std::string("PK\x01\x02", 4)) + 24], &lie, 4);
    REQUIRE_THROWS_WITH(loadNpzDataset(writeFile(dir / "mismatch.npz", mismatch)),
                        Catch::Contains("mismatch.npz: not a zip archive, or a damaged one"));
    // Found by fuzz_npy: an empty stored member (memcpy from a null buffer under UBSan); now a
    // plain "not a .npy" error.
    REQUIRE_THROWS_WITH(loadNpzDataset(writeFile(dir / "empty.npz", zip({{"x.npy", ""}, {"y.npy", x}}, false))),
                        Catch::Contains("not a .npy"));
}
