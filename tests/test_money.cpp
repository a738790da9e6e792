// Exact money: parsing from text, checked arithmetic, rounding and formatting.
#include <catch2/catch.hpp>

#include <climits>

#include "claimgraph/money.hpp"

using namespace claimgraph;

namespace {
std::int64_t fen_of(std::string_view text, bool allow_negative = false) {
    const MoneyParse p = parse_money(text, allow_negative);
    INFO("text: " << text << ", status: " << describe(p.status));
    REQUIRE(p.status == ParseStatus::ok);
    return p.value.fen();
}
ParseStatus money_status(std::string_view text, bool allow_negative = false) {
    return parse_money(text, allow_negative).status;
}
constexpr Rounding fen_up{RoundUnit::fen, RoundMode::half_up};
constexpr Rounding fen_even{RoundUnit::fen, RoundMode::half_even};
constexpr Rounding fen_down{RoundUnit::fen, RoundMode::down};
constexpr Rounding jiao_up{RoundUnit::jiao, RoundMode::half_up};
constexpr Rounding jiao_even{RoundUnit::jiao, RoundMode::half_even};
constexpr Rounding jiao_down{RoundUnit::jiao, RoundMode::down};
constexpr Rounding yuan_up{RoundUnit::yuan, RoundMode::half_up};
constexpr Rounding yuan_even{RoundUnit::yuan, RoundMode::half_even};
constexpr Rounding yuan_down{RoundUnit::yuan, RoundMode::down};
}  // namespace

TEST_CASE("parse_money reads plain decimal yuan exactly", "[money][parse]") {
    CHECK(fen_of("1234.56") == 123456);
    CHECK(fen_of("1234.5") == 123450);
    CHECK(fen_of("1234.50") == 123450);
    CHECK(fen_of("12") == 1200);
    CHECK(fen_of("0.05") == 5);
    CHECK(fen_of("0.5") == 50);
    CHECK(fen_of("0") == 0);
    CHECK(fen_of("0.00") == 0);
    CHECK(fen_of("100.05") == 10005);   // 100.05 is not exact in binary floating point
    CHECK(fen_of("0.29") == 29);        // nor is 0.29 (0.29 * 100 == 28.999...)
    CHECK(fen_of("2098.23") == 209823);
    CHECK(fen_of("-0") == 0);           // negative zero is zero, not an error
}

TEST_CASE("parse_money rejects what is not a plain amount", "[money][parse]") {
    CHECK(money_status("12.500") == ParseStatus::too_many_decimals);
    CHECK(money_status("0.001") == ParseStatus::too_many_decimals);
    CHECK(money_status("12.5000") == ParseStatus::too_many_decimals);
    CHECK(money_status("1.2e3") == ParseStatus::not_a_number);
    CHECK(money_status("1e3") == ParseStatus::not_a_number);
    CHECK(money_status("1E3") == ParseStatus::not_a_number);
    CHECK(money_status("NaN") == ParseStatus::not_a_number);
    CHECK(money_status("nan") == ParseStatus::not_a_number);
    CHECK(money_status("inf") == ParseStatus::not_a_number);
    CHECK(money_status("-inf", true) == ParseStatus::not_a_number);
    CHECK(money_status("Infinity") == ParseStatus::not_a_number);
    CHECK(money_status("") == ParseStatus::empty);
    CHECK(money_status("-") == ParseStatus::not_a_number);
    CHECK(money_status("-", true) == ParseStatus::not_a_number);
    CHECK(money_status("--5", true) == ParseStatus::not_a_number);
    CHECK(money_status("+5") == ParseStatus::not_a_number);
    CHECK(money_status(".5") == ParseStatus::not_a_number);
    CHECK(money_status("5.") == ParseStatus::not_a_number);
    CHECK(money_status(".") == ParseStatus::not_a_number);
    CHECK(money_status("1,000") == ParseStatus::not_a_number);
    CHECK(money_status("1.2.3") == ParseStatus::not_a_number);
    CHECK(money_status(" 1") == ParseStatus::not_a_number);
    CHECK(money_status("1 ") == ParseStatus::not_a_number);
    CHECK(money_status("12.5a") == ParseStatus::not_a_number);
    CHECK(money_status("0x10") == ParseStatus::not_a_number);
    CHECK(money_status("¥12") == ParseStatus::not_a_number);
}

