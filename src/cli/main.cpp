// claimgraph: check policies and settle claim files from the command line.
//
//   claimgraph check POLICY.yaml [more.yaml ...]
//   claimgraph settle --policy P.yaml --claims C.jsonl [--out R] [--format jsonl|csv] [--detail]
//
// Exit codes: 0 success; 1 policy, usage or I/O error; 2 settled with error rows.

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>
#include <algorithm>
#include <atomic>

#include <signal.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "claimgraph/claimgraph.hpp"
#include "claimgraph/policy_test.hpp"

#ifndef CLAIMGRAPH_VERSION
#define CLAIMGRAPH_VERSION "0.1.0"
#endif

namespace po = boost::program_options;
using namespace claimgraph;

namespace {

constexpr int kOk = 0;
constexpr int kFail = 1;
constexpr int kErrorRows = 2;

constexpr std::string_view kUsage =
    "usage: claimgraph <command> [options]\n"
    "\n"
    "commands:\n"
    "  check POLICY.yaml [more.yaml ...]   compile policies and report every error\n"
    "  settle --policy P.yaml --claims C.jsonl [--out R] [--format jsonl|csv] [--detail] [--threads N] [--sorted]\n"
    "                                      settle a JSON Lines claim file\n"
    "  explain --policy P.yaml --claims C.jsonl --claim ID [--format text|json|markdown]\n"
    "                                      show how one claim's amounts were reached\n"
    "  test PATH [PATH ...]                run policy test files (*.test.yaml; directories recursively)\n"
    "  help [command]                      show this help, or a command's options\n"
    "\n"
    "options:\n"
    "  -h, --help                          show this help\n"
    "  --version                           show the version\n"
    "\n"
    "exit status: 0 success, 1 policy/usage/I/O error, 2 some claims could not be settled\n";

// Raised for a command line we cannot run; main prints it with the usage hint.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Writes all of `text` to `f`; throws with `what` on a short write.
void write_all(std::FILE* f, std::string_view text, const std::string& what) {
    if (!text.empty() && std::fwrite(text.data(), 1, text.size(), f) != text.size())
        throw std::runtime_error(fmt::format("cannot write {}: {}", what, std::strerror(errno)));
}

void print_diagnostics(const CompileError& e) {
    if (e.diagnostics().empty()) {
        fmt::print(stderr, "{}\n", e.what());
        return;
    }
    for (const auto& d : e.diagnostics()) fmt::print(stderr, "{}\n", d.str());
}

// ---------------------------------------------------------------------------
// check

po::options_description check_options() {
    po::options_description opts("claimgraph check POLICY.yaml [more.yaml ...]");
    opts.add_options()("help,h", "show this help");
    return opts;
}

// Parses a command's options. Prints the help and returns nothing for --help.
std::optional<po::variables_map> parse_options(const std::vector<std::string>& args, const po::options_description& opts) {
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(opts).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
        std::cout << opts;
        return std::nullopt;
    }
    return vm;
}

// Parses a command taking only --help and a list of paths. Prints the help and
// returns nothing for --help; throws UsageError when no path is given.
std::optional<std::vector<std::string>> parse_paths(const std::vector<std::string>& args,
                                                    const po::options_description& visible, const char* missing) {
    po::options_description all;
    all.add(visible).add_options()("path", po::value<std::vector<std::string>>(), "path");
    po::positional_options_description pos;
    pos.add("path", -1);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
        std::cout << visible;
        return std::nullopt;
    }
    if (!vm.count("path")) throw UsageError(missing);
    return vm["path"].as<std::vector<std::string>>();
}

