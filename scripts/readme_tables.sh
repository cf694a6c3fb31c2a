#!/usr/bin/env bash
# Regenerates README.md's option and method tables from the options table and the method
# registry (tests/core/test_options.cpp fails while they differ). Usage: scripts/readme_tables.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build}/bin/rewire
python3 - "$bin" <<'PY'
import re, subprocess, sys
out = subprocess.run([sys.argv[1], "train", "--options-markdown"], check=True, capture_output=True, text=True).stdout
readme = open("README.md").read()
for name in ("options", "methods"):
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    new = out[out.index(begin):out.index(end) + len(end)]
    readme = readme[:readme.index(begin)] + new + readme[readme.index(end) + len(end):]
open("README.md", "w").write(readme)
PY