TEST_CASE("parse_money: negative amounts only when allowed", "[money][parse]") {
    CHECK(money_status("-5") == ParseStatus::negative);
    CHECK(money_status("-0.01") == ParseStatus::negative);
    CHECK(fen_of("-5", true) == -500);
    CHECK(fen_of("-0.05", true) == -5);
    CHECK(fen_of("-1234.5", true) == -123450);
    CHECK(money_status("-12.500", true) == ParseStatus::too_many_decimals);
}

TEST_CASE("parse_money: range is the int64 fen range, no wrap-around", "[money][parse]") {
    CHECK(fen_of("92233720368547758.07") == INT64_MAX);
    CHECK(fen_of("92233720368547758") == INT64_MAX - 7);
    CHECK(fen_of("-92233720368547758.07", true) == -INT64_MAX);
    CHECK(money_status("92233720368547758.08") == ParseStatus::out_of_range);
    CHECK(money_status("92233720368547758.1") == ParseStatus::out_of_range);
    CHECK(money_status("92233720368547758.99") == ParseStatus::out_of_range);
    CHECK(money_status("92233720368547759") == ParseStatus::out_of_range);
    CHECK(money_status("100000000000000000") == ParseStatus::out_of_range);
    CHECK(money_status("99999999999999999999999999999999.99") == ParseStatus::out_of_range);
    CHECK(money_status("-99999999999999999999", true) == ParseStatus::out_of_range);
}

TEST_CASE("parse_money and format_money round-trip", "[money][parse][format]") {
    for (std::int64_t f : {std::int64_t{0}, std::int64_t{1}, std::int64_t{9}, std::int64_t{10}, std::int64_t{99},
                           std::int64_t{100}, std::int64_t{101}, std::int64_t{123456}, std::int64_t{-1},
                           std::int64_t{-100}, std::int64_t{-123456}, INT64_MAX, -INT64_MAX}) {
        const Money m = Money::from_fen(f);
        const MoneyParse p = parse_money(format_money(m), true);
        INFO(format_money(m));
        REQUIRE(p);
        CHECK(p.value == m);
    }
}

TEST_CASE("parse_int reads plain integers", "[money][parse]") {
    CHECK(parse_int("12").value == 12);
    CHECK(parse_int("0").value == 0);
    CHECK(parse_int("8500").value == 8500);
    CHECK(parse_int("9223372036854775807").value == INT64_MAX);
    CHECK(parse_int("-3", true).value == -3);
    CHECK(parse_int("-9223372036854775807", true).value == -INT64_MAX);
    CHECK(parse_int("-0").status == ParseStatus::ok);
    CHECK(parse_int("-3").status == ParseStatus::negative);
    CHECK(parse_int("1.5").status == ParseStatus::too_many_decimals);
    CHECK(parse_int("1.0").status == ParseStatus::too_many_decimals);
    CHECK(parse_int("1e3").status == ParseStatus::not_a_number);
    CHECK(parse_int("abc").status == ParseStatus::not_a_number);
    CHECK(parse_int(" 1").status == ParseStatus::not_a_number);
    CHECK(parse_int("+1").status == ParseStatus::not_a_number);
    CHECK(parse_int("").status == ParseStatus::empty);
    CHECK(parse_int("-").status == ParseStatus::not_a_number);
    CHECK(parse_int("-", true).status == ParseStatus::not_a_number);
    CHECK(parse_int("9223372036854775808").status == ParseStatus::out_of_range);
    CHECK(parse_int("99999999999999999999999").status == ParseStatus::out_of_range);
    CHECK_FALSE(parse_int("x"));
    CHECK(parse_int("7"));
}

TEST_CASE("describe gives a message for every status", "[money][parse]") {
    for (auto s : {ParseStatus::ok, ParseStatus::empty, ParseStatus::not_a_number, ParseStatus::too_many_decimals,
                   ParseStatus::negative, ParseStatus::out_of_range}) {
        REQUIRE(describe(s) != nullptr);
        CHECK(std::string(describe(s)).size() > 1);
    }
    CHECK(std::string(describe(ParseStatus::too_many_decimals)).find("two decimals") != std::string::npos);
}

