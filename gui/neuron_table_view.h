#pragma once
// Sortable neuron table with a filter by neuron set; selecting a row selects the neuron in the
// other views, and a neuron selected elsewhere is brought into view here.

#include "gui/neuron_table_model.h"
#include "gui/snapshot_view.h"

class QComboBox;
class QLabel;
class QSortFilterProxyModel;
class QTableView;

namespace rewire::gui {

class NeuronTableView : public SnapshotView {
    Q_OBJECT
public:
    explicit NeuronTableView(QWidget* parent = nullptr);
    NeuronTableModel* model() const { return m_model; }
    QTableView* table() const { return m_table; }
    QString caption() const; // the line above the table, for tests
    // Show one neuron set only (-1: all).
    void setSetFilter(int set);

protected:
    void refresh() override;
    void selectionChanged() override;
    void updateCaption(); // the shown set's neurons and dead ones

private:
    NeuronTableModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_table;
    QComboBox* m_filter;
    QLabel* m_caption;
    bool m_syncing = false;
};

} // namespace rewire::gui
