// Claims: dates, value decoding by field type, defaults, items, the builder;
// plus the schema look-ups, error formatting and the in-memory ledger.
#include <catch2/catch.hpp>

#include <climits>
#include <functional>
#include <memory>
#include <optional>

#include "claimgraph/claim.hpp"
#include "claimgraph/error.hpp"
#include "claimgraph/ledger.hpp"
#include "claimgraph/schema.hpp"

using namespace claimgraph;
using Catch::Matchers::Contains;

namespace {

// Claim fields.
enum : int { F_INSUTYPE, F_HOSP_LV, F_REFERRED, F_TAGS, F_DEDUCTIBLE, F_COINS, F_VISITS, F_ADMIT, F_NOTE, F_SURCHARGE };
// Item fields.
enum : int { I_CODE, I_CATEGORY, I_AMOUNT, I_SELFPAY, I_QTY, I_PRICE_CAP, I_NAME };
// Their columns in a fee line's row of values (Claim::items): the texts (code, name) have none.
enum : int { V_CATEGORY, V_AMOUNT, V_SELFPAY, V_QTY, V_PRICE_CAP, V_WIDTH };

FieldSpec field(std::string name, FieldType type, int enum_type = -1) {
    FieldSpec f;
    f.name = std::move(name);
    f.type = type;
    f.enum_type = enum_type;
    return f;
}

Schema make_schema() {
    Schema s;
    s.enums = {
        {"insutype", {"employee", "resident"}},
        {"hosp_lv", {"1", "2", "3"}},
        {"tags", {"tekun", "dibao", "fanpin", "dibian"}},
        {"category", {"A", "B", "C"}},
    };
    s.claim_fields.push_back(field("insutype", FieldType::enumeration, 0));
    s.claim_fields.push_back(field("hosp_lv", FieldType::enumeration, 1));
    s.claim_fields.push_back(field("referred", FieldType::boolean));
    s.claim_fields.push_back(field("tags", FieldType::tags, 2));
    auto deductible = field("deductible", FieldType::money);
    deductible.optional = true;
    s.claim_fields.push_back(deductible);
    auto coins = field("coinsurance", FieldType::ratio);
    coins.default_value = 1000;
    s.claim_fields.push_back(coins);
    auto visits = field("visits", FieldType::count);
    visits.optional = true;
    visits.min_value = 1;
    s.claim_fields.push_back(visits);
    auto admit = field("admit_date", FieldType::date);
    admit.optional = true;
    s.claim_fields.push_back(admit);
    auto note = field("note", FieldType::string);
    note.optional = true;
    s.claim_fields.push_back(note);
    auto surcharge = field("surcharge", FieldType::money);
    surcharge.default_value = 500;  // 5.00 yuan
    s.claim_fields.push_back(surcharge);

    s.item_fields.push_back(field("code", FieldType::string));
    s.item_fields.push_back(field("category", FieldType::enumeration, 3));
    s.item_fields.push_back(field("amount", FieldType::money));
    auto selfpay = field("selfpay_prop", FieldType::ratio);
    selfpay.default_value = 1000;
    s.item_fields.push_back(selfpay);
    auto qty = field("qty", FieldType::count);
    qty.default_value = 1;
    qty.min_value = 1;
    s.item_fields.push_back(qty);
    auto cap = field("price_cap", FieldType::money);
    cap.optional = true;
    s.item_fields.push_back(cap);
    auto name = field("name", FieldType::string);
    name.optional = true;
    s.item_fields.push_back(name);
    return s;
}

const Schema& schema() {
    static const Schema s = make_schema();
    return s;
}

// A claim with its keys set and no fields yet.
Claim fresh() {
    Claim c;
    c.reset(schema());
    c.claim_id = "C1";
    c.member_id = "M1";
    REQUIRE(parse_date("2026-03-05", c.date));
    return c;
}

// A claim with every required claim field given.
Claim complete() {
    Claim c = fresh();
    set_claim_value(schema(), c, F_INSUTYPE, "employee", true);
    set_claim_value(schema(), c, F_HOSP_LV, "2", false);
    set_claim_value(schema(), c, F_REFERRED, "false", false);
    set_claim_value(schema(), c, F_TAGS, "", true);
    return c;
}

std::optional<ClaimError> claim_error(const std::function<void()>& f) {
    try {
        f();
    } catch (const ClaimError& e) {
        return e;
    }
    return std::nullopt;
}

std::int64_t set_claim(std::string_view text, bool quoted, int f) {
    Claim c = fresh();
    set_claim_value(schema(), c, f, text, quoted);
    REQUIRE(c.present[static_cast<std::size_t>(f)] == 1);
    return c.fields[static_cast<std::size_t>(f)];
}

}  // namespace

