package dsr

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2024, 3, 1, 11, 0, 0, 0, time.UTC)

const fluentdUID = "9b1c2d3e-0000-4000-8000-000000000001"

func fluentd() *DaemonSet {
	app := map[string]string{"name": "fluentd-elasticsearch"}
	gen := "1"
	return &DaemonSet{
		Name: "fluentd-elasticsearch", Namespace: "kube-system", UID: fluentdUID,
		Selector: &LabelSelector{MatchLabels: app}, TemplateLabels: app,
		Generation: 1, RevisionHash: "6d8f7c9b5", TemplateGeneration: &gen,
		Containers: []Container{{Name: "fluentd"}},
	}
}

// cluster is two edge nodes and a tainted control plane, with fluentd.
func cluster(t *testing.T) (*Engine, SetID) {
	t.Helper()
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []Node{
		{Name: "edge-1"}, {Name: "edge-2"},
		{Name: "cp-1", Taints: []Taint{{Key: "node-role.kubernetes.io/control-plane", Effect: "NoSchedule"}}},
	} {
		n := n
		if _, err := e.AddNode(&n); err != nil {
			t.Fatal(err)
		}
	}
	set, err := e.AddDaemonSet(fluentd())
	if err != nil {
		t.Fatal(err)
	}
	return e, set
}

