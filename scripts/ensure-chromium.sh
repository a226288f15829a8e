#!/bin/sh
# Make sure a Chromium for the browser tests is installed (Debian's package).
# As root on Debian/Ubuntu it is installed with apt-get; otherwise we say how.
set -e
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests (apt-get)..."
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  [ -x "$CHROMIUM" ] && exit 0
fi
cat >&2 <<MSG
The browser tests need Chromium at $CHROMIUM and it is not installed.
Install it, then run 'make test' again:
  Debian/Ubuntu:  sudo apt-get install chromium
  elsewhere:      install Chromium and run 'make test CHROMIUM=/path/to/chromium'
MSG
exit 1
