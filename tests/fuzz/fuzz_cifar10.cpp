// CIFAR-10 binary batches: the input is one batch file (plain, or gzip when it starts with the
// gzip magic), read as the loader reads each of data_batch_1..5.bin and test_batch.bin.
#include "datasets/cifar10_loader.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const rewire::fuzz::InputFile batch(data, size, "data_batch_1.bin");
    try {
        (void)rewire::loadCifar10Batch(batch.path());
    } catch (const rewire::DatasetError&) {
    }
    return 0;
}
