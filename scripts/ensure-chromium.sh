#!/bin/sh
# Make sure Debian's chromium is installed for the dashboard's browser test
# (test/dashboard.test.ts drives /usr/bin/chromium through playwright-core).
# CI calls this before the tests; it is a no-op when chromium is present.
set -eu
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
sh "$(dirname "$0")/apt-install.sh" chromium
/usr/bin/chromium --version
