// Settling a claim file in any order without holding its decoded claims.
//
// Pass 1 reads only each line's keys (member_id, date, claim_id) and where the
// line is; the index of keys is sorted into settlement order. Pass 2 reads and
// decodes each claim when its turn comes, settles it and keeps only its result
// row. Memory is the key index (tens of bytes per claim) plus the results,
// instead of every decoded claim at once.
#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "claimgraph/io.hpp"
#include "engine/batch_rows.hpp"

namespace claimgraph {

namespace {

struct Key {
    std::uint64_t offset;    // of the line in the file
    std::uint32_t length;    // of the line, without its newline
    std::uint32_t line;      // 1-based line number
    std::uint32_t member_at, id_at;  // into the key arena
    std::uint16_t member_len, id_len;
    std::int32_t date;
    bool keys_ok;            // false: pass 2 decodes it for the error row
};

class KeyIndex {
public:
    std::vector<Key> keys;
    std::string arena;

    std::string_view member(const Key& k) const { return {arena.data() + k.member_at, k.member_len}; }
    std::string_view id(const Key& k) const { return {arena.data() + k.id_at, k.id_len}; }

    // Reads the three keys with simdjson's on-demand parser; anything unusual
    // leaves keys_ok false and the full decoder reports it in pass 2.
    void add(std::string_view line, std::uint64_t offset, std::uint32_t line_no) {
        Key k{offset, static_cast<std::uint32_t>(line.size()), line_no, 0, 0, 0, 0, 0, false};
        std::string_view text = line;
        if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
        padded_.assign(text);
        padded_.append(simdjson::SIMDJSON_PADDING, '\0');
        std::string_view member, id, date;
        auto doc = parser_.iterate(padded_.data(), text.size(), padded_.size());
        simdjson::ondemand::object obj;
        if (!doc.error() && doc.get_object().get(obj) == simdjson::SUCCESS) {
            int found = 0;
            for (auto field : obj) {
                std::string_view key;
                if (field.unescaped_key().get(key)) break;
                std::string_view* dst = key == "member_id" ? &member : key == "claim_id" ? &id : key == "date" ? &date : nullptr;
                if (dst == nullptr) continue;
                std::string_view v;
                if (field.value().get_string().get(v)) break;
                // The views point into the parser's string buffer until the next
                // iterate: copy them now.
                if (dst == &member) held_member_.assign(v), member = held_member_;
                else if (dst == &id) held_id_.assign(v), id = held_id_;
                else held_date_.assign(v), date = held_date_;
                if (++found == 3) break;
            }
            Date d;
            if (found == 3 && !member.empty() && !id.empty() && member.size() < 65536 && id.size() < 65536 &&
                parse_date(date, d)) {
                k.member_at = static_cast<std::uint32_t>(arena.size());
                k.member_len = static_cast<std::uint16_t>(member.size());
                arena += member;
                k.id_at = static_cast<std::uint32_t>(arena.size());
                k.id_len = static_cast<std::uint16_t>(id.size());
                arena += id;
                k.date = d.days;
                k.keys_ok = true;
                if (arena.size() > UINT32_MAX - 131072) throw std::length_error("claim file too large for one batch");
            }
        }
        keys.push_back(k);
    }

private:
    simdjson::ondemand::parser parser_;
    std::string padded_, held_member_, held_id_, held_date_;
};

// Reads one line of the file by its offset; safe to call from several threads.
class LineReader {
public:
    explicit LineReader(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY)) {
        if (fd_ < 0) throw std::runtime_error(fmt::format("cannot open claims file {}: {}", path, std::strerror(errno)));
    }
    ~LineReader() { ::close(fd_); }
    LineReader(const LineReader&) = delete;
    LineReader& operator=(const LineReader&) = delete;

    void read(const Key& k, std::string& out) const {
        out.resize(k.length);
        std::size_t done = 0;
        while (done < k.length) {
            const ssize_t n = ::pread(fd_, out.data() + done, k.length - done, static_cast<off_t>(k.offset + done));
            if (n <= 0) throw std::runtime_error(fmt::format("cannot read claims file: {}", n < 0 ? std::strerror(errno) : "file shrank"));
            done += static_cast<std::size_t>(n);
        }
    }

private:
    int fd_;
};

}  // namespace

std::string settle_file(const Graph& g, const std::string& path, std::span<Ledger* const> ledgers, BatchCounts& counts,
                        const ResultFormat& format) {
    std::string out;
    counts = settle_file(g, path, ledgers, format, [&](std::string_view text) { out += text; });
    return out;
}

