#include "graph/atomic_file.h"

#include <cerrno>
#include <fcntl.h>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <unistd.h>

namespace rewire {

namespace {

namespace fs = std::filesystem;

// fsync of a file or folder by name; false when it cannot be opened or synced.
bool syncPath(const fs::path& p, bool directory)
{
    const int fd = ::open(p.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

} // namespace

fs::path linkTarget(const fs::path& path)
{
    std::error_code ec;
    if (fs::is_symlink(fs::symlink_status(path, ec))) {
        fs::path target = fs::canonical(path, ec);
        if (!ec)
            return target;
    }
    return path;
}

AtomicFile::AtomicFile(fs::path path, bool binary) : m_path(std::move(path))
{
    const auto mode = binary ? std::ios::out | std::ios::binary | std::ios::trunc : std::ios::out | std::ios::trunc;
    m_path = linkTarget(m_path); // replace what the link points to; the link stays
    std::error_code ec;
    const fs::file_status st = fs::status(m_path, ec);
    if (fs::exists(st) && !fs::is_regular_file(st)) {
        // A FIFO, a terminal, /dev/null...: write into it, never rename a file over it.
        if (fs::is_directory(st))
            throw std::runtime_error("cannot write " + m_path.string() + ": it is a directory");
        m_out.open(m_path, mode);
        if (!m_out)
            throw std::runtime_error("cannot write " + m_path.string() + ": " + std::strerror(errno));
        return;
    }
    m_tmp = m_path;
    m_tmp += ".tmp-" + std::to_string(::getpid());
    m_out.open(m_tmp, mode);
    if (!m_out)
        throw std::runtime_error("cannot write " + m_path.string() + ": " + std::strerror(errno));
}

AtomicFile::~AtomicFile()
{
    if (!m_committed && !m_tmp.empty()) {
        m_out.close();
        std::error_code ec;
        fs::remove(m_tmp, ec);
    }
}

void AtomicFile::commit()
{
    m_out.flush();
    const bool ok = static_cast<bool>(m_out);
    m_out.close();
    if (!ok || m_out.fail())
        throw std::runtime_error("write error on " + m_path.string() + " (disk full?)");
    if (m_tmp.empty()) {
        m_committed = true;
        return;
    }
    if (!syncPath(m_tmp, false))
        throw std::runtime_error("write error on " + m_path.string() + ": cannot flush it to the disk: " +
                                 std::strerror(errno));
    std::error_code ec;
    fs::rename(m_tmp, m_path, ec);
    if (ec)
        throw std::runtime_error("cannot rename " + m_tmp.string() + " to " + m_path.string() + ": " + ec.message());
    m_committed = true;
    // The rename itself reaches the disk with the folder's entry.
    syncPath(m_path.has_parent_path() ? m_path.parent_path() : fs::path("."), true);
}

void writeTextFileAtomic(const std::filesystem::path& path, const std::string& text)
{
    AtomicFile f(path);
    f.stream() << text;
    f.commit();
}

std::string readWholeFile(const std::filesystem::path& path, std::uint64_t maxBytes)
{
    namespace fs = std::filesystem;
    const std::string name = path.string();
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (!fs::exists(st))
        throw std::runtime_error(name + ": no such file");
    if (fs::is_directory(st))
        throw std::runtime_error(name + ": is a directory, expected a file");
    std::FILE* f = std::fopen(name.c_str(), "rb");
    if (!f)
        throw std::runtime_error(name + ": cannot open (" + std::strerror(errno) + ")");
    std::string out;
    char buf[1 << 16];
    for (;;) {
        const std::size_t got = std::fread(buf, 1, sizeof buf, f);
        out.append(buf, got);
        if (out.size() > maxBytes) {
            std::fclose(f);
            throw std::runtime_error(name + ": larger than " + std::to_string(maxBytes >> 20) + " MiB, not a file of this kind");
        }
        if (got < sizeof buf)
            break;
    }
    const bool failed = std::ferror(f) != 0;
    const int err = errno;
    std::fclose(f);
    if (failed)
        throw std::runtime_error(name + ": read error (" + std::strerror(err) + ")");
    return out;
}

} // namespace rewire
