#pragma once
// The `capacity` items with the largest keys of a stream, kept in a min-heap (the weakest on
// top): O(log capacity) for an item that enters, one comparison for one that does not, nothing
// copied but what is kept. The network view's strongest edges in view, a sketch's strongest edges.

#include <algorithm>
#include <cstddef>
#include <functional>
#include <vector>

namespace rewire {

template <class T>
class Strongest {
public:
    struct Item {
        float key;
        T value;
        bool operator>(const Item& o) const { return key > o.key; }
    };
    explicit Strongest(std::size_t capacity) : m_capacity(capacity) { m_heap.reserve(capacity); }
    void offer(float key, const T& value)
    {
        if (m_heap.size() < m_capacity) {
            m_heap.push_back({key, value});
            std::push_heap(m_heap.begin(), m_heap.end(), std::greater<>());
        } else if (m_capacity > 0 && key > m_heap.front().key) {
            std::pop_heap(m_heap.begin(), m_heap.end(), std::greater<>());
            m_heap.back() = {key, value};
            std::push_heap(m_heap.begin(), m_heap.end(), std::greater<>());
        }
    }
    const std::vector<Item>& items() const { return m_heap; } // in heap order, the weakest first
    std::size_t size() const { return m_heap.size(); }
    float floor() const { return m_heap.empty() ? 0.0f : m_heap.front().key; } // the weakest kept

private:
    std::size_t m_capacity;
    std::vector<Item> m_heap;
};

} // namespace rewire
