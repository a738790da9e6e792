// The whole public API.
#pragma once

#include "claimgraph/claim.hpp"
#include "claimgraph/error.hpp"
#include "claimgraph/graph.hpp"
#include "claimgraph/io.hpp"
#include "claimgraph/ledger.hpp"
#include "claimgraph/money.hpp"
#include "claimgraph/output_file.hpp"
#include "claimgraph/policy_test.hpp"
#include "claimgraph/schema.hpp"
#include "claimgraph/settle.hpp"
#include "claimgraph/trace.hpp"
