package dsr

import (
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A nil object is an error the caller can test for, never a panic, and it
// leaves the engine as it was.
func TestNilArgumentsAreErrors(t *testing.T) {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	node, err := e.AddNode(&Node{Name: "edge-rpi4-01"})
	if err != nil {
		t.Fatal(err)
	}
	app := map[string]string{"name": "fluentd-elasticsearch"}
	set, err := e.AddDaemonSet(&DaemonSet{Name: "fluentd-elasticsearch", Namespace: "kube-system",
		Selector: &LabelSelector{MatchLabels: app}, TemplateLabels: app})
	if err != nil {
		t.Fatal(err)
	}
	pod, err := e.AddPod(&Pod{Name: "fluentd-x7k2p", Namespace: "kube-system", Labels: app, NodeName: "edge-rpi4-01", Phase: "Running"})
	if err != nil {
		t.Fatal(err)
	}
	var nilEngine *Engine
	calls := map[string]func() error{
		"AddNode":           func() error { _, err := e.AddNode(nil); return err },
		"UpdateNode":        func() error { return e.UpdateNode(node, nil) },
		"AddDaemonSet":      func() error { _, err := e.AddDaemonSet(nil); return err },
		"UpdateDaemonSet":   func() error { return e.UpdateDaemonSet(set, nil) },
		"ValidateDaemonSet": func() error { return e.ValidateDaemonSet(nil) },
		"AddPod":            func() error { _, err := e.AddPod(nil); return err },
		"UpdatePod":         func() error { return e.UpdatePod(pod, nil) },
		"ShouldRun":         func() error { _, err := nilEngine.ShouldRun(set, node); return err },
		"Sync":              func() error { _, err := nilEngine.Sync(set, time.Unix(1709290800, 0)); return err },
		"Snapshot":          func() error { _, err := nilEngine.Snapshot(); return err },
	}
	for op, call := range calls {
		err := call()
		if !errors.Is(err, ErrNilArgument) {
			t.Errorf("%s(nil) = %v, want ErrNilArgument", op, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "dsr: "+op+": nil argument: ") {
			t.Errorf("%s(nil): %q", op, err)
		}
	}
	if err := nilEngine.Close(); err != nil {
		t.Errorf("Close of a nil engine: %v", err)
	}
	if nodes, sets, err := e.Counts(); nodes != 1 || sets != 1 || err != nil {
		t.Errorf("after the nil calls: %d nodes, %d DaemonSets, %v", nodes, sets, err)
	}
	if p, err := e.ShouldRun(set, node); err != nil || !p.ShouldRun {
		t.Errorf("after the nil calls: ShouldRun = %+v, %v", p, err)
	}
}

// Error texts say the code's meaning, then what the engine adds, each once,
// in Go's terms.
func TestErrorTextsSayEachThingOnce(t *testing.T) {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	worker := &Node{Name: "worker-1"}
	if _, err := e.AddNode(worker); err != nil {
		t.Fatal(err)
	}
	app := map[string]string{"name": "node-exporter"}
	flash, err := e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	damaged := append([]byte(nil), flash...)
	damaged[len(damaged)-1] ^= 1
	closed, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()

	cases := []struct {
		err  func() error
		want string
	}{
		{func() error { _, err := e.AddNode(worker); return err },
			"dsr: AddNode: an object of that name already exists: already in the nodes table"},
		{func() error {
			return e.ValidateDaemonSet(&DaemonSet{Name: "node-exporter", Namespace: "monitoring",
				Selector: &LabelSelector{MatchLabels: app}, TemplateLabels: app})
		}, "dsr: ValidateDaemonSet: invalid DaemonSet: spec.template.spec.containers: required"},
		{func() error {
			_, err := e.AddDaemonSet(&DaemonSet{Name: "node-exporter", Namespace: "monitoring",
				Selector: &LabelSelector{MatchExpressions: []Requirement{{Key: "app", Operator: "Bogus"}}}})
			return err
		}, "dsr: AddDaemonSet: invalid label selector: invalid requirement in spec.selector: unsupported operator"},
		{func() error { return e.Restore(flash[:20]) }, "dsr: Restore: the snapshot is truncated"},
		{func() error { return e.Restore(damaged) }, "dsr: Restore: the snapshot's checksum does not match (damaged)"},
		{func() error { _, err := e.SelectorStringMatches("app in (", nil); return err },
			"dsr: SelectorStringMatches: the selector string does not parse: unexpected token at byte 8"},
		{func() error { _, err := e.Sync(42, time.Unix(1709290800, 0)); return err },
			"dsr: Sync: no object with that id or name: not in the daemon sets table"},
		{func() error { return ValidateLabelKey("-not-a-key") }, "dsr: ValidateLabelKey: invalid label key"},
		{func() error { _, err := closed.FindNode("worker-1"); return err },
			"dsr: FindNode: a required pointer is nil: the engine is closed"},
	}
	for _, c := range cases {
		err := c.err()
		if err == nil {
			t.Errorf("no error, want %q", c.want)
			continue
		}
		got := err.Error()
		if got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
		if strings.Contains(got, "dsr_") || strings.Contains(got, "NULL") {
			t.Errorf("%q names C", got)
		}
	}
}

// Read-only calls share the engine: one in progress does not hold back
// another, while a call that changes the engine waits for both.
func TestReadOnlyCallsShareTheLock(t *testing.T) {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	node, err := e.AddNode(&Node{Name: "edge-rpi4-01"})
	if err != nil {
		t.Fatal(err)
	}
	app := map[string]string{"name": "fluentd-elasticsearch"}
	set, err := e.AddDaemonSet(&DaemonSet{Name: "fluentd-elasticsearch", Namespace: "kube-system",
		Selector: &LabelSelector{MatchLabels: app}, TemplateLabels: app})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.ShouldRun(set, node)
	if err != nil {
		t.Fatal(err)
	}
	reads := map[string]func() error{
		"ShouldRun":           func() error { _, err := e.ShouldRun(set, node); return err },
		"Describe":            func() error { _, err := e.Describe(p.Reason); return err },
		"MatchesNodeAffinity": func() error { _, err := e.MatchesNodeAffinity(set, node); return err },
		"FindNode":            func() error { _, err := e.FindNode("edge-rpi4-01"); return err },
		"FindDaemonSet":       func() error { _, err := e.FindDaemonSet("kube-system", "fluentd-elasticsearch"); return err },
		"Counts":              func() error { _, _, err := e.Counts(); return err },
		"PodCount":            func() error { _, err := e.PodCount(); return err },
		"Expectations":        func() error { _, err := e.Expectations(set); return err },
		"NewPodLabels":        func() error { _, err := e.NewPodLabels(set); return err },
		"Snapshot":            func() error { _, err := e.Snapshot(); return err },
	}
	// A reader in progress: the test holds the shared lock itself.
	e.mu.RLock()
	for op, read := range reads {
		done := make(chan error, 1)
		go func() { done <- read() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s: %v", op, err)
			}
		case <-time.After(5 * time.Second):
			e.mu.RUnlock()
			t.Fatalf("%s waited for another read-only call", op)
		}
	}
	added := make(chan error, 1)
	go func() { _, err := e.AddNode(&Node{Name: "edge-rpi4-02"}); added <- err }()
	select {
	case err := <-added:
		t.Errorf("AddNode ran beside a read-only call (%v)", err)
	case <-time.After(50 * time.Millisecond):
	}
	e.mu.RUnlock()
	if err := <-added; err != nil {
		t.Fatal(err)
	}
}

// Engines dropped without Close cost the process no more than a few live
// ones: their memory is Go heap, which the garbage collector counts and
// reclaims. Leaked, 2,000 engines would hold 2,000 * EngineSize (over 400
// MB with the default build).
func TestDroppedEnginesAreReclaimed(t *testing.T) {
	const engines = 2000
	caps, err := GetCapacities()
	if err != nil {
		t.Fatal(err)
	}
	size := caps.EngineSize
	for i := 0; i < engines; i++ {
		e, err := NewEngine()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.AddNode(&Node{Name: "edge-rpi4-" + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	// In engines' worth, whatever the build's size: after a collection
	// almost nothing is left; at its largest the heap held a small fraction
	// of what the engines would hold leaked (measured: 138 engines' worth).
	if in := m.HeapInuse / uint64(size); in > 16 {
		t.Errorf("after dropping %d engines: %d engines' worth of heap in use, want at most 16", engines, in)
	}
	if held := m.HeapSys / uint64(size); held > engines/4 {
		t.Errorf("dropping %d engines grew the heap to %d engines' worth, want at most %d", engines, held, engines/4)
	}
	if rss, ok := peakRSS(); ok {
		t.Logf("%d engines of %d bytes dropped: heap in use %d, heap %d, peak RSS %d bytes",
			engines, size, m.HeapInuse, m.HeapSys, rss)
	}
}

// peakRSS is the process's peak resident set (VmHWM), where Linux reports it.
func peakRSS() (uint64, bool) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmHWM:" {
			kb, err := strconv.ParseUint(f[1], 10, 64)
			return kb * 1024, err == nil
		}
	}
	return 0, false
}
