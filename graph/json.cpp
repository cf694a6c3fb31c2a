#include "graph/json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace rewire {

bool Json::asBool() const
{
    if (!isBool())
        throw std::runtime_error("JSON: expected true/false");
    return std::get<bool>(m_v);
}

double Json::asNumber() const
{
    if (!isNumber())
        throw std::runtime_error("JSON: expected a number");
    return std::get<double>(m_v);
}

const std::string& Json::asString() const
{
    if (!isString())
        throw std::runtime_error("JSON: expected a string");
    return std::get<std::string>(m_v);
}

const Json::Array& Json::asArray() const
{
    if (!isArray())
        throw std::runtime_error("JSON: expected an array");
    return std::get<Array>(m_v);
}

const Json::Object& Json::asObject() const
{
    if (!isObject())
        throw std::runtime_error("JSON: expected an object");
    return std::get<Object>(m_v);
}

const Json* Json::find(const std::string& key) const
{
    if (!isObject())
        return nullptr;
    for (const auto& [k, v] : std::get<Object>(m_v))
        if (k == key)
            return &v;
    return nullptr;
}

void Json::set(const std::string& key, Json value)
{
    if (isNull())
        m_v = Object{};
    auto& obj = std::get<Object>(m_v);
    for (auto& [k, v] : obj)
        if (k == key) {
            v = std::move(value);
            return;
        }
    obj.emplace_back(key, std::move(value));
}

namespace {

void dumpString(std::string& out, const std::string& s)
{
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    out += '"';
}

void newline(std::string& out, int indent, int depth)
{
    if (indent < 0)
        return;
    out += '\n';
    out.append(static_cast<size_t>(indent * depth), ' ');
}

class Parser {
public:
    Parser(const std::string& text, const std::string& source) : m_s(text), m_source(source) {}

    Json document()
    {
        Json v = value();
        skipSpace();
        if (m_pos != m_s.size())
            fail("unexpected text after the JSON value");
        return v;
    }

private:
    [[noreturn]] void fail(const std::string& what) const
    {
        size_t line = 1, col = 1;
        for (size_t i = 0; i < m_pos && i < m_s.size(); ++i) {
            if (m_s[i] == '\n') {
                ++line;
                col = 1;
            } else {
                ++col;
            }
        }
        throw std::runtime_error(m_source + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + what);
    }

    void skipSpace()
    {
        while (m_pos < m_s.size() && (m_s[m_pos] == ' ' || m_s[m_pos] == '\n' || m_s[m_pos] == '\t' || m_s[m_pos] == '\r'))
            ++m_pos;
    }

    bool consume(const char* word)
    {
        const std::string w(word);
        if (m_s.compare(m_pos, w.size(), w) == 0) {
            m_pos += w.size();
            return true;
        }
        return false;
    }

    Json value()
    {
        skipSpace();
        if (m_pos >= m_s.size())
            fail("unexpected end of input, expected a value");
        const char c = m_s[m_pos];
        if (c == '{')
            return object();
        if (c == '[')
            return array();
        if (c == '"')
            return Json(string());
        if (consume("true"))
            return Json(true);
        if (consume("false"))
            return Json(false);
        if (consume("null"))
            return Json(nullptr);
        if (c == '-' || (c >= '0' && c <= '9'))
            return number();
        fail(std::string("unexpected character '") + c + "', expected a value");
    }

    Json number()
    {
        const char* begin = m_s.c_str() + m_pos;
        char* end = nullptr;
        const double x = std::strtod(begin, &end);
        if (end == begin || !std::isfinite(x))
            fail("malformed number");
        m_pos += static_cast<size_t>(end - begin);
        return Json(x);
    }

