// Recursive-descent parser for policy expressions.
//
//   or      := and ('or' and)*
//   and     := not ('and' not)*
//   not     := 'not' not | compare
//   compare := sum (('=='|'!='|'<'|'<='|'>'|'>=') sum
//                   | 'has' ('any'|'all') '(' names ')' | 'has' name
//                   | 'in' '(' expr (',' expr)* ')')?
//   sum     := product (('+'|'-') product)*
//   product := unary (('*'|'/') unary)*
//   unary   := '-' unary | postfix
//   postfix := primary ('(' args ')' | '[' args ']')?
//   primary := number ('%'|'bp')? | string | name ('.' name)* | '(' or ')'
#include "policy/expr_parse.hpp"

#include <cctype>
#include <fmt/format.h>

namespace claimgraph {
namespace {

enum class Tok { end, number, string, name, op, error };

struct Token {
    Tok kind = Tok::end;
    std::string text;
    std::string suffix;
    std::size_t offset = 0;
};

class Parser {
public:
    Parser(std::string_view src, const SourcePos& origin, const std::vector<TextSegment>* segments,
           std::vector<Diagnostic>& diags)
        : src_(src), origin_(origin), segments_(segments), diags_(diags) {
        advance();
    }

    ast::ExprPtr parse() {
        auto e = parse_or();
        if (failed_) return nullptr;
        if (tok_.kind != Tok::end) {
            error(tok_.offset, fmt::format("expected an operator or the end of the expression, found '{}'", tok_.text));
            return nullptr;
        }
        return e;
    }

private:
    std::string_view src_;
    SourcePos origin_;
    const std::vector<TextSegment>* segments_;
    std::vector<Diagnostic>& diags_;
    std::size_t at_ = 0;
    Token tok_;
    bool failed_ = false;

    SourcePos pos_at(std::size_t offset) const {
        SourcePos p = origin_;
        std::size_t from = 0;
        if (segments_ && !segments_->empty()) {
            for (const auto& seg : *segments_) {
                if (seg.offset > offset) break;
                from = seg.offset;
                p.line = seg.line;
                p.col = seg.col;
            }
        }
        for (std::size_t i = from; i < offset && i < src_.size(); ++i) {
            if (src_[i] == '\n') {
                ++p.line;
                p.col = 1;
            } else if ((static_cast<unsigned char>(src_[i]) & 0xC0) != 0x80) {
                ++p.col;  // count characters, not UTF-8 continuation bytes
            }
        }
        return p;
    }

    void error(std::size_t offset, std::string msg) {
        if (failed_) return;  // one error per expression: the rest would be noise
        failed_ = true;
        diags_.push_back({pos_at(offset), std::move(msg)});
    }

    static bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
    static bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

    void advance() {
        lex();
        if (tok_.kind == Tok::error) error(tok_.offset, tok_.text);
    }

    void lex() {
        while (at_ < src_.size() && std::isspace(static_cast<unsigned char>(src_[at_]))) ++at_;
        tok_ = Token{};
        tok_.offset = at_;
        if (at_ >= src_.size()) return;
        const char c = src_[at_];
        if (std::isdigit(static_cast<unsigned char>(c))) {
            std::size_t s = at_;
            while (at_ < src_.size() && std::isdigit(static_cast<unsigned char>(src_[at_]))) ++at_;
            if (at_ < src_.size() && src_[at_] == '.') {
                ++at_;
                if (at_ >= src_.size() || !std::isdigit(static_cast<unsigned char>(src_[at_]))) {
                    tok_ = {Tok::error, "expected digits after the decimal point", "", s};
                    return;
                }
                while (at_ < src_.size() && std::isdigit(static_cast<unsigned char>(src_[at_]))) ++at_;
            }
            tok_.kind = Tok::number;
            tok_.text = std::string(src_.substr(s, at_ - s));
            if (at_ < src_.size() && src_[at_] == '%') {
                tok_.suffix = '%';  // a char: GCC 12 warns (-Wrestrict, falsely) on the one-byte literal
                ++at_;
            } else if (src_.substr(at_, 2) == "bp" && !(at_ + 2 < src_.size() && name_char(src_[at_ + 2]))) {
                tok_.suffix = "bp";
                at_ += 2;
            } else if (at_ < src_.size() && (name_start(src_[at_]))) {
                tok_ = {Tok::error, fmt::format("expected a number such as 12, 12.50, 85% or 8500bp, found '{}'",
                                                src_.substr(s, at_ + 1 - s)), "", s};
            }
            return;
        }
        if (name_start(c)) {
            std::size_t s = at_;
            while (at_ < src_.size() && (name_char(src_[at_]) || (src_[at_] == '.' && at_ + 1 < src_.size() &&
                                                                   name_start(src_[at_ + 1]))))
                ++at_;
            tok_.kind = Tok::name;
            tok_.text = std::string(src_.substr(s, at_ - s));
            return;
        }
        if (c == '\'' || c == '"') {
            std::size_t s = at_++;
            std::string text;
            while (at_ < src_.size() && src_[at_] != c) text += src_[at_++];
            if (at_ >= src_.size()) {
                tok_ = {Tok::error, "expected a closing quote", "", s};
                return;
            }
            ++at_;
            tok_ = {Tok::string, text, "", s};
            return;
        }
        static const char* two[] = {"==", "!=", "<=", ">="};
        for (const char* t : two) {
            if (src_.substr(at_, 2) == t) {
                tok_ = {Tok::op, t, "", at_};
                at_ += 2;
                return;
            }
        }
        if (std::string_view("+-*/<>()[],").find(c) != std::string_view::npos) {
            tok_ = {Tok::op, std::string(1, c), "", at_};
            ++at_;
            return;
        }
        if (c == '=') {
            tok_ = {Tok::error, "expected '==' to compare, found '='", "", at_};
            return;
        }
        tok_ = {Tok::error, fmt::format("unexpected character '{}'", c), "", at_};
    }

