#pragma once
// Sparse topology and weight initialisation.

#include "core/rng.h"
#include "graph/sparse_layer.h"

#include <string>

namespace rewire {

enum class WeightInit { HeUniform, XavierUniform, Normal, Zero };

// Parses "he-uniform", "xavier", "normal", "zero"; throws std::invalid_argument.
WeightInit parseWeightInit(const std::string& text);
std::string toString(WeightInit init);

// One weight from the init distribution of a layer with the given dense fan-in/fan-out:
// he-uniform U(±sqrt(6/fanIn)), xavier U(±sqrt(6/(fanIn+fanOut))), normal N(0, 0.1).
float drawWeight(WeightInit init, NeuronIndex fanIn, NeuronIndex fanOut, Rng& rng);

// Erdős–Rényi edge probability p = min(1, epsilon (in + out) / (in * out)).
double erdosRenyiProbability(NeuronIndex inputs, NeuronIndex outputs, double epsilon);
// Number of edges drawn: round(p * in * out).
EdgeIndex erdosRenyiEdgeCount(NeuronIndex inputs, NeuronIndex outputs, double epsilon);

// Exactly erdosRenyiEdgeCount() distinct edges, uniformly among all such sets (dense when p = 1),
// weights from `init`, biases zero. Throws std::invalid_argument for epsilon <= 0.
// Time complexity: O(E log E); transient memory 8 bytes per edge.
SparseLayer erdosRenyiLayer(NeuronIndex inputs, NeuronIndex outputs, double epsilon, WeightInit init, Rng& rng);

// A fully connected layer with weights from `init`.
SparseLayer denseLayer(NeuronIndex inputs, NeuronIndex outputs, WeightInit init, Rng& rng);

} // namespace rewire
