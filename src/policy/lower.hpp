// Lower: typed IR → flat, topologically sorted Program.
#pragma once

#include "engine/program.hpp"
#include "policy/ir.hpp"

namespace claimgraph {

detail::Program lower_policy(const ir::Policy& p);

}  // namespace claimgraph