// createAll carries out a plan's creates as a node agent would.
func createAll(t *testing.T, e *Engine, set SetID, plan *Plan, at time.Time) []PodID {
	t.Helper()
	labels, err := e.NewPodLabels(set)
	if err != nil {
		t.Fatal(err)
	}
	uid := fluentdUID
	var ids []PodID
	for _, c := range plan.Creates {
		id, err := e.AddPod(&Pod{
			Name: "fluentd-" + c.NodeName, Namespace: "kube-system", Labels: labels,
			ControllerUID: &uid, ControllerKind: "DaemonSet", ControllerName: "fluentd-elasticsearch",
			NodeName: c.NodeName, Phase: "Pending", CreationTimestamp: at,
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := e.ObserveCreates(set, len(plan.Creates)); err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestSyncRound(t *testing.T) {
	e, set := cluster(t)
	defer e.Close()

	plan, err := e.Sync(set, now)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Outcome != OutcomeSynced || len(plan.Creates) != 2 || len(plan.Deletes) != 0 {
		t.Fatalf("first sync: %+v", plan)
	}
	if plan.Creates[0].NodeName != "edge-1" || plan.Creates[1].NodeName != "edge-2" ||
		plan.Creates[0].Reason != CreateMissing || plan.Creates[0].Description != "no daemon pod is running on the node" {
		t.Fatalf("creates: %+v", plan.Creates)
	}
	if s := plan.Status; s == nil || s.DesiredNumberScheduled != 2 || s.CurrentNumberScheduled != 2 || s.NumberReady != 0 || s.ObservedGeneration != 1 {
		t.Fatalf("status: %+v", plan.Status)
	}
	if plan.Rollout == nil || plan.Rollout.MaxUnavailable != 1 || plan.RevisionHash != "6d8f7c9b5" ||
		plan.TemplateGeneration == nil || *plan.TemplateGeneration != 1 {
		t.Fatalf("rollout/revision: %+v %q %v", plan.Rollout, plan.RevisionHash, plan.TemplateGeneration)
	}
	// The nodes the budget counts in use, each with why, in the core's words.
	if int64(len(plan.HeldBack)) != plan.Rollout.InUse || len(plan.HeldBack) != 2 ||
		plan.HeldBack[0].NodeName != "edge-1" || plan.HeldBack[0].Reason != HoldNewNotAvailable ||
		plan.HeldBack[0].Reason.String() != "newNotAvailable" ||
		plan.HeldBack[0].Description != "its new pod is created in this sync" {
		t.Fatalf("held back: %+v (in use %d)", plan.HeldBack, plan.Rollout.InUse)
	}
	x, err := e.Expectations(set)
	if err != nil || x.Creates != 2 || !x.SetAt.Equal(now) {
		t.Fatalf("expectations: %+v %v", x, err)
	}
	labels, err := e.NewPodLabels(set)
	if err != nil || len(labels) != 3 || labels["controller-revision-hash"] != "6d8f7c9b5" || labels["pod-template-generation"] != "1" {
		t.Fatalf("NewPodLabels: %v %v", labels, err)
	}

	// Until the creates are reported, only status.
	mid, err := e.Sync(set, now.Add(time.Second))
	if err != nil || mid.Outcome != OutcomeStatusOnly || mid.RequeueAfter == nil {
		t.Fatalf("status-only sync: %+v %v", mid, err)
	}
	ids := createAll(t, e, set, plan, now)
	quiet, err := e.Sync(set, now.Add(5*time.Second))
	if err != nil || quiet.Outcome != OutcomeSynced || len(quiet.Creates)+len(quiet.Deletes)+len(quiet.Adoptions)+len(quiet.Releases) != 0 {
		t.Fatalf("quiet sync: %+v %v", quiet, err)
	}
	if n, err := e.PodCount(); err != nil || n != 2 {
		t.Fatalf("PodCount: %d %v", n, err)
	}

	// The pods turn ready.
	for i, id := range ids {
		p := &Pod{Name: "fluentd-" + plan.Creates[i].NodeName, Namespace: "kube-system", Labels: labels,
			NodeName: plan.Creates[i].NodeName, Phase: "Running", CreationTimestamp: now,
			Ready: &PodCondition{Status: "True", LastTransitionTime: now.Add(10 * time.Second)}}
		uid := fluentdUID
		p.ControllerUID = &uid
		p.ControllerKind, p.ControllerName = "DaemonSet", "fluentd-elasticsearch"
		if err := e.UpdatePod(id, p); err != nil {
			t.Fatal(err)
		}
	}
	ready, err := e.Sync(set, now.Add(20*time.Second))
	if err != nil || ready.Status.NumberReady != 2 || ready.Status.NumberAvailable != 2 {
		t.Fatalf("ready sync: %+v %v", ready.Status, err)
	}

	// A NoExecute taint evicts edge-2's pod.
	edge2, _ := e.FindNode("edge-2")
	if err := e.UpdateNode(edge2, &Node{Name: "edge-2", Taints: []Taint{{Key: "maintenance", Value: "now", Effect: "NoExecute"}}}); err != nil {
		t.Fatal(err)
	}
	evict, err := e.Sync(set, now.Add(30*time.Second))
	if err != nil || len(evict.Deletes) != 1 {
		t.Fatalf("eviction: %+v %v", evict, err)
	}
	d := evict.Deletes[0]
	if d.Pod != ids[1] || d.PodName != "fluentd-edge-2" || d.NodeName != "edge-2" || d.Reason != DeleteNodeIneligible ||
		d.Ineligible != UntoleratedTaint || !strings.HasPrefix(d.Description, "must not run on edge-2: node has taint maintenance=now:NoExecute") {
		t.Fatalf("delete: %+v", d)
	}
	if err := e.RemovePod(d.Pod); err != nil {
		t.Fatal(err)
	}
	if err := e.ObserveDeletes(set, 1); err != nil {
		t.Fatal(err)
	}

	// An orphan is adopted.
	orphan, err := e.AddPod(&Pod{Name: "fluentd-orphan", Namespace: "kube-system", Labels: labels, NodeName: "cp-1", Phase: "Running"})
	if err != nil {
		t.Fatal(err)
	}
	adopt, err := e.Sync(set, now.Add(40*time.Second))
	if err != nil || len(adopt.Adoptions) != 1 || adopt.Adoptions[0] != orphan {
		t.Fatalf("adoption: %+v %v", adopt, err)
	}
	if err := e.AdoptPod(orphan, set); err != nil {
		t.Fatal(err)
	}
	if err := e.ReleasePod(PodID(999)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ReleasePod(999): %v", err)
	}
	if id, err := e.FindPod("kube-system", "fluentd-orphan"); err != nil || id != orphan {
		t.Fatalf("FindPod: %v %v", id, err)
	}

	// Orphaning deletion hands back its two pods and keeps them.
	if _, err := e.DeleteDaemonSet(set, Propagation(7)); !errors.Is(err, ErrUnknownEnum) {
		t.Fatalf("unknown propagation: %v", err)
	}
	gone, err := e.DeleteDaemonSet(set, Orphan)
	if err != nil || len(gone) != 2 {
		t.Fatalf("DeleteDaemonSet: %v %v", gone, err)
	}
	if _, err := e.Sync(set, now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("sync of a deleted DaemonSet: %v", err)
	}
	if n, _ := e.PodCount(); n != 2 {
		t.Fatalf("orphans kept: %d", n)
	}
}

func TestSnapshotRestore(t *testing.T) {
	e, set := cluster(t)
	defer e.Close()
	plan, err := e.Sync(set, now)
	if err != nil {
		t.Fatal(err)
	}
	createAll(t, e, set, plan, now)
	snap, err := e.Snapshot()
	caps, _ := GetCapacities()
	if err != nil || len(snap) == 0 || len(snap) > SnapshotMaxSize() || caps.SnapshotMaxSize != SnapshotMaxSize() {
		t.Fatalf("Snapshot: %d bytes, %v", len(snap), err)
	}
	if !bytes.HasPrefix(snap, []byte("DSRS")) {
		t.Fatalf("no magic: %q", snap[:4])
	}

	// Damaged at every byte: refused with a snapshot code, engine unchanged.
	for i := range snap {
		bad := append([]byte(nil), snap...)
		bad[i] ^= 0xA5
		err := e.Restore(bad)
		var de *Error
		if !errors.As(err, &de) || !de.Code.IsSnapshot() {
			t.Fatalf("byte %d: %v", i, err)
		}
		// The header is 56 bytes (format version 3); every payload byte is
		// covered by the checksum.
		if i >= 56 && !errors.Is(err, ErrSnapshotChecksum) {
			t.Fatalf("payload byte %d: %v", i, err)
		}
		if i%97 == 0 {
			if again, _ := e.Snapshot(); !bytes.Equal(again, snap) {
				t.Fatalf("byte %d changed the engine", i)
			}
		}
	}
	for _, c := range []struct {
		bytes []byte
		want  Code
	}{
		{nil, ErrSnapshotTruncated},
		{snap[:len(snap)-1], ErrSnapshotTruncated},
		{append(append([]byte(nil), snap...), 0), ErrSnapshotTrailingBytes},
		{append([]byte("XSRS"), snap[4:]...), ErrSnapshotBadMagic},
	} {
		if err := e.Restore(c.bytes); !errors.Is(err, c.want) {
			t.Errorf("%d bytes: got %v, want %v", len(c.bytes), err, c.want)
		}
	}
	if again, _ := e.Snapshot(); !bytes.Equal(again, snap) {
		t.Fatal("refused restores changed the engine")
	}

	// Intact: another engine restores it and plans the same.
	other, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if again, _ := other.Snapshot(); !bytes.Equal(again, snap) {
		t.Fatal("the restored engine snapshots differently")
	}
	a, errA := e.Sync(set, now.Add(time.Minute))
	b, errB := other.Sync(set, now.Add(time.Minute))
	if errA != nil || errB != nil || a.Outcome != b.Outcome || *a.Status != *b.Status || len(a.Creates) != len(b.Creates) {
		t.Fatalf("plans differ: %+v %+v (%v %v)", a, b, errA, errB)
	}
}

func TestValidateDaemonSet(t *testing.T) {
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.ValidateDaemonSet(fluentd()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		change func(*DaemonSet)
		want   SpecProblem
	}{
		{"no containers", func(d *DaemonSet) { d.Containers = nil }, SpecProblem{Kind: SpecNoContainers, Index: -1}},
		{"bad name", func(d *DaemonSet) { d.Name = "Fluentd" }, SpecProblem{Kind: SpecName, Index: -1, Validation: ValidationInvalidFormat}},
		{"restart policy", func(d *DaemonSet) { d.RestartPolicy = "Never" }, SpecProblem{Kind: SpecRestartPolicy, Index: -1}},
		{"toleration", func(d *DaemonSet) {
			d.Tolerations = []Toleration{{Key: "a", Operator: "Exists", Effect: "NoSchedule"}, {Operator: "Equal", Value: "x"}}
		}, SpecProblem{Kind: SpecToleration, Index: 1, Detail: DetailEmptyKeyNeedsExists}},
		{"surge", func(d *DaemonSet) {
			d.UpdateStrategy = UpdateStrategy{Type: "RollingUpdate", RollingUpdate: &RollingUpdate{MaxUnavailable: Int(0), MaxSurge: Percent("200%")}}
		}, SpecProblem{Kind: SpecMaxSurge, Index: -1, Detail: DetailOverHundredPercent}},
		{"template", func(d *DaemonSet) { d.TemplateLabels = map[string]string{"name": "x"} }, SpecProblem{Kind: SpecSelectorDoesNotMatchTemplate, Index: -1}},
	} {
		d := fluentd()
		c.change(d)
		err := e.ValidateDaemonSet(d)
		var de *Error
		if !errors.Is(err, ErrInvalidDaemonSet) || !errors.As(err, &de) || de.Spec == nil || *de.Spec != c.want || de.Detail == "" {
			t.Errorf("%s: got %v (%+v), want %+v", c.name, err, de, c.want)
		}
	}
	// An input error is not a spec problem.
	d := fluentd()
	d.UpdateStrategy.RollingUpdate = &RollingUpdate{MaxSurge: &IntOrString{IsString: true, String: "\xff"}}
	var de *Error
	if err := e.ValidateDaemonSet(d); !errors.Is(err, ErrInvalidUTF8) || !errors.As(err, &de) || de.Spec != nil {
		t.Fatalf("invalid UTF-8: %v", err)
	}
	if n, s, _ := e.Counts(); n != 0 || s != 0 {
		t.Fatal("validation stored something")
	}
}