    bool is_op(const char* o) const { return tok_.kind == Tok::op && tok_.text == o; }
    bool is_word(const char* w) const { return tok_.kind == Tok::name && tok_.text == w; }

    bool expect_op(const char* o, const char* what) {
        if (is_op(o)) {
            advance();
            return true;
        }
        error(tok_.offset, fmt::format("expected {}, found {}", what, describe_tok()));
        return false;
    }

    std::string describe_tok() const {
        switch (tok_.kind) {
            case Tok::end: return "the end of the expression";
            case Tok::error: return tok_.text;
            default: return "'" + tok_.text + tok_.suffix + "'";
        }
    }

    ast::ExprPtr node(ast::ExprKind k, std::size_t offset, std::string text) {
        auto e = std::make_unique<ast::Expr>();
        e->kind = k;
        e->pos = pos_at(offset);
        e->text = std::move(text);
        return e;
    }

    ast::ExprPtr binary(std::string op, std::size_t offset, ast::ExprPtr l, ast::ExprPtr r) {
        auto e = node(ast::ExprKind::binary, offset, std::move(op));
        e->args.push_back(std::move(l));
        e->args.push_back(std::move(r));
        return e;
    }

    ast::ExprPtr parse_or() {
        auto l = parse_and();
        while (!failed_ && is_word("or")) {
            auto off = tok_.offset;
            advance();
            l = binary("or", off, std::move(l), parse_and());
        }
        return l;
    }

    ast::ExprPtr parse_and() {
        auto l = parse_not();
        while (!failed_ && is_word("and")) {
            auto off = tok_.offset;
            advance();
            l = binary("and", off, std::move(l), parse_not());
        }
        return l;
    }

    ast::ExprPtr parse_not() {
        if (is_word("not")) {
            auto e = node(ast::ExprKind::unary, tok_.offset, "not");
            advance();
            e->args.push_back(parse_not());
            return e;
        }
        return parse_compare();
    }

