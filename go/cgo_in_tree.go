//go:build dsr_in_tree

package dsr

// With -tags dsr_in_tree the package links the static library built in this
// checkout, as the repository's own tests do (tests/go/run.sh):
//
//	cargo build -p dsr-ffi --release     # makes ../target/release/libdsr.a
//	cd go && go test -tags dsr_in_tree ./...
//
// ${SRCDIR} is this directory, so the paths hold wherever the repository is
// checked out, and from a module that reaches the package through a replace
// directive. The libraries after libdsr.a are what a Rust std staticlib needs
// on Linux (the same as ffi/pkg/dsr-static.pc.in). Without the tag, cgo.go
// asks pkg-config for an installed libdsr.

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#cgo LDFLAGS: ${SRCDIR}/../target/release/libdsr.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
#include <stdlib.h>
#include "dsr.h"
*/
import "C"
