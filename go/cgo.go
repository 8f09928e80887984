//go:build !dsr_in_tree

package dsr

// How the package finds libdsr, by default: an installed libdsr found by
// pkg-config (ffi/pkg/install.sh writes dsr-static.pc), linked statically so
// that programs need no libdsr.so at run time:
//
//	bash ffi/pkg/install.sh "$PREFIX"
//	export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig   # when PREFIX is not a system one
//	go build ./...
//
// Inside this repository, build with -tags dsr_in_tree instead (cgo_in_tree.go):
// the package then links the archive cargo builds in the checkout.

/*
#cgo pkg-config: dsr-static
#include <stdlib.h>
#include "dsr.h"
*/
import "C"
