// Positions and errors. A policy error names file:line:col and what was
// expected; a claim error names the claim and the field.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace claimgraph {

// A place in a policy file, 1-based like an editor shows it (cf. yaml-cpp's Mark).
struct SourcePos {
    std::shared_ptr<const std::string> file;
    int line = 0;
    int col = 0;
    std::string str() const;  // "file:line:col"
};

struct Diagnostic {
    SourcePos pos;
    std::string message;  // "expected ..., found ..."
    std::string str() const;  // "file:line:col: error: message"
};

// Thrown by compile_policy_*: carries every error of the run, not only the first.
class CompileError : public std::runtime_error {
public:
    explicit CompileError(std::vector<Diagnostic> diags);
    const std::vector<Diagnostic>& diagnostics() const { return diags_; }

private:
    std::vector<Diagnostic> diags_;
};

// A claim record that cannot be settled as given: the field and why.
class ClaimError : public std::runtime_error {
public:
    ClaimError(std::string field, const std::string& message)
        : std::runtime_error(message), field_(std::move(field)) {}
    const std::string& field() const { return field_; }

private:
    std::string field_;
};

}  // namespace claimgraph
