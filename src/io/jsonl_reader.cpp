// JSON Lines claim files in: each non-blank line is one claim for ClaimDecoder.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "claimgraph/io.hpp"

namespace claimgraph {

namespace {

bool is_blank(std::string_view line) {
    for (char ch : line)
        if (ch != ' ' && ch != '\t' && ch != '\r') return false;
    return true;
}

// `data` holds `size` bytes of text and is readable up to `capacity` bytes,
// with capacity >= size + SIMDJSON_PADDING.
std::vector<ClaimRecord> decode_all(const Graph& g, const char* data, std::size_t size, std::size_t capacity) {
    ClaimDecoder decoder(g);
    std::vector<ClaimRecord> out;
    std::size_t pos = 0;
    if (size >= 3 && std::memcmp(data, "\xEF\xBB\xBF", 3) == 0) pos = 3;  // UTF-8 byte order mark
    std::size_t line_no = 0;
    while (pos < size) {
        ++line_no;
        const void* nl = std::memchr(data + pos, '\n', size - pos);
        const std::size_t end = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - data) : size;
        std::size_t len = end - pos;
        if (len > 0 && data[pos + len - 1] == '\r') --len;
        const std::string_view line(data + pos, len);
        if (!is_blank(line)) {
            ClaimRecord& rec = out.emplace_back();
            decoder.decode(line, capacity - pos, rec);
            rec.claim.line = line_no;
        }
        pos = end + 1;
    }
    return out;
}

}  // namespace

std::vector<ClaimRecord> read_claims_jsonl(const Graph& g, std::string_view text) {
    // Pad once for the whole text; every line is then parsed in place.
    std::string buf;
    buf.reserve(text.size() + ClaimDecoder::padding);
    buf.assign(text);
    return decode_all(g, buf.data(), buf.size(), buf.capacity());
}

std::vector<ClaimRecord> read_claims_jsonl_file(const Graph& g, const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw std::runtime_error(fmt::format("cannot read claims file {}: is a directory", path));
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw std::runtime_error(fmt::format("cannot open claims file {}: {}", path, std::strerror(errno)));
    std::string buf;
    char chunk[1 << 16];
    for (;;) {
        const std::size_t n = std::fread(chunk, 1, sizeof chunk, f);
        buf.append(chunk, n);
        if (n < sizeof chunk) break;
    }
    const bool failed = std::ferror(f) != 0;
    const int err = errno;
    std::fclose(f);
    if (failed) throw std::runtime_error(fmt::format("cannot read claims file {}: {}", path, std::strerror(err)));
    buf.reserve(buf.size() + ClaimDecoder::padding);
    return decode_all(g, buf.data(), buf.size(), buf.capacity());
}

}  // namespace claimgraph
