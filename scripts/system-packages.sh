#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the project needs, when missing.
# Usage: scripts/system-packages.sh run|test
# As root it runs apt-get; otherwise it names the missing packages and stops.
set -euo pipefail

# PDF letters: Pango and HarfBuzz's subsetter (without libharfbuzz-subset0 WeasyPrint falls back to
# fontTools, 7–70× slower); Noto fonts for Latin, Arabic, Hangul, Han and Kana. The signature annex
# of a delivery packet is drawn with Pango on cairo's PDF surface (libpangocairo, libcairo2).
run_packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libpangocairo-1.0-0 libcairo2
              fonts-noto-core fonts-noto-cjk)
# Tests: pdftotext/pdffonts/pdftoppm, msgfmt --check, and a real browser for the signing journey.
test_packages=(poppler-utils gettext chromium)

wanted=("${run_packages[@]}")
if [ "${1:-run}" = "test" ]; then wanted+=("${test_packages[@]}"); fi

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "Not a Debian/Ubuntu system: install these packages by hand: ${wanted[*]}" >&2
  exit 0
fi

missing=()
for package in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
