#pragma once
// Timeline over the snapshots held in memory: scrub, step, play, and "follow live" (the cursor
// jumps to each new snapshot as it arrives).

#include <QWidget>

class QCheckBox;
class QLabel;
class QSlider;
class QTimer;
class QToolButton;

namespace rewire::gui {

class TimelineWidget : public QWidget {
    Q_OBJECT
public:
    explicit TimelineWidget(QWidget* parent = nullptr);
    // Number of snapshots and the epoch label of each.
    void setEpochs(const std::vector<QString>& labels);
    int count() const { return static_cast<int>(m_labels.size()); }
    int cursor() const;
    void setCursor(int index);
    bool followLive() const;
    void setFollowLive(bool follow);
    bool playing() const;
    void setPlaying(bool play);

signals:
    void cursorChanged(int index);

private:
    QToolButton* m_first;
    QToolButton* m_prev;
    QToolButton* m_play;
    QToolButton* m_next;
    QToolButton* m_last;
    QSlider* m_slider;
    QLabel* m_label;
    QCheckBox* m_follow;
    QTimer* m_timer;
    std::vector<QString> m_labels;
    void updateLabel();
};

} // namespace rewire::gui
