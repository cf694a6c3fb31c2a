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

bool GzFile::readLine(std::string& line)
{
    line.clear();
    char buf[1 << 14];
    bool any = false;
    while (gzgets(m_f, buf, sizeof buf)) {
        any = true;
        const std::size_t len = std::char_traits<char>::length(buf);
        m_offset += len;
        line.append(buf, len);
        if (!line.empty() && line.back() == '\n')
            break;
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
