#pragma once
// A team of threads kept for a whole solve, private to analysis/ (the NNSTD auctions' listings).

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

namespace rewire::detail {

// Threads kept for a whole solve: run(n, body) calls body(k, worker) once for every k in [0, n),
// spread over the caller (worker 0) and the others, and returns when all are done. An exception
// from a body is rethrown by run(), the one of the least k when several throw.
class Team {
public:
    explicit Team(int threads)
    {
        try {
            for (int w = 1; w < threads; ++w)
                m_workers.emplace_back([this, w] { loop(w); });
        } catch (...) { // a thread that could not start: stop those that did
            stop();
            throw;
        }
    }
    ~Team() { stop(); }
    Team(const Team&) = delete;
    Team& operator=(const Team&) = delete;

    void stop()
    {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_stop = true;
            ++m_generation;
        }
        m_wake.notify_all();
        for (std::thread& t : m_workers)
            t.join();
        m_workers.clear();
    }

    void run(std::size_t n, const std::function<void(std::size_t, int)>& body)
    {
        m_error = nullptr;
        m_errorAt = std::numeric_limits<std::size_t>::max();
        if (m_workers.empty() || n < 2) {
            work(0, n, body);
        } else {
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                m_body = &body;
                m_n = n;
                m_next.store(0, std::memory_order_relaxed);
                m_pending = m_workers.size();
                ++m_generation;
            }
            m_wake.notify_all();
            work(0, n, body);
            std::unique_lock<std::mutex> lock(m_mutex);
            m_done.wait(lock, [&] { return m_pending == 0; });
        }
        if (m_error)
            std::rethrow_exception(m_error);
    }

private:
    void work(int worker, std::size_t n, const std::function<void(std::size_t, int)>& body)
    {
        if (m_workers.empty() || n < 2) {
            for (std::size_t k = 0; k < n; ++k)
                attempt(k, worker, body);
            return;
        }
        for (std::size_t k; (k = m_next.fetch_add(1, std::memory_order_relaxed)) < n;)
            attempt(k, worker, body);
    }
    void attempt(std::size_t k, int worker, const std::function<void(std::size_t, int)>& body)
    {
        try {
            body(k, worker);
        } catch (...) {
            std::lock_guard<std::mutex> lock(m_errorMutex);
            if (k < m_errorAt) {
                m_errorAt = k;
                m_error = std::current_exception();
            }
        }
    }
    void loop(int worker)
    {
        std::uint64_t seen = 0;
        for (;;) {
            const std::function<void(std::size_t, int)>* body = nullptr;
            std::size_t n = 0;
            {
                std::unique_lock<std::mutex> lock(m_mutex);
                m_wake.wait(lock, [&] { return m_generation != seen; });
                seen = m_generation;
                if (m_stop)
                    return;
                body = m_body;
                n = m_n;
            }
            work(worker, n, *body);
            std::lock_guard<std::mutex> lock(m_mutex);
            if (--m_pending == 0)
                m_done.notify_one();
        }
    }

    std::vector<std::thread> m_workers;
    std::mutex m_mutex, m_errorMutex;
    std::condition_variable m_wake, m_done;
    std::uint64_t m_generation = 0;
    bool m_stop = false;
    const std::function<void(std::size_t, int)>* m_body = nullptr;
    std::size_t m_n = 0, m_pending = 0;
    std::atomic<std::size_t> m_next{0};
    std::exception_ptr m_error;
    std::size_t m_errorAt = 0;
};

} // namespace rewire::detail
