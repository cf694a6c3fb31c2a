#pragma once
// MemoryPlan: what a training run will hold in memory, part by part, computed from its config and
// the data's shape before anything is allocated (rewire train --dry-run, and the check that
// refuses a run that cannot fit).

#include "core/config.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace rewire {

struct DataShape {
    std::int64_t trainSamples = 0, testSamples = 0, validationSamples = 0;
    std::int64_t features = 0;
};

struct MemoryPart {
    std::string name;   // "edges", "optimiser state", ...
    double bytes = 0;
    std::string detail; // how it was counted, for the dry-run table
};

// Resident parts live for the whole run; transient parts come on top of them one at a time (the
// topology step's edit of its largest layer, ...), so the peak is the resident sum plus the
// largest transient part. The counts follow the engine's arrays: per edge 20 bytes of topology
// (CSR column and weight, CSC row, permutation and its inverse), the optimiser's 4 (momentum) or
// 8 (Adam) bytes, 4 of gradient scratch in layers past the first; per neuron and batch column the
// fp32 activation and delta, 2-bit gates, bf16 copies with --precision bf16. Measured against the
// process's peak in bench/RESULTS.md ("Memory plan").
struct MemoryPlan {
    std::vector<MemoryPart> resident, transient;
    double residentBytes() const;
    double largestTransientBytes() const;
    double peakBytes() const { return residentBytes() + largestTransientBytes(); }
};

// Time complexity: O(layers).
MemoryPlan planTrainingMemory(const TrainConfig& config, const DataShape& data);

// The plan as an aligned table with the total and whether it fits in `availableBytes` (0: unknown).
std::string formatMemoryPlan(const MemoryPlan& plan, double availableBytes);

// The bytes of the parts named in `names` (e.g. {"data"}: what a caller has already allocated).
double planPartBytes(const MemoryPlan& plan, std::initializer_list<const char*> names);

// Throws ConfigError naming the largest parts when the plan's peak, less `alreadyAllocated` (parts
// that exist already and so are no longer in the available memory: the loaded data, a resumed
// checkpoint's network), exceeds 90 % of the memory available now (/proc/meminfo); does nothing
// when that is unknown.
void requirePlanFits(const MemoryPlan& plan, const TrainConfig& config, double alreadyAllocated = 0.0);

} // namespace rewire