// Expects `expr` to throw a ClaimError naming `fld` whose message contains `substr`.
#define CHECK_CLAIM_ERROR(expr, fld, substr)                    \
    do {                                                        \
        const auto err_ = claim_error([&] { expr; });           \
        REQUIRE(err_.has_value());                              \
        CHECK(err_->field() == (fld));                          \
        CHECK_THAT(std::string(err_->what()), Contains(substr)); \
    } while (0)

#define CHECK_SET_ERROR(text, quoted, f, fld, substr)                                  \
    do {                                                                               \
        Claim c_ = fresh();                                                            \
        CHECK_CLAIM_ERROR(set_claim_value(schema(), c_, (f), (text), (quoted)), fld, substr); \
        CHECK(c_.present[static_cast<std::size_t>(f)] == 0);                           \
    } while (0)

// ---------------------------------------------------------------------------

TEST_CASE("schema look-ups", "[schema]") {
    const Schema& s = schema();
    CHECK(s.claim_field("insutype") == F_INSUTYPE);
    CHECK(s.claim_field("surcharge") == F_SURCHARGE);
    CHECK(s.claim_field("amount") == -1);
    CHECK(s.claim_field("") == -1);
    CHECK(s.item_field("amount") == I_AMOUNT);
    CHECK(s.item_field("insutype") == -1);
    // A fee line's values: a column per field that is not a text, in schema order.
    CHECK(s.item_width() == V_WIDTH);
    CHECK(s.item_column(I_CODE) == -1);
    CHECK(s.item_column(I_NAME) == -1);
    CHECK(s.item_column(I_CATEGORY) == V_CATEGORY);
    CHECK(s.item_column(I_AMOUNT) == V_AMOUNT);
    CHECK(s.item_column(I_PRICE_CAP) == V_PRICE_CAP);
    CHECK(s.item_column(-1) == -1);
    CHECK(s.item_column(static_cast<int>(s.item_fields.size())) == -1);
    CHECK(s.enums[1].index_of("3") == std::optional<std::size_t>(2));
    CHECK(s.enums[0].index_of("resident") == std::optional<std::size_t>(1));
    CHECK_FALSE(s.enums[0].index_of("Resident").has_value());
    CHECK_FALSE(s.enums[0].index_of("").has_value());
    CHECK(std::string(field_type_name(FieldType::money)) == "money");
    CHECK(std::string(field_type_name(FieldType::ratio)) == "ratio");
    CHECK(std::string(field_type_name(FieldType::count)) == "count");
    CHECK(std::string(field_type_name(FieldType::boolean)) == "bool");
    CHECK(std::string(field_type_name(FieldType::date)) == "date");
    CHECK(std::string(field_type_name(FieldType::string)) == "string");
    CHECK(std::string(field_type_name(FieldType::enumeration)) == "enum");
    CHECK(std::string(field_type_name(FieldType::tags)) == "tags");
}

TEST_CASE("error formatting", "[error]") {
    const auto file = std::make_shared<const std::string>("rules/p.yaml");
    const SourcePos pos{file, 12, 5};
    CHECK(pos.str() == "rules/p.yaml:12:5");
    const Diagnostic d{pos, "expected a ratio, found money"};
    CHECK(d.str() == "rules/p.yaml:12:5: error: expected a ratio, found money");
    const CompileError e({d, Diagnostic{SourcePos{file, 20, 1}, "unknown key 'foo'"}});
    CHECK(std::string(e.what()) ==
          "rules/p.yaml:12:5: error: expected a ratio, found money\nrules/p.yaml:20:1: error: unknown key 'foo'");
    REQUIRE(e.diagnostics().size() == 2);
    CHECK(e.diagnostics()[1].pos.line == 20);
    CHECK(std::string(CompileError({d}).what()) == d.str());
    const ClaimError ce("items[0].amount", "missing required field");
    CHECK(ce.field() == "items[0].amount");
    CHECK(std::string(ce.what()) == "missing required field");
}

