#include "graph/sparse_layer.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace rewire {

namespace {

std::string sizes(NeuronIndex in, NeuronIndex out)
{
    return std::to_string(in) + " inputs x " + std::to_string(out) + " outputs";
}

} // namespace

SparseLayer::SparseLayer(NeuronIndex inputs, NeuronIndex outputs)
    : m_inputs(inputs), m_outputs(outputs)
{
    if (inputs < 0 || outputs < 0)
        throw std::invalid_argument("SparseLayer: sizes must be non-negative, got " + sizes(inputs, outputs));
    m_rowPtr.assign(static_cast<size_t>(outputs) + 1, 0);
    m_bias.assign(static_cast<size_t>(outputs), 0.0f);
    rebuildCsc();
}

SparseLayer SparseLayer::fromCsr(NeuronIndex inputs, NeuronIndex outputs, std::vector<EdgeIndex> rowPtr,
                                 std::vector<NeuronIndex> colIdx, std::vector<float> weights)
{
    SparseLayer layer(inputs, outputs);
    if (rowPtr.size() != static_cast<size_t>(outputs) + 1)
        throw std::invalid_argument("SparseLayer::fromCsr: rowPtr has " + std::to_string(rowPtr.size()) +
                                    " entries, expected outputs+1 = " + std::to_string(outputs + 1));
    if (weights.size() != colIdx.size())
        throw std::invalid_argument("SparseLayer::fromCsr: " + std::to_string(weights.size()) + " weights for " +
                                    std::to_string(colIdx.size()) + " edges");
    layer.m_rowPtr = std::move(rowPtr);
    layer.m_colIdx = std::move(colIdx);
    layer.m_weights = std::move(weights);
    layer.validateOrThrow();
    layer.rebuildCsc();
    return layer;
}

SparseLayer SparseLayer::fromEdges(NeuronIndex inputs, NeuronIndex outputs, std::vector<NewEdge> edges)
{
    SparseLayer layer(inputs, outputs);
    std::vector<std::uint8_t> keep;
    layer.editTopology(keep, std::move(edges));
    layer.m_version = 0;
    return layer;
}

SparseLayer SparseLayer::dense(NeuronIndex inputs, NeuronIndex outputs, std::vector<float> weights)
{
    const EdgeIndex n = static_cast<EdgeIndex>(inputs) * outputs;
    if (static_cast<EdgeIndex>(weights.size()) != n)
        throw std::invalid_argument("SparseLayer::dense: " + std::to_string(weights.size()) +
                                    " weights for " + sizes(inputs, outputs));
    std::vector<EdgeIndex> rowPtr(static_cast<size_t>(outputs) + 1);
    for (NeuronIndex j = 0; j <= outputs; ++j)
        rowPtr[j] = static_cast<EdgeIndex>(j) * inputs;
    std::vector<NeuronIndex> colIdx(static_cast<size_t>(n));
    for (EdgeIndex e = 0; e < n; ++e)
        colIdx[e] = static_cast<NeuronIndex>(e % inputs);
    return fromCsr(inputs, outputs, std::move(rowPtr), std::move(colIdx), std::move(weights));
}

double SparseLayer::density() const
{
    const double possible = static_cast<double>(m_inputs) * m_outputs;
    return possible > 0 ? static_cast<double>(edgeCount()) / possible : 0.0;
}

NeuronIndex SparseLayer::inDegree(NeuronIndex output) const
{
    return static_cast<NeuronIndex>(m_rowPtr[output + 1] - m_rowPtr[output]);
}

NeuronIndex SparseLayer::outDegree(NeuronIndex input) const
{
    return static_cast<NeuronIndex>(m_colPtr[input + 1] - m_colPtr[input]);
}

