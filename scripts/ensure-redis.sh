#!/bin/sh
# Make sure Debian's redis-server is installed for the distributed scheduler's
# tests and benches (they start throw-away servers of their own on 127.0.0.1;
# nothing here starts a service). CI calls this before the tests; it is a
# quiet no-op when redis-server is present.
set -eu
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
# An install from a stale or empty package list fails: update once, then retry.
if ! $SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi
# Debian's package starts a system service on 127.0.0.1:6379; the project
# never uses it (tests start their own), so leave it as the package set it.
redis-server --version
