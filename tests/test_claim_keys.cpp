// ClaimKeys, the key pass's reader of (member_id, claim_id, date): its quick
// paths must read exactly what simdjson reads, stop at the line's end even
// when the padding after it holds a quote, and give up on escapes and control
// characters (simdjson then reads the line, or the line is reported).
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "io/claim_keys.hpp"

using claimgraph::detail::ClaimKeys;

namespace {

struct Keys {
    bool ok = false;
    std::string member, id, date;
};

// The line followed by `padding` readable bytes (a quote among them).
Keys read(ClaimKeys& reader, std::string_view line, char pad = '"') {
    std::string buf(line);
    buf.append(ClaimKeys::padding, pad);
    std::string_view member, id, date;
    Keys k;
    k.ok = reader.read(std::string_view(buf.data(), line.size()), member, id, date);
    if (k.ok) k = {true, std::string(member), std::string(id), std::string(date)};
    return k;
}

std::string compact(std::string_view id, std::string_view member, std::string_view date) {
    return "{\"claim_id\":\"" + std::string(id) + "\",\"member_id\":\"" + std::string(member) + "\",\"date\":\"" +
           std::string(date) + "\",\"items\":[]}";
}

}  // namespace

TEST_CASE("claim keys: ids of every length around the 16-byte steps are read whole") {
    ClaimKeys reader;
    for (std::size_t n = 1; n <= 50; ++n) {
        const std::string id(n, 'C'), member = std::string(1, 'M').append(n, '7');
        const Keys k = read(reader, compact(id, member, "2026-03-01"));
        INFO("length " << n);
        REQUIRE(k.ok);
        CHECK(k.id == id);
        CHECK(k.member == member);
        CHECK(k.date == "2026-03-01");
    }
}

TEST_CASE("claim keys: non-ASCII ids are plain text") {
    ClaimKeys reader;
    const Keys k = read(reader, compact("理赔-0001", "参保人甲", "2026-03-01"));
    REQUIRE(k.ok);
    CHECK(k.id == "理赔-0001");
    CHECK(k.member == "参保人甲");
}

TEST_CASE("claim keys: an escaped id is read by simdjson, unescaped") {
    ClaimKeys reader;
    const Keys k = read(reader, compact("A\\\"1", "M\\u0031", "2026-03-01"));
    REQUIRE(k.ok);
    CHECK(k.id == "A\"1");
    CHECK(k.member == "M1");
}

TEST_CASE("claim keys: keys in another order or spaced out") {
    ClaimKeys reader;
    const Keys k = read(reader, R"({ "date" : "2026-01-02", "insutype": "employee", "member_id":"M9", "claim_id": "X-1" })");
    REQUIRE(k.ok);
    CHECK(k.id == "X-1");
    CHECK(k.member == "M9");
    CHECK(k.date == "2026-01-02");
}

TEST_CASE("claim keys: a string the line ends inside is not read past the line") {
    ClaimKeys reader;
    // The padding after the line is all quotes: a reader that ran past the
    // line's end would find a closing quote there.
    for (const std::string_view line : {R"({"claim_id":"C1","member_id":"M1","date":"2026-01-0)",
                                        R"({"claim_id":"C1","member_id":"M1)", R"({"claim_id":"C12345678901234567890)"}) {
        INFO(line);
        CHECK_FALSE(read(reader, line).ok);
        CHECK_FALSE(read(reader, line, ' ').ok);
    }
}

TEST_CASE("claim keys: a control character or a missing key gives no keys") {
    ClaimKeys reader;
    CHECK_FALSE(read(reader, compact("C\t1", "M1", "2026-01-01")).ok);
    CHECK_FALSE(read(reader, R"({"claim_id":"C1","date":"2026-01-01","items":[]})").ok);
    CHECK_FALSE(read(reader, R"({"claim_id":"C1","member_id":7,"date":"2026-01-01"})").ok);
    CHECK_FALSE(read(reader, "[1,2,3]").ok);
}
