#include "graph/export.h"

#include "graph/atomic_file.h"
#include "graph/igraph_bridge.h"

#include <fmt/format.h>

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
    throw std::invalid_argument("--format " + text + ": unknown (expected graphml, gexf, edgelist or mtx)");
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

void writeGraphMl(const NetworkGraph& g, const std::filesystem::path& path)
{
    installIgraphErrorHandler();
    // Must precede the graph's creation. It stays installed for the process (igraph keeps one
    // global table); later graphs then carry empty attribute storage, which costs little.
    igraph_set_attribute_table(&igraph_cattribute_table);
    IgraphNetwork ig(g);
    igraph_t* graph = const_cast<igraph_t*>(ig.graph());
    igraph_vector_t layer, index, weight, absWeight, edgeLayer;
    igraph_vector_init(&layer, ig.vertexCount());
    igraph_vector_init(&index, ig.vertexCount());
    igraph_vector_init(&weight, ig.edgeCount());
    igraph_vector_init(&absWeight, ig.edgeCount());
    igraph_vector_init(&edgeLayer, ig.edgeCount());
    for (VertexId v = 0; v < g.vertexCount(); ++v) {
        const auto [set, local] = g.locate(v);
        VECTOR(layer)[v] = set;
        VECTOR(index)[v] = local;
    }
    igraph_integer_t k = 0;
    forEachEdge(g, [&](int l, VertexId, VertexId, float w) {
        VECTOR(weight)[k] = w;
        VECTOR(absWeight)[k] = std::fabs(w);
        VECTOR(edgeLayer)[k] = l;
        ++k;
    });
    igraph_error_t rc = SETVANV(graph, "layer", &layer);
    if (rc == IGRAPH_SUCCESS) rc = SETVANV(graph, "index", &index);
    if (rc == IGRAPH_SUCCESS) rc = SETEANV(graph, "weight", &weight);
    if (rc == IGRAPH_SUCCESS) rc = SETEANV(graph, "abs_weight", &absWeight);
    if (rc == IGRAPH_SUCCESS) rc = SETEANV(graph, "layer", &edgeLayer);
    for (igraph_vector_t* v : {&layer, &index, &weight, &absWeight, &edgeLayer})
        igraph_vector_destroy(v);
    igraphCheck(rc, "setting GraphML attributes");
    char* buffer = nullptr;
    std::size_t size = 0;
    FILE* mem = open_memstream(&buffer, &size);
    if (!mem)
        throw std::runtime_error("cannot allocate the GraphML buffer");
    rc = igraph_write_graph_graphml(graph, mem, true); // prefixed key ids: "layer" exists for nodes and edges
    std::fclose(mem);
    std::string text(buffer, size);
    std::free(buffer);
    igraphCheck(rc, "igraph_write_graph_graphml");
    writeTextFileAtomic(path, text);
}

void writeGexf(const NetworkGraph& g, const std::filesystem::path& path)
{
    AtomicFile f(path);
    auto& o = f.stream();
    o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<gexf xmlns=\"http://gexf.net/1.3\" version=\"1.3\">\n"
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
            auto p = path;
            p.replace_filename(path.stem().string() + "_layer" + std::to_string(l) + path.extension().string());
            const SparseLayer& s = g.layer(l);
            AtomicFile f(p);
            f.stream() << "%%MatrixMarket matrix coordinate real general\n% Rewire layer " << l
                       << ": rows = output neurons, columns = input neurons\n"
                       << s.outputs() << " " << s.inputs() << " " << s.edgeCount() << "\n";
            for (NeuronIndex j = 0; j < s.outputs(); ++j)
                for (EdgeIndex e = s.rowPtr()[j]; e < s.rowPtr()[j + 1]; ++e)
                    f.stream() << fmt::format("{} {} {:.9g}\n", j + 1, s.colIdx()[e] + 1, s.weights()[e]);
            f.commit();
            written.push_back(p);
        }
        break;
    }
    return written;
}

} // namespace rewire
