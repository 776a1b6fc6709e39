#!/bin/sh
# Install what `mspass notebook` needs, once: JupyterLab (PyPI) in a Python
# venv and the tslab TypeScript/JavaScript kernel (npm), both under the
# notebook home (MSPASS_NOTEBOOK_HOME, default <this package>/.mspass/notebook),
# with the tslab kernel spec registered inside that venv only (nothing is
# installed for the user or the system). Idempotent and quiet when present.
# Needs python3 (with venv) and npm. Called by `mspass notebook --install`
# and by the notebook test.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HOME_DIR=${MSPASS_NOTEBOOK_HOME:-$ROOT/.mspass/notebook}
VENV=$HOME_DIR/venv
TSLAB=$HOME_DIR/node_modules/.bin/tslab
KERNEL=$VENV/share/jupyter/kernels/tslab/kernel.json
if [ -x "$VENV/bin/jupyter-lab" ] && [ -x "$TSLAB" ] && [ -f "$KERNEL" ]; then
  exit 0
fi
mkdir -p "$HOME_DIR"
PY=${PYTHON:-python3}
command -v "$PY" >/dev/null 2>&1 || { echo "ensure-notebook: $PY not found (JupyterLab needs Python 3.9+)" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "ensure-notebook: npm not found (the tslab kernel comes from npm)" >&2; exit 1; }
if [ ! -x "$VENV/bin/jupyter-lab" ]; then
  echo "ensure-notebook: installing JupyterLab into $VENV (a few minutes)" >&2
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check jupyterlab >&2
fi
if [ ! -x "$TSLAB" ]; then
  echo "ensure-notebook: installing the tslab kernel into $HOME_DIR" >&2
  [ -f "$HOME_DIR/package.json" ] || printf '{"name":"mspass-notebook-home","private":true}\n' > "$HOME_DIR/package.json"
  npm install --prefix "$HOME_DIR" --no-audit --no-fund --loglevel=error tslab >&2
fi
# Register the kernel in the venv (sys-prefix), pointing at this tslab binary.
PATH="$VENV/bin:$PATH" "$TSLAB" install --python="$VENV/bin/python" --sys-prefix >&2
test -f "$KERNEL" || { echo "ensure-notebook: tslab kernel spec was not installed at $KERNEL" >&2; exit 1; }
