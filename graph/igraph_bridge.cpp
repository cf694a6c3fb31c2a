#include "graph/igraph_bridge.h"

#include <cmath>
#include <mutex>
#include <stdexcept>
#include <string>

namespace rewire {

namespace {

thread_local std::string g_lastIgraphError;

void recordingErrorHandler(const char* reason, const char* file, int line, igraph_error_t code)
{
    g_lastIgraphError = std::string(igraph_strerror(code)) + ": " + (reason ? reason : "") + " (" +
                        (file ? file : "?") + ":" + std::to_string(line) + ")";
    IGRAPH_FINALLY_FREE();
}

} // namespace

void installIgraphErrorHandler()
{
    static std::once_flag once;
    std::call_once(once, [] { igraph_set_error_handler(recordingErrorHandler); });
}

void igraphCheck(igraph_error_t code, const char* call)
{
    if (code != IGRAPH_SUCCESS)
        throw std::runtime_error(std::string("igraph: ") + call + " failed: " +
                                 (g_lastIgraphError.empty() ? igraph_strerror(code) : g_lastIgraphError));
}

IgraphNetwork::IgraphNetwork(const NetworkGraph& network)
{
    installIgraphErrorHandler();
    const EdgeIndex edges = network.edgeCount();
    igraph_vector_int_t list;
    igraphCheck(igraph_vector_int_init(&list, 2 * edges), "igraph_vector_int_init");
    igraph_error_t rc = igraph_vector_init(&m_weights, edges);
    if (rc != IGRAPH_SUCCESS) {
        igraph_vector_int_destroy(&list);
        igraphCheck(rc, "igraph_vector_init");
    }
    EdgeIndex k = 0;
    for (int l = 0; l < network.layerCount(); ++l) {
        const SparseLayer& layer = network.layer(l);
        const auto in0 = static_cast<igraph_integer_t>(network.vertexOffset(l));
        const auto out0 = static_cast<igraph_integer_t>(network.vertexOffset(l + 1));
        const auto rowPtr = layer.rowPtr();
        const auto col = layer.colIdx();
        const auto w = layer.weights();
        for (NeuronIndex j = 0; j < layer.outputs(); ++j)
            for (EdgeIndex e = rowPtr[j]; e < rowPtr[j + 1]; ++e, ++k) {
                VECTOR(list)[2 * k] = in0 + col[e];
                VECTOR(list)[2 * k + 1] = out0 + j;
                VECTOR(m_weights)[k] = std::fabs(w[e]);
            }
    }
    rc = igraph_create(&m_graph, &list, static_cast<igraph_integer_t>(network.vertexCount()), IGRAPH_DIRECTED);
    igraph_vector_int_destroy(&list);
    if (rc != IGRAPH_SUCCESS) {
        igraph_vector_destroy(&m_weights);
        igraphCheck(rc, "igraph_create");
    }
}

IgraphNetwork::~IgraphNetwork()
{
    igraph_destroy(&m_graph);
    igraph_vector_destroy(&m_weights);
}

} // namespace rewire
