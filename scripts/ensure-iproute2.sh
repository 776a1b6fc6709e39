#!/bin/sh
# Make sure `ip` (iproute2) is installed: the HPC launcher test builds its
# pretend cluster nodes from network namespaces (ip netns + veth). Quiet no-op
# when present; as root only (the test needs root anyway and skips without it).
set -eu
command -v ip >/dev/null 2>&1 && exit 0
[ "$(id -u)" -eq 0 ] || exit 0
sh "$(dirname "$0")/apt-install.sh" iproute2
