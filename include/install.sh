#!/usr/bin/env bash
# Builds libelicence, the C ABI (feature `ffi`), as a shared and a static
# library in release mode, and installs them with include/elicence.h and a
# pkg-config file:
#
#   bash include/install.sh PREFIX          e.g. /usr/local or "$HOME/.local"
#
# then build C programs with
#   cc prog.c $(PKG_CONFIG_PATH=PREFIX/lib/pkgconfig pkg-config --cflags --libs elicence)
#
# The libraries come from the crate itself through `cargo rustc
# --crate-type cdylib,staticlib`: no wrapper crate, so `cargo build` and
# `cargo test` never build them (they would double every build's time and
# disk) and the one feature list in Cargo.toml is the library's.
# STRIP=0 keeps the debug information (for sanitizer and valgrind reports).
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:?usage: bash include/install.sh PREFIX}
cargo rustc --release --lib --features ffi --crate-type cdylib,staticlib
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
install -d "$prefix/lib/pkgconfig" "$prefix/include"
install -m 0755 target/release/libelicence.so "$prefix/lib/libelicence.so"
install -m 0644 target/release/libelicence.a "$prefix/lib/libelicence.a"
if [ "${STRIP:-1}" != 0 ]; then
    strip --strip-unneeded "$prefix/lib/libelicence.so"
    strip --strip-debug "$prefix/lib/libelicence.a"
fi
install -m 0644 include/elicence.h "$prefix/include/elicence.h"
sed -e "s|@PREFIX@|$prefix|g" -e "s|@VERSION@|$version|g" include/elicence.pc.in \
    >"$prefix/lib/pkgconfig/elicence.pc"
echo "installed libelicence $version into $prefix"
