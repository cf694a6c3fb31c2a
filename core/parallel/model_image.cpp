#include "core/parallel/model_image.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

namespace rewire::parallel {

namespace {

std::string layerName(std::size_t l) { return "layer " + std::to_string(l + 1); }

// The image's value of a named property, or nullptr.
const std::vector<float>* findProperty(const std::vector<std::pair<std::string, std::vector<float>>>& props,
                                       const std::string& name)
{
    for (const auto& [n, v] : props)
        if (n == name)
            return &v;
    return nullptr;
}

} // namespace

ModelImage captureModel(const NetworkGraph& network, bool topology, bool properties)
{
    ModelImage image;
    image.layers.reserve(static_cast<std::size_t>(network.layerCount()));
    for (const SparseLayer& layer : network.layers()) {
        LayerImage li;
        li.inputs = layer.inputs();
        li.outputs = layer.outputs();
        if (topology) {
            li.rowPtr.assign(layer.rowPtr().begin(), layer.rowPtr().end());
            li.colIdx.assign(layer.colIdx().begin(), layer.colIdx().end());
        }
        li.weights.assign(layer.weights().begin(), layer.weights().end());
        li.bias.assign(layer.bias().begin(), layer.bias().end());
        if (properties) {
            for (int p = 0; p < layer.edgePropertyCount(); ++p) {
                const auto v = layer.edgeProperty(p);
                li.edgeProperties.emplace_back(layer.edgePropertyName(p), std::vector<float>(v.begin(), v.end()));
            }
            for (int p = 0; p < layer.neuronPropertyCount(); ++p) {
                const auto v = layer.neuronProperty(p);
                li.neuronProperties.emplace_back(layer.neuronPropertyName(p), std::vector<float>(v.begin(), v.end()));
            }
            if (layer.explored())
                li.explored = *layer.explored();
        }
        image.layers.push_back(std::move(li));
    }
    if (properties)
        image.attributes = network.attributes();
    return image;
}

void validateLayerImage(const LayerImage& li, std::size_t edges, const std::string& what)
{
    const auto fail = [&](const std::string& why) { throw std::invalid_argument(what + ": " + why); };
    if (li.inputs < 0 || li.outputs < 0)
        fail("negative size");
    if (li.bias.size() != static_cast<std::size_t>(li.outputs))
        fail(std::to_string(li.bias.size()) + " biases for " + std::to_string(li.outputs) + " neurons");
    if (li.hasTopology()) {
        bool valid = li.rowPtr.size() == static_cast<std::size_t>(li.outputs) + 1 && li.rowPtr.front() == 0 &&
                     li.rowPtr.back() == static_cast<EdgeIndex>(li.colIdx.size());
        for (std::size_t j = 0; valid && j + 1 < li.rowPtr.size(); ++j) {
            valid = li.rowPtr[j] <= li.rowPtr[j + 1] && li.rowPtr[j + 1] <= static_cast<EdgeIndex>(li.colIdx.size());
            for (EdgeIndex e = li.rowPtr[j]; valid && e < li.rowPtr[j + 1]; ++e) {
                const NeuronIndex c = li.colIdx[static_cast<std::size_t>(e)];
                valid = c >= 0 && c < li.inputs && (e == li.rowPtr[j] || li.colIdx[static_cast<std::size_t>(e) - 1] < c);
            }
        }
        if (!valid)
            fail("the topology is not a canonical CSR");
        edges = li.colIdx.size();
    }
    if (li.weights.size() != edges)
        fail(std::to_string(li.weights.size()) + " weights for " + std::to_string(edges) + " edges");
    for (const auto& [name, v] : li.edgeProperties)
        if (v.size() != edges)
            fail("property " + name + " has " + std::to_string(v.size()) + " values for " + std::to_string(edges) + " edges");
    for (const auto& [name, v] : li.neuronProperties)
        if (v.size() != li.bias.size())
            fail("property " + name + " has " + std::to_string(v.size()) + " values for " + std::to_string(li.bias.size()) +
                 " neurons");
    if (li.explored && (li.explored->inputs() != li.inputs || li.explored->outputs() != li.outputs))
        fail("explored positions of a " + std::to_string(li.explored->inputs()) + "x" + std::to_string(li.explored->outputs()) +
             " layer");
}

void applyModel(NetworkGraph& network, const ModelImage& image)
{
    if (static_cast<int>(image.layers.size()) != network.layerCount())
        throw std::invalid_argument("parallel model: " + std::to_string(image.layers.size()) + " layers for a network of " +
                                    std::to_string(network.layerCount()));
    // Everything is checked before anything changes.
    for (std::size_t l = 0; l < image.layers.size(); ++l) {
        const LayerImage& li = image.layers[l];
        const SparseLayer& layer = network.layer(static_cast<int>(l));
        if (li.inputs != layer.inputs() || li.outputs != layer.outputs())
            throw std::invalid_argument("parallel model: " + layerName(l) + " is " + std::to_string(li.inputs) + "x" +
                                        std::to_string(li.outputs) + ", the network's " + std::to_string(layer.inputs()) +
                                        "x" + std::to_string(layer.outputs()));
        validateLayerImage(li, static_cast<std::size_t>(layer.edgeCount()), "parallel model: " + layerName(l));
    }
    for (std::size_t l = 0; l < image.layers.size(); ++l) {
        const LayerImage& li = image.layers[l];
        SparseLayer& layer = network.layer(static_cast<int>(l));
        if (li.hasTopology()) {
            // Merge row by row: the network's edges absent from the image go, the image's absent
            // from the network come (weights are written below).
            const auto rowPtr = layer.rowPtr();
            const auto col = layer.colIdx();
            std::vector<std::uint8_t> keep(col.size(), 0);
            std::vector<NewEdge> added;
            bool same = col.size() == li.colIdx.size();
            for (NeuronIndex j = 0; j < li.outputs; ++j) {
                EdgeIndex a = rowPtr[static_cast<std::size_t>(j)], b = li.rowPtr[static_cast<std::size_t>(j)];
                const EdgeIndex aEnd = rowPtr[static_cast<std::size_t>(j) + 1], bEnd = li.rowPtr[static_cast<std::size_t>(j) + 1];
                while (a < aEnd || b < bEnd) {
                    const NeuronIndex ca = a < aEnd ? col[static_cast<std::size_t>(a)] : li.inputs;
                    const NeuronIndex cb = b < bEnd ? li.colIdx[static_cast<std::size_t>(b)] : li.inputs;
                    if (ca == cb) {
                        keep[static_cast<std::size_t>(a++)] = 1;
                        ++b;
                    } else if (ca < cb) {
                        ++a;
                        same = false;
                    } else {
                        added.push_back({j, cb, 0.0f});
                        ++b;
                        same = false;
                    }
                }
            }
            if (!same)
                layer.editTopology(keep, std::move(added));
        }
        std::copy(li.weights.begin(), li.weights.end(), layer.weights().begin());
        std::copy(li.bias.begin(), li.bias.end(), layer.bias().begin());
        for (const auto& [name, v] : li.edgeProperties) {
            const int id = layer.addEdgeProperty(name);
            std::copy(v.begin(), v.end(), layer.edgeProperty(id).begin());
        }
        for (const auto& [name, v] : li.neuronProperties) {
            const int id = layer.addNeuronProperty(name);
            std::copy(v.begin(), v.end(), layer.neuronProperty(id).begin());
        }
        if (li.explored)
            layer.addExplored(*li.explored);
    }
    for (const auto& [k, v] : image.attributes)
        network.attributes()[k] = v;
}

std::vector<float> retainValidUpdates(std::span<const EdgeIndex> fromRowPtr, std::span<const NeuronIndex> fromCol,
                                      std::span<const EdgeIndex> toRowPtr, std::span<const NeuronIndex> toCol,
                                      std::span<const float> gradients, EdgeIndex* dropped)
{
    if (fromRowPtr.size() != toRowPtr.size() || gradients.size() != fromCol.size())
        throw std::invalid_argument("retainValidUpdates: the gradients do not fit the topologies");
    std::vector<float> out(toCol.size(), 0.0f);
    EdgeIndex lost = 0;
    for (std::size_t j = 0; j + 1 < fromRowPtr.size(); ++j) {
        EdgeIndex a = fromRowPtr[j], b = toRowPtr[j];
        const EdgeIndex aEnd = fromRowPtr[j + 1], bEnd = toRowPtr[j + 1];
        while (a < aEnd) {
            const NeuronIndex c = fromCol[static_cast<std::size_t>(a)];
            while (b < bEnd && toCol[static_cast<std::size_t>(b)] < c)
                ++b; // regrown since: stays 0
            if (b < bEnd && toCol[static_cast<std::size_t>(b)] == c)
                out[static_cast<std::size_t>(b++)] = gradients[static_cast<std::size_t>(a)];
            else
                ++lost; // pruned since
            ++a;
        }
    }
    if (dropped)
        *dropped = lost;
    return out;
}

ModelImage averageReplicas(std::span<const ModelImage> replicas, std::span<const EdgeIndex> keep)
{
    if (replicas.empty())
        throw std::invalid_argument("averageReplicas: no replicas");
    const std::size_t layers = replicas.front().layers.size();
    if (keep.size() != layers)
        throw std::invalid_argument("averageReplicas: " + std::to_string(keep.size()) + " targets for " +
                                    std::to_string(layers) + " layers");
    const float inv = 1.0f / static_cast<float>(replicas.size());
    ModelImage out;
    for (std::size_t l = 0; l < layers; ++l) {
        const LayerImage& first = replicas.front().layers[l];
        for (const ModelImage& r : replicas) {
            if (r.layers.size() != layers || r.layers[l].inputs != first.inputs || r.layers[l].outputs != first.outputs ||
                !r.layers[l].hasTopology())
                throw std::invalid_argument("averageReplicas: the replicas' " + layerName(l) + " differ in shape or lack a topology");
            validateLayerImage(r.layers[l], 0, "averageReplicas: a replica's " + layerName(l));
        }
        // Properties every replica carries, in the first replica's order.
        std::vector<std::string> edgeProps, neuronProps;
        for (const auto& property : first.edgeProperties) // (no structured binding: clang 14 cannot capture one)
            if (std::all_of(replicas.begin(), replicas.end(), [&](const ModelImage& r) {
                    return findProperty(r.layers[l].edgeProperties, property.first) != nullptr;
                }))
                edgeProps.push_back(property.first);
        for (const auto& property : first.neuronProperties)
            if (std::all_of(replicas.begin(), replicas.end(), [&](const ModelImage& r) {
                    return findProperty(r.layers[l].neuronProperties, property.first) != nullptr;
                }))
                neuronProps.push_back(property.first);
        std::vector<const std::vector<float>*> props(replicas.size() * edgeProps.size());
        for (std::size_t r = 0; r < replicas.size(); ++r)
            for (std::size_t p = 0; p < edgeProps.size(); ++p)
                props[r * edgeProps.size() + p] = findProperty(replicas[r].layers[l].edgeProperties, edgeProps[p]);

        // The union, row by row: a K-way merge of sorted column lists.
        LayerImage u;
        u.inputs = first.inputs;
        u.outputs = first.outputs;
        u.rowPtr.assign(static_cast<std::size_t>(first.outputs) + 1, 0);
        std::vector<std::vector<float>> uProps(edgeProps.size());
        std::vector<EdgeIndex> cursor(replicas.size());
        for (NeuronIndex j = 0; j < first.outputs; ++j) {
            for (std::size_t r = 0; r < replicas.size(); ++r)
                cursor[r] = replicas[r].layers[l].rowPtr[static_cast<std::size_t>(j)];
            for (;;) {
                NeuronIndex c = first.inputs;
                for (std::size_t r = 0; r < replicas.size(); ++r) {
                    const LayerImage& li = replicas[r].layers[l];
                    if (cursor[r] < li.rowPtr[static_cast<std::size_t>(j) + 1])
                        c = std::min(c, li.colIdx[static_cast<std::size_t>(cursor[r])]);
                }
                if (c == first.inputs)
                    break;
                float w = 0.0f;
                std::vector<float> pv(edgeProps.size(), 0.0f);
                for (std::size_t r = 0; r < replicas.size(); ++r) {
                    const LayerImage& li = replicas[r].layers[l];
                    if (cursor[r] < li.rowPtr[static_cast<std::size_t>(j) + 1] &&
                        li.colIdx[static_cast<std::size_t>(cursor[r])] == c) {
                        const auto e = static_cast<std::size_t>(cursor[r]++);
                        w += li.weights[e];
                        for (std::size_t p = 0; p < edgeProps.size(); ++p)
                            pv[p] += (*props[r * edgeProps.size() + p])[e];
                    }
                }
                u.colIdx.push_back(c);
                u.weights.push_back(w * inv);
                for (std::size_t p = 0; p < edgeProps.size(); ++p)
                    uProps[p].push_back(pv[p] * inv);
            }
            u.rowPtr[static_cast<std::size_t>(j) + 1] = static_cast<EdgeIndex>(u.colIdx.size());
        }

        // Back to the target: the keep[l] edges of largest |w| (ties: lower index).
        const auto edges = static_cast<EdgeIndex>(u.colIdx.size());
        const EdgeIndex target = std::clamp<EdgeIndex>(keep[l], 0, edges);
        std::vector<std::uint8_t> kept(static_cast<std::size_t>(edges), 1);
        if (target < edges) {
            std::vector<EdgeIndex> order(static_cast<std::size_t>(edges));
            std::iota(order.begin(), order.end(), EdgeIndex{0});
            auto larger = [&](EdgeIndex a, EdgeIndex b) {
                const float wa = std::fabs(u.weights[static_cast<std::size_t>(a)]);
                const float wb = std::fabs(u.weights[static_cast<std::size_t>(b)]);
                return wa != wb ? wa > wb : a < b;
            };
            std::nth_element(order.begin(), order.begin() + target, order.end(), larger);
            for (auto it = order.begin() + target; it != order.end(); ++it)
                kept[static_cast<std::size_t>(*it)] = 0;
        }
        LayerImage o;
        o.inputs = u.inputs;
        o.outputs = u.outputs;
        o.rowPtr.assign(u.rowPtr.size(), 0);
        o.edgeProperties.resize(edgeProps.size());
        for (std::size_t p = 0; p < edgeProps.size(); ++p)
            o.edgeProperties[p].first = edgeProps[p];
        for (NeuronIndex j = 0; j < u.outputs; ++j) {
            for (EdgeIndex e = u.rowPtr[static_cast<std::size_t>(j)]; e < u.rowPtr[static_cast<std::size_t>(j) + 1]; ++e)
                if (kept[static_cast<std::size_t>(e)]) {
                    o.colIdx.push_back(u.colIdx[static_cast<std::size_t>(e)]);
                    o.weights.push_back(u.weights[static_cast<std::size_t>(e)]);
                    for (std::size_t p = 0; p < edgeProps.size(); ++p)
                        o.edgeProperties[p].second.push_back(uProps[p][static_cast<std::size_t>(e)]);
                }
            o.rowPtr[static_cast<std::size_t>(j) + 1] = static_cast<EdgeIndex>(o.colIdx.size());
        }
        o.bias.assign(first.bias.size(), 0.0f);
        for (const ModelImage& r : replicas)
            for (std::size_t j = 0; j < o.bias.size(); ++j)
                o.bias[j] += r.layers[l].bias[j] * inv;
        for (const std::string& name : neuronProps) {
            std::vector<float> v(first.bias.size(), 0.0f);
            for (const ModelImage& r : replicas) {
                const std::vector<float>& x = *findProperty(r.layers[l].neuronProperties, name);
                for (std::size_t j = 0; j < v.size() && j < x.size(); ++j)
                    v[j] += x[j] * inv;
            }
            o.neuronProperties.emplace_back(name, std::move(v));
        }
        for (const ModelImage& r : replicas)
            if (const auto& x = r.layers[l].explored) {
                if (!o.explored)
                    o.explored = *x;
                else
                    o.explored->merge(*x);
            }
        out.layers.push_back(std::move(o));
    }
    return out; // no attributes: the model's run state (topology targets, costs) stays the receiver's
}

void ByteWriter::text(const std::string& s)
{
    u64(s.size());
    raw(s.data(), s.size());
}

void ByteWriter::raw(const void* p, std::size_t n)
{
    const std::size_t at = m_bytes.size();
    m_bytes.resize(at + n);
    if (n)
        std::memcpy(m_bytes.data() + at, p, n);
}

std::uint64_t ByteReader::u64()
{
    std::uint64_t v = 0;
    raw(&v, sizeof v);
    return v;
}

double ByteReader::f64()
{
    double v = 0;
    raw(&v, sizeof v);
    return v;
}

std::string ByteReader::text()
{
    const std::uint64_t n = u64();
    if (n > m_bytes.size() - m_at)
        throw std::runtime_error("parallel message: a text of " + std::to_string(n) + " bytes overruns the message");
    std::string s(static_cast<std::size_t>(n), '\0');
    raw(s.data(), s.size());
    return s;
}

void ByteReader::raw(void* p, std::size_t n)
{
    if (n > m_bytes.size() - m_at)
        throw std::runtime_error("parallel message: truncated (" + std::to_string(m_bytes.size()) + " bytes)");
    if (n)
        std::memcpy(p, m_bytes.data() + m_at, n);
    m_at += n;
}

void write(ByteWriter& out, const ModelImage& image)
{
    out.u64(image.layers.size());
    for (const LayerImage& l : image.layers) {
        out.u64(static_cast<std::uint64_t>(l.inputs));
        out.u64(static_cast<std::uint64_t>(l.outputs));
        out.array(l.rowPtr);
        out.array(l.colIdx);
        out.array(l.weights);
        out.array(l.bias);
        for (const auto* props : {&l.edgeProperties, &l.neuronProperties}) {
            out.u64(props->size());
            for (const auto& [name, v] : *props) {
                out.text(name);
                out.array(v);
            }
        }
        out.u64(l.explored ? static_cast<std::uint64_t>(l.explored->kind()) : 0);
        if (l.explored)
            out.array(l.explored->storedBytes());
    }
    out.u64(image.attributes.size());
    for (const auto& [k, v] : image.attributes) {
        out.text(k);
        out.text(v);
    }
}

ModelImage readModelImage(ByteReader& in)
{
    ModelImage image;
    const std::uint64_t layers = in.u64();
    if (layers > 1u << 20)
        throw std::runtime_error("parallel message: " + std::to_string(layers) + " layers");
    for (std::uint64_t l = 0; l < layers; ++l) {
        LayerImage li;
        const std::uint64_t inputs = in.u64(), outputs = in.u64();
        if (inputs > 0x7fffffffu || outputs > 0x7fffffffu)
            throw std::runtime_error("parallel message: a layer of " + std::to_string(inputs) + "x" + std::to_string(outputs));
        li.inputs = static_cast<NeuronIndex>(inputs);
        li.outputs = static_cast<NeuronIndex>(outputs);
        li.rowPtr = in.array<EdgeIndex>();
        li.colIdx = in.array<NeuronIndex>();
        li.weights = in.array<float>();
        li.bias = in.array<float>();
        for (auto* props : {&li.edgeProperties, &li.neuronProperties}) {
            const std::uint64_t n = in.u64();
            if (n > 1024)
                throw std::runtime_error("parallel message: " + std::to_string(n) + " properties");
            for (std::uint64_t p = 0; p < n; ++p) {
                std::string name = in.text();
                props->emplace_back(std::move(name), in.array<float>());
            }
        }
        if (const std::uint64_t kind = in.u64(); kind != 0) {
            try {
                if (kind > 0xff)
                    throw std::invalid_argument("explored positions of unknown kind " + std::to_string(kind));
                li.explored = ExploredPositions::fromStored(static_cast<std::uint8_t>(kind), li.inputs, li.outputs,
                                                            in.array<std::byte>());
            } catch (const std::invalid_argument& e) {
                throw std::runtime_error(std::string("parallel message: ") + e.what());
            }
        }
        image.layers.push_back(std::move(li));
    }
    const std::uint64_t attrs = in.u64();
    for (std::uint64_t a = 0; a < attrs; ++a) {
        std::string k = in.text();
        image.attributes[k] = in.text();
    }
    return image;
}

} // namespace rewire::parallel
