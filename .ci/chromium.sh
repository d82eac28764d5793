#!/usr/bin/env bash
# Debian's Chromium and ChromeDriver for tests/test_docs.py's browser test, installed when missing.
# Needs root and apt-get; without them the test is skipped, with its reason.
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "Chromium not installed: installing it needs root and apt-get (uid $(id -u)); the docs' browser test will be skipped."
    exit 0
fi
echo "== installing chromium, chromium-driver (apt-get)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq chromium chromium-driver >/dev/null
