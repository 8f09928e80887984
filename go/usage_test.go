package dsr

import (
	"fmt"
	"testing"
	"time"
)

// A pod restarting with a fresh name and uid, as the kubelet does, never fills
// the engine (issue 11: the default build filled after 506 restarts).
func TestPodRestartsKeepUsageFlat(t *testing.T) {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.AddNode(&Node{Name: "edge-gw-01", Labels: map[string]string{"kubernetes.io/arch": "arm64"}}); err != nil {
		t.Fatal(err)
	}
	uid := "9b1c2d3e-0000-4000-8000-000000000001"
	var last PodID
	var first []TableUsage
	for i := 0; i < 5000; i++ {
		if i > 0 {
			if err := e.RemovePod(last); err != nil {
				t.Fatal(err)
			}
		}
		last, err = e.AddPod(&Pod{
			Name: fmt.Sprintf("fluentd-%08x", i), Namespace: "kube-system",
			UID: fmt.Sprintf("3f1d2c0e-%08x", i), ControllerUID: &uid,
			Labels: map[string]string{"app": "fluentd"}, NodeName: "edge-gw-01",
			Phase: "Running", CreationTimestamp: time.Unix(1709290800, 0),
		})
		if err != nil {
			t.Fatalf("restart %d: %v", i, err)
		}
		if i == 0 {
			if first, err = e.Usage(); err != nil {
				t.Fatal(err)
			}
		}
	}
	now, err := e.Usage()
	if err != nil {
		t.Fatal(err)
	}
	if len(now) != int(TableBackoff)+1 || now[TableStrings].Table != TableStrings {
		t.Fatalf("tables: %+v", now)
	}
	for i := range now {
		if now[i].Used != first[i].Used {
			t.Errorf("%v: %d used after 5,000 restarts, %d after one", now[i].Table, now[i].Used, first[i].Used)
		}
	}
	if p := now[TablePods]; p.Used != 1 || p.HighWater != 1 || p.Capacity < 1 {
		t.Errorf("pods: %+v", p)
	}
	if s := TableStringBytes.String(); s != "string bytes" {
		t.Errorf("name: %q", s)
	}
}