TEST_CASE("dates", "[claim][date]") {
    CHECK(Date::from_ymd(1970, 1, 1).days == 0);
    CHECK(Date::from_ymd(1970, 1, 2).days == 1);
    CHECK(Date::from_ymd(1969, 12, 31).days == -1);
    CHECK(Date::from_ymd(2000, 3, 1).days == 11017);
    CHECK(Date::from_ymd(2026, 1, 1).days == 20454);
    const Date d = Date::from_ymd(2026, 3, 5);
    CHECK(d.year() == 2026);
    CHECK(d.month() == 3u);
    CHECK(d.day() == 5u);
    CHECK(d.str() == "2026-03-05");
    CHECK(Date::from_ymd(1999, 12, 31).str() == "1999-12-31");
    CHECK(Date::from_ymd(2026, 1, 1) < Date::from_ymd(2026, 1, 2));
    CHECK(Date::from_ymd(2025, 12, 31) < Date::from_ymd(2026, 1, 1));

    Date p;
    REQUIRE(parse_date("2026-03-05", p));
    CHECK(p == d);
    REQUIRE(parse_date("2024-02-29", p));  // leap year
    CHECK(p.str() == "2024-02-29");
    CHECK(parse_date("2000-02-29", p));    // divisible by 400: leap
    CHECK(parse_date("1970-01-01", p));
    CHECK(p.days == 0);
    CHECK(parse_date("2026-12-31", p));
    CHECK(p.days == Date::from_ymd(2026, 12, 31).days);

    p = Date::from_ymd(2001, 1, 1);
    const Date before = p;
    for (const char* bad : {"2026-02-30", "2023-02-29", "1900-02-29", "2026-04-31", "2026-13-01", "2026-00-10",
                            "2026-01-00", "2026-01-32", "2026-1-02", "2026-01-2", "26-01-02", "2026/01/02",
                            "20260102", "2026-01-02T00:00", " 2026-01-02", "2026-01-02 ", "", "2026-0a-02",
                            "+026-01-02", "2026--1-02"}) {
        INFO(bad);
        CHECK_FALSE(parse_date(bad, p));
        CHECK(p == before);  // untouched on failure
    }
}

TEST_CASE("reset sizes the claim and keeps its buffers", "[claim]") {
    Claim c;
    c.reset(schema());
    CHECK(c.fields.size() == schema().claim_fields.size());
    CHECK(c.present.size() == schema().claim_fields.size());
    CHECK(c.texts.size() == schema().claim_fields.size());
    CHECK(c.item_count == 0);
    CHECK(c.items.empty());
    c.claim_id = std::string("X");  // std::string(...): GCC 12 warns of a false -Wrestrict on = "X"
    c.member_id = std::string("Y");
    c.line = 7;
    set_claim_value(schema(), c, F_NOTE, "a note", true);
    set_claim_value(schema(), c, F_DEDUCTIBLE, "12", false);
    start_item(schema(), c);
    set_item_value(schema(), c, 0, I_AMOUNT, "3", false);
    const auto* fields_data = c.fields.data();
    const auto* items_data = c.items.data();
    c.reset(schema());
    CHECK(c.claim_id.empty());
    CHECK(c.member_id.empty());
    CHECK(c.line == 0);
    CHECK(c.fields[F_DEDUCTIBLE] == 0);
    CHECK(c.present[F_DEDUCTIBLE] == 0);
    CHECK(c.texts[F_NOTE].empty());
    CHECK(c.item_count == 0);
    CHECK(c.items.empty());
    CHECK(c.item_present.empty());
    CHECK(c.item_texts.empty());
    CHECK(c.fields.data() == fields_data);  // no reallocation
    start_item(schema(), c);
    CHECK(c.items.data() == items_data);
    CHECK(c.items[V_AMOUNT] == 0);
    CHECK(c.item_present[I_AMOUNT] == 0);
    // The date is unset after reset, so finishing without one fails.
    c.claim_id = std::string("X");
    c.member_id = std::string("Y");
    CHECK_CLAIM_ERROR(finish_claim(schema(), c), "date", "missing");
}

TEST_CASE("money fields", "[claim][value]") {
    CHECK(set_claim("1234.56", false, F_DEDUCTIBLE) == 123456);
    CHECK(set_claim("12", false, F_DEDUCTIBLE) == 1200);
    CHECK(set_claim("12.5", false, F_DEDUCTIBLE) == 1250);
    CHECK(set_claim("0", false, F_DEDUCTIBLE) == 0);
    CHECK(set_claim("100.05", false, F_DEDUCTIBLE) == 10005);
    CHECK_SET_ERROR("12.500", false, F_DEDUCTIBLE, "deductible",
                    "expected an amount with at most two decimals, found 12.500");
    CHECK_SET_ERROR("-5", false, F_DEDUCTIBLE, "deductible", "expected a non-negative amount, found -5");
    CHECK_SET_ERROR("1.2e3", false, F_DEDUCTIBLE, "deductible", "found 1.2e3");
    CHECK_SET_ERROR("NaN", false, F_DEDUCTIBLE, "deductible", "found NaN");
    CHECK_SET_ERROR("", false, F_DEDUCTIBLE, "deductible", "found nothing");
    CHECK_SET_ERROR("12.50", true, F_DEDUCTIBLE, "deductible", "found \"12.50\"");
    CHECK_SET_ERROR("true", false, F_DEDUCTIBLE, "deductible", "expected an amount");
    CHECK_SET_ERROR("92233720368547758.08", false, F_DEDUCTIBLE, "deductible", "found 92233720368547758.08");
}

