// Parses the small expression language written inside policy scalars.
#pragma once

#include <string_view>
#include <vector>

#include "policy/ast.hpp"

namespace claimgraph {

// Where the pieces of an expression's text sit in the file: the text from
// `offset` on starts at line:col (a YAML scalar may span lines).
struct TextSegment {
    std::size_t offset;
    int line, col;
};

// `origin` is the position of the expression's first character; errors are
// appended to `diags` and nullptr returned.
ast::ExprPtr parse_expr(std::string_view text, const SourcePos& origin, std::vector<Diagnostic>& diags);
ast::ExprPtr parse_expr(std::string_view text, const SourcePos& origin, const std::vector<TextSegment>& segments,
                        std::vector<Diagnostic>& diags);

}  // namespace claimgraph
