// A second, faster form of a lowered Program, used only by untraced
// settlement. The Program's ops stay the reference: traces are built from
// them, and whenever the fast form fails in any way (an overflow, a failed
// check, anything it does not handle) the claim is evaluated again by the
// reference loop, which produces the exact error. So the fast form only has to
// agree with the reference on claims that settle.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/program.hpp"

namespace claimgraph::detail {

// The per-item program run one op at a time over all of a claim's items
// (column by column) instead of one item at a time: an op is dispatched once
// per claim, not once per item. Every operand is a column of `cap` values:
// constants are filled once per buffer, claim slots and item fields are copied
// in per claim, so the op loops are plain unit-stride loops.
// Two adjacent line ops fused when the first one's column is read by nothing
// else (build_line_plan); that column is then never written.
enum class Fused : std::uint8_t {
    none,
    cmp_sel,  // dst = (a `code` b) ? c : e   (code: eq .. ge)
    sub_max,  // dst = max(a - b, c)
    sub_sub,  // dst = a - b - c
    and_sel,  // dst = (a && b) ? c : e
    sub_mul,  // dst = (a - b) × c
    // and three ops, a fused pair and the op after it:
    sub3,         // dst = a - b - c - e
    cmp_and_sel,  // dst = ((a `code` b) && n) ? c : e
};

struct ColOp {
    OpCode code{};
    std::uint8_t mode = 0;
    Fused fused = Fused::none;
    // Columns, as offsets into the block buffer (column index × kBlock) once
    // build_line_plan is done; n too for cmp_and_sel, and LinePlan::keys.
    std::int32_t dst = 0, a = 0, b = 0, c = 0, e = 0;
    std::int64_t imm = 0, imm2 = 1;
    std::int32_t n = 0;     // table: key count
    std::int32_t keys = 0;  // table: key columns at LinePlan::keys[keys..], strides alike in `strides`
};

// The whole line program of a known shape (line_columns.cpp, kShapes) as
// one loop over the items, every value in a register: one pass over a line's
// fields instead of one column pass per op. A shape names its operands by
// role (item field, presence flag, constant); matching binds each role to
// the policy's own field or constant, so any policy whose line program has
// that shape runs it, whatever its fields and constants are.
struct LineKernel {
    static constexpr int kOps = 24, kVars = 8, kSums = 8;
    int shape = -1;      // index into kShapes, or -1: no shape matches, the columns run
    // The shape's loop (with `fen`), for a caller that skips run_line_columns.
    bool (*run)(const Program&, const LineKernel&, const Claim&, std::int64_t*) = nullptr;
    bool fen = false;    // every round is fen·bp → fen half up (constant divisor)
    // The shape's item values lie side by side in a row of Claim::items, in
    // role order (field[j] == field[0] + j): the loop reads them through one pointer.
    bool adjacent = false;
    std::int32_t field[kVars]{};    // per role: its column in Claim::items (Schema::item_column)
    std::int32_t present[kVars]{};  // per role: its item field index (presence flags have one per field)
    std::int64_t konst[kVars]{};
    std::int32_t scalar[kVars]{};  // claim slot per role
    std::int64_t imm[kOps]{}, imm2[kOps]{};  // per op of the shape
    std::uint8_t mode[kOps]{};
    std::int32_t sum_slot[kSums]{};  // per sum of the shape: its claim slot, or -1
    // The sums start from their slots' initial values, not from the slots
    // (which settle_impl then need not reset between claims).
    bool starts_sums = false;
    std::int64_t sum_init[kSums]{};
};

struct LinePlan {
    LineKernel kernel;
    bool ok = false;  // false: the plan does not cover this line program; run it item by item
    std::uint64_t id = 0;  // unique per plan: a thread's buffer knows which plan's constants it holds
    std::int32_t columns = 0;
    struct Load { std::int32_t from, column; };
    std::vector<Load> constants;  // slot → column, filled when the buffer is (re)made
    std::vector<Load> scalars;    // claim slot → column, per claim
    std::vector<Load> fields;     // item value (its Claim::items column) → column, per claim
    std::vector<Load> present;    // item field presence → column, per claim
    std::vector<ColOp> ops;
    std::vector<std::int32_t> keys;
    std::vector<std::int64_t> strides;
    struct Sum { std::int32_t column, claim_slot; };
    std::vector<Sum> sums;
};

// The claim-level ops, 16 bytes each, for a threaded interpreter
// (fast_eval.cpp). Slots fit 16 bits; a bigger program is not converted.
enum class XCode : std::uint8_t {
    add, sub, mul, neg, min, max, rescale, round, eq, ne, lt, le, gt, ge, and_, or_, not_, select, tags_any,
    tags_all, generic, bands, fail_if, lines, skip,
    // Superinstructions (build_claim_code fuses an op with the ones right after
    // it that read its result; every intermediate slot is still written):
    //   add_max/sub_max   dst = a ± b, n = max(dst, c)
    //   max_min           dst = max(a, b), n = min(dst, c)
    //   add_clamp/sub_clamp  dst = a ± b, n = max(dst, c), k>>16 = min(n, k & 0xffff)
    //   tags_sel          dst = tags_any(a, imms[k]), n = dst ? b : c
    //   eq_sel..ge_sel    dst = a cmp b, n = dst ? c : k
    //   sel_add           dst = a ? b : c, n = dst + k
    //   sel2              dst = a ? b : c, n = a ? (k & 0xffff) : (k >> 16)
    //   bands_round       bands (Program::ops[k]), then n = round(dst) by imms[c], imms[c + 1], mode
    add_max, sub_max, max_min, add_clamp, sub_clamp, tags_sel, eq_sel, ne_sel, lt_sel, le_sel, gt_sel, ge_sel,
    //   table1/table2     dst = table_data[imms[k] + a × imms[k+1] (+ b × imms[k+2])]
    sel_add, sel2, bands_round, table1, table2,
    //   round_fen, bands_round_fen   round and bands_round rounding fen·bp half up to fen (imms unused)
    round_fen, bands_round_fen,
    //   product_round   Program::ops[k], its product in int64 when it fits
    product_round,
    //   band1, band1_round_fen   bands of one segmented band from a constant 0
    //                    with no upper limit (a single ratio): dst = the payment,
    //                    n = the part below the threshold, ratio s[k & 0xffff];
    //                    a = start, b = threshold, c = amount; then s[k >> 16] = round(dst)
    //   product_round_fen  s[dst] = s[a] × Π s[args[k ..k+n)] ÷ 10^(4n) half up (n ≤ 3);
    //                    Program::ops[b | c << 16] when the product leaves int64
    band1, band1_round_fen, product_round_fen,
    end,
};

struct XOp {
    XCode code{};
    std::uint8_t mode = 0;
    std::uint16_t dst = 0, a = 0, b = 0, c = 0;
    std::uint16_t n = 0;   // skip: ops to jump over (b, k: the slots to zero, FastProgram::zero; mode 1: dst is its flag)
    std::int32_t k = 0;    // rescale/round/tags: index into imms; generic/bands/fail_if: index into Program::ops
};
static_assert(sizeof(XOp) == 16);

struct FastProgram {
    std::uint64_t id = 0;  // unique: a thread's slot array knows which program's constants it holds
    // Slots the fast form reads before it writes them in a claim: the line
    // sums it adds to. Between claims a thread's slot array (settle_impl)
    // resets only these: a skip zeroes what its skipped ops would write (zero),
    // every other written slot is written before it is read, and constants
    // are never written.
    std::vector<std::int32_t> reset;
    std::vector<std::int32_t> zero;  // skip: zero[k .. k + b) are the skipped ops' slots
    LinePlan lines;
    bool claim_ok = false;  // false: run Program::ops with the reference op loop
    // The claim program's shape (claim_shapes.cpp), or -1: the ops in `code` run.
    int claim_shape = -1;
    std::vector<std::int64_t> shape_consts;  // the shape's constant operands, in order
    std::vector<XOp> code;  // ends with XCode::end
    std::vector<std::int64_t> imms;
    // Program::accumulators, outputs and stages as settle_impl reads them
    // for every claim, packed (the Info structs also carry names and text).
    // An accumulator's period start is month × 32 + day, compared with the
    // claim's the same way; accs is empty if a start does not fit that.
    struct Acc {
        std::int32_t slot, delta, key_field;
        std::uint32_t start;
    };
    std::vector<Acc> accs;
    bool one_period = false;  // accs all unkeyed, with one period start (Ledger::read_period)
    std::vector<std::int32_t> outputs;
    // Filled by build_claim_code. The fast slot array's size: Program::slot_init,
    // then one flag per skip that has one (XOp::mode): 1 when the slots the
    // skip zeroes are known to hold 0 still, so a skip taken claim after claim
    // zeroes them once.
    std::int32_t slots = 0;
    // Per stage: applies, base, deductible, raw, pay (StageInfo); empty when
    // some stage has rejections (settle_impl then reads StageInfo).
    std::vector<std::int32_t> stage_slots;
    std::vector<std::int32_t> delta_slots;  // per accumulator: its delta slot
    // The claim fields' presence flags anything reads: the ops, the line
    // program, outputs, stages, rejections. Only these are loaded per claim.
    std::vector<std::int32_t> claim_reads_present;
    // The accumulators' slots are acc_first + i (the ledger reads into the
    // fast slot array itself), or -1.
    std::int32_t acc_first = -1;
    // Every per-program choice settle_impl makes for each claim, made once:
    // a claim shape runs, and the ledger reads the member's period
    // (one_period) straight into the accumulators' slots (acc_first), so a
    // claim takes settle_direct's path.
    bool direct = false;
};

std::shared_ptr<const FastProgram> build_fast_program(const Program& p);
std::int64_t power_of_ten(int e);
// The rounding the lowering emits nearly everywhere: fen·bp to fen, half up.
bool is_fen(const Op& o);
// A segmented bands op of one band from a constant 0 to a constant beyond
// kUnlimitedAmount: its ratio slot, else -1.
std::int32_t single_band(const Program& p, const Op& op, const std::vector<std::uint8_t>& written);
// Per slot, 1 when anything may write it (an input, an op's result, a line
// sum); a slot never written holds its slot_init value, a constant.
std::vector<std::uint8_t> written_slots(const Program& p);
void build_claim_code(const Program& p, FastProgram& f);

// Runs the line program over every item and adds the line sums into their
// claim slots. Returns false, having written no claim slot, when the reference
// must run instead (an overflow); may also throw, to the same effect.
bool run_line_columns(const Program& p, const LinePlan& plan, const Claim& c, std::int64_t* s);

// Which claim shape (claim_shapes.cpp) the program's claim ops are, or -1;
// and running it, as run_fast does.
int match_claim_shape(const Program& p, std::vector<std::int64_t>& consts);
// The program's claim ops written as a shape table (claim_shapes.cpp's
// kDemoCity is this for rules/demo-city-2026.yaml), then the results' bindings.
std::string claim_shape_source(const Program& p);
// Where a claim shape writes the results settle_impl reports, sized to the
// Program's outputs, stages and accumulators: a shape leaves in the slot
// array only what is read there (rejections, its own ops' operands), so its
// outputs, stage results and deltas are read nowhere else. A stage's
// rejection is left to the caller (the shape only clears it).
struct ShapeResults {
    Money* outputs;
    StageResult* stages;
    std::int64_t* deltas;
    bool negative = false;  // set: some delta is negative (settle_impl words the error)
};
bool run_claim_shape(const Program& p, const FastProgram& f, const Claim& c, std::int64_t* s,
                     ShapeResults& out) noexcept;

// Evaluates the claim into the slots (inputs already loaded), with the
// interpreter (never a claim shape: see run_claim_shape). Returns false when
// the reference loop must evaluate it instead; never throws.
bool run_fast(const Program& p, const FastProgram& f, const Claim& c, std::int64_t* s) noexcept;

}  // namespace claimgraph::detail
