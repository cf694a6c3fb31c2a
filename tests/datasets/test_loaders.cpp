#include "datasets/csv_loader.h"
#include "datasets/libsvm_loader.h"
#include "datasets/idx_loader.h"
#include "datasets/registry.h"
#include "helpers.h"

#include <catch2/catch.hpp>
#include <zlib.h>

#include <cmath>
#include <fstream>

using namespace rewire;
using namespace rewire::test;
namespace fs = std::filesystem;

namespace {

std::string be32(std::uint32_t v)
{
    return std::string{char(v >> 24), char((v >> 16) & 0xFF), char((v >> 8) & 0xFF), char(v & 0xFF)};
}

std::string idxImages(int n, int rows, int cols)
{
    std::string s = std::string("\0\0\x08\x03", 4) + be32(n) + be32(rows) + be32(cols);
    for (int i = 0; i < n * rows * cols; ++i)
        s += static_cast<char>((i * 7) % 256);
    return s;
}

std::string idxLabels(int n)
{
    std::string s = std::string("\0\0\x08\x01", 4) + be32(n);
    for (int i = 0; i < n; ++i)
        s += static_cast<char>(i % 4);
    return s;
}

} // namespace

TEST_CASE("IDX images and labels load plain and gzipped with identical values", "[datasets][idx]")
{
    const auto dir = tempDir("idx");
    for (bool gz : {false, true}) {
        const auto img = writeFile(dir / (gz ? "i.gz" : "i"), idxImages(6, 3, 4), gz);
        const auto lab = writeFile(dir / (gz ? "l.gz" : "l"), idxLabels(6), gz);
        const Dataset d = loadIdx(img, lab);
        REQUIRE(d.samples() == 6);
        REQUIRE(d.features() == 12);
        REQUIRE(d.shape == std::vector<int>{3, 4});
        REQUIRE(d.classes == 4);
        REQUIRE(d.y == std::vector<std::int32_t>{0, 1, 2, 3, 0, 1});
        REQUIRE(d.x(2, 5) == static_cast<float>(((2 * 12 + 5) * 7) % 256));
    }
}

