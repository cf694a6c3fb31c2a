// The NIPS 2003 format (Madelon): PREFIX_train.data and PREFIX_train.labels; the first byte says
// where the input splits into the two files.
#include "datasets/madelon_loader.h"
#include "tests/fuzz/fuzz_input.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1)
        return 0;
    const rewire::fuzz::TwoFiles files(data, size, "m_train.labels", "m_train.data");
    const std::string path = files.second.path().string();
    try {
        (void)rewire::loadNipsPart(path.substr(0, path.size() - std::string("_train.data").size()), "train");
    } catch (const rewire::DatasetError&) {
    }
    return 0;
}
