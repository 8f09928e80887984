#!/bin/sh
# A stand-in for kubectl in `dsr watch --kubectl` tests: `get KIND ...` prints
# $FAKE_KUBECTL_DIR/KIND.N.json, N counting this kind's runs from 1, then exits;
# with no such file it waits (as a watch with nothing to say) until it is killed.
# Every run's arguments are appended to $FAKE_KUBECTL_DIR/calls.
set -eu
dir=$FAKE_KUBECTL_DIR
kind=$2
echo "$*" >>"$dir/calls"
n=$(($(cat "$dir/$kind.runs" 2>/dev/null || echo 0) + 1))
echo "$n" >"$dir/$kind.runs"
if [ -f "$dir/$kind.$n.json" ]; then
    cat "$dir/$kind.$n.json"
    if [ -f "$dir/$kind.$n.wait" ]; then
        exec sleep 60
    fi
    exit 0
fi
exec sleep 60