int cmd_check(const std::vector<std::string>& args) {
    const auto policies = parse_paths(args, check_options(), "check: expected at least one policy file");
    if (!policies) return kOk;

    int rc = kOk;
    for (const auto& file : *policies) {
        try {
            // A policy's test file sits next to it (rules/*.yaml matches both):
            // check its format too, and say how to run it.
            if (file.size() > 10 && file.compare(file.size() - 10, 10, ".test.yaml") == 0) {
                const PolicyTestFile t = load_policy_test_file(file);
                fmt::print("{}: ok (policy test file, {} cases; run them with claimgraph test)\n", file, t.cases.size());
                continue;
            }
            const Graph g = compile_policy_file(file);
            fmt::print("{}: ok ({} nodes, {} outputs)\n", file, g.node_count(), g.output_names().size());
        } catch (const CompileError& e) {
            print_diagnostics(e);
            rc = kFail;
        } catch (const std::exception& e) {
            fmt::print(stderr, "{}: error: {}\n", file, e.what());
            rc = kFail;
        }
    }
    std::fflush(stdout);
    return rc;
}

// ---------------------------------------------------------------------------
// settle

po::options_description settle_options() {
    po::options_description opts(
        "claimgraph settle --policy P.yaml --claims C.jsonl [--out R] [--format jsonl|csv] [--detail] [--threads N] [--sorted]");
    opts.add_options()
        ("policy,p", po::value<std::string>()->value_name("P.yaml"), "the policy to settle under")
        ("claims,c", po::value<std::string>()->value_name("C.jsonl"), "claims, one JSON object per line ('-' for stdin)")
        ("out,o", po::value<std::string>()->value_name("R"), "results file (default: standard output)")
        ("format", po::value<std::string>()->value_name("jsonl|csv")->default_value("jsonl"),
         "results as JSON Lines, or CSV with a header row")
        ("detail", "add the per-stage breakdown and FHIR adjudication categories")
        ("sorted", "the claims already come in settlement order per member: stream them in bounded memory "
                   "(checked as it streams; a claim out of order becomes an error row)")
        ("threads,j", po::value<unsigned>()->value_name("N")->default_value(1),
         "settle on N threads, members partitioned (0: one per core); output is the same for any N")
        ("file-access", po::value<std::string>()->value_name("auto|map|read")->default_value("auto"),
         "map: read the claims file in place (it must not be truncated while it is settled); read: copy it in "
         "with pread (a truncated file is then an ordinary read error); auto: map an unsorted file, read a "
         "--sorted one (where each measured faster)")
        ("help,h", "show this help");
    return opts;
}

using Sink = std::function<void(std::string_view)>;

// A claims file read in place (--file-access map) raises SIGBUS where it has
// been truncated since it was mapped. The run cannot go on: say what
// happened, remove the uncommitted results (their .tmp) and exit, as any
// other read error would. Only async-signal-safe calls here.
char g_uncommitted[4096];  // the results' .tmp while they are written, else empty

extern "C" void on_sigbus(int) {
    // Several workers can fault at once: the first says so and exits, the
    // others wait for that exit (one message, and the .tmp removed once).
    static std::atomic_flag taken = ATOMIC_FLAG_INIT;
    if (taken.test_and_set())
        for (;;) ::pause();
    static constexpr char kMessage[] =
        "claimgraph: error: the claims file could not be read (SIGBUS): it was truncated or replaced while it was "
        "being settled; no results written\n";
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
    if (g_uncommitted[0] != '\0') ::unlink(g_uncommitted);
    ::_exit(kFail);
}

void report_sigbus() {
    struct sigaction sa {};
    sa.sa_handler = on_sigbus;
    sigemptyset(&sa.sa_mask);
    if (::sigaction(SIGBUS, &sa, nullptr) != 0)
        throw std::runtime_error(fmt::format("cannot handle SIGBUS: {}", std::strerror(errno)));
}

void note_uncommitted(const std::string& tmp) {
    const std::size_t n = tmp.size() < sizeof g_uncommitted ? tmp.size() : 0;  // a longer path is not removed
    std::memcpy(g_uncommitted, tmp.data(), n);
    g_uncommitted[n] = '\0';
}

