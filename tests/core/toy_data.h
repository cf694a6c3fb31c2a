#pragma once
// A small, standardised Madelon-style split for trainer and method tests: `samples` points of
// `features` features (6 informative, 4 redundant), 3 classes, a quarter held out for testing.

#include "core/trainer.h"
#include "datasets/synthetic.h"

#include <vector>

namespace rewire::test {

inline DataSplit toyMadelon(int samples, int features, double classSep, std::uint64_t seed)
{
    MadelonOptions o;
    o.samples = samples;
    o.features = features;
    o.informative = 6;
    o.redundant = 4;
    o.classes = 3;
    o.classSep = classSep;
    o.seed = seed;
    DataSplit s = splitByFraction(makeMadelon(o), 0.25, 1);
    const Standardizer st = Standardizer::fit(s.train);
    st.apply(s.train);
    st.apply(s.test);
    return s;
}

// The trainer tests' small run on toyMadelon(600, 30, 3.0, 3): 30-64-32-3 at ε = 4, 6 epochs.
inline TrainConfig toyTrainConfig()
{
    TrainConfig c;
    c.arch = "30-64-32-3";
    c.epsilon = 4;
    c.epochs = 6;
    c.batch = 32;
    c.lr = 0.05;
    c.threads = 2;
    c.seed = 17;
    return c;
}

// Keeps every epoch's metrics and counts the batches.
struct Recorder : TrainingObserver {
    std::vector<EpochMetrics> epochs;
    int batches = 0;
    void onBatch(int, int, int) override { ++batches; }
    void onEpoch(const EpochMetrics& m, const NetworkGraph&) override { epochs.push_back(m); }
};

// The weights of every layer, one after the other.
inline std::vector<float> allWeights(const NetworkGraph& network)
{
    std::vector<float> w;
    for (const SparseLayer& l : network.layers())
        w.insert(w.end(), l.weights().begin(), l.weights().end());
    return w;
}

} // namespace rewire::test
