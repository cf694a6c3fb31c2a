#include "gui/neuron_table_model.h"

#include "gui/snapshot_view.h"

#include <QColor>

namespace rewire::gui {

void NeuronTableModel::setSnapshot(SnapshotPtr snapshot)
{
    const bool sameShape = m_snapshot && snapshot && m_snapshot->neurons.size() == snapshot->neurons.size();
    if (sameShape) { // keep the views' selection and scroll position
        m_snapshot = std::move(snapshot);
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_snapshot = std::move(snapshot);
    endResetModel();
}

int NeuronTableModel::rowOf(int set, NeuronIndex idx) const
{
    if (!m_snapshot || set < 0 || set + 1 >= static_cast<int>(m_snapshot->setStart.size()))
        return -1;
    const std::size_t row = m_snapshot->setStart[static_cast<std::size_t>(set)] + static_cast<std::size_t>(idx);
    return row < m_snapshot->setStart[static_cast<std::size_t>(set) + 1] ? static_cast<int>(row) : -1;
}

int NeuronTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() || !m_snapshot ? 0 : static_cast<int>(m_snapshot->neurons.size());
}

int NeuronTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant NeuronTableModel::data(const QModelIndex& index, int role) const
{
    if (!m_snapshot || !index.isValid())
        return {};
    const std::size_t row = static_cast<std::size_t>(index.row());
    const NeuronRow& r = m_snapshot->neurons[row];
    if (role == Qt::ForegroundRole && r.dead)
        return QColor(200, 20, 50);
    if (role == Qt::TextAlignmentRole)
        return index.column() == Set ? int(Qt::AlignLeft | Qt::AlignVCenter) : int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != Qt::UserRole)
        return {};
    const bool raw = role == Qt::UserRole;
    switch (index.column()) {
    case Set: return raw ? QVariant(r.set) : QVariant(neuronSetName(*m_snapshot, r.set));
    case Index: return r.index;
    case InDegree: return static_cast<qlonglong>(r.inDegree);
    case OutDegree: return static_cast<qlonglong>(r.outDegree);
    case InStrength: return raw ? QVariant(r.inStrength) : QVariant(QString::number(r.inStrength, 'g', 4));
    case OutStrength: return raw ? QVariant(r.outStrength) : QVariant(QString::number(r.outStrength, 'g', 4));
    case Importance: return raw ? QVariant(r.importance) : QVariant(QString::number(r.importance, 'g', 4));
    case Dead: return raw ? QVariant(r.dead ? 1 : 0) : QVariant(r.dead ? tr("dead") : QString());
    case Rank: return m_snapshot->rank[row];
    case RankChange:
        if (raw)
            return m_snapshot->rankChange[row];
        if (!m_snapshot->hasPrevious)
            return QString();
        return m_snapshot->rankChange[row] > 0 ? QStringLiteral("+%1").arg(m_snapshot->rankChange[row])
                                               : QString::number(m_snapshot->rankChange[row]);
    }
    return {};
}

QVariant NeuronTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case Set: return tr("Neuron set: inputs, hidden layers, outputs (neurons.csv numbers them 0, 1, ...)");
        case InDegree: return tr("Incoming edges");
        case OutDegree: return tr("Outgoing edges");
        case InStrength: return tr("Sum of |w| of the incoming edges");
        case OutStrength: return tr("Sum of |w| of the outgoing edges");
        case Importance: return tr("Sum of |w| of the incoming edges (Importance Pruning, eq. 4); 0 for inputs");
        case Dead: return tr("A hidden neuron that no input reaches or that reaches no output");
        case Rank: return tr("Rank in its set by importance (inputs: by outgoing strength), 1 = highest");
        case RankChange: return tr("Rank gained since the previous snapshot");
        default: return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    static const char* names[] = {"layer", "index", "in-deg", "out-deg", "in-str", "out-str",
                                  "import.", "dead", "rank", "Δ rank"};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

} // namespace rewire::gui