TEST_CASE("malformed IDX files fail with the file and offset named", "[datasets][idx]")
{
    const auto dir = tempDir("idx-bad");
    const auto lab = writeFile(dir / "l", idxLabels(6));
    const std::string good = idxImages(6, 3, 4);
    auto img = [&](const std::string& name, const std::string& bytes) { return writeFile(dir / name, bytes); };
    REQUIRE_THROWS_WITH(loadIdx(img("trunc", good.substr(0, good.size() - 5)), lab),
                        Catch::Contains("trunc: truncated at byte") && Catch::Contains("pixel data"));
    REQUIRE_THROWS_WITH(loadIdx(img("magic", "\x1f\x00" + good.substr(2)), lab), Catch::Contains("bad IDX magic at byte 0"));
    REQUIRE_THROWS_WITH(loadIdx(img("type", std::string("\0\0\x0d\x03", 4) + good.substr(4)), lab),
                        Catch::Contains("element type"));
    REQUIRE_THROWS_WITH(loadIdx(img("hdr", good.substr(0, 6)), lab), Catch::Contains("truncated at byte 6 while reading an IDX dimension"));
    REQUIRE_THROWS_WITH(loadIdx(img("empty", ""), lab), Catch::Contains("truncated at byte 0"));
    REQUIRE_THROWS_WITH(loadIdx(dir / "nope", lab), Catch::Contains("nope: file not found"));
    const auto fewLabels = writeFile(dir / "l5", idxLabels(5));
    REQUIRE_THROWS_WITH(loadIdx(img("ok", good), fewLabels), Catch::Contains("5 labels but"));
    // Headers that promise more than the file holds: an error, before the matrix is allocated
    // (60000 x 28 x 28 in a 26-byte file; 2^47 values, which would need 512 TiB as floats).
    REQUIRE_THROWS_WITH(loadIdx(img("lie", std::string("\0\0\x08\x03", 4) + be32(60000) + be32(28) + be32(28) + "0123456789"), lab),
                        Catch::Contains("lie: truncated at byte 26 while reading pixel data (the header promises 47040000 bytes"));
    REQUIRE_THROWS_WITH(loadIdx(img("huge", std::string("\0\0\x08\x03", 4) + be32(0x80000000u) + be32(0x10000) + be32(0x10000)), lab),
                        Catch::Contains("huge: IDX header declares more than 2^48 values"));
    // A truncated gzip stream is also reported, not crashed on.
    const auto gz = writeFile(dir / "g.gz", good, true);
    std::ifstream in(gz, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    REQUIRE_THROWS_AS(loadIdx(img("gtrunc.gz", bytes.substr(0, bytes.size() / 2)), lab), DatasetError);
}

TEST_CASE("CSV loads with header detection, label column and categorical labels", "[datasets][csv]")
{
    const auto dir = tempDir("csv");
    const Dataset a = loadCsv(writeFile(dir / "a.csv", "f1,f2,label\n1,2.5,0\n-3,4e-1,2\n\n5, 6 ,1\n"));
    REQUIRE(a.samples() == 3);
    REQUIRE(a.features() == 2);
    REQUIRE(a.classes == 3);
    REQUIRE(a.y == std::vector<std::int32_t>{0, 2, 1});
    REQUIRE(a.x(1, 1) == Approx(0.4f));
    REQUIRE(a.x(2, 1) == 6.0f);

    CsvOptions first;
    first.labelColumn = 0;
    const Dataset b = loadCsv(writeFile(dir / "b.csv", "cat,1,2\ndog,3,4\ncat,5,6\n"), first);
    REQUIRE(b.classes == 2);
    REQUIRE(b.classNames == std::vector<std::string>{"cat", "dog"});
    REQUIRE(b.y == std::vector<std::int32_t>{0, 1, 0});
    REQUIRE(b.x(2, 0) == 5.0f);
}

TEST_CASE("malformed CSV fails with file, line and column", "[datasets][csv]")
{
    const auto dir = tempDir("csv-bad");
    REQUIRE_THROWS_WITH(loadCsv(writeFile(dir / "ragged.csv", "1,2,0\n3,4\n")),
                        Catch::Contains("ragged.csv:2: 2 fields, expected 3"));
    REQUIRE_THROWS_WITH(loadCsv(writeFile(dir / "text.csv", "1,2,0\n3,x,1\n")),
                        Catch::Contains("text.csv:2: column 2 is \"x\", expected a number"));
    REQUIRE_THROWS_WITH(loadCsv(writeFile(dir / "empty.csv", "")), Catch::Contains("no data rows"));
    REQUIRE_THROWS_WITH(loadCsv(writeFile(dir / "hdr.csv", "a,b,c\n")), Catch::Contains("no data rows"));
    REQUIRE_THROWS_WITH(loadCsv(dir / "absent.csv"), Catch::Contains("absent.csv: file not found"));
    // NUL bytes (binary data) looped forever: zlib's gzgets gave empty strings (csv:/dev/zero hung).
    REQUIRE_THROWS_WITH(loadCsv(writeFile(dir / "nul.csv", std::string("1,2,0\n3,4", 9) + std::string(40000, '\0'))),
                        Catch::Contains("nul.csv:2: a NUL byte at offset 9: binary data, not a text file"));
    REQUIRE_THROWS_WITH(loadCsv(writeFile(dir / "nul.csv.gz", std::string(100000, '\0'), true)),
                        Catch::Contains("nul.csv.gz:1: a NUL byte"));
    REQUIRE_THROWS_WITH(loadLibsvm(writeFile(dir / "nul.svm", std::string("1 1:2\n\0", 8))),
                        Catch::Contains("nul.svm:2: a NUL byte"));
    REQUIRE_THROWS_WITH(loadCsv("/dev/zero"), Catch::Contains("/dev/zero:1: a NUL byte"));
}

TEST_CASE("registry resolves specs and standardises with training statistics", "[datasets][registry]")
{
    const auto dir = tempDir("registry");
    writeFile(dir / "i", idxImages(20, 2, 2));
    writeFile(dir / "l", idxLabels(20));
    DatasetRequest r;
    r.spec = "idx:" + (dir / "i").string() + "," + (dir / "l").string();
    r.testFraction = 0.25;
    const LoadedData d = loadDataset(r);
    // Stratified: each of the 4 classes has 5 samples and gives round(1.25) = 1 to the test set.
    REQUIRE(d.split.train.samples() == 16);
    REQUIRE(d.split.test.samples() == 4);
    // Standardised on the training part: per-feature mean 0.
    for (int f = 0; f < 4; ++f)
        REQUIRE(d.split.train.x.col(f).mean() == Approx(0.0).margin(1e-5));

    r.spec = "synthetic:madelon:samples=100,features=12,informative=3,redundant=1,classes=2";
    const LoadedData s = loadDataset(r);
    REQUIRE(s.split.train.features() == 12);
    REQUIRE(s.split.train.samples() + s.split.test.samples() == 100);

    r.spec = (dir / "nothing.bin").string();
    REQUIRE_THROWS_WITH(loadDataset(r), Catch::Contains("no such file, directory or built-in name"));
    r.spec = "synthetic:madelon:features=abc";
    REQUIRE_THROWS_WITH(loadDataset(r), Catch::Contains("features=abc is not a number"));
    r.spec = "synthetic:madelon:colour=3";
    REQUIRE_THROWS_WITH(loadDataset(r), Catch::Contains("unknown key \"colour\""));
}

TEST_CASE("dataset specs are parsed without reading files, and every mistake names the spec", "[datasets][spec]")
{
    const DatasetSpec csv = parseDatasetSpec("csv:/no/such/file.csv,label=target,header=no,delimiter=tab");
    REQUIRE(csv.kind == DatasetSpec::Kind::Csv);
    REQUIRE(csv.paths == std::vector<std::string>{"/no/such/file.csv"});
    REQUIRE(csv.csv.labelName == "target");
    REQUIRE(csv.csv.header == 0);
    REQUIRE(csv.csv.delimiter == '\t');
    REQUIRE(parseDatasetSpec("csv:d.csv,label=-2").csv.labelColumn == -2);
    const DatasetSpec idx = parseDatasetSpec("idx:a.gz,b.gz");
    REQUIRE(idx.paths == std::vector<std::string>{"a.gz", "b.gz"});
    const DatasetSpec syn = parseDatasetSpec("synthetic:spirals:samples=200,classes=4,seed=18446744073709551615");
    REQUIRE(syn.samples == 200);
    REQUIRE(syn.classes == 4);
    REQUIRE(syn.seed == 18446744073709551615ULL);
    REQUIRE(!parseDatasetSpec("synthetic:xor").seed);
    REQUIRE(parseDatasetSpec("higgs:H.csv,features=21").higgsLowLevel);
    REQUIRE(parseDatasetSpec("fashion-mnist").kind == DatasetSpec::Kind::Named);
    REQUIRE(parseDatasetSpec("runs/x.csv").kind == DatasetSpec::Kind::Path);

    // Numbers that do not fit were cast before they were checked (undefined behaviour): now errors.
    const std::pair<const char*, const char*> bad[] = {
        {"synthetic:madelon:samples=1e300", "samples=1e300: expected a whole number from 1 to"},
        {"synthetic:xor:samples=2.5", "samples=2.5: expected a whole number"},
        {"synthetic:spirals:classes=-3", "classes=-3: expected a whole number from 1"},
        {"synthetic:madelon:seed=-1", "seed=-1: expected an integer from 0 to 2^64-1"},
        {"libsvm:a.txt,features=1e20", "features=1e20: expected a whole number"},
        {"higgs:H.csv,features=22", "features=22: expected 21 (low-level) or 28 (all)"},
        {"csv:d.csv,header=maybe", "header=maybe: expected yes, no or auto"},
        {"csv:d.csv,delimiter=ab", "delimiter=ab: expected one character, tab or space"},
        {"csv:d.csv,label=99999999999", "label=99999999999: column index out of range"},
        {"csv:,label=1", "no file name"},
        {"idx:onlyone", "expected idx:IMAGES,LABELS"},
        {"npy:x.npy,", "expected npy:X.npy,Y.npy"},
        {"npz:", "no file name after \"npz:\""},
        {"synthetic:noise", "unknown synthetic generator \"noise\""},
        {"parquet:x", "unknown format prefix \"parquet:\""},
        {"", "empty"},
    };
    for (const auto& [spec, message] : bad) {
        INFO(spec);
        REQUIRE_THROWS_AS(parseDatasetSpec(spec), std::invalid_argument);
        REQUIRE_THROWS_WITH(parseDatasetSpec(spec), Catch::Contains(std::string("--dataset ") + spec) &&
                                                        Catch::Contains(message));
    }
}

TEST_CASE("non-finite values are rejected by the loader, and so are values that scaling overflows", "[datasets]")
{
    const auto dir = tempDir("nonfinite");
    for (const char* bad : {"nan", "inf", "-inf", "1e999"}) {
        const std::string text = std::string("f1,f2,label\n1,2,0\n3,") + bad + ",1\n";
        INFO(bad);
        REQUIRE_THROWS_WITH(loadCsv(writeFile(dir / "bad.csv", text)),
                            Catch::Contains("bad.csv:3: column 2 is \"" + std::string(bad) + "\", expected a finite number"));
    }
    // Binary formats have no lines: the sample and the feature (a .npy of float32 with a NaN).
    Dataset d;
    d.name = "x.npy";
    d.classes = 2;
    d.x.resize(2, 3);
    d.x << 1, 2, 3, 4, std::nanf(""), 6;
    d.y = {0, 1};
    REQUIRE_THROWS_WITH(d.validate(), Catch::Contains("x.npy: sample 2, feature 2 is NaN (expected a finite number"));
    // Finite data whose training range is tiny: a test value far outside it overflows a float
    // once standardised. The loader says so instead of handing infinities to training.
    Dataset train;
    train.name = "train.csv";
    train.classes = 2;
    train.x.resize(2, 1);
    train.x << 0.0f, 2e-7f;
    train.y = {0, 1};
    Dataset test = train;
    test.name = "test.csv";
    test.x << 3e38f, 0.0f;
    const Standardizer s = Standardizer::fit(train);
    s.apply(train);
    REQUIRE_THROWS_WITH(s.apply(test), Catch::Contains("test.csv: sample 1, feature 1: 3e+38 does not fit in a float after scaling (centre 1e-07, scale 1e-07"));
}

TEST_CASE("separate test and validation files use the training data's classes", "[datasets][labels]")
{
    const auto dir = tempDir("labels-align");
    const auto train = writeFile(dir / "train.csv", "x,label\n1,cat\n2,dog\n3,fish\n4,cat\n5,dog\n6,fish\n");
    // Only dog and fish: on its own this file numbers them 0 and 1; cat, dog, fish are 0, 1, 2.
    const auto test = writeFile(dir / "test.csv", "x,label\n7,fish\n8,dog\n9,fish\n");
    DatasetRequest r;
    r.spec = "csv:" + train.string();
    r.testSpec = "csv:" + test.string();
    r.validationSpec = "csv:" + test.string();
    r.scale = "none";
    const LoadedData d = loadDataset(r);
    REQUIRE(d.split.train.classNames == std::vector<std::string>{"cat", "dog", "fish"});
    REQUIRE(d.split.test.y == std::vector<std::int32_t>{2, 1, 2});
    REQUIRE(d.split.validation.y == std::vector<std::int32_t>{2, 1, 2});
    REQUIRE(d.split.test.classNames == d.split.train.classNames);
    REQUIRE(d.split.test.classes == 3);
    // A class the training data never saw is an error naming it.
    r.testSpec = "csv:" + writeFile(dir / "bird.csv", "x,label\n1,dog\n2,bird\n").string();
    REQUIRE_THROWS_WITH(loadDataset(r), Catch::Contains("bird.csv: sample 2 has class \"bird\"") &&
                                            Catch::Contains("does not have (its classes: cat, dog, fish)"));
}
