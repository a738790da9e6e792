// Schema::item_column and item_width for every fee-line value a decoder or
// a program reads: each is a walk over the schema's fields, so they are taken once.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "claimgraph/claim.hpp"
#include "claimgraph/schema.hpp"

namespace claimgraph::detail {

struct ItemColumns {
    ItemColumns() = default;
    explicit ItemColumns(const Schema& s);
    std::vector<int> column;  // by item field: Schema::item_column
    std::size_t width = 0;    // Schema::item_width
};

// set_item_value and start_item (claim.hpp), the columns given.
void set_item_value(const Schema& s, const ItemColumns& columns, Claim& c, std::size_t item, int field,
                    std::string_view text, bool quoted);
void start_item(const Schema& s, const ItemColumns& columns, Claim& c);

}  // namespace claimgraph::detail
