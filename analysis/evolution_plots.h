#pragma once
// `rewire analyze RUN_DIR --plots`: pictures of a run's topology over its snapshots, drawn with
// cairo (analysis/line_plot.h):
//   degree_ccdf.png  per layer, the in-degree CCDF of every snapshot on log-log axes, coloured by
//                    epoch (viridis, early dark), with the final model's fitted power-law tail
//                    dashed from its xmin (the fit of powerlaw.csv, without the bootstrap)
//   turnover.png     per layer, the mask turnover 1 - |E1 ∩ E2| / |E1 ∪ E2| between consecutive
//                    snapshots, over epochs; beside it the exploration rate over epochs, when the
//                    rows carry it (applyExploration from the run's topology.csv)
//   input_map_sheet.png  the first layer's out-degree of every input, in the data's image shape (a
//                    near-square grid when it has none), one panel per snapshot on one colour scale

#include "analysis/degrees.h"
#include "analysis/topology_evolution.h"
#include "graph/network_graph.h"

#include <filesystem>
#include <string>
#include <vector>

namespace rewire {

class EvolutionPlots {
public:
    // Keeps what the pictures need of a snapshot (its in-degree distributions), not the snapshot.
    void addSnapshot(int epoch, const NetworkGraph& network, const std::vector<TopologyRow>& rows);
    // Writes the pictures into dir; returns their file names. `finalModel` supplies the fitted tails.
    std::vector<std::string> write(const std::filesystem::path& dir, const NetworkGraph& finalModel) const;

private:
    struct Snapshot {
        int epoch = 0;
        std::vector<DegreeDistribution> inDegree; // per layer
        std::vector<std::int64_t> inputDegree;    // out-degree of every input in layer 0
    };
    std::pair<int, int> m_grid{1, 1};
    void writeInputSheet(const std::filesystem::path& path) const;
    std::vector<Snapshot> m_snapshots;
    std::vector<TopologyRow> m_rows;
};

} // namespace rewire
