#pragma once
// Hidden-layer activations. Piecewise-linear ones are f(x) = x for x > 0, slope * x otherwise.

#include <string>

namespace rewire {

// SRelu: four trainable parameters per hidden neuron, kept as neuron properties of the layer
// that feeds it (sreluPropertyNames); the engine applies it after a linear kernel epilogue.
enum class ActivationKind { Relu, LeakyRelu, AllRelu, Sigmoid, Tanh, Linear, SRelu };

struct Activation {
    ActivationKind kind = ActivationKind::Relu;
    float alpha = 0.0f; // LeakyReLU slope, or All-ReLU's alpha

    // Parses "relu", "leakyrelu[:A]", "allrelu[:A]", "sigmoid", "tanh", "linear", "srelu".
    // Throws std::invalid_argument naming the text and the accepted forms.
    static Activation parse(const std::string& text);
    std::string toString() const;

    bool piecewiseLinear() const
    {
        return kind == ActivationKind::Relu || kind == ActivationKind::LeakyRelu || kind == ActivationKind::AllRelu ||
               kind == ActivationKind::Linear;
    }
    // Slope for x <= 0 in hidden layer `hidden` (1-based). All-ReLU (seed 003 eq. 3) alternates
    // the sign: -alpha, +alpha, -alpha, ... for hidden layers 1, 2, 3, ...
    float negativeSlope(int hidden) const;
};

// The neuron properties of an SReLU layer: t_l, a_l, t_r, a_r (their optimiser state is named by
// optimizerStateNames, e.g. "srelu_tl_velocity").
inline constexpr const char* kSreluParams[4] = {"srelu_tl", "srelu_al", "srelu_tr", "srelu_ar"};

} // namespace rewire
