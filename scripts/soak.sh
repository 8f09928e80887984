#!/usr/bin/env bash
# The long soak of issue 11 (not run by CI): ten million events (pods failing and
# coming back with fresh names, node labels and taints moving, rollouts,
# DaemonSets removed and added again) on the gateway profile and on libdsr's
# default one, each checked at the end against a fresh load of the live objects.
# Prints events/s and each table's high-water mark (the README's figures).
#
#   scripts/soak.sh [EVENTS]     (default 10000000)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo run --release -q -p dsr-core --example soak -- "${1:-10000000}"
