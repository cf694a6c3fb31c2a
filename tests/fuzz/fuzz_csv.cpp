// Delimited text (CSV/TSV, header and delimiter detected), plain and as HIGGS.
#include "datasets/csv_loader.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const rewire::fuzz::InputFile file(data, size, "d.csv");
    try {
        (void)rewire::loadCsv(file.path());
    } catch (const rewire::DatasetError&) {
    }
    try {
        (void)rewire::loadHiggs(file.path());
    } catch (const rewire::DatasetError&) {
    }
    return 0;
}