TEST_CASE("ratio fields", "[claim][value]") {
    CHECK(set_claim("8500", false, F_COINS) == 8500);
    CHECK(set_claim("0", false, F_COINS) == 0);
    CHECK(set_claim("10000", false, F_COINS) == 10000);
    CHECK_SET_ERROR("10001", false, F_COINS, "coinsurance", "0 to 10000, found 10001");
    CHECK_SET_ERROR("-1", false, F_COINS, "coinsurance", "found -1");
    CHECK_SET_ERROR("85.5", false, F_COINS, "coinsurance", "found 85.5");
    CHECK_SET_ERROR("85%", false, F_COINS, "coinsurance", "found 85%");
    CHECK_SET_ERROR("8500", true, F_COINS, "coinsurance", "found \"8500\"");
}

TEST_CASE("count fields", "[claim][value]") {
    CHECK(set_claim("3", false, F_VISITS) == 3);
    CHECK(set_claim("1", false, F_VISITS) == 1);
    CHECK_SET_ERROR("0", false, F_VISITS, "visits", "at least 1, found 0");
    CHECK_SET_ERROR("-1", false, F_VISITS, "visits", "found -1");
    CHECK_SET_ERROR("1.0", false, F_VISITS, "visits", "found 1.0");
    CHECK_SET_ERROR("2", true, F_VISITS, "visits", "found \"2\"");
    CHECK_SET_ERROR("99999999999999999999", false, F_VISITS, "visits", "whole number");
}

TEST_CASE("bool fields", "[claim][value]") {
    CHECK(set_claim("true", false, F_REFERRED) == 1);
    CHECK(set_claim("false", false, F_REFERRED) == 0);
    CHECK_SET_ERROR("1", false, F_REFERRED, "referred", "expected true or false, found 1");
    CHECK_SET_ERROR("true", true, F_REFERRED, "referred", "found \"true\"");
    CHECK_SET_ERROR("True", false, F_REFERRED, "referred", "found True");
    CHECK_SET_ERROR("null", false, F_REFERRED, "referred", "found null");
}

TEST_CASE("date fields", "[claim][value]") {
    CHECK(set_claim("2024-02-29", true, F_ADMIT) == Date::from_ymd(2024, 2, 29).days);
    CHECK_SET_ERROR("2026-02-30", true, F_ADMIT, "admit_date", "found \"2026-02-30\"");
    CHECK_SET_ERROR("2026-1-02", true, F_ADMIT, "admit_date", "YYYY-MM-DD");
    CHECK_SET_ERROR("20260102", false, F_ADMIT, "admit_date", "found 20260102");
}

TEST_CASE("string fields", "[claim][value]") {
    Claim c = fresh();
    set_claim_value(schema(), c, F_NOTE, "转诊 after ER", true);
    CHECK(c.texts[F_NOTE] == "转诊 after ER");
    CHECK(c.present[F_NOTE] == 1);
    Claim e = fresh();
    set_claim_value(schema(), e, F_NOTE, "", true);  // an empty string is a given string
    CHECK(e.present[F_NOTE] == 1);
    CHECK(e.texts[F_NOTE].empty());
    CHECK_SET_ERROR("12", false, F_NOTE, "note", "expected a string, found 12");
    // Long texts are shortened in messages.
    const std::string long_text(200, '9');
    const auto err = claim_error([&] { Claim x = fresh(); set_claim_value(schema(), x, F_DEDUCTIBLE, long_text, false); });
    REQUIRE(err);
    CHECK(std::string(err->what()).size() < 150);
}

TEST_CASE("enum fields", "[claim][value]") {
    CHECK(set_claim("employee", true, F_INSUTYPE) == 0);
    CHECK(set_claim("resident", true, F_INSUTYPE) == 1);
    CHECK(set_claim("2", false, F_HOSP_LV) == 1);  // written as a JSON number
    CHECK(set_claim("3", true, F_HOSP_LV) == 2);   // or as a string
    CHECK_SET_ERROR("4", false, F_HOSP_LV, "hosp_lv", "expected one of 1, 2 or 3, found 4");
    CHECK_SET_ERROR("Employee", true, F_INSUTYPE, "insutype",
                    "expected one of employee or resident, found \"Employee\"");
    CHECK_SET_ERROR("", true, F_INSUTYPE, "insutype", "found \"\"");
}

