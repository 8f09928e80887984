#!/usr/bin/env bash
# The Go package as a user's module meets it: outside the repository, against
# an installed libdsr, with only the commands README.md gives.
#   1. A module in a temporary directory (package main with a test) runs the
#      README block marked "tests/go/outside.sh runs the next block" as it
#      stands, with DSR (this checkout), PREFIX and APP set: cargo build,
#      ffi/pkg/install.sh into target/go-outside/prefix, PKG_CONFIG_PATH,
#      go mod edit -require/-replace, go build, go test.
#   2. The program it built prints the answer and needs no libdsr.so.
#   3. The same program through a go.work instead of a replace, and vendored
#      (go mod vendor, -mod=vendor).
# Offline (GOPROXY=off) and without GOFLAGS: the package requires no module.
# Environment: CARGO_TARGET_DIR (honoured by install.sh).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
die() {
    echo "go-outside: $*" >&2
    exit 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset GOFLAGS GOWORK
export GOPROXY=off
# Go's build cache keys a cgo package on its flags, not on what they name
# (golang/go#24355, #29293): the prefix stays the same from run to run, and
# a hash of it and of the archive goes into the flags, so that a cached
# package never names another prefix or an older libdsr.
# README.md tells users the same (go clean -cache after reinstalling).
target=${CARGO_TARGET_DIR:-$root/target}
case "$target" in /*) ;; *) target=$root/$target ;; esac
prefix=$target/go-outside/prefix
rm -rf "$prefix"

# The README block, verbatim: from the marker to the end of the next fence.
block=$(awk '
    /tests\/go\/outside.sh runs the next block/ { armed = 1; next }
    armed && /^```sh$/ { inside = 1; next }
    inside && /^```$/ { exit }
    inside { print }
' "$root/README.md")
[ -n "$block" ] || die "README.md has no block marked for tests/go/outside.sh"

# The user's module: a placement question and a test of its answer.
app=$tmp/app
mkdir -p "$app"
cat >"$app/main.go" <<'GO'
package main

import (
	"fmt"
	"log"

	dsr "dsr/go"
)

// placement says whether fluentd runs on a control-plane node, and why.
func placement() (string, error) {
	engine, err := dsr.NewEngine()
	if err != nil {
		return "", err
	}
	defer engine.Close()
	app := map[string]string{"name": "fluentd-elasticsearch"}
	set, err := engine.AddDaemonSet(&dsr.DaemonSet{
		Name: "fluentd-elasticsearch", Namespace: "kube-system",
		Selector: &dsr.LabelSelector{MatchLabels: app}, TemplateLabels: app,
	})
	if err != nil {
		return "", err
	}
	node, err := engine.AddNode(&dsr.Node{Name: "cp-1", Taints: []dsr.Taint{
		{Key: "node-role.kubernetes.io/control-plane", Effect: "NoSchedule"}}})
	if err != nil {
		return "", err
	}
	p, err := engine.ShouldRun(set, node)
	if err != nil {
		return "", err
	}
	why, err := engine.Describe(p.Reason)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("libdsr %s: cp-1: run=%v: %s", dsr.Version(), p.ShouldRun, why), nil
}

func main() {
	answer, err := placement()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(answer)
}
GO
cat >"$app/main_test.go" <<'GO'
package main

import (
	"strings"
	"testing"
)

func TestPlacement(t *testing.T) {
	got, err := placement()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(got, ": cp-1: run=false: node has taint node-role.kubernetes.io/control-plane:NoSchedule that the pod does not tolerate (a pod already there may stay)") {
		t.Fatalf("placement() = %q", got)
	}
}
GO
version=$(sed -n 's/^#define DSR_VERSION_STRING "\(.*\)"$/\1/p' "$root/include/dsr.h")
want="libdsr $version: cp-1: run=false: node has taint node-role.kubernetes.io/control-plane:NoSchedule that the pod does not tolerate (a pod already there may stay)"
(cd "$app" && go mod init example.com/gateway >/dev/null 2>&1)

echo "--- the README's commands in a module outside the repository"
printf '%s\n' "$block" | sed 's/^/    /'
(cd "$root" && cargo build -q -p dsr-ffi --release)
key=$( (cat "$target/release/libdsr.a" && echo "$prefix") | sha256sum | cut -c1-16)
export CGO_CFLAGS="-g -O2 -DDSR_LIBDSR_HASH=0x$key"
(
    export DSR=$root PREFIX=$prefix APP=$app
    bash -euo pipefail -c "$block"
) || die "FAILED: the README's commands"

echo "--- the program links the installed libdsr.a"
cd "$app"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
go build -o gateway .
[ "$(./gateway)" = "$want" ] || die "FAILED: the program printed '$(./gateway)', want '$want'"
if readelf -d gateway | grep -q 'NEEDED.*libdsr'; then
    die "FAILED: the program needs a libdsr shared object"
fi
go list -f '{{join .CgoPkgConfig " "}}' dsr/go | grep -qx dsr-static ||
    die "FAILED: the package does not ask pkg-config for dsr-static"

echo "--- vendored: go mod vendor, then -mod=vendor"
go mod vendor
[ "$(go list -mod=vendor -f '{{.Dir}}' dsr/go)" = "$app/vendor/dsr/go" ] ||
    die "FAILED: -mod=vendor does not use vendor/dsr/go"
go build -mod=vendor -o gateway-vendored .
[ "$(./gateway-vendored)" = "$want" ] || die "FAILED: the vendored build printed something else"

echo "--- go.work instead of a replace"
work=$tmp/work
mkdir -p "$work"
cp "$app/main.go" "$app/main_test.go" "$work/"
cd "$work"
go mod init example.com/gateway >/dev/null 2>&1
go work init . && go work use "$root/go"
go test ./...
[ "$(go run .)" = "$want" ] || die "FAILED: the go.work build printed something else"

echo "go-outside: passed (replace, vendored and go.work builds against an installed libdsr)"
