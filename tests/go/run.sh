#!/usr/bin/env bash
# The Go package in go/: gofmt, go vet, go test, and go test again with
# GOGC=1 (the garbage collector runs all the time, so a missing
# runtime.KeepAlive or an engine's memory reclaimed while in use shows up),
# all with -tags dsr_in_tree (the package links this checkout's libdsr.a);
# then tests/go/outside.sh: a module outside the repository that uses the
# package against an installed libdsr, as README.md tells.
# Needs target/release/libdsr.a (the libdsr step of test-all.sh); the dsr CLI
# (target/debug/dsr or target/release/dsr), when built, is compared with the
# binding too.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
lib=$root/target/release/libdsr.a
[ -f "$lib" ] || { echo "go-tests: no $lib; run cargo build -p dsr-ffi --release" >&2; exit 1; }
# The dsr CLI the Rust tests built is compared with the binding (test-all builds
# it in debug; a release one is used when that is all there is).
if [ -z "${DSR_CLI:-}" ]; then
    for cli in "$root/target/debug/dsr" "$root/target/release/dsr"; do
        if [ -x "$cli" ]; then
            export DSR_CLI=$cli
            break
        fi
    done
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root/go"

# cgo does not track the content of libdsr.a; put its hash into the flags so
# that Go's build cache never links a stale copy.
hash=$(sha256sum "$lib" | cut -c1-16)
export CGO_CFLAGS="-g -O2 -DDSR_LIBDSR_HASH=0x$hash"

# Offline, as CI is: the module has no requirements to download.
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod -tags=dsr_in_tree" GOPROXY=off
[ -z "$(go list -m -f '{{if not .Main}}{{.Path}}{{end}}' all)" ] ||
    { echo "go-tests: go/go.mod requires other modules; it must stand alone" >&2; exit 1; }

unformatted=$(gofmt -l .)
[ -z "$unformatted" ] || { echo "go-tests: not gofmt'ed: $unformatted" >&2; exit 1; }
go version
go vet ./...
go test -count=1 ./...
GOGC=1 go test -count=1 ./...

# Apply and the engine's lock under the race detector.
go test -race -count=1 -run 'Apply' ./...

# The examples module (examples/go.mod: examples/go/apply, examples/agent/go),
# against this package: vet, then the apply example must print what the C one
# does (examples/apply.expected, checked against dsr explain by
# TestApplyExampleAgreesWithDsrExplain), and the agent its golden output
# (tests/agent/check.sh, as for the C agent).
(
    cd "$root/examples"
    unformatted=$(gofmt -l go agent)
    [ -z "$unformatted" ] || { echo "go-tests: not gofmt'ed: $unformatted" >&2; exit 1; }
    go vet ./...
    go build -o "$tmp/apply" ./go/apply
    (cd "$root" && LC_ALL=C "$tmp/apply" tests/data/manifests/daemonsets/kubernetes-website-fluentd-elasticsearch.json \
        tests/data/manifests/nodes/*.json) >"$tmp/apply.out"
    diff -u "$root/examples/apply.expected" "$tmp/apply.out" ||
        { echo "go-tests: examples/go/apply printed something else than examples/apply.expected" >&2; exit 1; }
    go build -o "$tmp/agent" ./agent/go
    bash "$root/tests/agent/check.sh" "$tmp/agent"
)

bash "$root/tests/go/outside.sh"
