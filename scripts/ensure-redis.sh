#!/bin/sh
# Make sure Debian's redis-server is installed for the distributed scheduler's
# tests and benches (they start throw-away servers of their own on 127.0.0.1;
# nothing here starts a service). CI calls this before the tests; it is a
# quiet no-op when redis-server is present.
set -eu
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
sh "$(dirname "$0")/apt-install.sh" redis-server
# Debian's package starts a system service on 127.0.0.1:6379; the project
# never uses it (tests start their own), so leave it as the package set it.
redis-server --version
