#!/bin/sh
# Make sure rsync is installed (for `make rsync_upload` and its test).
# As root on Debian/Ubuntu it is installed with apt-get; otherwise we say how.
set -e
if command -v rsync >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's rsync (apt-get)..."
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rsync >/dev/null
  command -v rsync >/dev/null 2>&1 && exit 0
fi
cat >&2 <<MSG
rsync is not installed. Install it, then run make again:
  Debian/Ubuntu:  sudo apt-get install rsync
  macOS:          brew install rsync
MSG
exit 1
