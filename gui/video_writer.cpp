#include "gui/video_writer.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QPainter>
#include <QProcess>
#include <QStandardPaths>

#include <fcntl.h>
#include <gif_lib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <vector>

namespace rewire::gui {

struct VideoWriter::Gif {
    GifFileType* file = nullptr;
    ~Gif()
    {
        if (file) {
            int error = 0;
            EGifCloseFile(file, &error);
        }
    }
};

bool VideoWriter::supported(const QString& file)
{
    const QString suffix = QFileInfo(file).suffix().toLower();
    return suffix == "mp4" || suffix == "webm" || suffix == "gif";
}

QString VideoWriter::findFfmpeg(const QString& name)
{
    if (name.isEmpty())
        return {};
    if (name.contains('/'))
        return QFileInfo(name).isExecutable() ? name : QString();
    return QStandardPaths::findExecutable(name);
}

VideoWriter::VideoWriter(const QString& file, int fps, const QString& ffmpeg) : m_file(file), m_fps(std::clamp(fps, 1, 60))
{
    const QString suffix = QFileInfo(file).suffix().toLower();
    m_gif = suffix == "gif";
    if (!m_gif) {
        m_ffmpeg = findFfmpeg(ffmpeg);
        if (m_ffmpeg.isEmpty()) {
            m_gif = m_fellBack = true;
            const QFileInfo info(file);
            m_file = info.dir().filePath(info.completeBaseName() + ".gif");
        }
    }
    m_part = m_file + ".part";
}

VideoWriter::~VideoWriter()
{
    if (m_process) {
        m_process->kill();
        m_process->waitForFinished(5000);
    }
    m_gifFile.reset();
    if (!m_part.isEmpty())
        QFile::remove(m_part);
}

bool VideoWriter::fail(const QString& message)
{
    if (m_error.isEmpty())
        m_error = message;
    return false;
}

bool VideoWriter::start()
{
    if (!supported(m_file))
        return fail(QStringLiteral("%1: a video is .mp4, .webm or .gif").arg(m_file));
    const QString suffix = QFileInfo(m_file).suffix().toLower();
    QDir().mkpath(QFileInfo(m_file).absolutePath());
    if (m_gif) {
        int error = 0;
        m_gifFile = std::make_unique<Gif>();
        // Opened here (giflib's EGifOpenFileName makes files only their owner can read).
        const int fd = ::open(QFile::encodeName(m_part).constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        m_gifFile->file = fd < 0 ? nullptr : EGifOpenFileHandle(fd, &error);
        if (fd >= 0 && !m_gifFile->file)
            ::close(fd);
        if (!m_gifFile->file)
            return fail(QStringLiteral("cannot write %1: %2").arg(m_part, QString::fromUtf8(GifErrorString(error))));
        EGifSetGifVersion(m_gifFile->file, true);
        if (EGifPutScreenDesc(m_gifFile->file, m_size.width(), m_size.height(), 8, 0, nullptr) == GIF_ERROR)
            return fail(QStringLiteral("cannot write %1").arg(m_part));
        // Loop for ever (the NETSCAPE2.0 application extension browsers and viewers read).
        static const GifByteType app[] = {'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0'};
        static const GifByteType loop[] = {1, 0, 0};
        if (EGifPutExtensionLeader(m_gifFile->file, APPLICATION_EXT_FUNC_CODE) == GIF_ERROR ||
            EGifPutExtensionBlock(m_gifFile->file, sizeof app, app) == GIF_ERROR ||
            EGifPutExtensionBlock(m_gifFile->file, sizeof loop, loop) == GIF_ERROR ||
            EGifPutExtensionTrailer(m_gifFile->file) == GIF_ERROR)
            return fail(QStringLiteral("cannot write %1").arg(m_part));
        return true;
    }
    const bool mp4 = suffix == "mp4";
    QStringList args{"-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
                     "-video_size", QStringLiteral("%1x%2").arg(m_size.width()).arg(m_size.height()),
                     "-framerate", QString::number(m_fps), "-i", "pipe:0", "-an"};
    if (mp4)
        args << "-c:v" << "libx264" << "-preset" << "medium" << "-crf" << "18" << "-pix_fmt" << "yuv420p"
             << "-movflags" << "+faststart" << "-f" << "mp4";
    else
        args << "-c:v" << "libvpx-vp9" << "-b:v" << "0" << "-crf" << "30" << "-deadline" << "good" << "-cpu-used" << "4"
             << "-row-mt" << "1" << "-pix_fmt" << "yuv420p" << "-f" << "webm";
    args << m_part;
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::SeparateChannels);
    m_process->setStandardOutputFile(QProcess::nullDevice());
    m_process->start(m_ffmpeg, args);
    if (!m_process->waitForStarted(10000))
        return fail(QStringLiteral("cannot run %1: %2").arg(m_ffmpeg, m_process->errorString()));
    return true;
}

bool VideoWriter::add(const QImage& image)
{
    if (!m_error.isEmpty())
        return false;
    if (image.isNull())
        return fail(QStringLiteral("empty frame"));
    if (m_frames == 0) {
        m_size = QSize((image.width() + 1) / 2 * 2, (image.height() + 1) / 2 * 2);
        if (!start())
            return false;
    }
    // Frames of the video's size; a frame of another size (the window was resized) is drawn at
    // the top left over the window colour.
    QImage frame(m_size, QImage::Format_RGB888);
    frame.fill(QColor(239, 239, 239));
    {
        // In pixels: a grab of a HiDPI window carries its device pixel ratio, which drawImage()
        // would otherwise scale down by.
        QImage pixels = image;
        pixels.setDevicePixelRatio(1);
        QPainter p(&frame);
        p.drawImage(0, 0, pixels);
    }
    ++m_frames;
    if (m_gif) {
        // Each frame its own colour table: the frame's own colours when it has at most 256, else
        // Qt's fixed 216-colour cube with error diffusion; padded to the 256 entries GIF takes.
        const QImage indexed = frame.convertToFormat(QImage::Format_Indexed8, Qt::DiffuseDither);
        std::vector<GifColorType> colours(256);
        const QList<QRgb> table = indexed.colorTable();
        for (int i = 0; i < table.size() && i < 256; ++i)
            colours[static_cast<std::size_t>(i)] = {static_cast<GifByteType>(qRed(table[i])),
                                                    static_cast<GifByteType>(qGreen(table[i])),
                                                    static_cast<GifByteType>(qBlue(table[i]))};
        ColorMapObject* map = GifMakeMapObject(256, colours.data());
        // Delays in hundredths of a second; viewers slow anything under 2 to 10, so at most 50 fps.
        GraphicsControlBlock control{DISPOSE_DO_NOT, false, std::max(2, (100 + m_fps / 2) / m_fps), NO_TRANSPARENT_COLOR};
        GifByteType extension[4];
        EGifGCBToExtension(&control, extension);
        GifFileType* g = m_gifFile->file;
        bool ok = map && EGifPutExtension(g, GRAPHICS_EXT_FUNC_CODE, 4, extension) != GIF_ERROR &&
                  EGifPutImageDesc(g, 0, 0, m_size.width(), m_size.height(), false, map) != GIF_ERROR;
        for (int y = 0; ok && y < m_size.height(); ++y)
            ok = EGifPutLine(g, const_cast<GifByteType*>(indexed.constScanLine(y)), m_size.width()) != GIF_ERROR;
        GifFreeMapObject(map);
        return ok || fail(QStringLiteral("cannot write %1: %2").arg(m_part, QString::fromUtf8(GifErrorString(g->Error))));
    }
    for (int y = 0; y < m_size.height(); ++y) {
        const char* row = reinterpret_cast<const char*>(frame.constScanLine(y));
        if (m_process->write(row, 3 * m_size.width()) != 3 * m_size.width())
            return fail(QStringLiteral("%1 stopped taking frames: %2").arg(m_ffmpeg, m_process->errorString()));
    }
    // Keep the pipe's buffer small: wait until ffmpeg has taken the frame.
    while (m_process->bytesToWrite() > 0)
        if (!m_process->waitForBytesWritten(30000))
            return fail(QStringLiteral("%1 stopped taking frames: %2 %3")
                            .arg(m_ffmpeg, m_process->errorString(), QString::fromLocal8Bit(m_process->readAllStandardError()).trimmed()));
    return true;
}

bool VideoWriter::finish()
{
    if (m_error.isEmpty() && m_frames == 0)
        fail(QStringLiteral("no frames for %1").arg(m_file));
    if (!m_error.isEmpty())
        return false;
    if (m_gif) {
        int error = 0;
        const int rc = EGifCloseFile(m_gifFile->file, &error);
        m_gifFile->file = nullptr;
        if (rc == GIF_ERROR)
            return fail(QStringLiteral("cannot write %1: %2").arg(m_part, QString::fromUtf8(GifErrorString(error))));
    } else {
        m_process->closeWriteChannel();
        // Encoding the rest takes a while for long timelines; no time limit, ffmpeg ends on EOF.
        m_process->waitForFinished(-1);
        const QString log = QString::fromLocal8Bit(m_process->readAllStandardError()).trimmed();
        const bool ok = m_process->exitStatus() == QProcess::NormalExit && m_process->exitCode() == 0;
        m_process.reset();
        if (!ok)
            return fail(QStringLiteral("%1 failed on %2: %3").arg(m_ffmpeg, m_file, log.isEmpty() ? QStringLiteral("no message") : log.right(400)));
    }
    std::error_code error; // POSIX rename: the old file is replaced in one step
    std::filesystem::rename(QFile::encodeName(m_part).toStdString(), QFile::encodeName(m_file).toStdString(), error);
    if (error)
        return fail(QStringLiteral("cannot rename %1 to %2: %3").arg(m_part, m_file, QString::fromStdString(error.message())));
    m_part.clear();
    return true;
}

} // namespace rewire::gui
