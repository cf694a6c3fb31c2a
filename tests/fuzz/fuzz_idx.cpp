// IDX image and label files (MNIST family): the first byte says where the input splits into the
// two files.
#include "datasets/idx_loader.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1)
        return 0;
    const std::size_t cut = 1 + std::min<std::size_t>(size - 1, static_cast<std::size_t>(data[0]) * 4);
    const rewire::fuzz::InputFile labels(data + 1, cut - 1, "labels");
    const rewire::fuzz::InputFile images(data + cut, size - cut, "images");
    try {
        (void)rewire::loadIdx(images.path(), labels.path());
    } catch (const rewire::DatasetError&) {
    }
    return 0;
}