TEST_CASE("tags fields", "[claim][value]") {
    Claim c = fresh();
    set_claim_value(schema(), c, F_TAGS, "", true);  // the list starts: present, empty
    CHECK(c.present[F_TAGS] == 1);
    CHECK(c.fields[F_TAGS] == 0);
    add_claim_tag(schema(), c, F_TAGS, "dibao");
    add_claim_tag(schema(), c, F_TAGS, "fanpin");
    CHECK(c.fields[F_TAGS] == 0b0110);
    add_claim_tag(schema(), c, F_TAGS, "dibao");  // a repeated tag is still one bit
    CHECK(c.fields[F_TAGS] == 0b0110);
    CHECK_CLAIM_ERROR(add_claim_tag(schema(), c, F_TAGS, "rich"), "tags",
                      "expected tags among tekun, dibao, fanpin or dibian, found \"rich\"");
    CHECK(c.fields[F_TAGS] == 0b0110);
    // A second list for the same field is a duplicate.
    CHECK_CLAIM_ERROR(set_claim_value(schema(), c, F_TAGS, "", true), "tags", "duplicate field");

    // add_claim_tag alone also marks the field present.
    Claim d = fresh();
    add_claim_tag(schema(), d, F_TAGS, "dibian");
    CHECK(d.present[F_TAGS] == 1);
    CHECK(d.fields[F_TAGS] == 0b1000);

    CHECK_SET_ERROR("dibao", true, F_TAGS, "tags", "expected a list of tags");
    CHECK_SET_ERROR("", false, F_TAGS, "tags", "expected a list of tags");
    Claim e = fresh();
    CHECK_CLAIM_ERROR(add_claim_tag(schema(), e, F_NOTE, "x"), "note", "found a list");
}

TEST_CASE("a field given twice is an error", "[claim][value]") {
    Claim c = fresh();
    set_claim_value(schema(), c, F_DEDUCTIBLE, "12", false);
    CHECK_CLAIM_ERROR(set_claim_value(schema(), c, F_DEDUCTIBLE, "13", false), "deductible", "duplicate field");
    CHECK(c.fields[F_DEDUCTIBLE] == 1200);  // the first value stays
    set_claim_value(schema(), c, F_NOTE, "a", true);
    CHECK_CLAIM_ERROR(set_claim_value(schema(), c, F_NOTE, "b", true), "note", "duplicate field");
    start_item(schema(), c);
    set_item_value(schema(), c, 0, I_CODE, "X", true);
    CHECK_CLAIM_ERROR(set_item_value(schema(), c, 0, I_CODE, "Y", true), "items[0].code", "duplicate field");
}

TEST_CASE("unknown field index", "[claim][value]") {
    Claim c = fresh();
    CHECK_THROWS_AS(set_claim_value(schema(), c, 99, "1", false), ClaimError);
    CHECK_THROWS_AS(set_claim_value(schema(), c, -1, "1", false), ClaimError);
    start_item(schema(), c);
    CHECK_THROWS_AS(set_item_value(schema(), c, 0, 99, "1", false), ClaimError);
    CHECK_CLAIM_ERROR(set_item_value(schema(), c, 1, I_CODE, "x", true), "items[1]", "no such item");
}

TEST_CASE("finish_claim applies defaults and rejects missing fields", "[claim][finish]") {
    Claim c = complete();
    finish_claim(schema(), c);
    CHECK(c.fields[F_COINS] == 1000);  // default
    CHECK(c.present[F_COINS] == 1);
    CHECK(c.fields[F_SURCHARGE] == 500);
    CHECK(c.present[F_SURCHARGE] == 1);
    CHECK(c.present[F_DEDUCTIBLE] == 0);  // optional, absent
    CHECK(c.fields[F_DEDUCTIBLE] == 0);
    CHECK(c.present[F_VISITS] == 0);
    CHECK(c.present[F_NOTE] == 0);
    CHECK(c.present[F_TAGS] == 1);  // an empty list counts as given
    CHECK(c.fields[F_TAGS] == 0);

    // A given value is not overwritten by the default.
    Claim g = complete();
    set_claim_value(schema(), g, F_COINS, "0", false);
    finish_claim(schema(), g);
    CHECK(g.fields[F_COINS] == 0);

    Claim m = fresh();
    set_claim_value(schema(), m, F_HOSP_LV, "1", false);
    CHECK_CLAIM_ERROR(finish_claim(schema(), m), "insutype", "missing required field");
    Claim t = fresh();
    set_claim_value(schema(), t, F_INSUTYPE, "employee", true);
    set_claim_value(schema(), t, F_HOSP_LV, "1", false);
    set_claim_value(schema(), t, F_REFERRED, "true", false);
    CHECK_CLAIM_ERROR(finish_claim(schema(), t), "tags", "missing required field");

    Claim no_id = complete();
    no_id.claim_id.clear();
    CHECK_CLAIM_ERROR(finish_claim(schema(), no_id), "claim_id", "missing");
    Claim no_member = complete();
    no_member.member_id.clear();
    CHECK_CLAIM_ERROR(finish_claim(schema(), no_member), "member_id", "missing");
    Claim no_date = complete();
    no_date.reset(schema());
    no_date.claim_id = std::string("C");
    no_date.member_id = std::string("M");
    CHECK_CLAIM_ERROR(finish_claim(schema(), no_date), "date", "missing");
    // 1970-01-01 is a real date, not "unset".
    Claim epoch = complete();
    epoch.date = Date::from_ymd(1970, 1, 1);
    CHECK_NOTHROW(finish_claim(schema(), epoch));
}