// Runs `produce` with a sink that writes to `out_path` (through `out_path.tmp`
// and a rename, so a partial file never has the final name: OutputFile) or,
// when it is empty, to standard output.
BatchCounts write_output(const std::string& out_path, const std::function<BatchCounts(const Sink&)>& produce) {
    if (!out_path.empty()) {
        OutputFile out(out_path);  // let go uncommitted, it removes the .tmp
        note_uncommitted(out.tmp_path());
        const BatchCounts counts = produce(Sink(OutputFileSink{&out}));  // rows straight into its buffer
        out.commit();
        note_uncommitted({});
        return counts;
    }
    const BatchCounts counts = produce([&](std::string_view text) { write_all(stdout, text, "standard output"); });
    if (std::fflush(stdout) != 0) throw std::runtime_error(fmt::format("cannot write standard output: {}", std::strerror(errno)));
    return counts;
}

std::vector<ClaimRecord> read_claims(const Graph& g, const std::string& path) {
    if (path != "-") return read_claims_jsonl_file(g, path);
    std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    if (std::cin.bad()) throw std::runtime_error("cannot read claims from standard input");
    return read_claims_jsonl(g, text);
}

int cmd_settle(const std::vector<std::string>& args) {
    const auto parsed = parse_options(args, settle_options());
    if (!parsed) return kOk;
    const po::variables_map& vm = *parsed;
    if (!vm.count("policy")) throw UsageError("settle: --policy is required");
    if (!vm.count("claims")) throw UsageError("settle: --claims is required");
    const auto policy = vm["policy"].as<std::string>();
    const auto claims = vm["claims"].as<std::string>();
    ResultFormat format;
    if (const auto& f = vm["format"].as<std::string>(); f == "csv") format.kind = ResultFormat::Kind::csv;
    else if (f != "jsonl") throw UsageError(fmt::format("settle: --format must be jsonl or csv, not '{}'", f));
    format.detail = vm.count("detail") > 0;

    std::optional<Graph> graph;
    try {
        graph.emplace(compile_policy_file(policy));
    } catch (const CompileError& e) {
        print_diagnostics(e);
        fmt::print(stderr, "claimgraph: policy {} has errors; nothing settled\n", policy);
        return kFail;
    }
    const Graph& g = *graph;

    unsigned threads = vm["threads"].as<unsigned>();
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    if (threads > 64) throw UsageError("settle: --threads must be at most 64");
    const std::string out_path = vm.count("out") ? vm["out"].as<std::string>() : std::string{};
    // Mapped where it measured faster: an unsorted file (no copy, and the
    // workers need not meet at every block; on one thread too since the next
    // claim's line is fetched ahead, docs/performance.md session 16).
    // --sorted's workers meet at every block anyway: reading measured as fast
    // there, and the spare core copies each block in ahead of them.
    FileAccess access = vm.count("sorted") ? FileAccess::read : FileAccess::map;
    if (const auto& a = vm["file-access"].as<std::string>(); a == "read") access = FileAccess::read;
    else if (a == "map") access = FileAccess::map;
    else if (a != "auto") throw UsageError(fmt::format("settle: --file-access must be auto, map or read, not '{}'", a));
    if (access == FileAccess::map) report_sigbus();

    std::vector<MemoryLedger> ledgers(threads);
    std::vector<Ledger*> ledger_ptrs;
    for (auto& l : ledgers) ledger_ptrs.push_back(&l);
    const BatchCounts counts = write_output(out_path, [&](const Sink& sink) {
        if (vm.count("sorted")) {
            // Already in settlement order: stream it, in bounded memory.
            // A regular file is read by offset, in parts; a pipe or standard
            // input in order. (A directory: the file path says so by name.)
            std::error_code ec;
            if (claims != "-" && (std::filesystem::is_regular_file(claims, ec) || std::filesystem::is_directory(claims, ec)))
                return settle_stream_file(g, claims, ledger_ptrs, format, sink, access);
            std::ifstream file;
            if (claims != "-") {
                file.open(claims, std::ios::binary);
                if (!file)
                    throw std::runtime_error(fmt::format("cannot open claims file {}: {}", claims, std::strerror(errno)));
            }
            return settle_stream(g, claims == "-" ? std::cin : file, ledger_ptrs, format, sink);
        }
        // A file is read twice (keys, then each claim in its turn) so that the
        // decoded claims are never all in memory at once; standard input is
        // read whole.
        if (claims != "-") return settle_file(g, claims, ledger_ptrs, format, sink, access);
        BatchCounts c;
        sink(settle_records(g, read_claims(g, claims), ledger_ptrs, c, format));
        return c;
    });
    fmt::print(stderr, "settled {} claims, {} rejected, {} errors\n", counts.settled, counts.rejected, counts.errors);
    return counts.errors > 0 ? kErrorRows : kOk;
}

