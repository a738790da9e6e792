// Check: names resolve, types agree, tables are exhaustive, bands ordered.
#pragma once

#include <vector>

#include "policy/ast.hpp"
#include "policy/ir.hpp"

namespace claimgraph {

ir::Policy check_policy(const ast::Policy& p, std::vector<Diagnostic>& diags);

}  // namespace claimgraph
