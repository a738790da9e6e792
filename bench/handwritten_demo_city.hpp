// Demo City 2026 written by hand, straight from ../shared/spec/reference-policy.md,
// with no engine: the straight-line function a programmer would write for this
// one policy. Two uses: the yardstick for the engine's speed (bench/), and an
// independent oracle the property test compares the engine with on random
// claims. It shares no code with the engine on purpose.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace handwritten {

enum Tag : unsigned { tekun = 1, dibao = 2, fanpin = 4, dibian = 8 };
enum Region : int { local = 0, in_province = 1, out_of_province = 2 };

struct Item {
    char category = 'A';          // 'A', 'B', 'C'
    std::int64_t amount = 0;      // fen
    std::int64_t selfpay_bp = 1000;
    std::int64_t qty = 1;
    bool has_cap = false;
    std::int64_t price_cap = 0;   // fen per unit
};

struct Claim {
    bool resident = false;
    int hosp_lv = 1;
    int region = local;
    bool referred = false, emergency = false, retired = false;
    unsigned tags = 0;
    bool hmb_enrolled = false, hmb_preexisting = false;
    std::vector<Item> items;
};

struct Accumulators {
    std::int64_t admissions = 0, hifp = 0, ci_base = 0, hifmi = 0, maf_base = 0, maf = 0, hmb_base = 0, hmb = 0;
};

// medfee, fulamt_ownpay, overlmt, preselfpay, inscp, act_pay_dedc, hifp, hifmi,
// maf, oth (hmb), fund_pay_sumamt, psn_part_amt — all fen.
using Result = std::array<std::int64_t, 12>;

namespace impl {

// Half-up for non-negative numerators (the spec's only case).
inline std::int64_t round_div(__int128 num, std::int64_t den) {
    return static_cast<std::int64_t>((num + den / 2) / den);
}

inline std::int64_t clamp_bp(std::int64_t r) { return std::clamp<std::int64_t>(r, 0, 10000); }

// Σ over bands of |[p0, p0+x) ∩ [T+lo, T+hi)| × ratio, in fen·bp.
struct Band {
    std::int64_t lo, hi, bp;
};
inline __int128 band_sum(std::int64_t p0, std::int64_t x, std::int64_t t, const Band* b, int n) {
    __int128 s = 0;
    const std::int64_t lo = std::max(p0, t), hi = p0 + x;
    for (int i = 0; i < n; ++i) {
        const std::int64_t a = std::max(lo, t + b[i].lo);
        const std::int64_t z = b[i].hi < 0 ? hi : std::min(hi, t + b[i].hi);
        if (z > a) s += static_cast<__int128>(z - a) * b[i].bp;
    }
    return s;
}

}  // namespace impl

