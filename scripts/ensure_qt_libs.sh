#!/usr/bin/env bash
# Make sure the system libraries a real Qt window needs are present (Debian/Ubuntu).
# As root they are installed; otherwise the exact apt-get line is printed.
set -uo pipefail
needed=(libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
        libxcb-render-util0 libxcb-image0 libegl1 libgl1 libfontconfig1 libdbus-1-3)
command -v dpkg-query >/dev/null || exit 0   # not a Debian system: nothing to check
missing=()
for pkg in "${needed[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ]; then
  echo "Installing the system libraries Qt needs: ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
else
  echo "Qt needs these system libraries. Install them, then run 'make run' again:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
