// JSON config files: Json::parse, then TrainConfig::merge and validate as `--config` does.
#include "core/config.h"

#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const rewire::Json j = rewire::Json::parse(text, "fuzz.json");
        (void)rewire::Json::parse(j.dump(), "dump"); // what we write, we read back
        rewire::TrainConfig c;
        c.merge(j, "fuzz.json");
        c.validate();
        (void)c.toJson().dump();
    } catch (const std::runtime_error&) { // syntax (Json), ConfigError is an invalid_argument
    } catch (const std::invalid_argument&) {
    }
    return 0;
}
