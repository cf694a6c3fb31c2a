#pragma once
// TrainConfig: every hyper-parameter of a run, with the same keys as `rewire train` flags.

#include "core/activation.h"
#include "graph/json.h"
#include "graph/sparse_layer.h"

#include <cstdint>
#include <stdexcept>
#include <filesystem>
#include <string>
#include <vector>

namespace rewire {

// A bad value of a named key; the message reads "--KEY VALUE: what was expected".
class ConfigError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

struct TrainConfig {
    std::string dataset = "auto";
    std::string testDataset;
    double testFraction = 0.3;       // test share when the data has no test split of its own
    std::string validationDataset;   // separate validation data
    double validation = 0.0;         // else this share of the training data (0 = no validation)
    std::string scale = "standard";  // standard | minmax | none (fitted on training data)
    std::string arch = "784-1000-1000-1000-10";
    double epsilon = 20.0;
    double zeta = 0.3;
    int epochs = 10;
    int batch = 128;
    int microBatch = 0;              // 0 = off; else the batch runs in parts of this many samples, gradients summed
    double lr = 0.01;
    std::string optimizer = "sgd"; // the update policy (core/kernels.h, UpdatePolicy): sgd (momentum) | adam
    double momentum = 0.9;
    double adamBeta1 = 0.9, adamBeta2 = 0.999, adamEpsilon = 1e-8;
    double weightDecay = 2e-4;
    double dropout = 0.3;
    std::string activation = "allrelu:0.6";
    std::string method = "set";      // a name from methodRegistry() (core/methods/registry.h)
    std::string evolveLayers = "all"; // all: every sparse layer (the papers) | hidden: not the output layer (SET's code)
    std::string counts = "auto";     // regrowth counts of dynset and neighbour-*: auto (the paper's) | set | accset | lset
    double accsetK = 0.0;            // AccSET's k in [0, 1)
    std::string ratioOn = "train";   // AccSET/LSET ratios and the DynSET gate on: train | validation
    int dynsetWindow = 3;            // DynSET compares the loss with that of this many epochs earlier
    std::string importancePruning;   // "P:PERIOD:START" (seed 003 Alg. 2) or empty: off
    std::string zetaSchedule = "constant"; // constant | cosine (seed 004 §3.1: ζ annealed to 0 at 3/4 of the run)
    int evolveEvery = 1;             // a topology step after every t-th epoch
    std::string newWeights = "auto"; // auto (the method's) | zero | init (a draw from --init)
    double lossNeurons = 0.3;        // Redr-Loss: the share of a layer's neurons (by |error|) that receive new edges
    int fisherBatches = 32;          // WoodFisher/WoodTaylor: the epoch's last batches whose gradients build F
    int fisherBlock = 34;            // ... the block size of the block-diagonal F (seed 004: 34)
    double fisherDamping = -1.0;     // ... λ in F = λI + (1/m) Σ g gᵀ; -1 = auto (1e-3, woodtaylor 0.1)
    int pruneRounds = 3;             // IMP: pruning rounds (each after epochs / (rounds + 1) epochs)
    std::string rewind = "on";       // IMP: rewind the kept weights to their initial values after each round
    int inducedLossSamples = 1024;   // training samples the loss before/after each step is measured on (0: off)
    std::string init = "auto";
    std::string loss = "cross-entropy";
    std::string parallel = "off";    // off | wasap | wassp (seed 003 Algorithm 1; core/parallel/wasap.h)
    int workers = 2;                 // --parallel: workers (threads); under mpirun the ranks
    int localEpochs = -1;            // --parallel: phase 2's epochs; -1 = auto (a tenth of the run, at least 1)
    int threads = 0;                 // 0 = auto: every core (resolveThreads); at most that many run at once
    std::string precision = "fp32";  // fp32 | bf16 (activations gathered by the sparse forward)
    std::uint64_t seed = 1;
    int snapshotEvery = 0; // save a snapshot every K epochs (0 = none); used by the run front ends
    // Write the run folder's checkpoint every K epochs (0 = never); -1 = auto: after every epoch
    // that took over a minute. Used by the run front ends.
    int checkpointEvery = -1;

    // Checks every value on its own (not against data); throws ConfigError.
    void validate() const;
    // Layer sizes from `arch`; throws ConfigError.
    std::vector<NeuronIndex> architecture() const;

    Json toJson() const;
    // Sets the keys present in `json` (unknown keys are an error); throws ConfigError naming source.
    void merge(const Json& json, const std::string& source);
    // Sets one key from text, as the CLI flag --key value would. Throws ConfigError.
    void set(const std::string& key, const std::string& value);
    static const std::vector<std::string>& keys();
    // The options of a JSON file (a run folder's config.json, a --config file), merged over the
    // defaults (not validated: flags may still override them). Throws ConfigError whose message starts with the file's name.
    static TrainConfig load(const std::filesystem::path& file);
};

} // namespace rewire
