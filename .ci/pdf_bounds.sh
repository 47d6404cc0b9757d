#!/usr/bin/env bash
# Bounded resources: every PDF of the bomb corpus (examples/pdf_bombs.rs, built
# on a committed sealed seed) and of the attack corpus (tests/pdf_attacks.rs,
# if written to target/pdf-attacks) is judged by the library's one policy call
# in its own process under a 256 MiB address-space limit; each must be refused
# within 2 s. Prints each file's peak resident memory and time, and the worst.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "pdf_bounds: FAIL: $*" >&2; exit 1; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

cargo build --release --quiet --features seal-pdf --example verify_pdf --example pdf_bombs
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/examples/pdf_bombs fuzz/corpus/sealed_pdf/sealed-once.pdf "$work/pdfs"
if [ -d target/pdf-attacks ]; then cp target/pdf-attacks/*.pdf "$work/pdfs/"; fi
root=fuzz/corpus/certificate/root.der
at=2026-01-01T00:00:00Z

worst_kib=0; worst_kib_file=; worst_s=0; worst_s_file=; count=0
printf '%-60s %10s %8s  %s\n' file 'peak KiB' seconds verdict
for pdf in "$work"/pdfs/*.pdf; do
    name=$(basename "$pdf")
    rc=0
    /usr/bin/time -o "$work/time.txt" -f '%M %e' \
        bash -c 'ulimit -v 262144; exec "$@"' _ target/release/examples/verify_pdf "$root" "$at" "$pdf" \
        > "$work/out.txt" 2>&1 || rc=$?
    [ $rc = 0 ] || fail "$name: verify_pdf exits $rc under the memory limit: $(cat "$work/out.txt")"
    read -r kib secs < <(tail -1 "$work/time.txt")
    verdict=$(cut -f2,3 "$work/out.txt")
    case "$name" in
        valid-*) [[ $verdict == valid* ]] || fail "$name: $verdict" ;;
        *) [[ $verdict == refused* ]] || fail "$name is not refused: $verdict" ;;
    esac
    awk -v s="$secs" 'BEGIN { exit !(s < 2.0) }' || fail "$name took $secs s"
    printf '%-60s %10s %8s  %s\n' "$name" "$kib" "$secs" "$verdict"
    if [ "$kib" -gt "$worst_kib" ]; then worst_kib=$kib; worst_kib_file=$name; fi
    if awk -v a="$secs" -v b="$worst_s" 'BEGIN { exit !(a > b) }'; then worst_s=$secs; worst_s_file=$name; fi
    count=$((count + 1))
done
echo "pdf_bounds: $count files; worst peak memory $worst_kib KiB ($worst_kib_file); worst time $worst_s s ($worst_s_file)"
