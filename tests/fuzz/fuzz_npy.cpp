// NumPy files: .npy parsed from memory, the same bytes as an .npz archive read as a data set.
#include "datasets/npy_loader.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    try {
        (void)rewire::parseNpy(std::vector<char>(data, data + size), "fuzz.npy");
    } catch (const rewire::DatasetError&) {
    }
    const rewire::fuzz::InputFile file(data, size, "x.npz");
    try {
        (void)rewire::loadNpzDataset(file.path());
    } catch (const rewire::DatasetError&) {
    }
    return 0;
}
