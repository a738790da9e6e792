// A seeded corpus of Demo City 2026 claims for the benchmarks: every claim as
// one JSON Lines record (what `claimgraph settle` reads) and as the matching
// handwritten::Claim (what the hand-written settlement reads), from one stream
// of random numbers, so both sides see exactly the same claims.
//
// Shape (see docs/performance.md):
//   - members with 1..8 claims each (uniform, mean 4.5), dated in 2026 (85%)
//     or 2027, so per-member year-to-date accumulators move and reset;
//   - 1..40 fee lines per claim, right-skewed, mean about 14;
//   - line amounts log-uniform from 1 yuan to 50,000 yuan (2% of lines up to
//     200,000 yuan), 30% whole yuan, so deductibles, band edges and yearly caps
//     are all reached by some members and not by others;
//   - categories A 45% / B 35% / C 20%; B lines carry a selfpay_prop half the
//     time; 20% of lines have a qty and a per-unit price cap; about half have
//     a (Chinese) display name, as real HIS exports do;
//   - input order: claims of blocks of 4096 members shuffled together, so the
//     file is not already in settlement order (member, date, claim_id).
// The same (count, seed) always yields byte-identical text.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "handwritten_demo_city.hpp"

namespace bench {

struct CorpusClaim {
    std::string member, id, date;
    int year = 0;
    handwritten::Claim hw;
    std::string json;  // one line, no newline
};

struct CorpusStats {
    std::size_t claims = 0, members = 0, lines = 0, bytes = 0, max_lines = 0;
    double mean_lines() const { return claims ? static_cast<double>(lines) / static_cast<double>(claims) : 0.0; }
};

class CorpusGenerator {
public:
    explicit CorpusGenerator(std::uint32_t seed) : rng_(seed) {}

    // Emits exactly `n` claims through `emit`, block by block, in input order.
    void generate(std::size_t n, const std::function<void(CorpusClaim&)>& emit, CorpusStats* stats = nullptr) {
        constexpr std::size_t kBlockMembers = 4096;
        std::size_t done = 0, member = 0;
        std::vector<CorpusClaim> block;
        while (done < n) {
            block.clear();
            for (std::size_t m = 0; m < kBlockMembers && done + block.size() < n; ++m, ++member) {
                const std::string mid = fmt::format("M{:07}", member);
                const int k = 1 + pick(8);
                if (stats) ++stats->members;
                for (int j = 0; j < k && done + block.size() < n; ++j) {
                    const int year = chance(85) ? 2026 : 2027;
                    const std::string date = fmt::format("{}-{:02}-{:02}", year, 1 + pick(12), 1 + pick(28));
                    block.push_back(claim(mid, fmt::format("{}-{}", mid, j), date, year));
                }
            }
            std::shuffle(block.begin(), block.end(), rng_);
            for (auto& c : block) {
                if (stats) {
                    ++stats->claims;
                    stats->lines += c.hw.items.size();
                    stats->max_lines = std::max(stats->max_lines, c.hw.items.size());
                    stats->bytes += c.json.size() + 1;
                }
                emit(c);
            }
            done += block.size();
        }
    }

private:
    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
    bool chance(int percent) { return pick(100) < percent; }

    // 1..40, right-skewed, mean ~14: 1 + Gamma(k = 2.2, θ = 6), clamped.
    int line_count() {
        const double g = std::gamma_distribution<double>(2.2, 6.0)(rng_);
        return std::clamp(1 + static_cast<int>(g), 1, 40);
    }

    // Log-uniform in fen: 1 yuan .. 50,000 yuan, 2% of lines up to 200,000.
    std::int64_t amount() {
        const double hi = chance(2) ? 2e7 : 5e6;
        const double x = std::exp(std::uniform_real_distribution<double>(std::log(100.0), std::log(hi))(rng_));
        std::int64_t v = std::max<std::int64_t>(1, static_cast<std::int64_t>(x));
        if (chance(30)) v = std::max<std::int64_t>(100, v - v % 100);  // whole yuan
        return v;
    }

    static std::string yuan(std::int64_t fen) { return fmt::format("{}.{:02}", fen / 100, fen % 100); }

