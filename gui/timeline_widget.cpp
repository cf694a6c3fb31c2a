#include "gui/timeline_widget.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QStyle>
#include <QTimer>
#include <QToolButton>

namespace rewire::gui {

TimelineWidget::TimelineWidget(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(6, 2, 6, 2);
    auto button = [&](QStyle::StandardPixmap icon, const QString& tip) {
        auto* b = new QToolButton;
        b->setIcon(style()->standardIcon(icon));
        b->setToolTip(tip);
        b->setAutoRaise(true);
        layout->addWidget(b);
        return b;
    };
    layout->addWidget(new QLabel(tr("Timeline")));
    m_first = button(QStyle::SP_MediaSkipBackward, tr("First snapshot"));
    m_prev = button(QStyle::SP_MediaSeekBackward, tr("Previous snapshot"));
    m_play = button(QStyle::SP_MediaPlay, tr("Play through the snapshots"));
    m_play->setCheckable(true);
    m_next = button(QStyle::SP_MediaSeekForward, tr("Next snapshot"));
    m_last = button(QStyle::SP_MediaSkipForward, tr("Newest snapshot"));
    m_slider = new QSlider(Qt::Horizontal);
    m_slider->setRange(0, 0);
    m_slider->setPageStep(1);
    m_slider->setTickPosition(QSlider::TicksBelow);
    layout->addWidget(m_slider, 1);
    m_label = new QLabel;
    m_label->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("epoch 0000 + batch 000/000 (000/000)")));
    layout->addWidget(m_label);
    m_follow = new QCheckBox(tr("follow live"));
    m_follow->setChecked(true);
    layout->addWidget(m_follow);
    m_timer = new QTimer(this);
    m_timer->setInterval(350);

    connect(m_slider, &QSlider::valueChanged, this, [this](int v) {
        if (v != count() - 1)
            m_follow->setChecked(false); // looking back: new snapshots no longer move the cursor
        updateLabel();
        emit cursorChanged(v);
    });
    // Moving the cursor by hand leaves "follow live"; going to the newest one resumes it.
    connect(m_slider, &QSlider::sliderPressed, this, [this] { m_follow->setChecked(false); });
    connect(m_first, &QToolButton::clicked, this, [this] { m_follow->setChecked(false); setCursor(0); });
    connect(m_prev, &QToolButton::clicked, this, [this] { m_follow->setChecked(false); setCursor(cursor() - 1); });
    connect(m_next, &QToolButton::clicked, this, [this] { setCursor(cursor() + 1); });
    connect(m_last, &QToolButton::clicked, this, [this] { setCursor(count() - 1); m_follow->setChecked(true); });
    connect(m_follow, &QCheckBox::toggled, this, [this](bool on) {
        if (on)
            setCursor(count() - 1);
    });
    connect(m_play, &QToolButton::toggled, this, [this](bool on) { setPlaying(on); });
    connect(m_timer, &QTimer::timeout, this, [this] {
        if (cursor() + 1 >= count()) {
            setPlaying(false);
            return;
        }
        setCursor(cursor() + 1);
    });
    updateLabel();
}

void TimelineWidget::setEpochs(const std::vector<QString>& labels)
{
    m_labels = labels;
    const bool follow = m_follow->isChecked();
    m_slider->blockSignals(true);
    m_slider->setRange(0, std::max(0, count() - 1));
    m_slider->blockSignals(false);
    if (follow && count() > 0)
        setCursor(count() - 1);
    updateLabel();
}

int TimelineWidget::cursor() const { return m_slider->value(); }

void TimelineWidget::setCursor(int index)
{
    if (count() == 0)
        return;
    index = std::clamp(index, 0, count() - 1);
    if (index == m_slider->value()) {
        updateLabel();
        return;
    }
    m_slider->setValue(index); // emits cursorChanged
}

bool TimelineWidget::followLive() const { return m_follow->isChecked(); }
void TimelineWidget::setFollowLive(bool follow) { m_follow->setChecked(follow); }
bool TimelineWidget::playing() const { return m_timer->isActive(); }

void TimelineWidget::setPlaying(bool play)
{
    if (play) {
        m_follow->setChecked(false);
        if (cursor() + 1 >= count())
            setCursor(0);
        m_timer->start();
    } else {
        m_timer->stop();
    }
    m_play->blockSignals(true);
    m_play->setChecked(play);
    m_play->setIcon(style()->standardIcon(play ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
    m_play->blockSignals(false);
}

void TimelineWidget::updateLabel()
{
    if (m_labels.empty()) {
        m_label->setText(tr("no snapshots"));
        return;
    }
    const int c = cursor();
    m_label->setText(QStringLiteral("%1 (%2/%3)").arg(m_labels[static_cast<std::size_t>(c)]).arg(c + 1).arg(count()));
}

} // namespace rewire::gui
