#!/usr/bin/env bash
# Writes unreachable.json: pip-audit's own JSON report on the project's lock, on a machine
# that reaches the package index but not PyPI's vulnerability data (every package skipped).
# pip-audit 2.10.1, from a throwaway venv:
#   python3 -m venv /tmp/pa && /tmp/pa/bin/pip install pip-audit==2.10.1
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"${PIP_AUDIT:-/tmp/pa/bin/pip-audit}" -r "$here/../../../requirements/dev.lock" --disable-pip \
  --require-hashes --format json --progress-spinner off --output "$here/unreachable.json"
