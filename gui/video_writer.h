#pragma once
// Timeline videos. Frames are piped as raw RGB into Debian's ffmpeg, as matplotlib's FFMpegWriter
// does: MP4 (H.264, yuv420p, +faststart: plays in browsers and slides) or WebM (VP9). Without
// ffmpeg, or for a .gif, frames go into an animated GIF through giflib (libgif-dev), each with its
// own 256-colour palette. Written to <file>.part and renamed over at the end, so an interrupted
// export leaves nothing half-written under the asked name.

#include <QImage>
#include <QString>

#include <memory>

class QProcess;

namespace rewire::gui {

class VideoWriter {
public:
    // `file` ends in .mp4, .webm or .gif. `ffmpeg`: the program (a path or a name on PATH). When
    // it is not found, an .mp4/.webm request writes <file without suffix>.gif instead (fellBack()).
    VideoWriter(const QString& file, int fps, const QString& ffmpeg = QStringLiteral("ffmpeg"));
    ~VideoWriter(); // unfinished: the .part file is removed
    VideoWriter(const VideoWriter&) = delete;
    VideoWriter& operator=(const VideoWriter&) = delete;

    // Frames of any size: the first sets the video's size (rounded up to even numbers, as yuv420p
    // needs), later ones are drawn at the top left of a frame of that size. False: error().
    bool add(const QImage& frame);
    // Closes the stream and renames the .part file over file(). False: error(), nothing renamed.
    bool finish();

    const QString& file() const { return m_file; } // the file written (.gif after a fallback)
    bool fellBack() const { return m_fellBack; }
    int frames() const { return m_frames; }
    QSize size() const { return m_size; }
    const QString& error() const { return m_error; }
    // Whether `file` names a kind of video this writes (.mp4, .webm, .gif).
    static bool supported(const QString& file);
    // The ffmpeg program found for `name` (a path or a name on PATH), or empty.
    static QString findFfmpeg(const QString& name);

private:
    QString m_file, m_part, m_ffmpeg, m_error;
    int m_fps;
    bool m_fellBack = false;
    bool m_gif = false;
    int m_frames = 0;
    QSize m_size;
    std::unique_ptr<QProcess> m_process;
    struct Gif;
    std::unique_ptr<Gif> m_gifFile;
    bool start();
    bool fail(const QString& message);
};

} // namespace rewire::gui
