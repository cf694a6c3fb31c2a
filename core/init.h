#pragma once
// Sparse topology and weight initialisation.

#include "core/rng.h"
#include "graph/sparse_layer.h"

#include <string>
#include <vector>

namespace rewire {

enum class WeightInit { HeUniform, HeUniformSparse, XavierUniform, Normal, Zero, UniformFanIn };

// Parses "he-uniform", "he-sparse", "xavier", "normal", "zero", "uniform-fanin"; throws
// std::invalid_argument.
WeightInit parseWeightInit(const std::string& text);
std::string toString(WeightInit init);

// One weight from the init distribution of a layer with the given fan-in/fan-out:
// he-uniform U(±sqrt(6/fanIn)), xavier U(±sqrt(6/(fanIn+fanOut))), normal N(0, 0.1),
// uniform-fanin U(±1/fanIn).
float drawWeight(WeightInit init, NeuronIndex fanIn, NeuronIndex fanOut, Rng& rng);

// The fan-in drawWeight uses for a layer: the dense fan-in (inputs) for every init but
// he-sparse and uniform-fanin, which use the mean in-degree edges/outputs (he-sparse: so that a
// sparse neuron's pre-activation has the variance He-uniform gives a dense one).
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
// weights from `init`, biases zero. Throws std::invalid_argument for epsilon <= 0.
// Time complexity: O(E log E); transient memory 8 bytes per edge.
SparseLayer erdosRenyiLayer(NeuronIndex inputs, NeuronIndex outputs, double epsilon, WeightInit init, Rng& rng);

// Seed 004 §3 (after Ertl): every output neuron gets the same in-degree n = round(E / outputs)
// (E = erdosRenyiEdgeCount, so the density is the Erdős–Rényi layer's up to rounding; 1 ≤ n ≤
// inputs); its inputs are split into n contiguous partitions of near-equal size and one input is
// drawn uniformly in each. Weights U(±1/n), biases U(±1/√n). Time complexity: O(E).
SparseLayer uniformFanInLayer(NeuronIndex inputs, NeuronIndex outputs, double epsilon, Rng& rng);

// A fully connected layer with weights from `init` (uniform-fanin: also biases U(±1/√inputs)).
SparseLayer denseLayer(NeuronIndex inputs, NeuronIndex outputs, WeightInit init, Rng& rng);

} // namespace rewire
