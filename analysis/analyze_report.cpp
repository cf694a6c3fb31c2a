#include "analysis/analyze_report.h"

#include "analysis/connectivity.h"
#include "analysis/degrees.h"
#include "analysis/input_map.h"
#include "analysis/layer_summary.h"
#include "analysis/neuron_table.h"
#include "analysis/png_writer.h"
#include "analysis/power_law.h"
#include "graph/atomic_file.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>

namespace rewire {

std::vector<std::string> writeAnalysis(const NetworkGraph& network, const std::filesystem::path& dir,
                                       const AnalysisOptions& options)
{
    std::filesystem::create_directories(dir);
    std::vector<std::string> written;
    NeuronTable neurons(network);
    neurons.run();
    const auto dead = neurons.deadPerSet();

    const Connectivity conn = connectivity(network);
    std::string t = "layer,inputs,outputs,edges,density,mean_in_degree,max_in_degree,max_out_degree,isolated_inputs,"
                    "isolated_outputs,dead_outputs,mean_abs_weight,positive_fraction,assortativity\n";
    for (const LayerSummary& s : summarizeLayers(network))
        t += fmt::format("{},{},{},{},{:.6f},{:.4f},{},{},{},{},{},{:.6f},{:.6f},{}\n", s.layer, s.inputs, s.outputs,
                 static_cast<long long>(s.edges), s.density, s.meanInDegree, s.maxInDegree, s.maxOutDegree,
                 s.isolatedInputs, s.isolatedOutputs, static_cast<long long>(dead[static_cast<std::size_t>(s.layer) + 1]),
                 s.meanAbsWeight, s.positiveFraction,
                 std::isnan(conn.assortativity[static_cast<std::size_t>(s.layer)])
                     ? "" // undefined: every edge has the same degrees at both ends
                     : fmt::format("{:.6f}", conn.assortativity[static_cast<std::size_t>(s.layer)]).c_str());
    writeTextFileAtomic(dir / "layers.csv", t);
    written.push_back("layers.csv");

    long long deadTotal = 0;
    for (auto d : dead)
        deadTotal += d;
    t = "neurons,edges,weak_components,largest_component,edge_disjoint_paths,dead_neurons\n";
    t += fmt::format("{},{},{},{},{:.0f},{}\n", static_cast<unsigned long long>(network.vertexCount()),
             static_cast<long long>(network.edgeCount()), static_cast<long long>(conn.weakComponents),
             static_cast<long long>(conn.largestComponent), conn.edgeDisjointPaths, deadTotal);
    writeTextFileAtomic(dir / "network.csv", t);
    written.push_back("network.csv");

    t = "layer,index,in_degree,out_degree,in_strength,out_strength,importance,dead\n"; // layer: 0 = inputs
    for (const NeuronRow& r : neurons.rows())
        t += fmt::format("{},{},{},{},{:.6g},{:.6g},{:.6g},{}\n", r.set, r.index, static_cast<long long>(r.inDegree),
                 static_cast<long long>(r.outDegree), r.inStrength, r.outStrength, r.importance, r.dead ? 1 : 0);
    writeTextFileAtomic(dir / "neurons.csv", t);
    written.push_back("neurons.csv");

    t = "layer,side,degree,count,ccdf\n";
    std::string bins = "layer,side,lower,upper,count,density\n";
    for (int l = 0; l < network.layerCount(); ++l)
        for (Side side : {Side::In, Side::Out}) {
            const DegreeDistribution d = degreeDistribution(degreeSequence(network.layer(l), side));
            for (std::size_t k = 0; k < d.degree.size(); ++k)
                t += fmt::format("{},{},{},{},{:.6g}\n", l, toString(side), static_cast<long long>(d.degree[k]),
                         static_cast<long long>(d.count[k]), d.ccdf[k]);
            for (const LogBin& b : d.logBins)
                bins += fmt::format("{},{},{:.0f},{:.0f},{},{:.6g}\n", l, toString(side), b.lower, b.upper,
                            static_cast<long long>(b.count), b.density);
        }
    writeTextFileAtomic(dir / "degree_distribution.csv", t);
    written.push_back("degree_distribution.csv");
    writeTextFileAtomic(dir / "degree_logbins.csv", bins);
    written.push_back("degree_logbins.csv");

    t = "layer,side,quantity,n,fitted_on,xmin,alpha,alpha_error,tail_size,ks_distance,p_value,p_value_error,"
        "bootstrap_samples,log_likelihood,verdict\n";
    std::string tests = "layer,side,quantity,alternative,parameters,log_likelihood,ratio,normalised_ratio,p_value,nested,"
                        "outcome\n";
    int fitsDone = 0;
    const int fitsTotal = 4 * network.layerCount();
    // A verdict may hold commas: quoted.
    auto quoted = [](const std::string& s) { return "\"" + s + "\""; };
    for (int l = 0; l < network.layerCount(); ++l)
        for (Side side : {Side::In, Side::Out}) {
            const auto deg = degreeSequence(network.layer(l), side);
            const std::vector<double> degree(deg.begin(), deg.end());
            const std::vector<double> strength = strengthSequence(network.layer(l), side);
            for (int q = 0; q < 2; ++q) {
                const std::string quantity = q == 0 ? "degree" : "strength";
                const std::string what = fmt::format("layer {} {}-{}", l, toString(side), quantity);
                if (options.progress)
                    options.progress(fitsDone, fitsTotal, what);
                PowerLawOptions po;
                po.bootstrapSamples = options.bootstrapSamples;
                po.minTail = options.minTail;
                po.threads = options.threads;
                po.seed = options.seed + static_cast<std::uint64_t>(l);
                if (options.progress)
                    po.progress = [&, last = -1](int done, int total) mutable {
                        // at most every percent
                        const int pct = static_cast<int>(100LL * done / std::max(total, 1));
                        if (pct != last)
                            options.progress(fitsDone, fitsTotal, fmt::format("{}, bootstrap {}/{}", what, done, total));
                        last = pct;
                    };
                const PowerLawFit f = fitPowerLaw(q == 0 ? degree : strength, q == 0, po);
                ++fitsDone;
                if (f.fitted) {
                    t += fmt::format("{},{},{},{},{},{:.10g},{:.8f},{:.8f},{},{:.8f},{:.4f},{:.4f},{},{:.6f},{}\n", l,
                                     toString(side), quantity, static_cast<long long>(f.n),
                                     static_cast<long long>(f.fittedOn), f.xmin, f.alpha, f.alphaError,
                                     static_cast<long long>(f.tailSize), f.ksDistance, f.pValue, f.pValueError,
                                     f.bootstrapSamples, f.logLikelihood, quoted(f.verdict));
                    for (const DistributionComparison& c : f.comparisons)
                        tests += fmt::format("{},{},{},{},{},{:.6f},{:.6f},{:.6f},{:.6g},{},{}\n", l, toString(side),
                                             quantity, c.alternative, c.parameters, c.logLikelihood, c.ratio,
                                             c.normalisedRatio, c.pValue, c.nested ? "yes" : "no", c.outcome);
                } else {
                    t += fmt::format("{},{},{},{},{},,,,,,,,,,{}\n", l, toString(side), quantity, static_cast<long long>(f.n),
                                     static_cast<long long>(f.fittedOn), quoted(f.verdict));
                }
            }
        }
    if (options.progress)
        options.progress(fitsDone, fitsDone, "");
    writeTextFileAtomic(dir / "powerlaw.csv", t);
    written.push_back("powerlaw.csv");
    writeTextFileAtomic(dir / "powerlaw_comparisons.csv", tests);
    written.push_back("powerlaw_comparisons.csv");

    if (network.layerCount() > 0) {
        const auto ranked = rankInputFeatures(network);
        t = "rank,feature,degree,strength\n";
        for (std::size_t r = 0; r < ranked.size(); ++r)
            t += fmt::format("{},{},{},{:.6g}\n", r + 1, ranked[r].feature, static_cast<long long>(ranked[r].degree),
                     ranked[r].strength);
        writeTextFileAtomic(dir / "features.csv", t);
        written.push_back("features.csv");

        const auto [rows, cols] = inputGrid(network);
        std::vector<double> degree(ranked.size()), strength(ranked.size());
        for (const auto& f : ranked) {
            degree[static_cast<std::size_t>(f.feature)] = static_cast<double>(f.degree);
            strength[static_cast<std::size_t>(f.feature)] = f.strength;
        }
        t = "row,col,feature,out_degree,strength\n";
        for (int r = 0; r < rows; ++r)
            for (int c = 0; c < cols; ++c) {
                const std::size_t i = static_cast<std::size_t>(r) * cols + c;
                t += fmt::format("{},{},{},{:.0f},{:.6g}\n", r, c, i, degree[i], strength[i]);
            }
        writeTextFileAtomic(dir / "input_map.csv", t);
        written.push_back("input_map.csv");
        if (rows > 1) {
            writeHeatmapPng(dir / "input_map_degree.png", degree, rows, cols, std::max(1, 256 / std::max(rows, cols)));
            writeHeatmapPng(dir / "input_map_strength.png", strength, rows, cols, std::max(1, 256 / std::max(rows, cols)));
            written.push_back("input_map_degree.png");
            written.push_back("input_map_strength.png");
        }
    }
    return written;
}

} // namespace rewire