// ---------------------------------------------------------------------------
// explain

po::options_description explain_options() {
    po::options_description opts("claimgraph explain --policy P.yaml --claims C.jsonl --claim ID [--format text|json|markdown]");
    opts.add_options()
        ("policy,p", po::value<std::string>()->value_name("P.yaml"), "the policy")
        ("claims,c", po::value<std::string>()->value_name("C.jsonl"), "the claim file holding the member's history")
        ("claim", po::value<std::string>()->value_name("ID"), "the claim to explain")
        ("format,f", po::value<std::string>()->default_value("text")->value_name("FORMAT"), "text, json or markdown")
        ("help,h", "show this help");
    return opts;
}

// Settles the member's earlier claims (in settlement order) to rebuild the
// accumulators, then settles the claim with tracing on.
int cmd_explain(const std::vector<std::string>& args) {
    const auto parsed = parse_options(args, explain_options());
    if (!parsed) return kOk;
    const po::variables_map& vm = *parsed;
    for (const char* k : {"policy", "claims", "claim"})
        if (!vm.count(k)) throw UsageError(fmt::format("explain: --{} is required", k));
    const std::string fmt_name = vm["format"].as<std::string>();
    ExplainFormat format;
    if (fmt_name == "text") format = ExplainFormat::text;
    else if (fmt_name == "json") format = ExplainFormat::json;
    else if (fmt_name == "markdown" || fmt_name == "md") format = ExplainFormat::markdown;
    else throw UsageError(fmt::format("explain: --format must be text, json or markdown, not '{}'", fmt_name));

    std::optional<Graph> graph;
    try {
        graph.emplace(compile_policy_file(vm["policy"].as<std::string>()));
    } catch (const CompileError& e) {
        print_diagnostics(e);
        return kFail;
    }
    const Graph& g = *graph;
    const std::vector<ClaimRecord> records = read_claims(g, vm["claims"].as<std::string>());
    const std::string id = vm["claim"].as<std::string>();
    const ClaimRecord* target = nullptr;
    for (const auto& r : records)
        if (r.claim.claim_id == id) target = &r;
    if (!target) {
        fmt::print(stderr, "claimgraph explain: no claim '{}' in {}\n", id, vm["claims"].as<std::string>());
        return kFail;
    }
    if (!target->ok) {
        fmt::print(stderr, "claimgraph explain: claim '{}' cannot be read: {}: {}\n", id, target->error_field,
                   target->error_message);
        return kErrorRows;
    }
    std::vector<Claim> history;
    for (const auto& r : records)
        if (r.ok && r.claim.member_id == target->claim.member_id) history.push_back(r.claim);
    MemoryLedger ledger;
    Settlement s;
    Trace trace;
    for (std::uint32_t i : settlement_order(history)) {
        if (history[i].claim_id == id) {
            g.settle(history[i], ledger, s, trace);
            break;
        }
        g.settle(history[i], ledger, s);
    }
    write_all(stdout, explain(trace, format), "standard output");
    std::fflush(stdout);
    return s.status == SettleStatus::error ? kErrorRows : kOk;
}

