// IDX image and label files (MNIST family): the first byte says where the input splits into the
// two files.
#include "datasets/idx_loader.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1)
        return 0;
    const rewire::fuzz::TwoFiles files(data, size, "labels", "images");
    try {
        (void)rewire::loadIdx(files.second.path(), files.first.path());
    } catch (const rewire::DatasetError&) {
    }
    return 0;
}
