#!/bin/sh
# A policy test file must notice a change to the policy it tests: copy rules/
# to a scratch directory, raise the employee level-2 deductible 600 → 650, and
# require `claimgraph test` to fail and to name a case that tests that rule.
#
#   policy_test_mutation.sh CLAIMGRAPH_BINARY SOURCE_DIR
set -eu
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cp -R "$src/rules" "$tmp/rules"
policy="$tmp/rules/demo-city-2026.yaml"
sed -i 's/employee: {1: 300, 2: 600, 3: 1200}/employee: {1: 300, 2: 650, 3: 1200}/' "$policy"
if ! grep -q 'employee: {1: 300, 2: 650, 3: 1200}' "$policy"; then
    echo "mutation not applied: the employee deductible row was not found in $policy" >&2
    exit 1
fi

# Before the change, the employee deductible case passes (so its failure
# below is caused by the mutation, whatever else the run reports).
"$bin" test "$src/rules" > "$tmp/before.txt" 2>&1 || true
if grep -q '^FAIL .*employee deductible by hospital level' "$tmp/before.txt"; then
    echo "the employee deductible case fails before any change:" >&2
    cat "$tmp/before.txt" >&2
    exit 1
fi

if "$bin" test "$tmp/rules" > "$tmp/out.txt" 2>&1; then
    echo "claimgraph test still passes after changing the employee level-2 deductible 600 -> 650:" >&2
    cat "$tmp/out.txt" >&2
    exit 1
fi
cat "$tmp/out.txt"
if ! grep -q '^FAIL .*employee deductible by hospital level' "$tmp/out.txt"; then
    echo "no FAIL line names the employee deductible case" >&2
    exit 1
fi
if ! grep -q 'E2 act_pay_dedc: expected 600.00, got 650.00' "$tmp/out.txt"; then
    echo "the difference on E2 act_pay_dedc is not reported" >&2
    exit 1
fi
echo "ok: the mutation is detected"
