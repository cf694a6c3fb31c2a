// Dataset specs (--dataset, --test-dataset, --validation-dataset), parsed without reading a file.
#include "datasets/registry.h"

#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    try {
        (void)rewire::parseDatasetSpec(std::string(reinterpret_cast<const char*>(data), size));
    } catch (const std::invalid_argument&) {
    }
    return 0;
}
