#include "claimgraph/schema.hpp"

namespace claimgraph {

const char* field_type_name(FieldType t) {
    switch (t) {
        case FieldType::money: return "money";
        case FieldType::ratio: return "ratio";
        case FieldType::count: return "count";
        case FieldType::boolean: return "bool";
        case FieldType::date: return "date";
        case FieldType::string: return "string";
        case FieldType::enumeration: return "enum";
        case FieldType::tags: return "tags";
    }
    return "unknown";
}

std::optional<std::size_t> EnumType::index_of(std::string_view label) const {
    // Labels are short ("A", "resident"): compare inline rather than call memcmp.
    for (std::size_t i = 0; i < values.size(); ++i) {
        const std::string& v = values[i];
        if (v.size() != label.size()) continue;
        std::size_t k = 0;
        while (k < v.size() && v[k] == label[k]) ++k;
        if (k == v.size()) return i;
    }
    return std::nullopt;
}

namespace {
int find_field(const std::vector<FieldSpec>& fields, std::string_view name) {
    for (std::size_t i = 0; i < fields.size(); ++i)
        if (fields[i].name == name) return static_cast<int>(i);
    return -1;
}
}  // namespace

int Schema::claim_field(std::string_view name) const { return find_field(claim_fields, name); }
int Schema::item_field(std::string_view name) const { return find_field(item_fields, name); }

int Schema::item_column(int field) const {
    if (field < 0 || static_cast<std::size_t>(field) >= item_fields.size()) return -1;
    if (item_fields[static_cast<std::size_t>(field)].type == FieldType::string) return -1;
    int column = 0;
    for (int i = 0; i < field; ++i) column += item_fields[static_cast<std::size_t>(i)].type != FieldType::string;
    return column;
}

std::size_t Schema::item_width() const {
    std::size_t n = 0;
    for (const auto& f : item_fields) n += f.type != FieldType::string;
    return n;
}

}  // namespace claimgraph
