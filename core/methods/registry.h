#pragma once
// The method registry: every training method is a named preset of the four parts (method.h),
// with the options it reads and the paper it comes from. The CLI's --method, config.json, the
// app's form, `rewire compare` and the registry test all read this one list.

#include "core/methods/method.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace rewire {

struct MethodSpec {
    std::string name;
    std::string summary;
    std::string source;              // the paper (and where in it)
    std::vector<std::string> options; // option keys (core/options.h) this method reads besides the common ones
    bool dense = false;              // starts fully connected (the dense baseline; the pruning methods)
    bool evolves = true;             // has topology steps
    // The method's parts, built from a validated config.
    std::function<std::unique_ptr<TopologyMethod>(const TrainConfig&)> make;
};

// Every registered method, in the order help texts list them.
const std::vector<MethodSpec>& methodRegistry();
// Throws ConfigError "--method NAME: unknown (expected ...)".
const MethodSpec& findMethod(const std::string& name);

// Importance Pruning (seed 003, Algorithm 2), combinable with every method: "P:PERIOD:START".
struct ImportancePruning {
    double percentile = 20.0;
    int period = 10;
    int start = 200;
};
// Parses "P:PERIOD:START" (0 < P < 100, PERIOD ≥ 1, START ≥ 1); "" or "off" = none.
// Throws ConfigError naming --importance-pruning.
std::optional<ImportancePruning> parseImportancePruning(const std::string& text);

// The topology methods a run applies after each epoch, in order: Importance Pruning (when on),
// then the method's own step.
std::vector<std::unique_ptr<TopologyMethod>> makeTopologyMethods(const TrainConfig& config);
// Whether any of them reads a training batch's gradients, and with them the hidden sets' deltas:
// the engine then keeps one delta buffer per set (MlpEngine::setSharedDeltas(false)).
bool methodsNeedGradients(const std::vector<std::unique_ptr<TopologyMethod>>& methods);

} // namespace rewire
