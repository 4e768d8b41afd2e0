#!/usr/bin/env bash
# What tests/test_browser.py needs beyond the Python packages (those come from
# pyproject.toml: solara, solara-assets, playwright): Debian's Chromium and fonts with
# Vietnamese glyphs. Playwright drives /usr/bin/chromium; it never downloads a browser.
#
# Idempotent and non-interactive: does nothing when Chromium is already installed;
# otherwise apt-get update + install, retried with a growing pause. Exit 1 if it fails.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
PACKAGES=(chromium fonts-dejavu-core fonts-liberation)

if [ -x "$CHROMIUM" ]; then
  echo "browser-setup: $("$CHROMIUM" --version 2>/dev/null || echo chromium) already installed"
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  SUDO=(sudo -n)
fi
export DEBIAN_FRONTEND=noninteractive

for attempt in 1 2 3 4 5; do
  if "${SUDO[@]}" apt-get update -q \
     && "${SUDO[@]}" apt-get install -y -q -o Dpkg::Options::=--force-confold "${PACKAGES[@]}"
  then
    break
  fi
  if [ "$attempt" -eq 5 ]; then
    echo "browser-setup: could not install ${PACKAGES[*]} after $attempt attempts" >&2
    exit 1
  fi
  echo "browser-setup: attempt $attempt failed; retrying in $((attempt * 15)) s" >&2
  sleep $((attempt * 15))
done

if [ ! -x "$CHROMIUM" ]; then
  echo "browser-setup: $CHROMIUM missing after installing ${PACKAGES[*]}" >&2
  exit 1
fi
echo "browser-setup: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
