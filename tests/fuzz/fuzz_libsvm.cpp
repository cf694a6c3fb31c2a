// LIBSVM / SVMlight sparse text (1-based increasing indices, the largest deciding the width).
#include "datasets/libsvm_loader.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const rewire::fuzz::InputFile file(data, size, "d.svm");
    try {
        (void)rewire::loadLibsvm(file.path());
    } catch (const rewire::DatasetError&) {
    }
    return 0;
}
