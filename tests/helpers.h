#pragma once
// Shared test helpers: random sparse layers and dense twins.

#include "core/init.h"
#include "core/kernels.h"
#include "core/rng.h"
#include "graph/json.h"
#include "graph/network_graph.h"
#include "graph/sparse_layer.h"

#include <Eigen/Core>
#include <zlib.h>

#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace rewire::test {

using Dense = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// An Erdős–Rényi network of the architecture (layer l from Rng::derive(seed, l)), He-uniform weights.
inline NetworkGraph erNetwork(const std::vector<NeuronIndex>& arch, double eps, std::uint64_t seed)
{
    std::vector<SparseLayer> layers;
    for (std::size_t l = 0; l + 1 < arch.size(); ++l) {
        Rng rng = Rng::derive(seed, l);
        layers.push_back(erdosRenyiLayer(arch[l], arch[l + 1], eps, WeightInit::HeUniform, rng));
    }
    return NetworkGraph(std::move(layers));
}

// A random layer with about density * in * out edges; rows listed in `emptyRows` get no edges.
inline SparseLayer randomLayer(NeuronIndex in, NeuronIndex out, double density, std::uint64_t seed,
                               std::vector<NeuronIndex> emptyRows = {})
{
    Rng rng(seed);
    std::vector<NewEdge> edges;
    for (NeuronIndex j = 0; j < out; ++j) {
        if (std::find(emptyRows.begin(), emptyRows.end(), j) != emptyRows.end())
            continue;
        for (NeuronIndex i = 0; i < in; ++i)
            if (rng.uniform() < density)
                edges.push_back({j, i, rng.uniform(-1.0f, 1.0f)});
    }
    SparseLayer l = SparseLayer::fromEdges(in, out, std::move(edges));
    for (float& b : l.bias())
        b = rng.uniform(-0.5f, 0.5f);
    return l;
}

// outputs x inputs dense weight matrix of a layer.
inline Dense toDense(const SparseLayer& l)
{
    Dense w = Dense::Zero(l.outputs(), l.inputs());
    for (NeuronIndex j = 0; j < l.outputs(); ++j)
        for (EdgeIndex e = l.rowPtr()[j]; e < l.rowPtr()[j + 1]; ++e)
            w(j, l.colIdx()[e]) = l.weights()[e];
    return w;
}

// neurons x batch matrix from a buffer (valid columns only).
inline Dense fromBuffer(const NeuronBuffer& b, int batch)
{
    Dense m(b.neurons(), batch);
    for (int i = 0; i < b.neurons(); ++i)
        for (int c = 0; c < batch; ++c)
            m(i, c) = b.row(i)[c];
    return m;
}

inline void toBuffer(const Dense& m, NeuronBuffer& b)
{
    b.setZero();
    for (int i = 0; i < m.rows(); ++i)
        for (int c = 0; c < m.cols(); ++c)
            b.row(i)[c] = m(i, c);
}

inline Dense randomDense(int rows, int cols, std::uint64_t seed)
{
    Rng rng(seed);
    Dense m(rows, cols);
    for (int i = 0; i < rows; ++i)
        for (int c = 0; c < cols; ++c)
            m(i, c) = rng.uniform(-1.0f, 1.0f);
    return m;
}

// Writes bytes to p, gzip-compressed when gz; returns p.
inline std::filesystem::path writeFile(const std::filesystem::path& p, const std::string& bytes, bool gz = false)
{
    if (gz) {
        gzFile f = gzopen(p.string().c_str(), "wb");
        gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
        gzclose(f);
    } else {
        std::ofstream(p, std::ios::binary) << bytes;
    }
    return p;
}

// The whole file as a string.
inline std::string readFile(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A fresh empty directory under the system temp dir.
// The lines of a text (no empty last line).
inline std::vector<std::string> splitLines(const std::string& text)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t nl = text.find('\n', start);
        out.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
        if (nl == std::string::npos)
            break;
        start = nl + 1;
    }
    return out;
}

// The comma-separated cells of a CSV line (no quoting).
inline std::vector<std::string> splitCells(const std::string& line) { return splitText(line, ','); }

inline std::filesystem::path tempDir(const std::string& name)
{
    auto p = std::filesystem::temp_directory_path() / ("rewire-test-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(p);
    std::filesystem::create_directories(p);
    return p;
}

// While alive, the C library formats and parses numbers as on a German desktop (decimal comma),
// as the desktop app's QApplication would set it. The locale is compiled from Debian's `locales`
// sources into a temporary folder (localedef, no root needed; scripts/setup.sh installs the
// package). active() is false when that failed; tests REQUIRE it, so a missing locale fails
// loudly instead of passing for the wrong reason.
class GermanNumbers {
public:
    GermanNumbers()
    {
        const auto dir = std::filesystem::temp_directory_path() / ("rewire-locale-" + std::to_string(::getpid()));
        if (!std::filesystem::exists(dir / "de_DE.UTF-8")) {
            std::filesystem::create_directories(dir);
            const std::string cmd = "localedef -i de_DE -f UTF-8 '" + (dir / "de_DE.UTF-8").string() + "' >/dev/null 2>&1";
            (void)std::system(cmd.c_str());
        }
        ::setenv("LOCPATH", dir.c_str(), 1);
        m_active = std::setlocale(LC_NUMERIC, "de_DE.UTF-8") != nullptr;
        char buf[16];
        std::snprintf(buf, sizeof buf, "%.1f", 0.5);
        m_active = m_active && std::string(buf) == "0,5";
    }
    ~GermanNumbers()
    {
        std::setlocale(LC_NUMERIC, "C");
        ::unsetenv("LOCPATH");
    }
    GermanNumbers(const GermanNumbers&) = delete;
    GermanNumbers& operator=(const GermanNumbers&) = delete;
    bool active() const { return m_active; }

private:
    bool m_active = false;
};

} // namespace rewire::test
