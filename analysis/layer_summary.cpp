#include "analysis/layer_summary.h"

#include <algorithm>
#include <cmath>

namespace rewire {

std::vector<LayerSummary> summarizeLayers(const NetworkGraph& network)
{
    std::vector<LayerSummary> out;
    for (int l = 0; l < network.layerCount(); ++l) {
        const SparseLayer& layer = network.layer(l);
        LayerSummary s;
        s.layer = l;
        s.inputs = layer.inputs();
        s.outputs = layer.outputs();
        s.edges = layer.edgeCount();
        s.density = layer.density();
        s.meanInDegree = layer.outputs() ? static_cast<double>(s.edges) / layer.outputs() : 0.0;
        for (NeuronIndex j = 0; j < layer.outputs(); ++j) {
            s.maxInDegree = std::max(s.maxInDegree, layer.inDegree(j));
            s.isolatedOutputs += layer.inDegree(j) == 0;
        }
        for (NeuronIndex i = 0; i < layer.inputs(); ++i) {
            s.maxOutDegree = std::max(s.maxOutDegree, layer.outDegree(i));
            s.isolatedInputs += layer.outDegree(i) == 0;
        }
        double absSum = 0.0;
        EdgeIndex positive = 0;
        for (float w : layer.weights()) {
            absSum += std::fabs(w);
            positive += w >= 0.0f;
        }
        s.meanAbsWeight = s.edges ? absSum / static_cast<double>(s.edges) : 0.0;
        s.positiveFraction = s.edges ? static_cast<double>(positive) / static_cast<double>(s.edges) : 0.0;
        out.push_back(s);
    }
    return out;
}

} // namespace rewire
