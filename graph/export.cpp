#include "graph/export.h"

#include "graph/atomic_file.h"
#include "graph/npz_writer.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace rewire {

ExportFormat parseExportFormat(const std::string& text)
{
    if (text == "graphml")
        return ExportFormat::GraphMl;
    if (text == "gexf")
        return ExportFormat::Gexf;
    if (text == "edgelist" || text == "csv")
        return ExportFormat::EdgeList;
    if (text == "mtx" || text == "matrixmarket")
        return ExportFormat::MatrixMarket;
    if (text == "npz")
        return ExportFormat::Npz;
    throw std::invalid_argument("--format " + text + ": unknown (expected graphml, gexf, edgelist, mtx or npz)");
}

namespace {

// Calls fn(layer, source, target, weight) for every edge in canonical order.
template <typename Fn> void forEachEdge(const NetworkGraph& g, Fn fn)
{
    for (int l = 0; l < g.layerCount(); ++l) {
        const SparseLayer& s = g.layer(l);
        const VertexId in0 = g.vertexOffset(l), out0 = g.vertexOffset(l + 1);
        for (NeuronIndex j = 0; j < s.outputs(); ++j)
            for (EdgeIndex e = s.rowPtr()[j]; e < s.rowPtr()[j + 1]; ++e)
                fn(l, in0 + static_cast<VertexId>(s.colIdx()[e]), out0 + static_cast<VertexId>(j), s.weights()[e]);
    }
}

// GraphML written directly (igraph's writer declares every numeric attribute "double"; layer and
// index are integers, declared "int" here so networkx and Gephi read them as such), streamed so a
// network of any size needs no copy of its edges.
void writeGraphMl(const NetworkGraph& g, const std::filesystem::path& path)
{
    AtomicFile f(path);
    auto& o = f.stream();
    o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" "
         "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
         "xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns "
         "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n"
         "  <key id=\"v_layer\" for=\"node\" attr.name=\"layer\" attr.type=\"int\"/>\n"
         "  <key id=\"v_index\" for=\"node\" attr.name=\"index\" attr.type=\"int\"/>\n"
         "  <key id=\"e_weight\" for=\"edge\" attr.name=\"weight\" attr.type=\"double\"/>\n"
         "  <key id=\"e_abs_weight\" for=\"edge\" attr.name=\"abs_weight\" attr.type=\"double\"/>\n"
         "  <key id=\"e_layer\" for=\"edge\" attr.name=\"layer\" attr.type=\"int\"/>\n"
         "  <graph id=\"G\" edgedefault=\"directed\">\n";
    for (VertexId v = 0; v < g.vertexCount(); ++v) {
        const auto [set, local] = g.locate(v);
        o << fmt::format("    <node id=\"n{}\"><data key=\"v_layer\">{}</data><data key=\"v_index\">{}</data></node>\n", v,
                         set, local);
    }
    forEachEdge(g, [&](int l, VertexId s, VertexId t, float w) {
        o << fmt::format("    <edge source=\"n{}\" target=\"n{}\"><data key=\"e_weight\">{:.9g}</data><data "
                         "key=\"e_abs_weight\">{:.9g}</data><data key=\"e_layer\">{}</data></edge>\n",
                         s, t, w, std::fabs(w), l);
    });
    o << "  </graph>\n</graphml>\n";
    f.commit();
}

// GEXF 1.2draft: the version networkx (read_gexf, 2.8 included) and Gephi both read.
void writeGexf(const NetworkGraph& g, const std::filesystem::path& path)
{
    AtomicFile f(path);
    auto& o = f.stream();
    o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<gexf xmlns=\"http://www.gexf.net/1.2draft\" version=\"1.2\">\n"
         "  <meta><creator>Rewire</creator><description>"
      << formatArchitecture(g.architecture())
      << " sparse network</description></meta>\n"
         "  <graph defaultedgetype=\"directed\" mode=\"static\">\n"
         "    <attributes class=\"node\">\n"
         "      <attribute id=\"layer\" title=\"layer\" type=\"integer\"/>\n"
         "      <attribute id=\"index\" title=\"index\" type=\"integer\"/>\n"
         "    </attributes>\n"
         "    <attributes class=\"edge\">\n"
         "      <attribute id=\"w\" title=\"w\" type=\"float\"/>\n"
         "      <attribute id=\"layer\" title=\"layer\" type=\"integer\"/>\n"
         "    </attributes>\n"
         "    <nodes>\n";
    for (VertexId v = 0; v < g.vertexCount(); ++v) {
        const auto [set, local] = g.locate(v);
        o << "      <node id=\"" << v << "\" label=\"" << set << ":" << local << "\"><attvalues><attvalue for=\"layer\" value=\""
          << set << "\"/><attvalue for=\"index\" value=\"" << local << "\"/></attvalues></node>\n";
    }
    o << "    </nodes>\n    <edges>\n";
    long long id = 0;
    forEachEdge(g, [&](int l, VertexId s, VertexId t, float w) {
        const std::string buf = fmt::format(
            "      <edge id=\"{}\" source=\"{}\" target=\"{}\" weight=\"{:.9g}\"><attvalues><attvalue "
            "for=\"w\" value=\"{:.9g}\"/><attvalue for=\"layer\" value=\"{}\"/></attvalues></edge>\n",
            id++, s, t, std::fabs(w), w, l);
        o << buf;
    });
    o << "    </edges>\n  </graph>\n</gexf>\n";
    f.commit();
}

// PATH's stem + "_layerN" + ext, in PATH's folder (ext replaces whatever extension PATH had).
std::filesystem::path layerPath(const std::filesystem::path& path, int layer, const char* ext)
{
    auto p = path;
    p.replace_filename(path.stem().string() + "_layer" + std::to_string(layer) + ext);
    return p;
}

void writeMatrixMarket(const SparseLayer& s, int l, const std::filesystem::path& p)
{
    AtomicFile f(p);
    f.stream() << "%%MatrixMarket matrix coordinate real general\n% Rewire layer " << l
               << ": rows = output neurons, columns = input neurons\n"
               << s.outputs() << " " << s.inputs() << " " << s.edgeCount() << "\n";
    for (NeuronIndex j = 0; j < s.outputs(); ++j)
        for (EdgeIndex e = s.rowPtr()[j]; e < s.rowPtr()[j + 1]; ++e)
            f.stream() << fmt::format("{} {} {:.9g}\n", j + 1, s.colIdx()[e] + 1, s.weights()[e]);
    f.commit();
}

// One layer as scipy.sparse.save_npz writes a CSR matrix (outputs x inputs): members format
// (b"csr"), shape (int64), data (float32 weights), indices (int32 inputs), indptr (int64), each a
// .npy; the arrays stream from the layer into the archive without a copy.
void writeNpz(const SparseLayer& s, const std::filesystem::path& p)
{
    const std::array<std::int64_t, 2> shape{s.outputs(), s.inputs()};
    static const char csr[] = "csr";
    const std::array<NpyMember, 5> members{
        NpyMember{"format", "|S3", {}, csr, 3},
        NpyMember{"shape", "<i8", {2}, shape.data(), sizeof shape},
        NpyMember{"data", "<f4", {s.edgeCount()}, s.weights().data(), s.weights().size_bytes()},
        NpyMember{"indices", "<i4", {s.edgeCount()}, s.colIdx().data(), s.colIdx().size_bytes()},
        NpyMember{"indptr", "<i8", {static_cast<std::int64_t>(s.rowPtr().size())}, s.rowPtr().data(),
                  s.rowPtr().size_bytes()}};
    writeNpzArchive(p, members);
}

} // namespace