TEST_CASE("divide_round: half-up, half-even and down, symmetric for negatives", "[money][round]") {
    // Exact halves.
    CHECK(divide_round(25, 10, RoundMode::half_up) == 3);
    CHECK(divide_round(25, 10, RoundMode::half_even) == 2);
    CHECK(divide_round(35, 10, RoundMode::half_even) == 4);
    CHECK(divide_round(15, 10, RoundMode::half_even) == 2);
    CHECK(divide_round(25, 10, RoundMode::down) == 2);
    // Not halves.
    CHECK(divide_round(24, 10, RoundMode::half_up) == 2);
    CHECK(divide_round(26, 10, RoundMode::half_even) == 3);
    CHECK(divide_round(29, 10, RoundMode::down) == 2);
    CHECK(divide_round(30, 10, RoundMode::down) == 3);
    // Odd divisor: never a tie.
    CHECK(divide_round(5, 3, RoundMode::half_up) == 2);
    CHECK(divide_round(4, 3, RoundMode::half_up) == 1);
    // Negatives round as their magnitudes do (half away from zero; down toward zero).
    CHECK(divide_round(-25, 10, RoundMode::half_up) == -3);
    CHECK(divide_round(-25, 10, RoundMode::half_even) == -2);
    CHECK(divide_round(-35, 10, RoundMode::half_even) == -4);
    CHECK(divide_round(-29, 10, RoundMode::down) == -2);
    CHECK(divide_round(-24, 10, RoundMode::half_up) == -2);
    for (std::int64_t v = -1000; v <= 1000; v += 7)
        for (auto mode : {RoundMode::half_up, RoundMode::half_even, RoundMode::down})
            CHECK(divide_round(-v, 100, mode) == -divide_round(v, 100, mode));
    CHECK(divide_round(0, 7, RoundMode::half_up) == 0);
    CHECK_THROWS_AS(divide_round(1, 0, RoundMode::half_up), std::invalid_argument);
    CHECK_THROWS_AS(divide_round(1, -5, RoundMode::half_up), std::invalid_argument);
    // A quotient beyond int64 throws instead of wrapping.
    CHECK(divide_round(static_cast<__int128>(INT64_MAX) * 10, 10, RoundMode::down) == INT64_MAX);
    CHECK_THROWS_AS(divide_round(static_cast<__int128>(INT64_MAX) * 10 + 5, 10, RoundMode::half_up), OverflowError);
    CHECK_THROWS_AS(divide_round(static_cast<__int128>(INT64_MAX) * 100, 10, RoundMode::down), OverflowError);
}

TEST_CASE("round_scaled to the fen", "[money][round]") {
    // 2098.225 yuan, an exact half fen.
    CHECK(round_scaled(2098225, 3, fen_up).fen() == 209823);
    CHECK(round_scaled(2098225, 3, fen_even).fen() == 209822);  // tie to the even 2098.22
    CHECK(round_scaled(2098235, 3, fen_even).fen() == 209824);  // tie to the even 2098.24
    CHECK(round_scaled(2098225, 3, fen_down).fen() == 209822);
    CHECK(round_scaled(2098229, 3, fen_down).fen() == 209822);
    CHECK(round_scaled(2098224, 3, fen_up).fen() == 209822);
    CHECK(round_scaled(2098226, 3, fen_even).fen() == 209823);
    // Default rounding is half-up to the fen.
    CHECK(round_scaled(2098225, 3).fen() == 209823);
    // Finer scales.
    CHECK(round_scaled(2098225000, 6, fen_up).fen() == 209823);
    CHECK(round_scaled(2098224999, 6, fen_up).fen() == 209822);
    // Coarser or equal scales are exact.
    CHECK(round_scaled(12, 0, fen_up).fen() == 1200);
    CHECK(round_scaled(5, 1, fen_down).fen() == 50);
    CHECK(round_scaled(123456, 2, fen_even).fen() == 123456);
    // Negatives are symmetric.
    CHECK(round_scaled(-2098225, 3, fen_up).fen() == -209823);
    CHECK(round_scaled(-2098225, 3, fen_even).fen() == -209822);
    CHECK(round_scaled(-2098229, 3, fen_down).fen() == -209822);
}

