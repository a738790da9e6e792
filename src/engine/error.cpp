#include "claimgraph/error.hpp"

#include <fmt/format.h>

namespace claimgraph {

std::string SourcePos::str() const {
    return fmt::format("{}:{}:{}", file ? *file : std::string("<input>"), line, col);
}

std::string Diagnostic::str() const { return fmt::format("{}: error: {}", pos.str(), message); }

namespace {
std::string join_diagnostics(const std::vector<Diagnostic>& diags) {
    std::string out;
    for (const auto& d : diags) {
        if (!out.empty()) out += '\n';
        out += d.str();
    }
    return out;
}
}  // namespace

CompileError::CompileError(std::vector<Diagnostic> diags)
    : std::runtime_error(join_diagnostics(diags)), diags_(std::move(diags)) {}

}  // namespace claimgraph