std::vector<std::filesystem::path> exportNetwork(const NetworkGraph& g, ExportFormat format, const std::filesystem::path& path)
{
    std::vector<std::filesystem::path> written;
    switch (format) {
    case ExportFormat::GraphMl:
        writeGraphMl(g, path);
        written.push_back(path);
        break;
    case ExportFormat::Gexf:
        writeGexf(g, path);
        written.push_back(path);
        break;
    case ExportFormat::EdgeList: {
        AtomicFile f(path);
        f.stream() << "source,target,layer,weight\n";
        forEachEdge(g, [&](int l, VertexId s, VertexId t, float w) {
            f.stream() << fmt::format("{},{},{},{:.9g}\n", s, t, l, w);
        });
        f.commit();
        written.push_back(path);
        break;
    }
    case ExportFormat::MatrixMarket:
        for (int l = 0; l < g.layerCount(); ++l) {
            written.push_back(layerPath(path, l, ".mtx"));
            writeMatrixMarket(g.layer(l), l, written.back());
        }
        break;
    case ExportFormat::Npz:
        for (int l = 0; l < g.layerCount(); ++l) {
            written.push_back(layerPath(path, l, ".npz"));
            writeNpz(g.layer(l), written.back());
        }
        break;
    }
    return written;
}

} // namespace rewire