EdgeIndex SparseLayer::findEdge(NeuronIndex output, NeuronIndex input) const
{
    const auto first = m_colIdx.begin() + m_rowPtr[output];
    const auto last = m_colIdx.begin() + m_rowPtr[output + 1];
    const auto it = std::lower_bound(first, last, input);
    return (it != last && *it == input) ? static_cast<EdgeIndex>(it - m_colIdx.begin()) : -1;
}

std::size_t SparseLayer::memoryBytes() const
{
    std::size_t bytes = (m_rowPtr.size() + m_colPtr.size()) * sizeof(EdgeIndex) +
                        (m_colIdx.size() + m_cscRow.size()) * sizeof(NeuronIndex) +
                        (m_cscPerm.size() + m_cscIndex.size()) * sizeof(std::int32_t) +
                        (m_weights.size() + m_bias.size()) * sizeof(float);
    for (const PropertyTable* t : {&m_edgeProps, &m_neuronProps})
        for (const std::vector<float>& p : t->values)
            bytes += p.size() * sizeof(float);
    if (m_explored)
        bytes += m_explored->memoryBytes();
    return bytes;
}

int SparseLayer::PropertyTable::add(const std::string& name, std::size_t length)
{
    const int existing = find(name);
    if (existing >= 0)
        return existing;
    names.push_back(name);
    values.emplace_back(length, 0.0f);
    return static_cast<int>(values.size()) - 1;
}

int SparseLayer::PropertyTable::find(const std::string& name) const
{
    for (size_t i = 0; i < names.size(); ++i)
        if (names[i] == name)
            return static_cast<int>(i);
    return -1;
}

int SparseLayer::addEdgeProperty(const std::string& name) { return m_edgeProps.add(name, m_colIdx.size()); }
int SparseLayer::findEdgeProperty(const std::string& name) const { return m_edgeProps.find(name); }
std::span<float> SparseLayer::edgeProperty(int id) { return m_edgeProps.values.at(static_cast<size_t>(id)); }
std::span<const float> SparseLayer::edgeProperty(int id) const { return m_edgeProps.values.at(static_cast<size_t>(id)); }
const std::string& SparseLayer::edgePropertyName(int id) const { return m_edgeProps.names.at(static_cast<size_t>(id)); }

int SparseLayer::addNeuronProperty(const std::string& name)
{
    return m_neuronProps.add(name, static_cast<size_t>(m_outputs));
}
int SparseLayer::findNeuronProperty(const std::string& name) const { return m_neuronProps.find(name); }
std::span<float> SparseLayer::neuronProperty(int id) { return m_neuronProps.values.at(static_cast<size_t>(id)); }
std::span<const float> SparseLayer::neuronProperty(int id) const
{
    return m_neuronProps.values.at(static_cast<size_t>(id));
}
const std::string& SparseLayer::neuronPropertyName(int id) const
{
    return m_neuronProps.names.at(static_cast<size_t>(id));
}

