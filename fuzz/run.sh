#!/usr/bin/env bash
# Runs every fuzz target for a bounded time: fuzz/run.sh [SECONDS] (default 60 each).
# Seeds come from tests/fixtures, copied into fuzz/corpus/<target>/ (not committed).
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`); RUSTC_BOOTSTRAP=1 lets the
# stable toolchain use the sanitizer flags cargo-fuzz passes.
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_EACH="${1:-60}"
FIXTURES=../tests/fixtures
export RUSTC_BOOTSTRAP=1

seed() { # seed TARGET PREFIX-BYTE FIND-ARGS...
    local target="$1" prefix="$2"
    shift 2
    mkdir -p "corpus/$target"
    find "$FIXTURES" -type f "$@" -size -256k -print0 | while IFS= read -r -d '' f; do
        local name
        name="$(printf '%s' "$f" | cksum | cut -d' ' -f1)"
        { printf '%b' "$prefix"; cat "$f"; } > "corpus/$target/$name"
    done
}

seed python_analyser_never_panics '' -name '*.py'
seed js_analyser_never_panics '\x00' -name '*.js'
seed js_analyser_never_panics '\x01' -name '*.ts'
seed template_readers_never_panic '\x00' \( -name '*.yaml' -o -name '*.yml' \)
seed template_readers_never_panic '\x01' -name '*.json' -path '*template*'
seed template_readers_never_panic '\x02' -name 'serverless.yml'
seed template_readers_never_panic '\x03' -name '*.tf'
seed cloudtrail_record_reader_never_panics '' \( -name '*.json' -o -name '*.jsonl' \) -path '*cloudtrail*'
seed policy_evaluator_never_panics_and_is_consistent 's3:GetObject\narn:aws:s3:::b/k\n' -name '*.json' -path '*diff*'
seed diff_of_hostile_policies_stays_bounded 's3:GetObject\narn:aws:s3:::b/k\n' -name '*.json' -path '*diff*'

cargo fuzz build -O
status=0
for target in $(cargo fuzz list); do
    echo "== $target (${SECONDS_EACH}s)"
    mkdir -p "corpus/$target"
    cargo fuzz run -O "$target" "corpus/$target" -- \
        -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=4096 -max_len=262144 \
        || status=1
done
exit $status
