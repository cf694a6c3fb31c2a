#include "core/activation.h"

#include "graph/json.h"

#include <cstdio>
#include <stdexcept>

namespace rewire {

Activation Activation::parse(const std::string& text)
{
    const auto colon = text.find(':');
    const std::string name = text.substr(0, colon);
    Activation a;
    bool hasParam = colon != std::string::npos;
    float param = 0.0f;
    if (hasParam) {
        const std::string p = text.substr(colon + 1);
        double v = 0.0;
        if (!readNumber(p, v))
            throw std::invalid_argument("--activation " + text + ": \"" + p + "\" is not a number");
        param = static_cast<float>(v);
    }
    if (name == "relu") {
        a.kind = ActivationKind::Relu;
    } else if (name == "leakyrelu") {
        a.kind = ActivationKind::LeakyRelu;
        a.alpha = hasParam ? param : 0.01f;
    } else if (name == "allrelu") {
        a.kind = ActivationKind::AllRelu;
        a.alpha = hasParam ? param : 0.6f;
    } else if (name == "sigmoid") {
        a.kind = ActivationKind::Sigmoid;
    } else if (name == "tanh") {
        a.kind = ActivationKind::Tanh;
    } else if (name == "linear") {
        a.kind = ActivationKind::Linear;
    } else if (name == "srelu") {
        a.kind = ActivationKind::SRelu;
    } else {
        throw std::invalid_argument("--activation " + text +
                                    ": unknown (expected relu, leakyrelu[:A], allrelu[:A], sigmoid, tanh, linear, srelu)");
    }
    if (hasParam && a.kind != ActivationKind::LeakyRelu && a.kind != ActivationKind::AllRelu)
        throw std::invalid_argument("--activation " + text + ": " + name + " takes no parameter");
    if (hasParam && !(param >= 0.0f && param <= 1.0f))
        throw std::invalid_argument("--activation " + text + ": slope must be in [0, 1]");
    return a;
}

std::string Activation::toString() const
{
    // The shortest text that reads back to the same alpha, whatever the locale (%g kept 6 digits).
    switch (kind) {
    case ActivationKind::Relu: return "relu";
    case ActivationKind::LeakyRelu: return "leakyrelu:" + formatNumber(alpha);
    case ActivationKind::AllRelu: return "allrelu:" + formatNumber(alpha);
    case ActivationKind::Sigmoid: return "sigmoid";
    case ActivationKind::Tanh: return "tanh";
    case ActivationKind::Linear: return "linear";
    case ActivationKind::SRelu: return "srelu";
    }
    return "?";
}

float Activation::negativeSlope(int hidden) const
{
    switch (kind) {
    case ActivationKind::Relu: return 0.0f;
    case ActivationKind::LeakyRelu: return alpha;
    case ActivationKind::AllRelu: return (hidden % 2 == 1) ? -alpha : alpha;
    case ActivationKind::Linear: return 1.0f;
    default: return 0.0f;
    }
}

} // namespace rewire