void SparseLayer::editTopology(std::span<const std::uint8_t> keep, std::vector<NewEdge> added)
{
    if (!keep.empty() && keep.size() != m_colIdx.size())
        throw std::invalid_argument("SparseLayer::editTopology: keep has " + std::to_string(keep.size()) +
                                    " flags for " + std::to_string(m_colIdx.size()) + " edges");
    for (const NewEdge& a : added)
        if (a.output < 0 || a.output >= m_outputs || a.input < 0 || a.input >= m_inputs)
            throw std::invalid_argument("SparseLayer::editTopology: new edge " + std::to_string(a.input) + "->" +
                                        std::to_string(a.output) + " outside " + sizes(m_inputs, m_outputs));
    const auto byPosition = [](const NewEdge& a, const NewEdge& b) {
        return a.output != b.output ? a.output < b.output : a.input < b.input;
    };
    if (!std::is_sorted(added.begin(), added.end(), byPosition)) // random regrowth comes sorted
        std::sort(added.begin(), added.end(), byPosition);

    const bool keepAll = keep.empty(); // no flags: keep every edge, only add
    std::vector<EdgeIndex> rowPtr(static_cast<size_t>(m_outputs) + 1, 0);
    std::vector<NeuronIndex> colIdx;
    std::vector<EdgeIndex> oldOfNew; // the one remap table: -1 marks a new edge
    std::vector<float> weights;
    size_t keptTotal = 0;
    if (keepAll)
        keptTotal = m_colIdx.size();
    else
        for (std::uint8_t k : keep)
            keptTotal += k != 0;
    const size_t total = keptTotal + added.size();
    colIdx.reserve(total);
    oldOfNew.reserve(total);
    weights.reserve(total);

    size_t a = 0;
    for (NeuronIndex j = 0; j < m_outputs; ++j) {
        EdgeIndex e = m_rowPtr[j];
        const EdgeIndex end = m_rowPtr[j + 1];
        for (;;) {
            while (e < end && !(keepAll || keep[e]))
                ++e;
            const bool haveOld = e < end;
            const bool haveNew = a < added.size() && added[a].output == j;
            if (!haveOld && !haveNew)
                break;
            if (haveNew && (!haveOld || added[a].input < m_colIdx[e])) {
                if (!colIdx.empty() && static_cast<EdgeIndex>(colIdx.size()) > rowPtr[j] &&
                    colIdx.back() == added[a].input)
                    throw std::invalid_argument("SparseLayer::editTopology: edge " + std::to_string(added[a].input) +
                                                "->" + std::to_string(j) + " added twice");
                colIdx.push_back(added[a].input);
                weights.push_back(added[a].weight);
                oldOfNew.push_back(-1);
                ++a;
            } else {
                if (haveNew && added[a].input == m_colIdx[e])
                    throw std::invalid_argument("SparseLayer::editTopology: edge " + std::to_string(added[a].input) +
                                                "->" + std::to_string(j) + " already exists");
                colIdx.push_back(m_colIdx[e]);
                weights.push_back(m_weights[e]);
                oldOfNew.push_back(e);
                ++e;
            }
        }
        rowPtr[j + 1] = static_cast<EdgeIndex>(colIdx.size());
    }
    if (colIdx.size() > static_cast<size_t>(std::numeric_limits<std::int32_t>::max()))
        throw std::length_error("SparseLayer: " + std::to_string(colIdx.size()) +
                                " edges in one layer exceed the 2^31-1 limit of the CSC permutation");

    for (auto& prop : m_edgeProps.values) {
        std::vector<float> remapped(oldOfNew.size());
        for (size_t i = 0; i < oldOfNew.size(); ++i)
            remapped[i] = oldOfNew[i] >= 0 ? prop[static_cast<size_t>(oldOfNew[i])] : 0.0f;
        prop = std::move(remapped);
    }
    m_rowPtr = std::move(rowPtr);
    m_colIdx = std::move(colIdx);
    m_weights = std::move(weights);
    ++m_version;
    rebuildCsc();
    if (m_explored)
        for (const NewEdge& e : added)
            m_explored->add(e.output, e.input);
}

void SparseLayer::trackExploration()
{
    if (m_explored)
        return;
    m_explored.emplace(m_inputs, m_outputs);
    m_explored->addRows(m_rowPtr, m_colIdx);
}

void SparseLayer::addExplored(ExploredPositions explored)
{
    if (explored.inputs() != m_inputs || explored.outputs() != m_outputs)
        throw std::invalid_argument("SparseLayer::addExplored: explored positions of a " + sizes(explored.inputs(), explored.outputs()) +
                                    " layer for a " + sizes(m_inputs, m_outputs) + " one");
    if (m_explored) {
        m_explored->merge(explored);
    } else {
        m_explored = std::move(explored);
        m_explored->addRows(m_rowPtr, m_colIdx);
    }
}

