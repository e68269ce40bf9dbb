#!/usr/bin/env bash
# The shipped veud is built hardened (the review's F21): a position-
# independent executable, full RELRO (read-only relocations, bound at load),
# a non-executable stack, the stack protector and fortified libc calls.
#   hardening.sh VEUD SANITIZED(0|1)
set -u
VEUD=${1:?usage: hardening.sh VEUD SANITIZED}
SAN=${2:-0}
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
command -v readelf >/dev/null || { echo "readelf missing (binutils)"; exit 1; }
readelf -h "$VEUD" | grep -q 'Type:.*DYN' && ok || bad "not a position-independent executable"
readelf -l "$VEUD" | grep -q 'GNU_RELRO' && ok || bad "no RELRO segment"
readelf -d "$VEUD" | grep -Eq 'BIND_NOW|FLAGS.*NOW' && ok || bad "relocations not bound at load (-z now)"
readelf -lW "$VEUD" | grep 'GNU_STACK' | grep -qv 'RWE' && ok || bad "executable stack"
if [ "$SAN" = 0 ]; then
  readelf -sW --dyn-syms "$VEUD" | grep -q '__stack_chk_fail' && ok || bad "no stack protector"
  readelf -sW --dyn-syms "$VEUD" | grep -Eq '__[a-z]+_chk' && ok || bad "no fortified libc calls"
fi
echo "hardening: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
