// Internal: reading keys and strings in place with simdjson On-Demand, for
// the claim decoder and the key scan of settle_file.
#pragma once

#include <string_view>

#include <simdjson.h>

namespace claimgraph::detail {

namespace od = simdjson::ondemand;

inline std::string_view trim_json_blanks(std::string_view t) {
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t' || t.back() == '\n' || t.back() == '\r'))
        t.remove_suffix(1);
    return t;
}

// The contents of a string token ("..." and maybe trailing blanks) when it
// holds no escape, read in place; false when it must be unescaped.
inline bool plain_string(std::string_view token, std::string_view& out) {
    token = trim_json_blanks(token);
    if (token.size() < 2 || token.front() != '"' || token.back() != '"') return false;
    const std::string_view inner = token.substr(1, token.size() - 2);
    if (inner.find('\\') != std::string_view::npos) return false;
    out = inner;
    return true;
}

// A field's key, in place when it holds no escape (the common case).
inline simdjson::error_code read_key(od::field& field, std::string_view& out) {
    const char* raw = field.key().raw();
    const char* q = raw;
    while (*q != '"' && *q != '\\') ++q;  // stage 1 guarantees a closing quote
    if (*q == '"') {
        out = std::string_view(raw, static_cast<std::size_t>(q - raw));
        return simdjson::SUCCESS;
    }
    return field.unescaped_key().get(out);
}

}  // namespace claimgraph::detail
