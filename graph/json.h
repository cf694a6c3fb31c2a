#pragma once
// A small JSON value (objects keep insertion order) for configs and file metadata.

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace rewire {

// A double as the shortest text that reads back to the same value ("0.01", "1e-05"), whole
// numbers below 1e15 without exponent ("60000"), whatever the locale. JSON files, configs and
// messages all use it.
std::string formatNumber(double x);
// The inverse: the whole text as a finite double (an optional '+', decimal or exponent form; no
// hex, no spaces, no locale). False when it is not one. Every number Rewire reads from a flag, a
// spec or a file it wrote goes through it or std::from_chars.
bool readNumber(std::string_view text, double& out);
// The parts of `text` between the separators, empty ones included ("a,,b" has three).
std::vector<std::string> splitText(std::string_view text, char separator);

class Json {
public:
    using Array = std::vector<Json>;
    using Object = std::vector<std::pair<std::string, Json>>;

    Json() = default;
    Json(std::nullptr_t) {}
    Json(bool b) : m_v(b) {}
    Json(int x) : m_v(static_cast<double>(x)) {}
    Json(long x) : m_v(static_cast<double>(x)) {}
    Json(long long x) : m_v(static_cast<double>(x)) {}
    Json(unsigned long x) : m_v(static_cast<double>(x)) {}
    Json(double x) : m_v(x) {}
    Json(const char* s) : m_v(std::string(s)) {}
    Json(std::string s) : m_v(std::move(s)) {}
    Json(Array a) : m_v(std::move(a)) {}
    Json(Object o) : m_v(std::move(o)) {}

    bool isNull() const { return std::holds_alternative<std::nullptr_t>(m_v); }
    bool isBool() const { return std::holds_alternative<bool>(m_v); }
    bool isNumber() const { return std::holds_alternative<double>(m_v); }
    bool isString() const { return std::holds_alternative<std::string>(m_v); }
    bool isArray() const { return std::holds_alternative<Array>(m_v); }
    bool isObject() const { return std::holds_alternative<Object>(m_v); }

    // Accessors throw std::runtime_error naming the expected type.
    bool asBool() const;
    double asNumber() const;
    const std::string& asString() const;
    const Array& asArray() const;
    const Object& asObject() const;
    // Object member or nullptr.
    const Json* find(const std::string& key) const;
    // Sets (or replaces) an object member; turns a null into an object.
    void set(const std::string& key, Json value);

    // Compact when indent < 0, otherwise pretty-printed. Always valid JSON: non-finite numbers
    // become null, bytes that are not UTF-8 in strings become U+FFFD.
    std::string dump(int indent = 2) const;
    // Parses with nlohmann/json (RFC 8259: no hex, no leading zeros, surrogate pairs decoded, no
    // duplicate keys, at most kMaxDepth levels of nesting). Integers beyond 2^53 lose precision
    // (numbers are doubles). Throws std::runtime_error "SOURCE:LINE:COL: message", or
    // "SOURCE: message" for the depth and duplicate keys.
    static Json parse(const std::string& text, const std::string& source = "<json>");
    static constexpr int kMaxDepth = 256;

private:
    void dumpTo(std::string& out, int indent, int depth) const;
    std::variant<std::nullptr_t, bool, double, std::string, Array, Object> m_v;
};

} // namespace rewire
