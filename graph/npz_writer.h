#pragma once
// NumPy .npz archives (a zip of .npy arrays, as numpy.savez writes them), written with libzip.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace rewire {

// One array of an archive: member `name` (".npy" is added), NumPy dtype string `descr` ("<f4",
// "<i8", "|S3", ...), C-order `shape` (empty: a 0-d array), and its bytes, which must stay valid
// until writeNpzArchive returns; they are streamed into the archive, not copied.
struct NpyMember {
    std::string name;
    std::string descr;
    std::vector<std::int64_t> shape;
    const void* data = nullptr;
    std::size_t bytes = 0;
};

// libzip's text for an error code of zip_open.
std::string zipErrorText(int code);

// The .npy header (format 1.0, padded to a multiple of 64 bytes) for a member.
std::string npyHeader(const NpyMember& member);

// Writes the archive, stored (uncompressed, ZIP64 where a member needs it). An existing file is
// replaced only once the new one is complete (libzip writes a temporary file and renames it); a
// symbolic link's target is replaced, the link stays. Throws std::runtime_error naming the path
// (a folder, a FIFO or device, a write error such as a full disk).
void writeNpzArchive(const std::filesystem::path& path, std::span<const NpyMember> members);

} // namespace rewire
