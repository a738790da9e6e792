// The claim schema a policy declares: field names, types, enum values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace claimgraph {

enum class FieldType : std::uint8_t { money, ratio, count, boolean, date, string, enumeration, tags };
const char* field_type_name(FieldType t);

struct EnumType {
    std::string name;
    std::vector<std::string> values;  // a value is stored as its index
    std::optional<std::size_t> index_of(std::string_view label) const;
};

struct FieldSpec {
    std::string name;
    FieldType type = FieldType::string;
    int enum_type = -1;               // index into Schema::enums for enumeration and tags
    bool optional = false;            // absent is allowed; present(...) tells
    std::optional<std::int64_t> default_value;  // stored form (fen, bp, index, mask)
    std::optional<std::int64_t> min_value;
};

// Every claim also has claim_id, member_id and date: the engine's own keys.
struct Schema {
    std::vector<EnumType> enums;
    std::vector<FieldSpec> claim_fields;
    std::vector<FieldSpec> item_fields;
    int claim_field(std::string_view name) const;  // -1 when unknown
    int item_field(std::string_view name) const;
    // A fee line's values hold only the fields that can be computed with:
    // a string item field has no column (its text is in Claim::item_texts),
    // so a line's row is item_width() values, one per other field, in
    // schema order. -1 for a string field or an index out of range.
    int item_column(int field) const;
    std::size_t item_width() const;
};

}  // namespace claimgraph
