#include "gui/neuron_table_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace rewire::gui {

namespace {
class SetFilter : public QSortFilterProxyModel {
public:
    int set = -1;
    using QSortFilterProxyModel::invalidateFilter;

protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override
    {
        if (set < 0)
            return true;
        return sourceModel()->index(row, NeuronTableModel::Set, parent).data(Qt::UserRole).toInt() == set;
    }
};
} // namespace

NeuronTableView::NeuronTableView(QWidget* parent) : SnapshotView(parent)
{
    m_filter = addCombo(tr("Neurons of:"));
    m_filter->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_caption = new QLabel;
    m_caption->setWordWrap(true); // wraps rather than widening the window or being cut
    m_caption->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    addControl(m_caption, 1);
    m_model = new NeuronTableModel(this);
    auto* proxy = new SetFilter;
    proxy->setParent(this);
    proxy->setSourceModel(m_model);
    proxy->setSortRole(Qt::UserRole);
    m_proxy = proxy;
    m_table = new QTableView;
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(NeuronTableModel::Importance, Qt::DescendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->setVisible(false);
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 4);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAlternatingRowColors(true);
    content()->addWidget(m_table, 1);
    setFigure(m_table);
    connect(m_filter, &QComboBox::currentIndexChanged, this, [this](int i) { setSetFilter(i - 1); });
    // A new order starts at its top.
    connect(m_table->horizontalHeader(), &QHeaderView::sortIndicatorChanged, m_table, [this] { m_table->scrollToTop(); });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
        if (m_syncing || !current.isValid())
            return;
        const QModelIndex src = m_proxy->mapToSource(current);
        const NeuronRow& r = m_model->snapshot()->neurons[static_cast<std::size_t>(src.row())];
        select({r.set, r.index});
    });
}

QString NeuronTableView::caption() const { return m_caption->text(); }

void NeuronTableView::updateCaption()
{
    if (!m_snapshot)
        return;
    const int set = static_cast<SetFilter*>(m_proxy)->set;
    std::int64_t dead = 0, shown = 0;
    for (const NeuronRow& r : m_snapshot->neurons)
        if (set < 0 || r.set == set) {
            ++shown;
            dead += r.dead;
        }
    const QString of = set < 0 ? tr("all layers") : neuronSetName(*m_snapshot, set);
    m_caption->setText(tr("epoch %1: %2 neurons (%3), %4 dead%5")
                           .arg(m_snapshot->epoch)
                           .arg(shown)
                           .arg(of)
                           .arg(dead)
                           .arg(set == 0 ? tr("; inputs ranked by outgoing strength") : QString()));
}

void NeuronTableView::setSetFilter(int set)
{
    auto* proxy = static_cast<SetFilter*>(m_proxy);
    if (proxy->set == set)
        return;
    proxy->set = set;
    proxy->invalidateFilter();
    updateCaption();
    if (m_filter->currentIndex() != set + 1 && set + 1 < m_filter->count())
        m_filter->setCurrentIndex(set + 1);
}

void NeuronTableView::refresh()
{
    const bool first = m_model->rowCount() == 0;
    m_model->setSnapshot(m_snapshot);
    if (!m_snapshot) {
        m_filter->blockSignals(true);
        m_filter->clear();
        m_filter->addItem(tr("all layers"));
        m_filter->blockSignals(false);
        m_caption->setText(tr("No network yet."));
        return;
    }
    if (first) { // compact columns, sized once; later snapshots keep the user's widths
        const QFontMetrics cell = m_table->fontMetrics();
        for (int c = 0; c < NeuronTableModel::ColumnCount; ++c) {
            const QString sample = c == NeuronTableModel::Set    ? QStringLiteral("hidden 0")
                                   : c == NeuronTableModel::Dead ? QStringLiteral("dead")
                                   : c <= NeuronTableModel::OutDegree || c >= NeuronTableModel::Rank
                                       ? QStringLiteral("0000")
                                       : QStringLiteral("0.000");
            // The header's own size hint leaves room for the sort indicator, which any column may show.
            m_table->setColumnWidth(c, std::max(m_table->horizontalHeader()->sectionSizeHint(c), cell.horizontalAdvance(sample) + 14));
        }
    }
    const int sets = static_cast<int>(m_snapshot->setStart.size()) - 1;
    if (m_filter->count() != sets + 1) {
        m_filter->blockSignals(true);
        m_filter->clear();
        m_filter->addItem(tr("all layers"));
        for (int k = 0; k < sets; ++k)
            m_filter->addItem(QStringLiteral("%1 (%2)").arg(neuronSetName(*m_snapshot, k)).arg(m_snapshot->setStart[k + 1] - m_snapshot->setStart[k]));
        m_filter->setCurrentIndex(static_cast<SetFilter*>(m_proxy)->set + 1);
        m_filter->blockSignals(false);
    }
    updateCaption();
    m_caption->setToolTip(tr("Click a header to sort; select a row to show the neuron in the other views"));
    selectionChanged();
}

void NeuronTableView::selectionChanged()
{
    if (!isVisible()) {
        m_stale = true; // synchronised when shown
        return;
    }
    if (!m_selected.valid())
        return;
    const int row = m_model->rowOf(m_selected.set, m_selected.index);
    if (row < 0)
        return;
    const QModelIndex proxyIndex = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!proxyIndex.isValid() || m_table->currentIndex().row() == proxyIndex.row())
        return;
    m_syncing = true;
    m_table->setCurrentIndex(proxyIndex);
    m_table->scrollTo(proxyIndex, QAbstractItemView::PositionAtCenter);
    m_syncing = false;
}

} // namespace rewire::gui
