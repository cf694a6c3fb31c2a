#pragma once
// Shared test helpers: random sparse layers and dense twins.

#include "core/kernels.h"
#include "core/rng.h"
#include "graph/sparse_layer.h"

#include <Eigen/Core>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace rewire::test {

using Dense = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

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
inline std::filesystem::path tempDir(const std::string& name)
{
    auto p = std::filesystem::temp_directory_path() / ("rewire-test-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(p);
    std::filesystem::create_directories(p);
    return p;
}

} // namespace rewire::test