    CorpusClaim claim(const std::string& member, std::string id, const std::string& date, int year) {
        CorpusClaim g;
        g.member = member;
        g.id = std::move(id);
        g.date = date;
        g.year = year;
        auto& c = g.hw;
        c.resident = chance(55);
        c.hosp_lv = 1 + pick(3);
        c.region = chance(70) ? 0 : 1 + pick(2);
        c.referred = chance(40);
        c.emergency = chance(15);
        c.retired = !c.resident && chance(40);
        static const char* tag_names[] = {"tekun", "dibao", "fanpin", "dibian"};
        std::string tags;
        if (chance(30)) {
            for (int t = 0; t < 4; ++t) {
                if (chance(30)) {
                    c.tags |= 1u << t;
                    fmt::format_to(std::back_inserter(tags), "{}\"{}\"", tags.empty() ? "" : ",", tag_names[t]);
                }
            }
        }
        c.hmb_enrolled = chance(40);
        c.hmb_preexisting = chance(25);

        static const char* names[] = {"床位费", "护理费", "化验费", "胸部CT", "注射用头孢曲松", "雾化吸入药品",
                                      "营养餐", "心脏彩超", "麻醉费", "药物洗脱支架", "导管及导丝", "氧气吸入"};
        std::string items;
        const int n = line_count();
        c.items.reserve(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) {
            handwritten::Item it;
            const int cat = pick(100);
            it.category = cat < 45 ? 'A' : cat < 80 ? 'B' : 'C';
            it.amount = amount();
            std::string extra;
            if (chance(50)) fmt::format_to(std::back_inserter(extra), ",\"name\":\"{}\"", names[pick(12)]);
            if (it.category == 'B' && chance(50)) {
                static const std::int64_t props[] = {0, 500, 1000, 1500, 2000, 3000, 10000, 3333};
                it.selfpay_bp = props[pick(8)];
                fmt::format_to(std::back_inserter(extra), ",\"selfpay_prop\":{}", it.selfpay_bp);
            }
            if (chance(20)) {
                it.qty = 1 + pick(5);
                it.has_cap = it.category != 'C';
                it.price_cap =
                    std::max<std::int64_t>(1, it.amount / it.qty - 50 + pick(100) * (chance(50) ? 1 : 100));
                fmt::format_to(std::back_inserter(extra), ",\"qty\":{},\"price_cap\":{}", it.qty, yuan(it.price_cap));
            }
            fmt::format_to(std::back_inserter(items), "{}{{\"code\":\"{}{:04}\",\"category\":\"{}\",\"amount\":{}{}}}",
                           i ? "," : "", it.category, pick(10000), it.category, yuan(it.amount), extra);
            c.items.push_back(it);
        }
        static const char* regions[] = {"local", "in_province", "out_of_province"};
        g.json = fmt::format(
            "{{\"claim_id\":\"{}\",\"member_id\":\"{}\",\"date\":\"{}\",\"insutype\":\"{}\",\"med_type\":\"inpatient\","
            "\"hosp_lv\":{},\"region\":\"{}\",\"referred\":{},\"emergency\":{},\"retired\":{},\"tags\":[{}],"
            "\"hmb_enrolled\":{},\"hmb_preexisting\":{},\"items\":[{}]}}",
            g.id, member, date, c.resident ? "resident" : "employee", c.hosp_lv, regions[c.region], c.referred,
            c.emergency, c.retired, tags, c.hmb_enrolled, c.hmb_preexisting, items);
        return g;
    }

    std::mt19937_64 rng_;
};

// A whole corpus in memory: the claims (input order) and the JSON Lines text.
struct Corpus {
    std::vector<CorpusClaim> claims;
    std::string jsonl;
    CorpusStats stats;
};

inline Corpus make_corpus(std::size_t n, std::uint32_t seed = 20260101) {
    Corpus c;
    c.claims.reserve(n);
    c.jsonl.reserve(n * 1100);
    CorpusGenerator(seed).generate(
        n,
        [&](CorpusClaim& cl) {
            c.jsonl += cl.json;
            c.jsonl += '\n';
            cl.json.clear();
            cl.json.shrink_to_fit();
            c.claims.push_back(std::move(cl));
        },
        &c.stats);
    return c;
}

}  // namespace bench