BatchCounts settle_file(const Graph& g, const std::string& path, std::span<Ledger* const> ledgers,
                        const ResultFormat& format, const std::function<void(std::string_view)>& sink) {
    BatchCounts counts;
    if (ledgers.empty()) throw std::invalid_argument("settle_file: at least one ledger is needed");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(fmt::format("cannot open claims file {}: {}", path, std::strerror(errno)));

    // Pass 1: keys and places.
    KeyIndex index;
    {
        std::string line;
        std::uint64_t offset = 0;
        std::uint32_t line_no = 0;
        while (std::getline(in, line)) {
            ++line_no;
            const std::uint64_t at = offset;
            offset += line.size() + 1;
            if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank lines yield no record
            index.add(line, at, line_no);
        }
        if (in.bad()) throw std::runtime_error(fmt::format("cannot read claims file {}", path));
    }
    const auto& keys = index.keys;
    const std::size_t n = keys.size();
    if (n > UINT32_MAX) throw std::length_error("too many claims in one batch");

    auto before = [&](std::uint32_t a, std::uint32_t b) {
        const Key &x = keys[a], &y = keys[b];
        if (const int c = index.member(x).compare(index.member(y)); c != 0) return c < 0;
        if (x.date != y.date) return x.date < y.date;
        return index.id(x).compare(index.id(y)) < 0;
    };
    std::vector<std::uint32_t> order;
    order.reserve(n);
    for (std::uint32_t i = 0; i < n; ++i)
        if (keys[i].keys_ok) order.push_back(i);
    std::stable_sort(order.begin(), order.end(), before);

    // A claim_id seen earlier in the file is an error row, never settled twice.
    std::vector<std::uint32_t> by_id(order);
    std::stable_sort(by_id.begin(), by_id.end(), [&](std::uint32_t a, std::uint32_t b) {
        if (const int c = index.id(keys[a]).compare(index.id(keys[b])); c != 0) return c < 0;
        return a < b;
    });
    std::vector<std::int64_t> first_line(n, -1);  // for duplicates: the line of the first occurrence
    for (std::size_t k = 1; k < by_id.size(); ++k)
        if (index.id(keys[by_id[k]]) == index.id(keys[by_id[k - 1]]))
            first_line[by_id[k]] = first_line[by_id[k - 1]] >= 0 ? first_line[by_id[k - 1]] : keys[by_id[k - 1]].line;
    by_id = {};

    const std::size_t workers = ledgers.size();
    const LineReader reader(path);
    std::vector<detail::RowSpan> span(n);
    std::vector<std::string> bodies(workers);
    std::vector<BatchCounts> worker_counts(workers);

    auto decode = [&](const Key& k, std::string& buf) {
        reader.read(k, buf);
        std::vector<ClaimRecord> recs = read_claims_jsonl(g, buf);
        if (recs.size() != 1) {
            ClaimRecord r;
            r.ok = false;
            r.error_field = "json";
            r.error_message = "expected one claim object on the line";
            recs.assign(1, std::move(r));
        }
        recs[0].claim.line = k.line;
        return std::move(recs[0]);
    };

    // Lines whose keys could not be read: the full decoder says why.
    {
        std::string buf;
        for (std::uint32_t i = 0; i < n; ++i) {
            if (keys[i].keys_ok) continue;
            ClaimRecord r = decode(keys[i], buf);
            if (r.ok) {  // keys the quick reader missed (escapes, say): still no settlement order for it
                r.ok = false;
                r.error_field = "claim_id";
                r.error_message = "cannot read the claim's member_id, date and claim_id";
            }
            const std::size_t at = bodies[0].size();
            write_error(g, r, format, bodies[0]);
            span[i] = {0, at, bodies[0].size() - at};
            ++counts.errors;
        }
    }

    auto work = [&](std::size_t w) {
        std::string buf;
        std::string& body = bodies[w];
        BatchCounts& c = worker_counts[w];
        Settlement s;
        for (const std::uint32_t i : order) {
            const Key& k = keys[i];
            if (workers > 1 && std::hash<std::string_view>{}(index.member(k)) % workers != w) continue;
            const std::size_t at = body.size();
            ClaimRecord r = decode(k, buf);
            if (!r.ok) {
                write_error(g, r, format, body);
                ++c.errors;
            } else {
                if (first_line[i] >= 0) {
                    s = Settlement{};
                    s.claim_id = r.claim.claim_id;
                    s.status = SettleStatus::error;
                    s.field = "claim_id";
                    s.message = fmt::format("duplicate claim_id: already settled from line {}", first_line[i]);
                } else {
                    try {
                        g.settle(r.claim, *ledgers[w], s);
                    } catch (const std::exception& e) {
                        s = Settlement{};
                        s.claim_id = r.claim.claim_id;
                        s.status = SettleStatus::error;
                        s.message = fmt::format("cannot settle: {}", e.what());
                    }
                }
                write_result(g, s, format, body);
                detail::count(c, s.status);
            }
            span[i] = {static_cast<std::uint32_t>(w), at, body.size() - at};
        }
    };
    detail::run_workers(workers, work);
    for (const auto& c : worker_counts) {
        counts.settled += c.settled;
        counts.rejected += c.rejected;
        counts.errors += c.errors;
    }

    // Rows go out in input order, a block at a time: they are held once.
    std::string header;
    write_header(g, format, header);
    detail::emit_rows(header, bodies, span, sink);
    return counts;
}

}  // namespace claimgraph
