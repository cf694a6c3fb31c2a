// Model files (.rwm), as `rewire info`, `analyze` and the app open them.
#include "tests/fuzz/fuzz_input.h"
#include "graph/model_io.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const rewire::fuzz::InputFile file(data, size, "m.rwm");
    try {
        const rewire::NetworkGraph g = rewire::loadModel(file.path());
        (void)g.edgeCount();
    } catch (const rewire::ModelFileError&) {
    }
    return 0;
}
