#!/bin/sh
# Make sure libclang is installed: the `mseed` crate (libmseed bindings, used by
# crates/mspass-core/src/mseed) generates its FFI with bindgen at build time,
# which loads libclang. CI calls this before `npm ci`; a no-op when present.
set -eu
if ls /usr/lib/llvm-*/lib/libclang.so* >/dev/null 2>&1 || ls /usr/lib/x86_64-linux-gnu/libclang-*.so* 2>/dev/null | grep -qv cpp; then
  exit 0
fi
sh "$(dirname "$0")/apt-install.sh" libclang-dev
