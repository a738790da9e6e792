// Load: YAML → syntax tree with positions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/ast.hpp"

namespace claimgraph {

ast::Policy load_policy(std::string_view text, const std::string& file_name, std::vector<Diagnostic>& diags);

}  // namespace claimgraph
