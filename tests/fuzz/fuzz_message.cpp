// Parallel training's messages (core/parallel/transport.h) as they arrive from another rank:
// decoded, then applied to a small network as a model would be.
#include "core/parallel/transport.h"

#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    try {
        const rewire::parallel::Message m =
            rewire::parallel::decode(std::span(reinterpret_cast<const std::byte*>(data), size));
        rewire::NetworkGraph net({rewire::SparseLayer::fromEdges(4, 3, {{0, 1, 0.5f}, {2, 3, -0.5f}})});
        rewire::parallel::applyModel(net, m.model);
        net.layer(0).checkInvariants();
    } catch (const std::runtime_error&) {
    } catch (const std::invalid_argument&) {
    }
    return 0;
}