TEST_CASE("items: values, defaults and errors naming items[i].field", "[claim][items]") {
    Claim c = complete();
    start_item(schema(), c);
    set_item_value(schema(), c, 0, I_CODE, "X01", true);
    set_item_value(schema(), c, 0, I_CATEGORY, "B", true);
    set_item_value(schema(), c, 0, I_AMOUNT, "1234.56", false);
    set_item_value(schema(), c, 0, I_QTY, "3", false);
    set_item_value(schema(), c, 0, I_PRICE_CAP, "400", false);
    start_item(schema(), c);
    set_item_value(schema(), c, 1, I_CODE, "X02", true);
    set_item_value(schema(), c, 1, I_CATEGORY, "A", true);
    set_item_value(schema(), c, 1, I_AMOUNT, "0.05", false);
    set_item_value(schema(), c, 1, I_SELFPAY, "500", false);
    CHECK(c.item_count == 2);
    const std::size_t n = schema().item_fields.size(), w = schema().item_width();
    REQUIRE(w == V_WIDTH);
    REQUIRE(c.items.size() >= 2 * w);  // start_item leaves room; finish_claim trims
    REQUIRE(c.item_texts.size() >= 2 * n);

    CHECK_CLAIM_ERROR(set_item_value(schema(), c, 1, I_PRICE_CAP, "1.234", false), "items[1].price_cap",
                      "at most two decimals, found 1.234");
    CHECK_CLAIM_ERROR(set_item_value(schema(), c, 1, I_QTY, "0", false), "items[1].qty", "at least 1, found 0");
    CHECK_CLAIM_ERROR(set_item_value(schema(), c, 0, I_CATEGORY, "D", true), "items[0].category", "duplicate");
    CHECK_CLAIM_ERROR(set_item_value(schema(), c, 1, I_NAME, "5", false), "items[1].name", "expected a string");

    finish_claim(schema(), c);
    CHECK(c.items.size() == 2 * w);
    CHECK(c.item_present.size() == 2 * n);
    CHECK(c.item_texts.size() == 2 * n);
    CHECK(c.item_texts[0 * n + I_CODE] == "X01");
    CHECK(c.items[0 * w + V_CATEGORY] == 1);
    CHECK(c.items[0 * w + V_AMOUNT] == 123456);
    CHECK(c.items[0 * w + V_SELFPAY] == 1000);  // default
    CHECK(c.item_present[0 * n + I_SELFPAY] == 1);
    CHECK(c.items[0 * w + V_QTY] == 3);
    CHECK(c.items[0 * w + V_PRICE_CAP] == 40000);
    CHECK(c.item_texts[1 * n + I_CODE] == "X02");
    CHECK(c.items[1 * w + V_CATEGORY] == 0);
    CHECK(c.items[1 * w + V_AMOUNT] == 5);
    CHECK(c.items[1 * w + V_SELFPAY] == 500);
    CHECK(c.items[1 * w + V_QTY] == 1);  // default
    CHECK(c.item_present[1 * n + I_PRICE_CAP] == 0);  // optional, absent
    CHECK(c.item_present[1 * n + I_NAME] == 0);

    // A missing required item field names the item.
    Claim m = complete();
    start_item(schema(), m);
    set_item_value(schema(), m, 0, I_CODE, "X01", true);
    set_item_value(schema(), m, 0, I_CATEGORY, "C", true);
    set_item_value(schema(), m, 0, I_AMOUNT, "1", false);
    start_item(schema(), m);
    set_item_value(schema(), m, 1, I_CATEGORY, "C", true);
    set_item_value(schema(), m, 1, I_AMOUNT, "1", false);
    CHECK_CLAIM_ERROR(finish_claim(schema(), m), "items[1].code", "missing required field");
}

