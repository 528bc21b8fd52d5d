#!/usr/bin/env bash
# Regenerate requirements/lock.txt (see scripts/lock.py). Uses the project venv's Python 3.11.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python scripts/lock.py
