package dsr

// All cgo directives of the package are here.
//
// The package links the static library built in this repository:
//
//	cargo build -p dsr-ffi --release     # makes ../target/release/libdsr.a
//	cd go && go test ./...
//
// ${SRCDIR} is this directory, so the paths hold wherever the repository is
// checked out. With another Cargo target directory, or an installed libdsr
// (ffi/pkg/install.sh), override them from the environment instead, e.g.
//
//	CGO_CFLAGS="$(pkg-config --cflags dsr-static)" \
//	CGO_LDFLAGS="$(pkg-config --libs dsr-static)" go build
//
// (the flags here still apply; the extra ones come first). The libraries after
// libdsr.a are what a Rust std staticlib needs on Linux (ffi/pkg/dsr-static.pc).

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#cgo LDFLAGS: ${SRCDIR}/../target/release/libdsr.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
#include <stdlib.h>
#include "dsr.h"
*/
import "C"
