// The traced settlement, kept out of evaluate.cpp on purpose (settle_impl.hpp).
#include <stdexcept>

#include "engine/settle_impl.hpp"

namespace claimgraph {

#if CLAIMGRAPH_TRACING
void Graph::settle(const Claim& c, Ledger& ledger, Settlement& out, Trace& trace) const {
    detail::settle_impl<true>(*p_, c, ledger, out, &trace);
}
#else
// Built with -DCLAIMGRAPH_TRACING=OFF, only to measure what tracing costs when off.
void Graph::settle(const Claim&, Ledger&, Settlement&, Trace&) const {
    throw std::logic_error("claimgraph was built without tracing (CLAIMGRAPH_TRACING=OFF)");
}
#endif

}  // namespace claimgraph
