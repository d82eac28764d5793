#!/usr/bin/env bash
# Builds a separate virtualenv holding the public MotorNet 0.3.0 toolbox (GPL), used ONLY
# to time it side by side with our clean-room implementation (benchmarks/reference_train.py).
# It cannot share a venv with ours: both install a package named "motornet".
# torch is pinned and installed first: a CPU wheel (2.13.0+cpu) lies on this machine's disk,
# while an unpinned torch would pull a multi-GB CUDA build.
# Usage: benchmarks/reference_venv.sh [VENV_DIR]   (default: .refvenv)
set -euo pipefail
# -I below: run from the repository, a plain `python -c "import motornet"` would find ours (./motornet).
VENV="${1:-.refvenv}"
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -I -c "import motornet" >/dev/null 2>&1; then
  echo "reference venv already ready: $VENV"
  exit 0
fi
python3 -m venv "$VENV"
"$VENV/bin/pip" install torch==2.13.0
"$VENV/bin/pip" install motornet==0.3.0 torch==2.13.0
"$VENV/bin/python" -I -c "import motornet, torch; print('motornet', motornet.__version__, 'torch', torch.__version__)"
