#pragma once
// One Erdős–Rényi layer with random activations and deltas, its thread partitions and optimiser
// state: the common set-up of bench/kernel_timing and bench/kernels_gbench.

#include "core/init.h"
#include "core/kernels.h"

#include <memory>
#include <vector>

namespace rewire::bench {

struct KernelFixture {
    SparseLayer layer;
    NeuronBuffer x, a, gate, dz, dx, gin;
    std::vector<NeuronIndex> rows, cols;         // one part per thread (the probes' static split)
    std::vector<NeuronIndex> rowUnits, colUnits; // the engine's work units
    std::unique_ptr<WorkPool> pool;
    std::vector<float> gradCsc;
    int velocity = -1;
    int threads = 1;
    ForwardEpilogue epilogue; // All-ReLU 0.6 with dropout 0.3, as in the reference configuration
    UpdatePolicy step{0.01f, 0.9f, 2e-4f};

    KernelFixture(int in, int out, double epsilon, int batch, int threadCount) : threads(threadCount)
    {
        Rng rng(1);
        layer = erdosRenyiLayer(in, out, epsilon, WeightInit::HeUniform, rng);
        velocity = layer.addEdgeProperty("velocity");
        x.resize(in, batch), a.resize(out, batch), gate.resize(out, batch);
        dz.resize(out, batch), dx.resize(in, batch), gin.resize(in, batch);
        for (int i = 0; i < in; ++i)
            for (int b = 0; b < batch; ++b) {
                x.row(i)[b] = rng.uniform(-1.0f, 1.0f);
                gin.row(i)[b] = 1.0f;
            }
        for (int j = 0; j < out; ++j)
            for (int b = 0; b < batch; ++b)
                dz.row(j)[b] = rng.uniform(-1e-3f, 1e-3f);
        rows = balancedPartition(layer.rowPtr(), threads);
        cols = balancedPartition(layer.colPtr(), threads);
        rowUnits = workUnits(layer.rowPtr(), threads);
        colUnits = workUnits(layer.colPtr(), threads);
        pool = std::make_unique<WorkPool>(threads);
        epilogue.activation = Activation::parse("allrelu:0.6");
        epilogue.negativeSlope = -0.6f;
        epilogue.keepProbability = 0.7f;
        epilogue.dropoutKey = 3;
    }
    // The kernels MlpEngine picks (kernelFor), except that a full layer with both sides >= 64,
    // which the engine gives to Eigen, is timed through the sparse kernels here.
    void forward(int batch)
    {
        if (kernelFor(layer) == LayerKernel::Narrow)
            narrowForward(*pool, layer, x, a, &gate, batch, epilogue);
        else
            sparseForward(*pool, layer, x, a, &gate, batch, epilogue, rowUnits);
    }
    void backward(int batch, bool dX = true)
    {
        NeuronBuffer* dxOut = dX ? &dx : nullptr;
        const NeuronBuffer* gateIn = dX ? &gin : nullptr;
        if (kernelFor(layer) == LayerKernel::Narrow)
            narrowBackward(*pool, layer, layer.edgeProperty(velocity), x, dz, gateIn, dxOut, batch, step, {});
        else
            sparseBackward(*pool, layer, layer.edgeProperty(velocity), x, dz, gateIn, dxOut, batch, step, {}, gradCsc,
                           colUnits, rowUnits);
    }
    void backwardFirstLayer(int batch) { backward(batch, false); }
};

} // namespace rewire::bench
