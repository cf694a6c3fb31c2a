#pragma once
// GzFile: reads plain or gzip-compressed files alike (zlib detects the format from the bytes) and
// keeps the byte offset and line number for error messages.

#include "datasets/dataset.h"

#include <zlib.h>

#include <filesystem>
#include <cstdint>
#include <string>
#include <vector>

namespace rewire {

class GzFile {
public:
    // Throws DatasetError "FILE: file not found" / "cannot open".
    explicit GzFile(const std::filesystem::path& path);
    ~GzFile();
    GzFile(const GzFile&) = delete;
    GzFile& operator=(const GzFile&) = delete;

    // Reads exactly n bytes or throws "FILE: truncated at byte B while reading WHAT".
    void read(void* dst, std::size_t n, const char* what);
    // Reads exactly n bytes into a vector that grows as they arrive (1 MiB, doubling, at most
    // 64 MiB at a time), so a
    // header that claims more than the file holds costs no more memory than the file; throws as
    // read() when the file ends first.
    std::vector<unsigned char> readBytes(std::uint64_t n, const char* what);
    // Reads up to n bytes; returns how many (0 at the end).
    std::size_t readSome(void* dst, std::size_t n);
    // Next line without its "\n" / "\r\n"; false at the end of the file. Throws DatasetError for a NUL
    // byte (binary data) and for a line over 256 MiB.
    bool readLine(std::string& line);

    const std::string& name() const { return m_name; }
    std::size_t offset() const { return m_offset; }
    std::size_t lineNumber() const { return m_line; }
    // "FILE:LINE: " for messages about the last line read.
    std::string where() const { return m_name + ":" + std::to_string(m_line) + ": "; }

private:
    std::string m_name;
    gzFile m_f = nullptr;
    std::size_t m_offset = 0;
    std::size_t m_line = 0;
};

} // namespace rewire