    ast::ExprPtr parse_compare() {
        auto l = parse_sum();
        if (failed_) return l;
        static const char* cmps[] = {"==", "!=", "<=", ">=", "<", ">"};
        for (const char* c : cmps) {
            if (is_op(c)) {
                auto off = tok_.offset;
                advance();
                return binary(c, off, std::move(l), parse_sum());
            }
        }
        if (is_word("has")) {
            auto e = node(ast::ExprKind::has, tok_.offset, "one");
            advance();
            e->args.push_back(std::move(l));
            if (is_word("any") || is_word("all")) {
                e->text = tok_.text;
                advance();
                if (!expect_op("(", "'(' after any/all")) return nullptr;
                while (!failed_) {
                    if (tok_.kind != Tok::name && tok_.kind != Tok::string && tok_.kind != Tok::number) {
                        error(tok_.offset, fmt::format("expected a tag name, found {}", describe_tok()));
                        return nullptr;
                    }
                    e->names.push_back(tok_.text);
                    e->name_pos.push_back(pos_at(tok_.offset));
                    advance();
                    if (is_op(",")) {
                        advance();
                        continue;
                    }
                    if (!expect_op(")", "',' or ')'")) return nullptr;
                    break;
                }
            } else if (tok_.kind == Tok::name || tok_.kind == Tok::string) {
                e->names.push_back(tok_.text);
                e->name_pos.push_back(pos_at(tok_.offset));
                advance();
            } else {
                error(tok_.offset, fmt::format("expected a tag name or any(...)/all(...) after 'has', found {}",
                                               describe_tok()));
                return nullptr;
            }
            return e;
        }
        if (is_word("in")) {
            auto e = node(ast::ExprKind::in, tok_.offset, "in");
            advance();
            e->args.push_back(std::move(l));
            if (!expect_op("(", "'(' after 'in'")) return nullptr;
            while (!failed_) {
                e->args.push_back(parse_sum());
                if (is_op(",")) {
                    advance();
                    continue;
                }
                if (!expect_op(")", "',' or ')'")) return nullptr;
                break;
            }
            return e;
        }
        return l;
    }

    ast::ExprPtr parse_sum() {
        auto l = parse_product();
        while (!failed_ && (is_op("+") || is_op("-"))) {
            std::string op = tok_.text;
            auto off = tok_.offset;
            advance();
            l = binary(op, off, std::move(l), parse_product());
        }
        return l;
    }

    ast::ExprPtr parse_product() {
        auto l = parse_unary();
        while (!failed_ && (is_op("*") || is_op("/"))) {
            std::string op = tok_.text;
            auto off = tok_.offset;
            advance();
            l = binary(op, off, std::move(l), parse_unary());
        }
        return l;
    }

    ast::ExprPtr parse_unary() {
        if (is_op("-")) {
            auto e = node(ast::ExprKind::unary, tok_.offset, "-");
            advance();
            e->args.push_back(parse_unary());
            return e;
        }
        return parse_postfix();
    }

    void parse_args(ast::Expr& e, const char* close) {
        if (is_op(close)) {
            advance();
            return;
        }
        while (!failed_) {
            e.args.push_back(parse_or());
            if (is_op(",")) {
                advance();
                continue;
            }
            expect_op(close, fmt::format("',' or '{}'", close).c_str());
            return;
        }
    }

    ast::ExprPtr parse_postfix() {
        if (tok_.kind == Tok::name) {
            static const char* reserved[] = {"and", "or", "not", "has", "in"};
            for (const char* r : reserved) {
                if (tok_.text == r) {
                    error(tok_.offset, fmt::format("expected a value, found the keyword '{}'", r));
                    return nullptr;
                }
            }
            auto off = tok_.offset;
            std::string name = tok_.text;
            advance();
            if (is_op("(")) {
                advance();
                auto e = node(ast::ExprKind::call, off, name);
                parse_args(*e, ")");
                return e;
            }
            if (is_op("[")) {
                advance();
                auto e = node(ast::ExprKind::index, off, name);
                parse_args(*e, "]");
                return e;
            }
            return node(ast::ExprKind::name, off, name);
        }
        return parse_primary();
    }

    ast::ExprPtr parse_primary() {
        if (tok_.kind == Tok::number) {
            auto e = node(ast::ExprKind::number, tok_.offset, tok_.text);
            e->suffix = tok_.suffix;
            advance();
            return e;
        }
        if (tok_.kind == Tok::string) {
            auto e = node(ast::ExprKind::string, tok_.offset, tok_.text);
            advance();
            return e;
        }
        if (is_op("(")) {
            advance();
            auto e = parse_or();
            if (!expect_op(")", "')'")) return nullptr;
            return e;
        }
        error(tok_.offset, fmt::format("expected a value (a number, a name or '('), found {}", describe_tok()));
        return nullptr;
    }
};

}  // namespace

ast::ExprPtr parse_expr(std::string_view text, const SourcePos& origin, std::vector<Diagnostic>& diags) {
    Parser p(text, origin, nullptr, diags);
    return p.parse();
}

ast::ExprPtr parse_expr(std::string_view text, const SourcePos& origin, const std::vector<TextSegment>& segments,
                        std::vector<Diagnostic>& diags) {
    Parser p(text, origin, &segments, diags);
    return p.parse();
}

}  // namespace claimgraph
