#!/bin/sh
# Installs Debian packages for the ensure-*.sh scripts: through sudo when not
# root, without recommends, quietly. An install from a stale or empty package
# list fails, so it updates the list once and retries.
#
# Usage: sh scripts/apt-install.sh PACKAGE...
set -eu
[ "$#" -gt 0 ] || { echo "apt-install.sh: name the packages to install" >&2; exit 2; }
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
fi
