#pragma once
// A small, standardised Madelon-style split for trainer and method tests: `samples` points of
// `features` features (6 informative, 4 redundant), 3 classes, a quarter held out for testing.

#include "datasets/synthetic.h"

namespace rewire::test {

inline DataSplit toyMadelon(int samples, int features, double classSep, std::uint64_t seed)
{
    MadelonOptions o;
    o.samples = samples;
    o.features = features;
    o.informative = 6;
    o.redundant = 4;
    o.classes = 3;
    o.classSep = classSep;
    o.seed = seed;
    DataSplit s = splitByFraction(makeMadelon(o), 0.25, 1);
    const Standardizer st = Standardizer::fit(s.train);
    st.apply(s.train);
    st.apply(s.test);
    return s;
}

} // namespace rewire::test
