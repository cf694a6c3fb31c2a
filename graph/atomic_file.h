#pragma once
// AtomicFile: write to PATH.tmp-PID, then rename over PATH on commit(); an uncommitted file is
// removed, so a crash or an exception never leaves a half-written PATH behind.

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
    std::filesystem::path m_tmp;
    std::ofstream m_out;
    bool m_committed = false;
};

// Writes the whole text atomically.
void writeTextFileAtomic(const std::filesystem::path& path, const std::string& text);

} // namespace rewire
