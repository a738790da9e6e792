// Parses the small expression language written inside policy scalars.
#pragma once

#include <string_view>
#include <vector>

#include "policy/ast.hpp"

namespace claimgraph {

// `origin` is the position of the expression's first character; errors are
// appended to `diags` and nullptr returned.
ast::ExprPtr parse_expr(std::string_view text, const SourcePos& origin, std::vector<Diagnostic>& diags);

}  // namespace claimgraph
