#pragma once
// Table model of a snapshot's neurons, the rows of `rewire analyze`'s neurons.csv plus the rank
// by importance in the neuron's set and its change since the previous snapshot. Qt::DisplayRole
// gives what the table shows, Qt::UserRole the raw number (used for sorting).

#include "gui/snapshot.h"

#include <QAbstractTableModel>

namespace rewire::gui {

class NeuronTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Set, Index, InDegree, OutDegree, InStrength, OutStrength, Importance, Dead, Rank, RankChange, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;

    void setSnapshot(SnapshotPtr snapshot);
    const SnapshotPtr& snapshot() const { return m_snapshot; }
    // Row of a neuron (neuron set, index), or -1.
    int rowOf(int set, NeuronIndex index) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    SnapshotPtr m_snapshot;
};

} // namespace rewire::gui