TEST_CASE("round_money to the jiao and the yuan", "[money][round]") {
    const auto r = [](std::int64_t fen, Rounding rd) { return round_money(Money::from_fen(fen), rd).fen(); };
    // Jiao (0.1 yuan).
    CHECK(r(209825, jiao_up) == 209830);   // 2098.25 -> 2098.30
    CHECK(r(209825, jiao_even) == 209820); // tie to the even 2098.2
    CHECK(r(209835, jiao_even) == 209840); // tie to the even 2098.4
    CHECK(r(209824, jiao_up) == 209820);
    CHECK(r(209826, jiao_even) == 209830);
    CHECK(r(209829, jiao_down) == 209820);
    CHECK(r(209820, jiao_down) == 209820);
    CHECK(r(-209825, jiao_up) == -209830);
    CHECK(r(-209825, jiao_even) == -209820);
    CHECK(r(-209829, jiao_down) == -209820);
    // Yuan.
    CHECK(r(209850, yuan_up) == 209900);   // 2098.50 -> 2099.00
    CHECK(r(209850, yuan_even) == 209800); // tie to the even 2098
    CHECK(r(209950, yuan_even) == 210000); // tie to the even 2100
    CHECK(r(209849, yuan_up) == 209800);
    CHECK(r(209851, yuan_even) == 209900);
    CHECK(r(209899, yuan_down) == 209800);
    CHECK(r(-209850, yuan_up) == -209900);
    CHECK(r(-209850, yuan_even) == -209800);
    CHECK(r(-209899, yuan_down) == -209800);
    // Exact fen from a coarser scale: 2098.225 yuan to the jiao is 2098.2.
    CHECK(round_scaled(2098225, 3, jiao_up).fen() == 209820);
    CHECK(round_scaled(2098250, 3, jiao_up).fen() == 209830);
    CHECK(round_scaled(20985, 1, yuan_up).fen() == 209900);
}

TEST_CASE("apply_ratio keeps fen x bp exact and rounds once", "[money][round]") {
    // 2468.50 x 85% = 2098.225 exactly.
    const Money m = Money::from_fen(246850);
    const Ratio r85 = Ratio::from_bp(8500);
    CHECK(apply_ratio(m, r85).fen() == 209823);
    CHECK(apply_ratio(m, r85, fen_up).fen() == 209823);
    CHECK(apply_ratio(m, r85, fen_even).fen() == 209822);
    CHECK(apply_ratio(m, r85, fen_down).fen() == 209822);
    CHECK(apply_ratio(m, r85, jiao_up).fen() == 209820);
    CHECK(apply_ratio(m, r85, yuan_up).fen() == 209800);
    CHECK(apply_ratio(m, r85, yuan_down).fen() == 209800);
    // 1234.56 x 85% = 1049.376
    CHECK(apply_ratio(Money::from_fen(123456), r85).fen() == 104938);
    CHECK(apply_ratio(Money::from_fen(123456), r85, fen_down).fen() == 104937);
    CHECK(apply_ratio(Money::from_fen(123456), r85, jiao_even).fen() == 104940);
    // Half a fen: 1 fen x 50%, 3 fen x 50%.
    CHECK(apply_ratio(Money::from_fen(1), Ratio::from_bp(5000), fen_up).fen() == 1);
    CHECK(apply_ratio(Money::from_fen(1), Ratio::from_bp(5000), fen_even).fen() == 0);
    CHECK(apply_ratio(Money::from_fen(3), Ratio::from_bp(5000), fen_even).fen() == 2);
    CHECK(apply_ratio(Money::from_fen(1), Ratio::from_bp(5000), fen_down).fen() == 0);
    // 0.01% of 1 fen.
    CHECK(apply_ratio(Money::from_fen(1), Ratio::from_bp(1), fen_up).fen() == 0);
    CHECK(apply_ratio(Money::from_fen(5000), Ratio::from_bp(1), fen_up).fen() == 1);
    // 100% and 0%.
    CHECK(apply_ratio(Money::from_fen(123457), Ratio::from_bp(10000), yuan_even).fen() == 123500);
    CHECK(apply_ratio(Money::from_fen(123456), Ratio::from_bp(10000)).fen() == 123456);
    CHECK(apply_ratio(Money::from_fen(123456), Ratio::from_bp(0)).fen() == 0);
    // 123.45 x 100% to the jiao: a tie.
    CHECK(apply_ratio(Money::from_fen(12345), Ratio::from_bp(10000), jiao_up).fen() == 12350);
    CHECK(apply_ratio(Money::from_fen(12345), Ratio::from_bp(10000), jiao_even).fen() == 12340);
    CHECK(apply_ratio(Money::from_fen(12345), Ratio::from_bp(10000), jiao_down).fen() == 12340);
    // Negative amounts are symmetric.
    CHECK(apply_ratio(Money::from_fen(-246850), r85, fen_up).fen() == -209823);
    CHECK(apply_ratio(Money::from_fen(-1), Ratio::from_bp(5000), fen_even).fen() == 0);
    // Large amounts do not overflow in the intermediate fen x bp product.
    const Money big = Money::from_fen(INT64_MAX / 2);
    CHECK(apply_ratio(big, Ratio::from_bp(10000)).fen() == INT64_MAX / 2);
    CHECK(apply_ratio(big, Ratio::from_bp(5000), fen_down).fen() == INT64_MAX / 4);
}

