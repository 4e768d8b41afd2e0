#!/usr/bin/env bash
# Print the path of a working Python interpreter of version $1 (for example 3.12).
# The machines have python3.12 and python3.13 through pyenv, whose shims answer only for
# the pyenv versions selected: try the plain command, then pyenv's own installs.
set -euo pipefail
v="$1"
works() { "$1" -c 'import sys, venv, ensurepip' >/dev/null 2>&1; }
if works "python$v"; then command -v "python$v"; exit 0; fi
root="$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")"
for c in "$root"/versions/"$v"*/bin/"python$v" /usr/bin/"python$v" /usr/local/bin/"python$v"; do
  if [ -x "$c" ] && works "$c"; then echo "$c"; exit 0; fi
done
echo "find-python: no working python$v on this machine" >&2
exit 1
