#pragma once
// Helpers for the libFuzzer targets: the input as a file (most readers take paths), and the one
// rule every target checks: only the documented error type may escape.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace rewire::fuzz {

// A file in /dev/shm (or the temp folder) holding `size` bytes of `data`, removed at scope exit.
class InputFile {
public:
    InputFile(const std::uint8_t* data, std::size_t size, const std::string& name)
    {
        const std::filesystem::path dir =
            std::filesystem::exists("/dev/shm") ? std::filesystem::path("/dev/shm") : std::filesystem::temp_directory_path();
        m_path = dir / ("rewire-fuzz-" + std::to_string(::getpid()) + "-" + name);
        std::ofstream(m_path, std::ios::binary).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    ~InputFile()
    {
        std::error_code ec;
        std::filesystem::remove(m_path, ec);
    }
    const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

// An input for a reader of two files: the first byte says how much of the rest goes to the first
// file (4 bytes a unit), the rest to the second.
struct TwoFiles {
    TwoFiles(const std::uint8_t* data, std::size_t size, const std::string& firstName, const std::string& secondName)
        : cut(size == 0 ? 0 : 1 + std::min<std::size_t>(size - 1, static_cast<std::size_t>(data[0]) * 4)),
          first(data + (size ? 1 : 0), cut ? cut - 1 : 0, firstName), second(data + cut, size - cut, secondName)
    {
    }
    std::size_t cut;
    InputFile first, second;
};

} // namespace rewire::fuzz