TEST_CASE("ClaimBuilder end to end", "[claim][builder]") {
    ClaimBuilder b(schema());
    b.id("C-2026-001", "M-42", "2026-03-05")
        .set("insutype", "resident")
        .set("hosp_lv", std::int64_t{3})
        .set("referred", "true")
        .set_tags("tags", {"tekun", "dibian"})
        .set("deductible", Money::from_fen(150000))
        .set("coinsurance", std::int64_t{8500})
        .set("visits", "2")
        .set("admit_date", "2026-02-28")
        .set("note", "by ambulance")
        .add_item()
        .item_set("code", "X01")
        .item_set("category", "B")
        .item_set("amount", Money::from_fen(246850))
        .item_set("qty", std::int64_t{2})
        .add_item()
        .item_set("code", "X02")
        .item_set("category", "C")
        .item_set("amount", "12.5")
        .item_set("price_cap", "10");
    const Claim c = b.build();
    CHECK(c.claim_id == "C-2026-001");
    CHECK(c.member_id == "M-42");
    CHECK(c.date == Date::from_ymd(2026, 3, 5));
    CHECK(c.fields[F_INSUTYPE] == 1);
    CHECK(c.fields[F_HOSP_LV] == 2);
    CHECK(c.fields[F_REFERRED] == 1);
    CHECK(c.fields[F_TAGS] == 0b1001);
    CHECK(c.fields[F_DEDUCTIBLE] == 150000);
    CHECK(c.fields[F_COINS] == 8500);
    CHECK(c.fields[F_VISITS] == 2);
    CHECK(c.fields[F_ADMIT] == Date::from_ymd(2026, 2, 28).days);
    CHECK(c.texts[F_NOTE] == "by ambulance");
    CHECK(c.fields[F_SURCHARGE] == 500);  // default
    const std::size_t n = schema().item_fields.size(), w = schema().item_width();
    REQUIRE(c.item_count == 2);
    REQUIRE(c.items.size() == 2 * w);
    CHECK(c.item_texts[I_CODE] == "X01");
    CHECK(c.items[V_CATEGORY] == 1);
    CHECK(c.items[V_AMOUNT] == 246850);
    CHECK(c.items[V_QTY] == 2);
    CHECK(c.items[V_SELFPAY] == 1000);
    CHECK(c.item_texts[n + I_CODE] == "X02");
    CHECK(c.items[w + V_CATEGORY] == 2);
    CHECK(c.items[w + V_AMOUNT] == 1250);
    CHECK(c.items[w + V_PRICE_CAP] == 1000);
    CHECK(c.items[w + V_QTY] == 1);

    // An empty tags list is present.
    const Claim e = ClaimBuilder(schema())
                        .id("C2", "M", "2026-01-01")
                        .set("insutype", "employee")
                        .set("hosp_lv", "1")
                        .set("referred", std::int64_t{0})
                        .set_tags("tags", {})
                        .build();
    CHECK(e.present[F_TAGS] == 1);
    CHECK(e.fields[F_TAGS] == 0);
    CHECK(e.fields[F_REFERRED] == 0);
    CHECK(e.item_count == 0);
}

TEST_CASE("ClaimBuilder errors name the field", "[claim][builder]") {
    ClaimBuilder b(schema());
    CHECK_CLAIM_ERROR(b.set("nope", "1"), "nope", "unknown field");
    CHECK_CLAIM_ERROR(b.set("nope", std::int64_t{1}), "nope", "unknown field");
    CHECK_CLAIM_ERROR(b.set("deductible", std::int64_t{12}), "deductible", "expected an amount");
    CHECK_CLAIM_ERROR(b.set("referred", Money::from_fen(1)), "referred", "found an amount");
    CHECK_CLAIM_ERROR(b.set("referred", std::int64_t{2}), "referred", "true or false");
    CHECK_CLAIM_ERROR(b.set("deductible", Money::from_fen(-500)), "deductible", "non-negative");
    CHECK_CLAIM_ERROR(b.set("deductible", "12.345"), "deductible", "at most two decimals");
    CHECK_CLAIM_ERROR(b.set("coinsurance", std::int64_t{10001}), "coinsurance", "found 10001");
    CHECK_CLAIM_ERROR(b.set("note", std::int64_t{1}), "note", "expected a string");
    CHECK_CLAIM_ERROR(b.set("hosp_lv", std::int64_t{0}), "hosp_lv", "expected one of 1, 2 or 3");
    CHECK_CLAIM_ERROR(b.set_tags("tags", {"dibao", "vip"}), "tags", "found \"vip\"");
    CHECK_CLAIM_ERROR(b.set_tags("referred", {}), "referred", "expected true or false");
    CHECK_CLAIM_ERROR(b.id("C", "M", "2026-02-30"), "date", "found \"2026-02-30\"");
    CHECK_CLAIM_ERROR(b.item_set("code", "X"), "items.code", "add_item");
    b.add_item();
    CHECK_CLAIM_ERROR(b.item_set("nope", "X"), "items[0].nope", "unknown field");
    CHECK_CLAIM_ERROR(b.item_set("amount", std::int64_t{5}), "items[0].amount", "expected an amount");
    CHECK_CLAIM_ERROR(b.item_set("qty", std::int64_t{0}), "items[0].qty", "at least 1");
    CHECK_CLAIM_ERROR(b.item_set("qty", Money::from_fen(100)), "items[0].qty", "found an amount");
    b.set("referred", "false");
    CHECK_CLAIM_ERROR(b.set("referred", "true"), "referred", "duplicate field");

    // build() reports what is still missing.
    ClaimBuilder no_id(schema());
    CHECK_CLAIM_ERROR(no_id.build(), "claim_id", "missing");
    ClaimBuilder partial(schema());
    partial.id("C", "M", "2026-01-01").set("insutype", "employee").set("hosp_lv", "2").set("referred", "true");
    CHECK_CLAIM_ERROR(partial.build(), "tags", "missing required field");
    ClaimBuilder item_missing(schema());
    item_missing.id("C", "M", "2026-01-01")
        .set("insutype", "employee")
        .set("hosp_lv", "2")
        .set("referred", "true")
        .set_tags("tags", {"dibao"})
        .add_item()
        .item_set("code", "X")
        .item_set("category", "A");
    CHECK_CLAIM_ERROR(item_missing.build(), "items[0].amount", "missing required field");
}