inline Result settle(const Claim& c, Accumulators& acc) {
    using namespace impl;
    std::int64_t medfee = 0, ownpay = 0, overlmt = 0, pre = 0, inscp = 0;
    for (const Item& it : c.items) {
        medfee += it.amount;
        if (it.category == 'C') {
            ownpay += it.amount;
            continue;
        }
        const std::int64_t over = it.has_cap ? std::max<std::int64_t>(0, it.amount - it.price_cap * it.qty) : 0;
        overlmt += over;
        const std::int64_t p = it.category == 'B' ? round_div(static_cast<__int128>(it.amount - over) * it.selfpay_bp, 10000) : 0;
        pre += p;
        inscp += it.amount - over - p;
    }

    const bool poor = (c.tags & (tekun | dibao | fanpin)) != 0;
    const bool penalty = (c.region != local || c.hosp_lv == 3) && !c.referred && !c.emergency;

    // Stage 1: pooled fund.
    static constexpr std::int64_t ded_resident[4] = {0, 20000, 50000, 100000};
    static constexpr std::int64_t ded_employee[4] = {0, 30000, 60000, 120000};
    const int ded_lv = c.region == out_of_province ? 3 : c.hosp_lv;
    __int128 d = c.resident ? ded_resident[ded_lv] : ded_employee[ded_lv];
    std::int64_t den = 1;
    if (acc.admissions >= 1) d *= 5000, den *= 10000;
    if (c.tags & tekun) d = 0;
    if (c.tags & (dibao | fanpin)) d *= 5000, den *= 10000;
    const std::int64_t ded = round_div(d, den);
    const std::int64_t act_ded = std::min(inscp, ded);
    std::int64_t adj = 0;
    if (c.region == in_province) adj -= 500;
    if (c.region == out_of_province) adj -= 1000;
    if (penalty) adj -= 1000;
    if (c.resident && poor) adj += 500;
    __int128 s1;
    if (c.resident) {
        static constexpr std::int64_t ratio[4] = {0, 9000, 8000, 7000};
        const Band b[1] = {{0, -1, clamp_bp(ratio[c.hosp_lv] + adj)}};
        s1 = band_sum(0, inscp, act_ded, b, 1);
    } else {
        const std::int64_t r = adj + (c.retired ? 500 : 0);
        const Band b[3] = {{0, 1000000, clamp_bp(8500 + r)}, {1000000, 3000000, clamp_bp(9000 + r)},
                           {3000000, -1, clamp_bp(9500 + r)}};
        s1 = band_sum(0, inscp, act_ded, b, 3);
    }
    const std::int64_t cap1 = c.resident ? 25000000 : 40000000;
    const std::int64_t hifp = std::min(round_div(s1, 10000), std::max<std::int64_t>(0, cap1 - acc.hifp));
    acc.admissions += 1;
    acc.hifp += hifp;

    // Stage 2: critical illness, residents only.
    std::int64_t hifmi = 0;
    if (c.resident) {
        const std::int64_t x = inscp - hifp;
        const std::int64_t up = poor ? 500 : 0;
        const Band b[2] = {{0, 10000000, clamp_bp(6000 + up)}, {10000000, -1, clamp_bp(7000 + up)}};
        const std::int64_t raw = round_div(band_sum(acc.ci_base, x, poor ? 750000 : 1500000, b, 2), 10000);
        hifmi = poor ? raw : std::min(raw, std::max<std::int64_t>(0, 40000000 - acc.hifmi));
        acc.ci_base += x;
        acc.hifmi += hifmi;
    }

    // Stage 3: medical assistance, the most favourable tag decides.
    std::int64_t maf = 0;
    if (c.tags & (tekun | dibao | fanpin | dibian)) {
        const int k = (c.tags & tekun) ? 0 : (c.tags & dibao) ? 1 : (c.tags & fanpin) ? 2 : 3;
        static constexpr std::int64_t thr[4] = {0, 0, 100000, 200000};
        static constexpr std::int64_t ratio[4] = {10000, 7000, 6000, 5000};
        static constexpr std::int64_t cap[4] = {10000000, 6000000, 6000000, 6000000};
        const std::int64_t x = inscp - hifp - hifmi;
        const Band b[1] = {{0, -1, clamp_bp(ratio[k] - (penalty ? 1000 : 0))}};
        const std::int64_t raw = round_div(band_sum(acc.maf_base, x, thr[k], b, 1), 10000);
        maf = std::min(raw, std::max<std::int64_t>(0, cap[k] - acc.maf));
        acc.maf_base += x;
        acc.maf += maf;
    }

    // Stage 4: city supplementary insurance.
    std::int64_t hmb = 0;
    if (c.hmb_enrolled) {
        const std::int64_t x = pre + (inscp - hifp - hifmi - maf);
        const Band b[1] = {{0, -1, c.hmb_preexisting ? 4000 : 8000}};
        const std::int64_t t = (c.tags & (tekun | dibao | fanpin | dibian)) ? 1000000 : 2000000;
        const std::int64_t raw = round_div(band_sum(acc.hmb_base, x, t, b, 1), 10000);
        hmb = std::min(raw, std::max<std::int64_t>(0, 100000000 - acc.hmb));
        acc.hmb_base += x;
        acc.hmb += hmb;
    }

    const std::int64_t fund = hifp + hifmi + maf + hmb;
    return {medfee, ownpay, overlmt, pre, inscp, act_ded, hifp, hifmi, maf, hmb, fund, medfee - fund};
}

}  // namespace handwritten
