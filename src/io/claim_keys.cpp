#include "io/claim_keys.hpp"

#include "io/byte_scan.hpp"
#include "io/simdjson_text.hpp"

namespace claimgraph::detail {

namespace {

// The length of the string whose text starts at `from` (just past its
// opening quote), up to its closing quote before `end`; npos when an escape or
// a control character comes first, or no quote. The line is followed by
// ClaimKeys::padding readable bytes, so 16 bytes at a time may read past it.
std::size_t plain_text_length(const char* from, const char* end) {
    for (const char* q = from; q < end; q += 16) {
        unsigned high = 0;
        if (const unsigned stops = special_bytes(q, high); stops != 0) {
            const char* at = q + __builtin_ctz(stops);
            return at < end && *at == '"' ? static_cast<std::size_t>(at - from) : std::string_view::npos;
        }
    }
    return std::string_view::npos;
}

// Reads the three keys straight off the text when they come before anything
// but plain top-level members (the usual shape of a claim line); false when
// anything else turns up first, and simdjson reads the line instead. Every
// line is decoded and checked in full afterwards, so a line that passes here
// but is not a valid claim still becomes an error row.
bool quick_keys(std::string_view line, std::string_view& member, std::string_view& id, std::string_view& date) {
    std::size_t i = 0;
    const std::size_t n = line.size();
    auto blanks = [&] {
        while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    };
    auto at = [&](char ch) { return i < n && line[i] == ch; };
    // A string without escapes or control characters; i is on its opening quote.
    auto plain = [&](std::string_view& out) {
        const std::size_t from = ++i;
        while (i < n && line[i] != '"' && line[i] != '\\' && static_cast<unsigned char>(line[i]) >= 0x20) ++i;
        if (!at('"')) return false;
        out = line.substr(from, i++ - from);
        return true;
    };
    blanks();
    if (!at('{')) return false;
    ++i;
    unsigned seen = 0;
    for (;;) {
        blanks();
        std::string_view key, value;
        if (!at('"') || !plain(key)) return false;
        blanks();
        if (!at(':')) return false;
        ++i;
        blanks();
        const unsigned bit = key == "member_id" ? 1u : key == "claim_id" ? 2u : key == "date" ? 4u : 0u;
        if (at('"')) {
            if (!plain(value)) return false;
        } else {
            if (bit != 0 || at('{') || at('[')) return false;
            while (i < n && line[i] != ',' && line[i] != '}' && line[i] != ' ' && line[i] != '\t') ++i;
        }
        if (bit != 0) {
            if (seen & bit) return false;
            seen |= bit;
            (bit == 1 ? member : bit == 2 ? id : date) = value;
            if (seen == 7) return true;
        }
        blanks();
        if (!at(',')) return false;
        ++i;
    }
}

// The common case, checked first: the three keys written first, compactly
// and in this order — {"claim_id":"…","member_id":"…","date":"…", — as most
// writers (the bench's generator among them) do. What quick_keys would read
// from such a line, at a fraction of its cost.
bool leading_keys(std::string_view line, std::string_view& member, std::string_view& id, std::string_view& date) {
    static constexpr std::string_view kId = "{\"claim_id\":\"", kMember = "\",\"member_id\":\"", kDate = "\",\"date\":\"";
    if (!line.starts_with(kId)) return false;
    std::size_t i = kId.size();
    // A string without escapes or control characters up to its closing quote.
    auto text = [&](std::string_view& out) {
        const std::size_t n = plain_text_length(line.data() + i, line.data() + line.size());
        if (n == std::string_view::npos) return false;
        out = line.substr(i, n);
        i += n;
        return true;
    };
    if (!text(id) || line.compare(i, kMember.size(), kMember) != 0) return false;
    i += kMember.size();
    if (!text(member) || line.compare(i, kDate.size(), kDate) != 0) return false;
    i += kDate.size();
    return text(date);
}

}  // namespace

bool ClaimKeys::read(std::string_view line, std::string_view& member, std::string_view& id, std::string_view& date) {
    if (leading_keys(line, member, id, date) || quick_keys(line, member, id, date)) return true;
    simdjson::ondemand::object obj;
    auto doc = parser_.iterate(line.data(), line.size(), line.size() + padding);
    if (doc.error() || doc.get_object().get(obj) != simdjson::SUCCESS) return false;
    int found = 0;
    for (auto field_result : obj) {
        simdjson::ondemand::field field;
        if (std::move(field_result).get(field)) return false;
        std::string_view key;
        if (read_key(field, key)) return false;
        std::string_view* dst = key == "member_id" ? &member : key == "claim_id" ? &id : key == "date" ? &date : nullptr;
        if (dst == nullptr) continue;
        simdjson::ondemand::value v = field.value();
        if (!plain_string(v.raw_json_token(), *dst) && v.get_string().get(*dst)) return false;
        if (++found == 3) return true;
    }
    return false;
}

}  // namespace claimgraph::detail
