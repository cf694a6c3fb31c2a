#pragma once
// The options table: every training option once, with its type, default, range or choices, help
// and form label. From it come the CLI flags and `rewire train --help` (cli/), config.json's keys
// and their checks (TrainConfig), the app's form with the per-method fields (gui/), and the
// README's option table (a test compares them). A method's own options name the registered
// methods that read them (MethodSpec::options).

#include "core/config.h"

#include <string>
#include <vector>

namespace rewire {

enum class OptionKind {
    Number,  // a double within [min, max] (open ends as flagged)
    Integer, // a whole number within [min, max]
    Choice,  // one of `choices`
    Text     // free text with its own check (a spec, an architecture, ...)
};

struct OptionSpec {
    std::string key;       // flag without "--", and the config.json key
    std::string group;     // data | model | method | training | run
    OptionKind kind = OptionKind::Text;
    std::string valueName; // in help: --key VALUE
    std::string label;     // the app's form label
    std::string help;
    std::vector<std::string> choices;     // Choice: the allowed values; Text: suggestions
    double min = 0, max = 0;              // Number, Integer
    bool minOpen = false, maxOpen = false;
    std::string rangeNote;                // appended to range errors: "(fraction of ...)"
    bool inForm = true;                   // a field of the app's form
    std::string special;                  // words besides numbers: "auto" (threads, checkpoint-every), "off"
    std::string (*get)(const TrainConfig&) = nullptr;
    void (*set)(TrainConfig&, const std::string&) = nullptr; // parses (throws ConfigError), no range check
    void (*check)(const TrainConfig&) = nullptr;             // Text options: the full check
};

// Every option of `rewire train`, in help order.
const std::vector<OptionSpec>& trainOptions();
// nullptr when unknown.
const OptionSpec* findOption(const std::string& key);
// The option's value in a default TrainConfig.
std::string optionDefault(const OptionSpec& option);
// "[0, 1)", "> 0", "set | accset | lset", or "" for free text.
std::string optionRange(const OptionSpec& option);
// The registered methods that read the option; empty for options every method reads.
std::vector<std::string> optionMethods(const OptionSpec& option);
// Checks the option's value in `config` against its kind, range or choices; throws ConfigError
// "--key value: must be ..." naming the flag.
void checkOption(const OptionSpec& option, const TrainConfig& config);
// The README's option table (Markdown), generated from the table.
std::string optionsMarkdown();
// The README's method table (Markdown), generated from the method registry.
std::string methodsMarkdown();

} // namespace rewire
