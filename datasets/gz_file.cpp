#include "datasets/gz_file.h"

#include <algorithm>

namespace rewire {

GzFile::GzFile(const std::filesystem::path& path) : m_name(path.string())
{
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        throw DatasetError(m_name + ": file not found");
    if (std::filesystem::is_directory(path, ec))
        throw DatasetError(m_name + ": is a directory, expected a file");
    m_f = gzopen(m_name.c_str(), "rb");
    if (!m_f)
        throw DatasetError(m_name + ": cannot open");
    gzbuffer(m_f, 1 << 18);
}

GzFile::~GzFile() { gzclose(m_f); }

std::size_t GzFile::readSome(void* dst, std::size_t n)
{
    auto* p = static_cast<char*>(dst);
    std::size_t done = 0;
    while (done < n) {
        const auto chunk = static_cast<unsigned>(std::min<std::size_t>(n - done, 1u << 30));
        const int got = gzread(m_f, p + done, chunk);
        if (got < 0) {
            int err = 0;
            const char* msg = gzerror(m_f, &err);
            throw DatasetError(m_name + ": read error at byte " + std::to_string(m_offset + done) + ": " +
                               (msg ? msg : "?") + " (corrupted or truncated compressed data?)");
        }
        if (got == 0)
            break;
        done += static_cast<std::size_t>(got);
    }
    m_offset += done;
    return done;
}

void GzFile::read(void* dst, std::size_t n, const char* what)
{
    const std::size_t start = m_offset;
    const std::size_t got = readSome(dst, n);
    if (got != n)
        throw DatasetError(m_name + ": truncated at byte " + std::to_string(start + got) + " while reading " + what +
                           " (expected " + std::to_string(n - got) + " more bytes)");
}

std::vector<unsigned char> GzFile::readBytes(std::uint64_t n, const char* what)
{
    const std::size_t start = m_offset;
    std::vector<unsigned char> out;
    while (out.size() < n) {
        // 1 MiB, then as much again as has arrived, at most 64 MiB at a time.
        const std::uint64_t chunk = std::clamp<std::uint64_t>(out.size(), 1u << 20, 64u << 20);
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk, n - out.size()));
        const std::size_t old = out.size();
        out.resize(old + want);
        const std::size_t got = readSome(out.data() + old, want);
        if (got != want)
            throw DatasetError(m_name + ": truncated at byte " + std::to_string(start + old + got) + " while reading " +
                               what + " (the header promises " + std::to_string(n) + " bytes, " +
                               std::to_string(n - old - got) + " more than the file has)");
    }
    return out;
}

bool GzFile::readLine(std::string& line)
{
    constexpr std::size_t kMaxLineBytes = std::size_t(256) << 20; // 30+ million features of text
    line.clear();
    char buf[1 << 14];
    bool any = false;
    z_off_t before = gztell(m_f);
    while (gzgets(m_f, buf, sizeof buf)) {
        any = true;
        const std::size_t len = std::char_traits<char>::length(buf);
        const z_off_t after = gztell(m_f);
        // gzgets stops at a newline, a full buffer or the end; fewer characters than it consumed
        // means a NUL byte, which text never has (and which made /dev/zero loop forever).
        if (after >= 0 && before >= 0 && static_cast<std::size_t>(after - before) != len)
            throw DatasetError(m_name + ":" + std::to_string(m_line + 1) + ": a NUL byte at offset " +
                               std::to_string(m_offset + len) + ": binary data, not a text file");
        before = after;
        m_offset += len;
        line.append(buf, len);
        if (!line.empty() && line.back() == '\n')
            break;
        if (line.size() > kMaxLineBytes)
            throw DatasetError(m_name + ":" + std::to_string(m_line + 1) + ": a line longer than " +
                               std::to_string(kMaxLineBytes >> 20) + " MiB: not a text table of this kind");
    }
    if (!any) {
        int err = 0;
        const char* msg = gzerror(m_f, &err);
        if (err != Z_OK && err != Z_STREAM_END)
            throw DatasetError(m_name + ": read error after line " + std::to_string(m_line) + ": " + (msg ? msg : "?") +
                               " (corrupted or truncated compressed data?)");
        return false;
    }
    if (!line.empty() && line.back() == '\n')
        line.pop_back();
    if (!line.empty() && line.back() == '\r')
        line.pop_back();
    ++m_line;
    return true;
}

} // namespace rewire
