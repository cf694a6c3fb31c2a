#include "graph/npz_writer.h"

#include "graph/atomic_file.h"

#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <stdexcept>
#include <unistd.h>

namespace rewire {

namespace fs = std::filesystem;

std::string npyHeader(const NpyMember& m)
{
    // "()" for a 0-d array, "(5,)" for 1-d, "(2, 3)" beyond: Python's tuple syntax.
    std::string shape = "(";
    for (std::size_t k = 0; k < m.shape.size(); ++k)
        shape += (k ? ", " : "") + std::to_string(m.shape[k]);
    shape += m.shape.size() == 1 ? ",)" : ")";
    std::string dict = "{'descr': '" + m.descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    const std::size_t unpadded = 10 + dict.size() + 1; // magic, version, length, dict, '\n'
    dict.append((64 - unpadded % 64) % 64, ' ');
    dict += '\n';
    std::string out("\x93NUMPY\x01\x00", 8);
    out += static_cast<char>(dict.size() & 0xff);
    out += static_cast<char>((dict.size() >> 8) & 0xff);
    return out + dict;
}

std::string zipErrorText(int code)
{
    zip_error_t error;
    zip_error_init_with_code(&error, code);
    std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    return why;
}

namespace {

// A zip source that reads the header, then the caller's bytes.
struct MemberSource {
    std::string header;
    const char* data;
    std::size_t bytes;
    std::size_t pos = 0;
    std::size_t size() const { return header.size() + bytes; }
};

zip_int64_t readMember(void* user, void* out, zip_uint64_t len, zip_source_cmd_t cmd)
{
    auto* m = static_cast<MemberSource*>(user);
    switch (cmd) {
    case ZIP_SOURCE_OPEN:
        m->pos = 0;
        return 0;
    case ZIP_SOURCE_READ: {
        std::size_t done = 0;
        auto* dst = static_cast<char*>(out);
        while (done < len && m->pos < m->size()) {
            const bool inHeader = m->pos < m->header.size();
            const char* src = inHeader ? m->header.data() + m->pos : m->data + (m->pos - m->header.size());
            const std::size_t left = inHeader ? m->header.size() - m->pos : m->size() - m->pos;
            const std::size_t n = std::min<std::size_t>(left, len - done);
            std::memcpy(dst + done, src, n);
            done += n;
            m->pos += n;
        }
        return static_cast<zip_int64_t>(done);
    }
    case ZIP_SOURCE_CLOSE:
        return 0;
    case ZIP_SOURCE_STAT: {
        auto* st = static_cast<zip_stat_t*>(out);
        zip_stat_init(st);
        st->size = m->size();
        st->valid |= ZIP_STAT_SIZE;
        return sizeof(zip_stat_t);
    }
    case ZIP_SOURCE_ERROR: {
        auto* e = static_cast<int*>(out);
        e[0] = e[1] = 0;
        return 2 * sizeof(int);
    }
    case ZIP_SOURCE_FREE:
        delete m;
        return 0;
    case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
                                              ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
    default:
        return -1;
    }
}

} // namespace

void writeNpzArchive(const fs::path& requested, std::span<const NpyMember> members)
{
    const fs::path path = linkTarget(requested);
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (fs::exists(st) && !fs::is_regular_file(st))
        throw std::runtime_error("cannot write " + requested.string() + ": " +
                                 (fs::is_directory(st) ? "it is a directory" : "an .npz archive must be a regular file"));
    int code = 0;
    zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
    if (!archive)
        throw std::runtime_error("cannot write " + requested.string() + ": " + zipErrorText(code));
    std::unique_ptr<zip_t, void (*)(zip_t*)> discard(archive, [](zip_t* z) { zip_discard(z); });
    for (const NpyMember& m : members) {
        auto* source = new MemberSource{npyHeader(m), static_cast<const char*>(m.data), m.bytes};
        zip_source_t* zs = zip_source_function(archive, readMember, source);
        if (!zs) {
            delete source;
            throw std::runtime_error("cannot write " + requested.string() + ": " + zip_strerror(archive));
        }
        const zip_int64_t index = zip_file_add(archive, (m.name + ".npy").c_str(), zs, ZIP_FL_ENC_UTF_8);
        if (index < 0) {
            zip_source_free(zs);
            throw std::runtime_error("cannot write " + requested.string() + ": " + zip_strerror(archive));
        }
        zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0);
    }
    if (zip_close(archive) != 0)
        throw std::runtime_error("write error on " + requested.string() + ": " + zip_strerror(archive) + " (disk full?)");
    discard.release();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
        const std::string why = std::strerror(errno);
        if (fd >= 0)
            ::close(fd);
        throw std::runtime_error("write error on " + requested.string() + ": cannot flush it to the disk: " + why);
    }
    ::close(fd);
}

} // namespace rewire