// ---------------------------------------------------------------------------
// MemoryLedger

TEST_CASE("MemoryLedger reads absent cells as zero", "[ledger]") {
    MemoryLedger l;
    const Cell cells[] = {{"M1", 0, 2026, {}}, {"M1", 3, 2026, "employee"}, {"M2", 1, 2025, {}}};
    std::int64_t out[3] = {7, 7, 7};
    l.read(cells, out);
    CHECK(out[0] == 0);
    CHECK(out[1] == 0);
    CHECK(out[2] == 0);
    CHECK(l.get("M1", 0, 2026) == 0);
    CHECK(l.member_count() == 0);  // reading creates nothing
}

TEST_CASE("MemoryLedger adds deltas per member, accumulator, period and key", "[ledger]") {
    MemoryLedger l;
    const Cell a{"M1", 0, 2026, {}};
    const Cell b{"M1", 1, 2026, {}};
    const Cell a_prev_year{"M1", 0, 2025, {}};
    const Cell a_other_member{"M2", 0, 2026, {}};
    const Cell keyed_x{"M1", 2, 2026, "X"};
    const Cell keyed_y{"M1", 2, 2026, "Y"};

    {
        const Cell cells[] = {a, b, keyed_x};
        const std::int64_t deltas[] = {100, 25, 7};
        l.add(cells, deltas);
    }
    {
        const Cell cells[] = {a, keyed_y, a_prev_year, a_other_member};
        const std::int64_t deltas[] = {50, 3, 1000, 9};
        l.add(cells, deltas);
    }
    CHECK(l.get("M1", 0, 2026) == 150);
    CHECK(l.get("M1", 1, 2026) == 25);
    CHECK(l.get("M1", 0, 2025) == 1000);
    CHECK(l.get("M2", 0, 2026) == 9);
    CHECK(l.get("M2", 1, 2026) == 0);
    CHECK(l.get("M1", 2, 2026, "X") == 7);
    CHECK(l.get("M1", 2, 2026, "Y") == 3);
    CHECK(l.get("M1", 2, 2026) == 0);  // keyed cell with no key: a different cell
    CHECK(l.get("M1", 2, 2026, "Z") == 0);
    CHECK(l.get("M3", 0, 2026) == 0);
    CHECK(l.member_count() == 2);

    const Cell cells[] = {a, b, a_prev_year, a_other_member, keyed_x, keyed_y, Cell{"M9", 0, 2026, {}}};
    std::int64_t out[7] = {};
    l.read(cells, out);
    CHECK(out[0] == 150);
    CHECK(out[1] == 25);
    CHECK(out[2] == 1000);
    CHECK(out[3] == 9);
    CHECK(out[4] == 7);
    CHECK(out[5] == 3);
    CHECK(out[6] == 0);

    // Negative deltas (a reversal) and the same cell twice in one batch.
    const Cell twice[] = {a, a};
    const std::int64_t d2[] = {-40, -10};
    l.add(twice, d2);
    CHECK(l.get("M1", 0, 2026) == 100);

    // The member key is copied, not borrowed.
    {
        std::string member = "TEMP";
        const Cell t[] = {{member, 0, 2026, {}}};
        const std::int64_t d[] = {5};
        l.add(t, d);
        member = "XXXX";
    }
    CHECK(l.get("TEMP", 0, 2026) == 5);
}

TEST_CASE("MemoryLedger applies all deltas or none", "[ledger]") {
    MemoryLedger l;
    const Cell a{"M1", 0, 2026, {}};
    const Cell b{"M1", 1, 2026, {}};
    {
        const Cell cells[] = {b};
        const std::int64_t d[] = {INT64_MAX};
        l.add(cells, d);
    }
    const Cell cells[] = {a, b};
    const std::int64_t d[] = {100, 1};
    CHECK_THROWS_AS(l.add(cells, d), OverflowError);
    CHECK(l.get("M1", 0, 2026) == 0);  // the first delta was undone
    CHECK(l.get("M1", 1, 2026) == INT64_MAX);

    const std::int64_t short_deltas[] = {1};
    CHECK_THROWS_AS(l.add(cells, short_deltas), std::invalid_argument);
    CHECK(l.get("M1", 0, 2026) == 0);
}
