#include "graph/atomic_file.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <unistd.h>

namespace rewire {

AtomicFile::AtomicFile(std::filesystem::path path, bool binary) : m_path(std::move(path))
{
    m_tmp = m_path;
    m_tmp += ".tmp-" + std::to_string(::getpid());
    m_out.open(m_tmp, binary ? std::ios::out | std::ios::binary | std::ios::trunc : std::ios::out | std::ios::trunc);
    if (!m_out)
        throw std::runtime_error("cannot write " + m_path.string() + ": " + std::strerror(errno));
}

AtomicFile::~AtomicFile()
{
    if (!m_committed) {
        m_out.close();
        std::error_code ec;
        std::filesystem::remove(m_tmp, ec);
    }
}

void AtomicFile::commit()
{
    m_out.flush();
    const bool ok = static_cast<bool>(m_out);
    m_out.close();
    if (!ok || m_out.fail())
        throw std::runtime_error("write error on " + m_path.string() + " (disk full?)");
    std::error_code ec;
    std::filesystem::rename(m_tmp, m_path, ec);
    if (ec)
        throw std::runtime_error("cannot rename " + m_tmp.string() + " to " + m_path.string() + ": " + ec.message());
    m_committed = true;
}

void writeTextFileAtomic(const std::filesystem::path& path, const std::string& text)
{
    AtomicFile f(path);
    f.stream() << text;
    f.commit();
}

} // namespace rewire
