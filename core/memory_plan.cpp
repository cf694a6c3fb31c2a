#include "core/memory_plan.h"

#include "graph/explored_positions.h"

#include "core/activation.h"
#include "core/init.h"
#include "core/kernels.h"
#include "core/methods/registry.h"
#include "datasets/dataset.h"

#include <fmt/format.h>

#include <algorithm>

namespace rewire {

double MemoryPlan::residentBytes() const
{
    double sum = 0;
    for (const MemoryPart& p : resident)
        sum += p.bytes;
    return sum;
}

double MemoryPlan::largestTransientBytes() const
{
    double most = 0;
    for (const MemoryPart& p : transient)
        most = std::max(most, p.bytes);
    return most;
}

MemoryPlan planTrainingMemory(const TrainConfig& config, const DataShape& data)
{
    const auto arch = config.architecture();
    const MethodSpec& spec = findMethod(config.method);
    const auto layers = arch.size() - 1;
    std::vector<double> edges(layers);
    double allEdges = 0, neurons = 0, largestLayer = 0, hiddenNeurons = 0;
    for (std::size_t l = 0; l < layers; ++l) {
        edges[l] = spec.dense ? static_cast<double>(arch[l]) * arch[l + 1]
                              : static_cast<double>(erdosRenyiEdgeCount(arch[l], arch[l + 1], config.epsilon));
        allEdges += edges[l];
        largestLayer = std::max(largestLayer, edges[l]);
    }
    for (std::size_t k = 0; k < arch.size(); ++k) {
        neurons += arch[k];
        if (k > 0 && k + 1 < arch.size())
            hiddenNeurons += arch[k];
    }
    const double nonInput = neurons - arch.front();
    const bool adam = parseOptimizer(config.optimizer) == Optimizer::Adam;
    const double stateBytes = adam ? 8.0 : 4.0;
    MemoryPlan plan;
    const auto add = [](std::vector<MemoryPart>& to, std::string name, double bytes, std::string detail) {
        if (bytes > 0)
            to.push_back({std::move(name), bytes, std::move(detail)});
    };
    // Topology: colIdx, weights, cscRow, cscPerm, cscIndex per edge; rowPtr and colPtr per neuron of
    // each side; a bias per output.
    add(plan.resident, "edges", allEdges * 20.0 + (neurons - arch.back()) * 8.0 + nonInput * 12.0,
        fmt::format("{:.0f} edges x 20 B (CSR, weights, CSC view) + row and column offsets, biases", allEdges));
    add(plan.resident, "optimiser state", allEdges * stateBytes + nonInput * stateBytes,
        fmt::format("{} B per edge and bias ({})", stateBytes, adam ? "Adam's two moments" : "momentum"));
    double explored = 0;
    for (std::size_t l = 0; l < layers; ++l)
        explored += static_cast<double>(ExploredPositions::memoryBytesFor(arch[l], arch[l + 1]));
    add(plan.resident, "exploration", explored,
        "positions ever active per layer: a bitmap up to 2^27 positions, else a 64 KiB HyperLogLog sketch");
    // The kernel each layer starts on (kernelFor): GEMM for dense layers of 64+ on both sides,
    // the narrow kernel for dense layers of at most 12 outputs, else sparse.
    enum class Kernel { Gemm, Narrow, Sparse };
    std::vector<Kernel> kernel(layers);
    for (std::size_t l = 0; l < layers; ++l) {
        const bool dense = edges[l] == static_cast<double>(arch[l]) * arch[l + 1];
        kernel[l] = dense && std::min(arch[l], arch[l + 1]) >= 64 ? Kernel::Gemm
                    : dense && arch[l + 1] <= 12                  ? Kernel::Narrow
                                                                  : Kernel::Sparse;
    }
    double scratch = 0, gemmScratch = 0;
    for (std::size_t l = 0; l < layers; ++l) {
        if (kernel[l] == Kernel::Gemm) // one shared weight-gradient matrix, the largest GEMM layer's
            gemmScratch = std::max(gemmScratch, edges[l] * 4.0);
        else if (kernel[l] == Kernel::Sparse && l > 0)
            scratch += edges[l] * 4.0; // the sparse backward's per-edge gradient
    }
    scratch += gemmScratch;
    add(plan.resident, "gradient scratch", scratch,
        "4 B per edge of the sparse layers past the first, and of the largest GEMM layer");
    double method = 0;
    std::string methodDetail;
    if (config.method == "woodfisher" || config.method == "woodtaylor") {
        method = allEdges * (4.0 * config.fisherBatches + 8.0);
        methodDetail = fmt::format("the gradients of the epoch's last {} batches, and the statistic", config.fisherBatches);
    } else if (config.method == "imp") {
        method = allEdges * 4.0;
        methodDetail = "the initial weights to rewind to";
    } else if (config.method == "snip") {
        method = allEdges * 20.0;
        methodDetail = "every dense edge's saliency and gradient";
    } else if (config.method == "rigl" || config.method == "rigl-global" || config.method == "redr-loss") {
        method = allEdges * 4.0;
        methodDetail = "one training batch's gradients per edge";
    }
    add(plan.resident, "method state", method, methodDetail);
    const int columns = config.microBatch > 0 && config.microBatch < config.batch ? config.microBatch : config.batch;
    const double ld = static_cast<double>((columns + 15) / 16 * 16);
    if (columns < config.batch)
        add(plan.resident, "micro-batch sums", allEdges * 8.0 + nonInput * 8.0,
            fmt::format("the batch's summed gradients and one part's, 8 B per edge and bias ({} of {} samples per pass)",
                        columns, config.batch));
    const Activation act = Activation::parse(config.activation);
    // Deltas: one buffer per non-input set, or (shared deltas, MlpEngine::setSharedDeltas: the
    // trainer's choice unless a method reads them) the output's and two for the hidden sets, each
    // as wide as the widest hidden set of its parity.
    const bool sharedDeltas = !methodsNeedGradients(makeTopologyMethods(config));
    double deltaRows = nonInput;
    if (sharedDeltas) {
        double widest[2] = {0, 0};
        for (std::size_t k = 1; k + 1 < arch.size(); ++k)
            widest[k % 2] = std::max(widest[k % 2], static_cast<double>(arch[k]));
        deltaRows = arch.back() + widest[0] + widest[1];
    }
    double activations = neurons * ld * 4.0 + deltaRows * ld * 4.0; // values and deltas
    std::string actDetail = fmt::format("{:.0f} neurons x {:.0f} batch columns x 4 B, and deltas{}", neurons, ld,
                                        sharedDeltas ? " in place (two hidden sets' worth)" : "");
    // Hidden set k keeps 2-bit gates when a sparse layer writes it and no GEMM layer reads it
    // (MlpEngine::gateBits); otherwise fp32 gates, and SReLU keeps its pre-activations.
    double fp32Gates = 0;
    for (std::size_t k = 1; k + 1 < arch.size(); ++k)
        if (act.kind == ActivationKind::SRelu || !act.piecewiseLinear() || kernel[k - 1] != Kernel::Sparse ||
            kernel[k] == Kernel::Gemm)
            fp32Gates += arch[k];
    if (fp32Gates > 0) {
        activations += fp32Gates * ld * 4.0;
        actDetail += act.kind == ActivationKind::SRelu ? ", SReLU's pre-activations" : ", fp32 gates";
    }
    activations += hiddenNeurons * ld / 4.0; // 2-bit gates (allocated for every hidden set)
    actDetail += ", 2-bit gates";
    if (config.precision == "bf16") {
        const double ld32 = static_cast<double>((columns + 31) / 32 * 32);
        for (std::size_t l = 0; l < layers; ++l)
            if (kernel[l] == Kernel::Sparse)
                activations += arch[l] * ld32 * 2.0;
        actDetail += ", bf16 copies";
    }
    add(plan.resident, "activations", activations, actDetail);
    const double samples = static_cast<double>(data.trainSamples + data.testSamples + data.validationSamples);
    add(plan.resident, "data", samples * (static_cast<double>(data.features) * 4.0 + 4.0),
        fmt::format("{:.0f} samples x {} features x 4 B", samples, data.features));
    // The topology step edits one layer at a time: a keep flag per edge, the new edges, the edited
    // arrays built beside the old ones (column, weight and every edge property), the CSC view
    // rebuilt, and the set of chosen positions of random regrowth.
    if (spec.evolves) {
        const double zeta = std::clamp(config.zeta, 0.0, 1.0);
        const double props = 1.0 + (adam ? 2.0 : 1.0);
        // keep flag 1, new edges 12ζ, remap table 8, new columns, weights and properties, the CSC
        // view 12, the sorted draws of random regrowth 8ζ (x ~1.1 for duplicates and surplus).
        double perEdge = 1.0 + 12.0 * zeta + 8.0 + 4.0 * (1.0 + props) + 12.0 + 9.0 * zeta;
        std::string detail = fmt::format("the largest layer's {:.0f} edges rebuilt", largestLayer);
        if (config.method.rfind("neighbour-", 0) == 0) {
            perEdge += 192.0; // candidate keys (8 B) and scored candidates (16 B), up to 8 per kept edge
            detail += ", with the neighbour candidates";
        }
        add(plan.transient, "topology step", largestLayer * perEdge, detail);
    }
    return plan;
}

namespace {
std::string gib(double bytes) { return fmt::format("{:.2f} GiB", bytes / (1024.0 * 1024.0 * 1024.0)); }
} // namespace

std::string formatMemoryPlan(const MemoryPlan& plan, double availableBytes)
{
    std::string out;
    const auto row = [&](const MemoryPart& p, const char* kind) {
        out += fmt::format("  {:<18} {:>10}  {}{}\n", p.name, gib(p.bytes), kind, p.detail);
    };
    for (const MemoryPart& p : plan.resident)
        row(p, "");
    for (const MemoryPart& p : plan.transient)
        row(p, "transient: ");
    out += fmt::format("  {:<18} {:>10}  resident {} + largest transient {}\n", "peak", gib(plan.peakBytes()),
                       gib(plan.residentBytes()), gib(plan.largestTransientBytes()));
    if (availableBytes > 0)
        out += fmt::format("  {:<18} {:>10}  {}\n", "available", gib(availableBytes),
                           plan.peakBytes() <= 0.9 * availableBytes ? "fits"
                                                                    : "does not fit (the run is refused above 90 %)");
    return out;
}

double planPartBytes(const MemoryPlan& plan, std::initializer_list<const char*> names)
{
    double sum = 0;
    for (const auto* list : {&plan.resident, &plan.transient})
        for (const MemoryPart& p : *list)
            for (const char* n : names)
                if (p.name == n)
                    sum += p.bytes;
    return sum;
}

void requirePlanFits(const MemoryPlan& plan, const TrainConfig& config, double alreadyAllocated)
{
    const double have = availableMemoryBytes(), need = plan.peakBytes();
    if (!(have > 0) || need - alreadyAllocated <= 0.9 * have)
        return;
    std::vector<MemoryPart> parts = plan.resident;
    std::sort(parts.begin(), parts.end(), [](const MemoryPart& a, const MemoryPart& b) { return a.bytes > b.bytes; });
    std::string largest;
    for (std::size_t i = 0; i < std::min<std::size_t>(3, parts.size()); ++i)
        largest += fmt::format("{}{} {}", i ? ", " : "", parts[i].name, gib(parts[i].bytes));
    const bool dense = findMethod(config.method).dense;
    throw ConfigError(fmt::format("--arch {}: the {} run needs about {} at its peak ({}), {} of memory is available{}",
                                  config.arch, config.method, gib(need), largest, gib(have),
                                  dense ? " (a sparse --method with a small --epsilon needs far less)"
                                        : " (lower --epsilon, the layer sizes or --batch; rewire train --dry-run "
                                          "shows every part)"));
}

} // namespace rewire
