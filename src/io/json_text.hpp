// Internal: JSON text helpers shared by the claims reader, the result writer,
// the policy test runner and the JSON explanation.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace claimgraph::detail {

// The JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_json_number(std::string_view t);

// Length of the well-formed UTF-8 sequence starting at s[i] (a byte >= 0x80),
// or 0 when it is not one.
std::size_t utf8_length(std::string_view s, std::size_t i);

// True when `s` goes into a JSON string literal as it is: printable ASCII
// other than '"' and '\\'. Ids and output names nearly always are.
bool is_plain_json(std::string_view s);

// Appends `s` as a JSON string literal. Well-formed UTF-8 passes through
// unchanged; a stray byte (say, a message cut mid-character) becomes U+FFFD,
// so the text is always valid JSON.
void append_json_string(std::string& out, std::string_view s);

}  // namespace claimgraph::detail