// ---------------------------------------------------------------------------
// test

po::options_description test_options() {
    po::options_description opts("claimgraph test PATH [PATH ...]  (a *.test.yaml file, or a directory searched recursively)");
    opts.add_options()("help,h", "show this help");
    return opts;
}

// Prints a FAIL block per failing case and "N passed, M failed"; exit 0 iff
// every case passed and at least one ran.
int cmd_test(const std::vector<std::string>& args) {
    const auto paths = parse_paths(args, test_options(), "test: expected at least one test file or directory");
    if (!paths) return kOk;
    const auto files = find_policy_test_files(*paths);
    std::size_t passed = 0, failed = 0, broken = 0;
    for (const auto& file : files) {
        try {
            const PolicyTestFileResult r = run_policy_test_file(file);
            for (const auto& c : r.cases)
                if (!c.passed) fmt::print("{}", format_policy_test_failure(r, c));
            passed += r.passed();
            failed += r.failed();
        } catch (const CompileError& e) {
            print_diagnostics(e);
            ++broken;
        } catch (const std::exception& e) {
            fmt::print(stderr, "{}: error: {}\n", file.string(), e.what());
            ++broken;
        }
    }
    if (files.empty()) fmt::print(stderr, "claimgraph test: no *.test.yaml files found\n");
    if (broken > 0) fmt::print("{} passed, {} failed, {} test files with errors\n", passed, failed, broken);
    else fmt::print("{} passed, {} failed\n", passed, failed);
    std::fflush(stdout);
    return failed == 0 && broken == 0 && passed > 0 ? kOk : kFail;
}

// ---------------------------------------------------------------------------

int run(int argc, char** argv) {
    if (argc < 2) {
        fmt::print(stderr, "{}", kUsage);
        return kFail;
    }
    const std::string_view cmd = argv[1];
    const std::vector<std::string> rest(argv + 2, argv + argc);
    if (cmd == "--help" || cmd == "-h") {
        fmt::print("{}", kUsage);
        return kOk;
    }
    if (cmd == "help") {
        if (rest.empty()) {
            fmt::print("{}", kUsage);
        } else if (rest[0] == "check") {
            std::cout << check_options();
        } else if (rest[0] == "settle") {
            std::cout << settle_options();
        } else if (rest[0] == "explain") {
            std::cout << explain_options();
        } else if (rest[0] == "test") {
            std::cout << test_options();
        } else {
            fmt::print(stderr, "claimgraph: unknown command '{}'\n\n{}", rest[0], kUsage);
            return kFail;
        }
        return kOk;
    }
    if (cmd == "--version" || cmd == "version") {
        fmt::print("claimgraph {}\n", CLAIMGRAPH_VERSION);
        return kOk;
    }
    try {
        if (cmd == "check") return cmd_check(rest);
        if (cmd == "settle") return cmd_settle(rest);
        if (cmd == "test") return cmd_test(rest);
        if (cmd == "explain") return cmd_explain(rest);
    } catch (const po::error& e) {
        fmt::print(stderr, "claimgraph {}: {}\n(see: claimgraph help {})\n", cmd, e.what(), cmd);
        return kFail;
    } catch (const UsageError& e) {
        fmt::print(stderr, "claimgraph {}\n(see: claimgraph help {})\n", e.what(), cmd);
        return kFail;
    }
    fmt::print(stderr, "claimgraph: unknown command '{}'\n\n{}", cmd, kUsage);
    return kFail;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        fmt::print(stderr, "claimgraph: error: {}\n", e.what());
    } catch (...) {
        fmt::print(stderr, "claimgraph: error: unknown failure\n");
    }
    return kFail;
}