    std::string string()
    {
        ++m_pos; // opening quote
        std::string out;
        while (true) {
            if (m_pos >= m_s.size())
                fail("unterminated string");
            const char c = m_s[m_pos++];
            if (c == '"')
                return out;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (m_pos >= m_s.size())
                fail("unterminated escape");
            const char e = m_s[m_pos++];
            switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'u': {
                if (m_pos + 4 > m_s.size())
                    fail("short \\u escape");
                const unsigned code = static_cast<unsigned>(std::stoul(m_s.substr(m_pos, 4), nullptr, 16));
                m_pos += 4;
                if (code < 0x80) {
                    out += static_cast<char>(code);
                } else if (code < 0x800) {
                    out += static_cast<char>(0xC0 | (code >> 6));
                    out += static_cast<char>(0x80 | (code & 0x3F));
                } else {
                    out += static_cast<char>(0xE0 | (code >> 12));
                    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
                    out += static_cast<char>(0x80 | (code & 0x3F));
                }
                break;
            }
            default: fail(std::string("unknown escape \\") + e);
            }
        }
    }

    Json array()
    {
        ++m_pos;
        Json::Array a;
        skipSpace();
        if (m_pos < m_s.size() && m_s[m_pos] == ']') {
            ++m_pos;
            return Json(std::move(a));
        }
        while (true) {
            a.push_back(value());
            skipSpace();
            if (m_pos < m_s.size() && m_s[m_pos] == ',') {
                ++m_pos;
                continue;
            }
            if (m_pos < m_s.size() && m_s[m_pos] == ']') {
                ++m_pos;
                return Json(std::move(a));
            }
            fail("expected ',' or ']' in array");
        }
    }

    Json object()
    {
        ++m_pos;
        Json obj{Json::Object{}};
        skipSpace();
        if (m_pos < m_s.size() && m_s[m_pos] == '}') {
            ++m_pos;
            return obj;
        }
        while (true) {
            skipSpace();
            if (m_pos >= m_s.size() || m_s[m_pos] != '"')
                fail("expected a quoted key");
            std::string key = string();
            if (obj.find(key))
                fail("duplicate key \"" + key + "\"");
            skipSpace();
            if (m_pos >= m_s.size() || m_s[m_pos] != ':')
                fail("expected ':' after key \"" + key + "\"");
            ++m_pos;
            obj.set(key, value());
            skipSpace();
            if (m_pos < m_s.size() && m_s[m_pos] == ',') {
                ++m_pos;
                continue;
            }
            if (m_pos < m_s.size() && m_s[m_pos] == '}') {
                ++m_pos;
                return obj;
            }
            fail("expected ',' or '}' in object");
        }
    }

    const std::string& m_s;
    const std::string& m_source;
    size_t m_pos = 0;
};

} // namespace

std::string formatNumber(double x)
{
    char buf[32];
    if (std::nearbyint(x) == x && std::fabs(x) < 1e15) {
        std::snprintf(buf, sizeof buf, "%.0f", x);
        return buf;
    }
    // The fewest significant digits that read back exactly, in %g's style ("0.0002", "1e-05").
    for (int digits = 1; digits <= 17; ++digits) {
        std::snprintf(buf, sizeof buf, "%.*g", digits, x);
        if (std::strtod(buf, nullptr) == x)
            break;
    }
    return buf;
}

void Json::dumpTo(std::string& out, int indent, int depth) const
{
    if (isNull()) {
        out += "null";
    } else if (isBool()) {
        out += asBool() ? "true" : "false";
    } else if (isNumber()) {
        out += formatNumber(asNumber());
    } else if (isString()) {
        dumpString(out, asString());
    } else if (isArray()) {
        const auto& a = asArray();
        out += '[';
        for (size_t i = 0; i < a.size(); ++i) {
            out += i ? ", " : "";
            a[i].dumpTo(out, -1, 0);
        }
        out += ']';
    } else {
        const auto& o = asObject();
        out += '{';
        for (size_t i = 0; i < o.size(); ++i) {
            out += i ? "," : "";
            newline(out, indent, depth + 1);
            dumpString(out, o[i].first);
            out += indent < 0 ? ":" : ": ";
            o[i].second.dumpTo(out, indent, depth + 1);
        }
        if (!o.empty())
            newline(out, indent, depth);
        out += '}';
    }
}

std::string Json::dump(int indent) const
{
    std::string out;
    dumpTo(out, indent, 0);
    return out;
}

Json Json::parse(const std::string& text, const std::string& source)
{
    return Parser(text, source).document();
}

} // namespace rewire
