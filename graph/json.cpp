#include "graph/json.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <vector>

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

using Parsed = nlohmann::ordered_json;

// A JSON string literal with the escapes JSON needs; bytes that are not UTF-8 become U+FFFD, so
// the file stays valid JSON whatever a name or path contained.
void dumpString(std::string& out, const std::string& s)
{
    out += Parsed(s).dump(-1, ' ', false, Parsed::error_handler_t::replace);
}

void newline(std::string& out, int indent, int depth)
{
    if (indent < 0)
        return;
    out += '\n';
    out.append(static_cast<size_t>(indent * depth), ' ');
}

// "SOURCE:LINE:COL: what" for the byte offset `at` (0-based) of text.
[[noreturn]] void fail(const std::string& text, const std::string& source, std::size_t at, const std::string& what)
{
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < at && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    throw std::runtime_error(source + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + what);
}

// nlohmann's tree (at most Json::kMaxDepth deep, so the recursion is bounded) as a Json.
Json fromParsed(const Parsed& p)
{
    switch (p.type()) {
    case Parsed::value_t::null:
        return Json(nullptr);
    case Parsed::value_t::boolean:
        return Json(p.get<bool>());
    case Parsed::value_t::string:
        return Json(p.get<std::string>());
    case Parsed::value_t::array: {
        Json::Array a;
        a.reserve(p.size());
        for (const Parsed& v : p)
            a.push_back(fromParsed(v));
        return Json(std::move(a));
    }
    case Parsed::value_t::object: {
        Json o{Json::Object{}};
        for (const auto& [k, v] : p.items())
            o.set(k, fromParsed(v));
        return o;
    }
    default: // the three number types
        return Json(p.get<double>());
    }
}

} // namespace

std::vector<std::string> splitText(std::string_view text, char separator)
{
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const std::size_t at = text.find(separator, start);
        parts.emplace_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
        if (at == std::string_view::npos)
            return parts;
        start = at + 1;
    }
}

std::string formatNumber(double x)
{
    // std::to_chars, never printf or strtod: those follow LC_NUMERIC, which Qt sets from the
    // user's environment (a German desktop writes "0,6").
    char buf[64];
    if (std::nearbyint(x) == x && std::fabs(x) < 1e15)
        return std::string(buf, std::to_chars(buf, buf + sizeof buf, static_cast<long long>(x)).ptr);
    // The fewest significant digits that read back exactly, in %g's style ("0.0002", "1e-05").
    char* end = buf;
    for (int digits = 1; digits <= 17; ++digits) {
        end = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::general, digits).ptr;
        double back = 0.0;
        std::from_chars(buf, end, back);
        if (back == x)
            break;
    }
    return std::string(buf, end);
}

bool readNumber(std::string_view text, double& out)
{
    if (text.size() > 1 && text[0] == '+' && text[1] != '-')
        text.remove_prefix(1);
    double v = 0.0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size() || !std::isfinite(v))
        return false;
    out = v;
    return true;
}

void Json::dumpTo(std::string& out, int indent, int depth) const
{
    if (isNull()) {
        out += "null";
    } else if (isBool()) {
        out += asBool() ? "true" : "false";
    } else if (isNumber()) {
        // JSON has no NaN or infinity: a value that is not finite is written as null.
        out += std::isfinite(asNumber()) ? formatNumber(asNumber()) : "null";
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
    // nlohmann's parser (no recursion) with a callback that bounds the depth, so that the
    // conversion above cannot overflow the stack, and refuses duplicate keys, which it would keep
    // silently (the last one wins).
    std::vector<std::vector<std::string>> keys; // per open object
    std::size_t at = 0;
    const auto check = [&](int depth, Parsed::parse_event_t event, Parsed& parsed) {
        if (depth > kMaxDepth)
            throw std::invalid_argument("nested deeper than " + std::to_string(kMaxDepth) + " levels");
        if (event == Parsed::parse_event_t::object_start)
            keys.emplace_back();
        else if (event == Parsed::parse_event_t::object_end && !keys.empty())
            keys.pop_back();
        else if (event == Parsed::parse_event_t::key && !keys.empty()) {
            const auto& key = parsed.get_ref<const std::string&>();
            auto& seen = keys.back();
            if (std::find(seen.begin(), seen.end(), key) != seen.end())
                throw std::invalid_argument("duplicate key \"" + key + "\"");
            seen.push_back(key);
        }
        return true;
    };
    try {
        return fromParsed(Parsed::parse(text, check));
    } catch (const Parsed::parse_error& e) {
        at = e.byte > 0 ? e.byte - 1 : 0;
        // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error while
        // parsing value - invalid literal; last read: '0x'": keep what follows the position.
        std::string what = e.what();
        const auto colon = what.find(": ", what.find("parse error"));
        what = colon == std::string::npos ? what : what.substr(colon + 2);
        fail(text, source, at, what);
    } catch (const Parsed::out_of_range& e) {
        // A number beyond a double ("1e99999"): no position from the library; name the file.
        std::string what = e.what();
        const auto close = what.find("] ");
        throw std::runtime_error(source + ": " + (close == std::string::npos ? what : what.substr(close + 2)));
    } catch (const std::invalid_argument& e) { // the callback's: depth and duplicate keys
        throw std::runtime_error(source + ": " + e.what());
    }
}

} // namespace rewire