TEST_CASE("overflow throws instead of wrapping", "[money][overflow]") {
    const Money max = Money::from_fen(INT64_MAX);
    const Money min = Money::from_fen(INT64_MIN);
    CHECK_THROWS_AS(max + Money::from_fen(1), OverflowError);
    CHECK_THROWS_AS(min - Money::from_fen(1), OverflowError);
    CHECK_THROWS_AS(max * 2, OverflowError);
    CHECK_THROWS_AS(Money::from_fen(INT64_MAX / 3 + 1) * 3, OverflowError);
    CHECK_THROWS_AS(Money::from_yuan(INT64_MAX / 100 + 1), OverflowError);
    Money acc = max;
    CHECK_THROWS_AS(acc += Money::from_fen(1), OverflowError);
    CHECK(acc == max);  // unchanged after the failed addition
    Money low = min;
    CHECK_THROWS_AS(low -= Money::from_fen(1), OverflowError);
    CHECK_THROWS_AS(detail::checked_add(INT64_MAX, 1), OverflowError);
    CHECK_THROWS_AS(detail::checked_sub(INT64_MIN, 1), OverflowError);
    CHECK_THROWS_AS(detail::checked_mul(INT64_MIN, -1), OverflowError);
    CHECK(detail::checked_mul(INT64_MAX, 1) == INT64_MAX);
    // Rounding: results beyond the fen range.
    CHECK_THROWS_AS(round_scaled(static_cast<__int128>(INT64_MAX), 0), OverflowError);        // yuan -> fen
    CHECK_THROWS_AS(round_scaled(static_cast<__int128>(INT64_MAX) * 100, 3), OverflowError);  // divide, then too big
    CHECK_THROWS_AS(round_scaled(-static_cast<__int128>(INT64_MAX) * 100, 1), OverflowError);
    CHECK_THROWS_AS(round_money(max, jiao_up), OverflowError);  // ...775807 fen rounds up to ...775810
    CHECK(round_money(max, jiao_down).fen() == INT64_MAX - 7);
    CHECK(round_money(max, yuan_up).fen() == INT64_MAX - 7);
}

TEST_CASE("Money arithmetic and comparison", "[money]") {
    CHECK((Money::from_fen(150) + Money::from_fen(225)).fen() == 375);
    CHECK((Money::from_fen(150) - Money::from_fen(225)).fen() == -75);
    CHECK((Money::from_fen(150) * 3).fen() == 450);
    CHECK(Money::from_yuan(12).fen() == 1200);
    CHECK(Money::zero().fen() == 0);
    CHECK(Money().fen() == 0);
    CHECK(Money::from_fen(1) < Money::from_fen(2));
    CHECK(claimgraph::min(Money::from_fen(5), Money::from_fen(3)).fen() == 3);
    CHECK(claimgraph::max(Money::from_fen(5), Money::from_fen(3)).fen() == 5);
    Money m = Money::from_fen(100);
    m += Money::from_fen(5);
    m -= Money::from_fen(10);
    CHECK(m.fen() == 95);
}

