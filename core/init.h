#pragma once
// Sparse topology and weight initialisation.

#include "core/rng.h"
#include "graph/network_graph.h"
#include "graph/sparse_layer.h"

#include <span>

#include <string>
#include <vector>

namespace rewire {

class WorkPool;

enum class WeightInit { HeUniform, HeUniformSparse, XavierUniform, Normal, Zero, UniformFanIn, SparseFanIn };

// Parses "he-uniform", "he-sparse", "xavier", "normal", "zero", "uniform-fanin", "sparse-fanin";
// throws std::invalid_argument. "auto" is resolved by resolveWeightInit, not here.
WeightInit parseWeightInit(const std::string& text);
std::string toString(WeightInit init);

// A layer is very sparse when its Erdős–Rényi probability is below this: its neurons see ~1 % of
// their possible inputs or fewer, and He-uniform on the dense fan-in starves them.
constexpr double kVerySparseDensity = 0.01;
// "auto" (the default): sparse-fanin when the network starts sparse and one of its layers is very
// sparse at ε, he-uniform otherwise (the reference configuration's layers are at 4-6 %). Any other
// text: parseWeightInit.
WeightInit resolveWeightInit(const std::string& text, const std::vector<NeuronIndex>& arch, double epsilon,
                             bool startsDense);

// sparse-fanin's gain on the last hidden layer (the readout's inputs): sqrt(min(1, k_h / k_o)) for
// mean in-degrees k_h of that layer and k_o of the readout. A readout summing n ≫ k_h inputs of
// unit scale has a curvature ~n·E[h²] that makes SGD at lr 0.01 diverge at any n above ~10^4
// (bench/RESULTS.md, "Initialisation of very sparse networks"); the gain brings it back to what a
// readout with k_h inputs would see. 1 for every other layer.
float readoutGain(double lastHiddenMeanInDegree, double readoutMeanInDegree);

// The gain `init` gives layer l of `network` now: readoutGain of its current mean in-degrees for
// sparse-fanin on the last hidden layer, else 1.
float initGain(WeightInit init, const NetworkGraph& network, int l);

// Weights for the new edges `added` of `layer`, whose edges `keep` stays (empty: all): drawn from
// `init` as at initialisation; for sparse-fanin with each new edge's neuron's in-degree after the
// edit, times `gain`. Time complexity: O(E + A).
void drawNewWeights(std::vector<NewEdge>& added, const SparseLayer& layer, std::span<const std::uint8_t> keep,
                    WeightInit init, float gain, Rng& rng);

// One weight from the init distribution of a layer with the given fan-in/fan-out:
// he-uniform and he-sparse U(±sqrt(6/fanIn)), sparse-fanin gain·U(±sqrt(6/fanIn)),
// xavier U(±sqrt(6/(fanIn+fanOut))), normal N(0, 0.1), uniform-fanin U(±1/fanIn).
float drawWeight(WeightInit init, NeuronIndex fanIn, NeuronIndex fanOut, Rng& rng, float gain = 1.0f);

// The fan-in drawWeight uses for a layer: the dense fan-in (inputs) for every init but
// he-sparse and uniform-fanin, which use the mean in-degree edges/outputs (he-sparse: so that a
// sparse neuron's pre-activation has the variance He-uniform gives a dense one). sparse-fanin
// uses each neuron's own in-degree (Evci et al. 2022), so callers pass that instead.
NeuronIndex initFanIn(WeightInit init, NeuronIndex inputs, NeuronIndex outputs, EdgeIndex edges);

// Erdős–Rényi edge probability p = min(1, epsilon (in + out) / (in * out)).
double erdosRenyiProbability(NeuronIndex inputs, NeuronIndex outputs, double epsilon);
// Number of edges drawn: round(p * in * out).
EdgeIndex erdosRenyiEdgeCount(NeuronIndex inputs, NeuronIndex outputs, double epsilon);

// The share of all possible edges an Erdős–Rényi network of `arch` at ε has (dense layers
// included, where p reaches 1).
double erdosRenyiDensity(const std::vector<NeuronIndex>& arch, double epsilon);
// The ε whose network has the given overall density (to 1e-9 relative, by bisection; the density
// is a step function of ε, so the result is the smallest ε reaching it). Throws
// std::invalid_argument for a density outside (0, 1] or one below the output layer's share.
double epsilonForDensity(const std::vector<NeuronIndex>& arch, double density);
// Seed 004's parameter-equivalent dense network: the same input and output sizes and as many
// hidden layers, all of the smallest width h whose parameters (weights and biases) exceed those of
// the Erdős–Rényi network of `arch` at ε.
std::vector<NeuronIndex> parameterEquivalentArch(const std::vector<NeuronIndex>& arch, double epsilon);

// Exactly erdosRenyiEdgeCount() distinct edges, uniformly among all such sets (dense when p = 1),
// weights from `init` (times `gain` for sparse-fanin), biases zero. Throws std::invalid_argument
// for epsilon <= 0.
// How: every block of rows draws its neurons' in-degrees Binomial(inputs, p) from its own stream;
// uniformly chosen edges are then removed, or absent positions added, until the total is exact
// (conditioned on the total, binomial degrees are the degrees of a uniform edge set, and uniform
// removals or additions keep it uniform); each row then draws its inputs without replacement.
// No global sort, no dense intermediate; blocks run on `pool` when given. The result depends on
// rng alone, never on the pool's thread count.
// Time complexity: O(E + outputs), plus O(k log k) per row of in-degree k; transient memory
// O(outputs) beyond the layer.
SparseLayer erdosRenyiLayer(NeuronIndex inputs, NeuronIndex outputs, double epsilon, WeightInit init, Rng& rng,
                            WorkPool* pool = nullptr, float gain = 1.0f);

// Seed 004 §3 (after Ertl): every output neuron gets the same in-degree n = round(E / outputs)
// (E = erdosRenyiEdgeCount, so the density is the Erdős–Rényi layer's up to rounding; 1 ≤ n ≤
// inputs); its inputs are split into n contiguous partitions of near-equal size and one input is
// drawn uniformly in each. Weights U(±1/n), biases U(±1/√n). Time complexity: O(E).
SparseLayer uniformFanInLayer(NeuronIndex inputs, NeuronIndex outputs, double epsilon, Rng& rng);

// A fully connected layer with weights from `init` (uniform-fanin: also biases U(±1/√inputs)).
SparseLayer denseLayer(NeuronIndex inputs, NeuronIndex outputs, WeightInit init, Rng& rng);

} // namespace rewire
