// Internal: how settle_file's settlement pass reads the claim lines, for tests
// and benchmarks that must drive both ways of reading.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "claimgraph/io.hpp"

namespace claimgraph::detail {

// The settlement pass reads the file front to back in blocks of `block_bytes`,
// keeps the last `kept` and settles every claim whose member's earlier claims
// are settled and whose line is held. A claim about to leave the window while
// still waiting for an earlier claim of its member (members spread wider than
// the window) has those earlier claims read one pread(2) each first, so rows
// can go out behind the window. `when_it_pays` first counts, from the index
// alone, how many claims the window would serve (a mapped file on several
// workers reads nothing either way and skips the count); `never` reads every
// claim with a pread, in settlement order.
struct FileWindow {
    enum class Use { when_it_pays, always, never };
    // 24 MB held: a member whose claims lie within about 20 MB of each other
    // is read with its neighbours (a file in date order needs one block).
    std::size_t block_bytes = std::size_t{4} << 20;
    std::size_t kept = 6;
    Use use = Use::when_it_pays;
    // How both passes read the file (a mapped file's window holds no copies).
    FileAccess access = FileAccess::read;
};

// How long each pass of a run took (wall clock, seconds), for the benchmarks.
struct FilePhases {
    double keys = 0;    // pass 1: the key index, read off every line
    double order = 0;   // settlement order, the repeated-id check and the lines' places
    double order_sort = 0, order_rest = 0;  // within `order`, on two threads: the settlement order; the rest
    double settle = 0;  // pass 2: decoding, settling and writing rows, to the last one
};

BatchCounts settle_file(const Graph& g, const std::string& path, std::span<Ledger* const> ledgers,
                        const ResultFormat& format, const std::function<void(std::string_view)>& sink,
                        const FileWindow& window, std::size_t* served_by_window = nullptr,
                        FilePhases* phases = nullptr);

}  // namespace claimgraph::detail