void SparseLayer::rebuildCsc()
{
    m_colPtr.assign(static_cast<size_t>(m_inputs) + 1, 0);
    for (NeuronIndex c : m_colIdx)
        ++m_colPtr[static_cast<size_t>(c) + 1];
    for (NeuronIndex i = 0; i < m_inputs; ++i)
        m_colPtr[i + 1] += m_colPtr[i];
    m_cscRow.resize(m_colIdx.size());
    m_cscPerm.resize(m_colIdx.size());
    m_cscIndex.resize(m_colIdx.size());
    std::vector<EdgeIndex> next(m_colPtr.begin(), m_colPtr.end() - 1);
    // Walking rows in order leaves each input's edges sorted by output neuron.
    for (NeuronIndex j = 0; j < m_outputs; ++j)
        for (EdgeIndex e = m_rowPtr[j]; e < m_rowPtr[j + 1]; ++e) {
            const EdgeIndex k = next[m_colIdx[e]]++;
            m_cscRow[k] = j;
            m_cscPerm[k] = static_cast<std::int32_t>(e);
            m_cscIndex[e] = static_cast<std::int32_t>(k);
        }
}

void SparseLayer::validateOrThrow() const
{
    try {
        checkCsr();
    } catch (const std::logic_error& e) {
        throw std::invalid_argument(e.what());
    }
}

void SparseLayer::checkCsr() const
{
    auto fail = [](const std::string& what) { throw std::logic_error("SparseLayer invariant: " + what); };
    if (m_rowPtr.size() != static_cast<size_t>(m_outputs) + 1 || m_rowPtr.front() != 0)
        fail("rowPtr must have outputs+1 entries starting at 0");
    if (m_rowPtr.back() != edgeCount())
        fail("rowPtr[outputs] = " + std::to_string(m_rowPtr.back()) + " but there are " +
             std::to_string(edgeCount()) + " edges");
    if (m_weights.size() != m_colIdx.size())
        fail("weights not aligned with edges");
    if (m_bias.size() != static_cast<size_t>(m_outputs))
        fail("bias size differs from outputs");
    for (NeuronIndex j = 0; j < m_outputs; ++j) {
        if (m_rowPtr[j + 1] < m_rowPtr[j])
            fail("rowPtr decreases at output " + std::to_string(j));
        for (EdgeIndex e = m_rowPtr[j]; e < m_rowPtr[j + 1]; ++e) {
            if (m_colIdx[e] < 0 || m_colIdx[e] >= m_inputs)
                fail("input index " + std::to_string(m_colIdx[e]) + " out of range at output " + std::to_string(j));
            if (e > m_rowPtr[j] && m_colIdx[e] <= m_colIdx[e - 1])
                fail("inputs of output " + std::to_string(j) + " not strictly increasing");
        }
    }
    for (const auto& p : m_edgeProps.values)
        if (p.size() != m_colIdx.size())
            fail("edge property not aligned with edges");
}

void SparseLayer::checkInvariants() const
{
    checkCsr();
    auto fail = [](const std::string& what) { throw std::logic_error("SparseLayer invariant: " + what); };
    if (m_cscPerm.size() != m_colIdx.size() || m_colPtr.size() != static_cast<size_t>(m_inputs) + 1)
        fail("CSC view out of date");
    for (NeuronIndex i = 0; i < m_inputs; ++i)
        for (EdgeIndex k = m_colPtr[i]; k < m_colPtr[i + 1]; ++k) {
            const EdgeIndex e = m_cscPerm[k];
            if (m_colIdx[e] != i || e < m_rowPtr[m_cscRow[k]] || e >= m_rowPtr[m_cscRow[k] + 1] || m_cscIndex[e] != k)
                fail("CSC permutation does not match the CSR edges at input " + std::to_string(i));
            if (k > m_colPtr[i] && m_cscRow[k] <= m_cscRow[k - 1])
                fail("CSC rows of input " + std::to_string(i) + " not strictly increasing");
        }
}

} // namespace rewire
