#!/bin/sh
# Make sure obspy 1.5.1 is installed in the project's own virtual environment
# (.mspass/obspy-venv, never the system Python): the miniSEED tests read our
# files back with obspy.read, and bench/mseed.bench.ts times obspy's decoder.
# Idempotent: a quiet no-op when the venv already has obspy 1.5.1.
set -eu
VENV="${MSPASS_OBSPY_VENV:-.mspass/obspy-venv}"
PY="$VENV/bin/python"
if [ -x "$PY" ] && "$PY" -c 'import obspy, sys; sys.exit(0 if obspy.__version__ == "1.5.1" else 1)' >/dev/null 2>&1; then
  exit 0
fi
mkdir -p "$(dirname "$VENV")"
python3 -m venv "$VENV"
"$PY" -m pip install -q --disable-pip-version-check obspy==1.5.1
"$PY" -c 'import obspy; print("obspy", obspy.__version__)'
