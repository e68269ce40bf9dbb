#!/usr/bin/env bash
# cmake --install into a temporary prefix lays out everything an operator
# needs, and the service unit passes systemd's own security review (2.0 or
# lower on `systemd-analyze security --offline=true`).
set -u
BUILD=${1:?usage: install.sh BUILD_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

cmake --install "$BUILD" --prefix "$tmp/usr" >"$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
for f in sbin/veud etc/veud/veud.conf lib/systemd/system/veud.service lib/systemd/system/veud.socket \
         lib/sysusers.d/veud.conf lib/tmpfiles.d/veud.conf share/man/man8/veud.8 \
         share/man/man5/veud.conf.5 share/veud/sample/entities.csv etc/logrotate.d/veud; do
  [ -e "$tmp/usr/$f" ] && ok || bad "missing $f"
done
[ -x "$tmp/usr/sbin/veud" ] && ok || bad "sbin/veud is not executable"
unit="$tmp/usr/lib/systemd/system/veud.service"
grep -Eq "^ExecStart=/.*/sbin/veud --config /.*/veud/veud.conf$" "$unit" && ok || bad "ExecStart"
grep -q "^ExecReload=.*veud query .* reload" "$unit" && ok || bad "ExecReload"
grep -q "^Type=notify" "$unit" && ok || bad "Type=notify"
# the commented configuration is a valid one
"$tmp/usr/sbin/veud" --check --config "$tmp/usr/etc/veud/veud.conf" --data "$tmp/usr/share/veud/sample" \
  >"$tmp/check" 2>&1 && ok || { bad "installed veud.conf does not load"; cat "$tmp/check"; }
# a unit directory can be chosen
cmake -S "$(dirname "$0")/../.." -B "$BUILD" -DVEU_SYSTEMD_UNITDIR="$tmp/units" >/dev/null &&
  cmake --install "$BUILD" --prefix "$tmp/usr2" >/dev/null && [ -e "$tmp/units/veud.socket" ] && ok ||
  bad "VEU_SYSTEMD_UNITDIR not honoured"
cmake -S "$(dirname "$0")/../.." -B "$BUILD" -DVEU_SYSTEMD_UNITDIR=lib/systemd/system >/dev/null
if command -v systemd-analyze >/dev/null; then
  level=$(systemd-analyze security --offline=true "$unit" 2>/dev/null | sed -n 's/.*Overall exposure level for veud.service: \([0-9.]*\).*/\1/p')
  if [ -n "$level" ] && awk "BEGIN {exit !($level <= 2.0)}"; then ok; else bad "exposure level '$level' above 2.0"; fi
else
  echo "systemd-analyze not installed: security rating not checked"
fi
echo "install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