TEST_CASE("format_money always shows two decimals", "[money][format]") {
    CHECK(format_money(Money::from_fen(0)) == "0.00");
    CHECK(format_money(Money::from_fen(5)) == "0.05");
    CHECK(format_money(Money::from_fen(-5)) == "-0.05");
    CHECK(format_money(Money::from_fen(123450)) == "1234.50");
    CHECK(format_money(Money::from_fen(123456)) == "1234.56");
    CHECK(format_money(Money::from_fen(100)) == "1.00");
    CHECK(format_money(Money::from_fen(-123456)) == "-1234.56");
    CHECK(format_money(Money::from_fen(1234567)) == "12345.67");
    CHECK(format_money(Money::from_fen(INT64_MAX)) == "92233720368547758.07");
    CHECK(format_money(Money::from_fen(INT64_MIN)) == "-92233720368547758.08");
}

TEST_CASE("format_money_grouped groups thousands", "[money][format]") {
    CHECK(format_money_grouped(Money::from_fen(123456789)) == "1,234,567.89");
    CHECK(format_money_grouped(Money::from_fen(99900)) == "999.00");
    CHECK(format_money_grouped(Money::from_fen(-100000)) == "-1,000.00");
    CHECK(format_money_grouped(Money::from_fen(100000)) == "1,000.00");
    CHECK(format_money_grouped(Money::from_fen(12345678)) == "123,456.78");
    CHECK(format_money_grouped(Money::from_fen(0)) == "0.00");
    CHECK(format_money_grouped(Money::from_fen(-5)) == "-0.05");
    CHECK(format_money_grouped(Money::from_fen(-99999)) == "-999.99");
    CHECK(format_money_grouped(Money::from_fen(INT64_MAX)) == "92,233,720,368,547,758.07");
}

TEST_CASE("format_ratio shows a percentage without trailing zeros", "[money][format]") {
    CHECK(format_ratio(Ratio::from_bp(8500)) == "85%");
    CHECK(format_ratio(Ratio::from_bp(8550)) == "85.5%");
    CHECK(format_ratio(Ratio::from_bp(8505)) == "85.05%");
    CHECK(format_ratio(Ratio::from_bp(1)) == "0.01%");
    CHECK(format_ratio(Ratio::from_bp(10)) == "0.1%");
    CHECK(format_ratio(Ratio::from_bp(0)) == "0%");
    CHECK(format_ratio(Ratio::from_bp(10000)) == "100%");
    CHECK(format_ratio(Ratio::from_bp(12345)) == "123.45%");
    CHECK(format_ratio(Ratio::from_bp(-50)) == "-0.5%");
    CHECK(format_ratio(Ratio::percent(85)) == "85%");
}

TEST_CASE("Ratio: basis points, arithmetic and clamping", "[money][ratio]") {
    CHECK(Ratio::percent(85).bp() == 8500);
    CHECK(Ratio::from_bp(8500) == Ratio::percent(85));
    CHECK(Ratio().bp() == 0);
    CHECK((Ratio::from_bp(8500) + Ratio::from_bp(1000)).bp() == 9500);
    CHECK((Ratio::from_bp(8500) - Ratio::from_bp(9000)).bp() == -500);
    CHECK(Ratio::from_bp(100) < Ratio::from_bp(200));
    CHECK(Ratio::from_bp(-500).clamped().bp() == 0);
    CHECK(Ratio::from_bp(12000).clamped().bp() == 10000);
    CHECK(Ratio::from_bp(5000).clamped().bp() == 5000);
    CHECK(Ratio::from_bp(0).clamped().bp() == 0);
    CHECK(Ratio::from_bp(10000).clamped().bp() == 10000);
    CHECK(Ratio::from_bp(9500).clamped(Ratio::from_bp(1000), Ratio::from_bp(9000)).bp() == 9000);
    CHECK(Ratio::from_bp(500).clamped(Ratio::from_bp(1000), Ratio::from_bp(9000)).bp() == 1000);
    CHECK(Ratio::from_bp(5000).clamped(Ratio::from_bp(1000), Ratio::from_bp(9000)).bp() == 5000);
    static_assert(Ratio::from_bp(20000).clamped().bp() == 10000);
}
