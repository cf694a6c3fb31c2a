#pragma once
// Latest-wins hand-off of snapshots from the training thread to the GUI thread. The producer
// never waits for the consumer: publishing replaces whatever was not yet taken, and a snapshot
// older than the newest published one (same generation, lower epoch/batch, or an older
// generation) is dropped. The lock is held only to swap a shared_ptr.
// The views show what take() returns; the timeline also keeps every end-of-epoch snapshot, which
// the channel archives (until drainArchived) so that a GUI slower than training still gets them
// all for scrubbing.

#include "gui/snapshot.h"

#include <mutex>

namespace rewire::gui {

class SnapshotChannel {
public:
    // Starts a new generation (after a Reset): anything older is stale from now on.
    void reset(std::uint64_t generation)
    {
        std::lock_guard lock(m_mutex);
        m_generation = generation;
        m_pending.reset();
        m_archive.clear();
        m_lastKey = -1;
    }
    // False when the snapshot is stale and was dropped.
    bool publish(SnapshotPtr snapshot)
    {
        std::lock_guard lock(m_mutex);
        if (!snapshot || snapshot->generation != m_generation || snapshot->key() <= m_lastKey) {
            ++m_dropped;
            return false;
        }
        m_lastKey = snapshot->key();
        if (snapshot->batch == 0)
            m_archive.push_back(snapshot);
        if (m_pending)
            ++m_superseded;
        m_pending = std::move(snapshot);
        return true;
    }
    // The newest snapshot not taken yet, or null.
    SnapshotPtr take()
    {
        std::lock_guard lock(m_mutex);
        SnapshotPtr out = std::move(m_pending);
        m_pending.reset();
        return out;
    }
    // Hands over the end-of-epoch snapshots archived since the last call, in epoch order, and
    // forgets them (the timeline owns them from then on and may drop some to save memory).
    std::vector<SnapshotPtr> drainArchived()
    {
        std::lock_guard lock(m_mutex);
        std::vector<SnapshotPtr> out;
        out.swap(m_archive);
        return out;
    }
    // End-of-epoch snapshots of this generation from position `from` on, in epoch order.
    std::vector<SnapshotPtr> archived(std::size_t from) const
    {
        std::lock_guard lock(m_mutex);
        if (from >= m_archive.size())
            return {};
        return {m_archive.begin() + static_cast<std::ptrdiff_t>(from), m_archive.end()};
    }
    std::uint64_t generation() const
    {
        std::lock_guard lock(m_mutex);
        return m_generation;
    }
    // Snapshots refused as stale, and published ones replaced before the GUI took them.
    std::uint64_t dropped() const
    {
        std::lock_guard lock(m_mutex);
        return m_dropped;
    }
    std::uint64_t superseded() const
    {
        std::lock_guard lock(m_mutex);
        return m_superseded;
    }

private:
    mutable std::mutex m_mutex;
    std::uint64_t m_generation = 0;
    SnapshotPtr m_pending;
    std::vector<SnapshotPtr> m_archive;
    std::int64_t m_lastKey = -1;
    std::uint64_t m_dropped = 0;
    std::uint64_t m_superseded = 0;
};

} // namespace rewire::gui
