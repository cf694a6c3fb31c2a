#include "graph/model_io.h"

#include "graph/atomic_file.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>

namespace rewire {

namespace {

constexpr std::array<char, 8> kMagic{'R', 'W', 'M', 'O', 'D', 'E', 'L', '\0'};
constexpr size_t kHeaderBytes = 32;
constexpr std::uint32_t kMaxProperties = 256; // per layer, of each kind

class CrcWriter {
public:
    explicit CrcWriter(std::ofstream& out) : m_out(out) {}
    void bytes(const void* p, size_t n)
    {
        const auto* c = static_cast<const unsigned char*>(p);
        size_t done = 0;
        while (done < n) { // zlib's crc32 takes a 32-bit length
            const auto chunk = static_cast<uInt>(std::min<size_t>(n - done, 1u << 30));
            m_crc = crc32(m_crc, c + done, chunk);
            done += chunk;
        }
        m_out.write(reinterpret_cast<const char*>(p), static_cast<std::streamsize>(n));
        m_size += n;
    }
    template <typename T> void pod(T v) { bytes(&v, sizeof v); }
    template <typename T> void array(std::span<const T> a) { bytes(a.data(), a.size_bytes()); }
    void string(const std::string& s)
    {
        pod(static_cast<std::uint32_t>(s.size()));
        bytes(s.data(), s.size());
    }
    uLong crc() const { return m_crc; }
    std::uint64_t size() const { return m_size; }

private:
    std::ofstream& m_out;
    uLong m_crc = crc32(0L, Z_NULL, 0);
    std::uint64_t m_size = 0;
};

class Reader {
public:
    Reader(const std::vector<char>& buf, const std::string& file) : m_buf(buf), m_file(file) {}
    [[noreturn]] void fail(const std::string& what) const
    {
        throw ModelFileError(m_file + ": " + what + " (at payload byte " + std::to_string(m_pos) + ")");
    }
    void bytes(void* p, size_t n, const char* what)
    {
        if (n > m_buf.size() - m_pos)
            fail(std::string("truncated while reading ") + what);
        std::memcpy(p, m_buf.data() + m_pos, n);
        m_pos += n;
    }
    template <typename T> T pod(const char* what)
    {
        T v;
        bytes(&v, sizeof v, what);
        return v;
    }
    template <typename T> std::vector<T> array(std::uint64_t n, const char* what)
    {
        if (n > (m_buf.size() - m_pos) / sizeof(T))
            fail(std::string("truncated: ") + what + " needs " + std::to_string(n) + " entries");
        std::vector<T> v(static_cast<size_t>(n));
        bytes(v.data(), n * sizeof(T), what);
        return v;
    }
    std::string string(const char* what)
    {
        const auto n = pod<std::uint32_t>(what);
        if (n > m_buf.size() - m_pos)
            fail(std::string("truncated string ") + what);
        std::string s(m_buf.data() + m_pos, n);
        m_pos += n;
        return s;
    }
    bool atEnd() const { return m_pos == m_buf.size(); }

private:
    const std::vector<char>& m_buf;
    const std::string& m_file;
    size_t m_pos = 0;
};

} // namespace

void saveModel(const NetworkGraph& network, const std::filesystem::path& path, bool withState,
               const std::map<std::string, std::string>* extraAttributes)
{
    // Format 2 carries properties: the state of a checkpoint, or a model's own parameters; format 3
    // a checkpoint's explored positions too.
    bool format2 = withState;
    bool format3 = false;
    if (withState)
        for (const SparseLayer& l : network.layers())
            format3 = format3 || l.explored() != nullptr;
    for (const SparseLayer& l : network.layers())
        for (int p = 0; p < l.neuronPropertyCount(); ++p)
            format2 = format2 || !isOptimiserState(l.neuronPropertyName(p));
    AtomicFile file(path, true);
    std::ofstream& out = file.stream();
    const std::array<char, kHeaderBytes> blank{};
    out.write(blank.data(), blank.size());
    CrcWriter w(out);
    std::map<std::string, std::string> merged;
    const std::map<std::string, std::string>* attributes = &network.attributes();
    if (extraAttributes) {
        merged = network.attributes();
        for (const auto& [k, v] : *extraAttributes)
            merged[k] = v;
        attributes = &merged;
    }
    w.pod(static_cast<std::uint32_t>(attributes->size()));
    for (const auto& [k, v] : *attributes) {
        w.string(k);
        w.string(v);
    }
    w.pod(static_cast<std::uint32_t>(network.layerCount()));
    for (const SparseLayer& l : network.layers()) {
        w.pod<std::int32_t>(l.inputs());
        w.pod<std::int32_t>(l.outputs());
        w.pod<std::int64_t>(l.edgeCount());
        w.array(l.rowPtr());
        w.array(l.colIdx());
        w.array(l.weights());
        w.array(l.bias());
        std::vector<int> edgeProps, neuronProps;
        for (int p = 0; p < l.edgePropertyCount(); ++p)
            if (withState || !isOptimiserState(l.edgePropertyName(p)))
                edgeProps.push_back(p);
        for (int p = 0; p < l.neuronPropertyCount(); ++p)
            if (withState || !isOptimiserState(l.neuronPropertyName(p)))
                neuronProps.push_back(p);
        w.pod(static_cast<std::uint32_t>(edgeProps.size()));
        for (int p : edgeProps) {
            w.string(l.edgePropertyName(p));
            w.array(l.edgeProperty(p));
        }
        if (format2) {
            w.pod(static_cast<std::uint32_t>(neuronProps.size()));
            for (int p : neuronProps) {
                w.string(l.neuronPropertyName(p));
                w.array(l.neuronProperty(p));
            }
        }
        if (format3) {
            const ExploredPositions* x = l.explored();
            w.pod<std::uint8_t>(x ? static_cast<std::uint8_t>(x->kind()) : 0);
            if (x) {
                w.pod<std::uint64_t>(x->storedBytes().size());
                w.array(x->storedBytes());
            }
        }
    }
    out.seekp(0);
    out.write(kMagic.data(), kMagic.size());
    const std::uint32_t version = format3 ? 3u : format2 ? 2u : 1u, flags = 0, crc = static_cast<std::uint32_t>(w.crc()), pad = 0;
    const std::uint64_t size = w.size();
    out.write(reinterpret_cast<const char*>(&version), 4);
    out.write(reinterpret_cast<const char*>(&flags), 4);
    out.write(reinterpret_cast<const char*>(&size), 8);
    out.write(reinterpret_cast<const char*>(&crc), 4);
    out.write(reinterpret_cast<const char*>(&pad), 4);
    file.commit();
}

NetworkGraph loadModel(const std::filesystem::path& path)
{
    const std::string name = path.string();
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw ModelFileError(name + ": is a directory, expected a model file (.rwm)");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw ModelFileError(name + ": cannot open model file (" + std::strerror(errno) + ")");
    std::array<char, kHeaderBytes> header{};
    in.read(header.data(), header.size());
    if (in.gcount() != static_cast<std::streamsize>(header.size()) ||
        !std::equal(kMagic.begin(), kMagic.end(), header.begin()))
        throw ModelFileError(name + ": not a Rewire model file (expected magic \"RWMODEL\" in the first 8 bytes)");
    std::uint32_t version, crc;
    std::uint64_t size;
    std::memcpy(&version, header.data() + 8, 4);
    std::memcpy(&size, header.data() + 16, 8);
    std::memcpy(&crc, header.data() + 24, 4);
    if (version == 0 || version > kModelFormatVersion)
        throw ModelFileError(name + ": model format version " + std::to_string(version) +
                             " is not supported (this build reads up to " + std::to_string(kModelFormatVersion) + ")");
    const auto here = in.tellg();
    in.seekg(0, std::ios::end);
    const auto fileSize = static_cast<std::uint64_t>(in.tellg());
    in.seekg(here);
    if (fileSize - kHeaderBytes != size)
        throw ModelFileError(name + ": file has " + std::to_string(fileSize - kHeaderBytes) +
                             " payload bytes, header says " + std::to_string(size) + " (truncated or appended to)");
    std::vector<char> buf(static_cast<size_t>(size));
    in.read(buf.data(), static_cast<std::streamsize>(size));
    uLong actual = crc32(0L, Z_NULL, 0);
    for (size_t done = 0; done < buf.size();) {
        const auto chunk = static_cast<uInt>(std::min<size_t>(buf.size() - done, 1u << 30));
        actual = crc32(actual, reinterpret_cast<const Bytef*>(buf.data() + done), chunk);
        done += chunk;
    }
    if (static_cast<std::uint32_t>(actual) != crc)
        throw ModelFileError(name + ": checksum mismatch (file is corrupted)");

    Reader r(buf, name);
    std::map<std::string, std::string> attributes;
    const auto attrCount = r.pod<std::uint32_t>("attribute count");
    for (std::uint32_t i = 0; i < attrCount; ++i) {
        std::string k = r.string("attribute key");
        attributes[k] = r.string("attribute value");
    }
    const auto layerCount = r.pod<std::uint32_t>("layer count");
    std::vector<SparseLayer> layers;
    for (std::uint32_t l = 0; l < layerCount; ++l) {
        const auto inputs = r.pod<std::int32_t>("inputs");
        const auto outputs = r.pod<std::int32_t>("outputs");
        const auto edges = r.pod<std::int64_t>("edge count");
        if (inputs < 0 || outputs < 0 || edges < 0 || edges > static_cast<std::int64_t>(inputs) * outputs)
            r.fail("layer " + std::to_string(l) + " has impossible sizes " + std::to_string(inputs) + "x" +
                   std::to_string(outputs) + " with " + std::to_string(edges) + " edges");
        auto rowPtr = r.array<EdgeIndex>(static_cast<std::uint64_t>(outputs) + 1, "rowPtr");
        auto colIdx = r.array<NeuronIndex>(static_cast<std::uint64_t>(edges), "colIdx");
        auto weights = r.array<float>(static_cast<std::uint64_t>(edges), "weights");
        auto bias = r.array<float>(static_cast<std::uint64_t>(outputs), "bias");
        SparseLayer layer;
        try {
            layer = SparseLayer::fromCsr(inputs, outputs, std::move(rowPtr), std::move(colIdx), std::move(weights));
        } catch (const std::invalid_argument& e) {
            r.fail("layer " + std::to_string(l) + ": " + e.what());
        }
        std::copy(bias.begin(), bias.end(), layer.bias().begin());
        // Named arrays: edge properties, then (format 2) neuron properties.
        const auto readProperties = [&](const char* what, std::uint64_t length, auto add, auto values) {
            const auto count = r.pod<std::uint32_t>(what);
            // Each name is looked up among the others: a bound keeps a hostile file from making
            // that quadratic (optimiser state is a handful of arrays).
            if (count > kMaxProperties)
                r.fail("layer " + std::to_string(l) + ": " + std::to_string(count) + " properties (" + what +
                       "), at most " + std::to_string(kMaxProperties));
            std::set<std::string> seen;
            for (std::uint32_t p = 0; p < count; ++p) {
                const std::string pname = r.string("property name");
                if (!seen.insert(pname).second)
                    r.fail("layer " + std::to_string(l) + ": property \"" + pname.substr(0, 64) + "\" appears twice");
                const auto saved = r.array<float>(length, "property values");
                const std::span<float> dst = values(add(pname));
                std::copy(saved.begin(), saved.end(), dst.begin());
            }
        };
        readProperties("edge property count", static_cast<std::uint64_t>(edges),
                       [&](const std::string& n) { return layer.addEdgeProperty(n); },
                       [&](int id) { return layer.edgeProperty(id); });
        if (version >= 2)
            readProperties("neuron property count", static_cast<std::uint64_t>(outputs),
                           [&](const std::string& n) { return layer.addNeuronProperty(n); },
                           [&](int id) { return layer.neuronProperty(id); });
        if (version >= 3) {
            if (const auto kind = r.pod<std::uint8_t>("explored positions kind"); kind != 0) {
                const auto n = r.pod<std::uint64_t>("explored positions bytes");
                const auto bytes = r.array<std::byte>(n, "explored positions");
                try {
                    layer.addExplored(ExploredPositions::fromStored(kind, inputs, outputs, bytes));
                } catch (const std::invalid_argument& e) {
                    r.fail("layer " + std::to_string(l) + ": " + e.what());
                }
            }
        }
        layers.push_back(std::move(layer));
    }
    if (!r.atEnd())
        r.fail("unexpected bytes after the last layer");
    try {
        NetworkGraph g(std::move(layers));
        g.attributes() = std::move(attributes);
        return g;
    } catch (const std::invalid_argument& e) {
        throw ModelFileError(name + ": " + e.what());
    }
}

} // namespace rewire
