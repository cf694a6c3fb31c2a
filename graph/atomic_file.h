#pragma once
// AtomicFile: write to PATH.tmp-PID, flush it to the disk (fsync), rename it over PATH on commit()
// and fsync the folder, so a crash, a power cut or an exception never leaves a half-written PATH
// behind; an uncommitted temporary file is removed. A symbolic link is followed (the file it
// points to is replaced, the link stays); a FIFO, a device or another non-regular file is written
// through, never replaced by a regular file.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace rewire {

class AtomicFile {
public:
    // Throws std::runtime_error naming the path when the temporary file cannot be created.
    explicit AtomicFile(std::filesystem::path path, bool binary = false);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    std::ofstream& stream() { return m_out; }
    // Flushes, checks for write errors and renames into place.
    void commit();

private:
    std::filesystem::path m_path;
    std::filesystem::path m_tmp; // empty when writing through
    std::ofstream m_out;
    bool m_committed = false;
};

// What a write to `path` should replace: the file a symbolic link points to (the link stays),
// else path itself (also when the link dangles).
std::filesystem::path linkTarget(const std::filesystem::path& path);

// Writes the whole text atomically.
void writeTextFileAtomic(const std::filesystem::path& path, const std::string& text);

// The whole file as bytes. Throws std::runtime_error "PATH: what went wrong" (no such file, a
// directory, unreadable, a read error), never the C++ library's own text. At most `maxBytes`
// (default 1 GiB) are read: more is an error, so /dev/zero or a huge file cannot exhaust memory.
std::string readWholeFile(const std::filesystem::path& path, std::uint64_t maxBytes = std::uint64_t(1) << 30);

} // namespace rewire
