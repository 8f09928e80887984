// Package dsr answers the Kubernetes DaemonSet controller's questions without
// an API server: on which nodes a DaemonSet's pod must run and, where not,
// why (label selectors, node affinity, taints and tolerations, as upstream's
// NodeShouldRunDaemonPod), and what one sync of a DaemonSet does (pods to
// create and delete, adoptions, releases, status, the rolling update's
// budget, as upstream's syncDaemonSet). It is a cgo binding of libdsr, the C
// library of dsr; every decision is the library's.
//
// An Engine holds the nodes, DaemonSets and pods, in tables whose capacities
// are fixed when libdsr is built (GetCapacities):
//
//	engine, err := dsr.NewEngine()
//	if err != nil {
//		return err
//	}
//	defer engine.Close()
//	set, err := engine.AddDaemonSet(&dsr.DaemonSet{Name: "fluentd", Namespace: "kube-system", ...})
//	node, err := engine.AddNode(&dsr.Node{Name: "cp-1", Taints: ...})
//	p, err := engine.ShouldRun(set, node) // p.ShouldRun, p.ShouldContinueRunning
//	why, err := engine.Describe(p.Reason) // "node has taint ... that the pod does not tolerate ..."
//	plan, err := engine.Sync(set, time.Now())
//
// The package's examples (example_test.go: Example, ExampleEngine_Sync,
// ExampleEngine_Snapshot, ExampleCode) are whole programs with their output,
// run by go test.
//
// Close every Engine when done with it. Its memory (EngineSize bytes, about
// 206 KiB by default) is Go heap that the garbage collector counts, so one
// that is dropped is reclaimed all the same, but Close makes later calls fail
// at once instead of running on an engine the program meant to be gone. An
// Engine may be shared by goroutines: read-only calls run in parallel, the
// others one at a time.
//
// Errors are *Error values that match their Code with errors.Is (ErrNotFound,
// ErrDuplicate, ErrInvalidDaemonSet, ErrSnapshotChecksum, ...; Code.IsFull
// and Code.IsSnapshot group them); a nil *Node, *DaemonSet or *Pod is
// ErrNilArgument. Their text is the code's meaning, then what the engine adds:
//
//	dsr: AddNode: an object of that name already exists: already in the nodes table
//
// # Building
//
// The import path is "dsr/go", reached through a replace directive (or a
// go.work) pointing at a checkout of the dsr repository; the package needs
// no other module. It links an installed libdsr, found with pkg-config as
// dsr-static (ffi/pkg/install.sh installs it); set PKG_CONFIG_PATH when the
// prefix is not a system one. Built with -tags dsr_in_tree, as the
// repository's own tests are, it links the checkout's target/release/libdsr.a
// instead. README.md gives the commands, vendoring included.
package dsr
