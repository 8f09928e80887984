package dsr_test

import (
	"errors"
	"fmt"
	"log"
	"time"

	dsr "dsr/go"
)

// Where does the fluentd-elasticsearch DaemonSet of the Kubernetes docs run?
func Example() {
	engine, err := dsr.NewEngine()
	if err != nil {
		log.Fatal(err)
	}
	defer engine.Close()

	app := map[string]string{"name": "fluentd-elasticsearch"}
	fluentd, err := engine.AddDaemonSet(&dsr.DaemonSet{
		Name:           "fluentd-elasticsearch",
		Namespace:      "kube-system",
		Selector:       &dsr.LabelSelector{MatchLabels: app},
		TemplateLabels: app,
		Tolerations:    []dsr.Toleration{{Key: "node-role.kubernetes.io/master", Effect: "NoSchedule"}},
	})
	if err != nil {
		log.Fatal(err)
	}

	nodes := []dsr.Node{
		{Name: "edge-rpi4-01", Labels: map[string]string{"kubernetes.io/arch": "arm64"}},
		{Name: "cp-1", Taints: []dsr.Taint{{Key: "node-role.kubernetes.io/control-plane", Effect: "NoSchedule"}}},
		{Name: "worker-unreachable", Taints: []dsr.Taint{
			{Key: "node.kubernetes.io/unreachable", Effect: "NoSchedule"},
			{Key: "node.kubernetes.io/unreachable", Effect: "NoExecute"},
		}},
	}
	for i := range nodes {
		id, err := engine.AddNode(&nodes[i])
		if err != nil {
			log.Fatal(err)
		}
		p, err := engine.ShouldRun(fluentd, id)
		if err != nil {
			log.Fatal(err)
		}
		why, err := engine.Describe(p.Reason)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: run=%v stay=%v: %s\n", nodes[i].Name, p.ShouldRun, p.ShouldContinueRunning, why)
	}
	// Output:
	// edge-rpi4-01: run=true stay=true: eligible
	// cp-1: run=false stay=true: node has taint node-role.kubernetes.io/control-plane:NoSchedule that the pod does not tolerate (a pod already there may stay)
	// worker-unreachable: run=false stay=true: node has taint node.kubernetes.io/unreachable:NoSchedule that the pod does not tolerate (a pod already there may stay)
}

// Errors are Codes underneath: compare with errors.Is.
func ExampleCode() {
	err := dsr.ValidateLabelKey("-not-a-key")
	fmt.Println(err)
	fmt.Println(err == nil, dsr.ValidateLabelValue("v1.2") == nil)
	// Output:
	// dsr: ValidateLabelKey: invalid label key
	// false true
}

// One round of the DaemonSet controller on a gateway: plan, create the pods,
// report them, and the next sync has nothing to do.
func ExampleEngine_Sync() {
	engine, err := dsr.NewEngine()
	if err != nil {
		log.Fatal(err)
	}
	defer engine.Close()
	for _, name := range []string{"edge-rpi4-01", "edge-rpi4-02"} {
		if _, err := engine.AddNode(&dsr.Node{Name: name}); err != nil {
			log.Fatal(err)
		}
	}
	app := map[string]string{"name": "fluentd-elasticsearch"}
	uid := "9b1c2d3e-0000-4000-8000-000000000001"
	set, err := engine.AddDaemonSet(&dsr.DaemonSet{
		Name: "fluentd-elasticsearch", Namespace: "kube-system", UID: uid,
		Selector: &dsr.LabelSelector{MatchLabels: app}, TemplateLabels: app,
		Generation: 1, RevisionHash: "6d8f7c9b5",
	})
	if err != nil {
		log.Fatal(err)
	}
	now := time.Date(2024, 3, 1, 11, 0, 0, 0, time.UTC)
	plan, err := engine.Sync(set, now)
	if err != nil {
		log.Fatal(err)
	}
	labels, err := engine.NewPodLabels(set)
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range plan.Creates {
		fmt.Printf("create on %s: %s\n", c.NodeName, c.Description)
		// ... create the pod with these labels, then tell the engine:
		_, err := engine.AddPod(&dsr.Pod{
			Name: "fluentd-" + c.NodeName, Namespace: "kube-system", Labels: labels,
			ControllerUID: &uid, ControllerKind: "DaemonSet", ControllerName: "fluentd-elasticsearch",
			NodeName: c.NodeName, Phase: "Pending", CreationTimestamp: now,
		})
		if err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("status: desired %d, current %d, ready %d\n",
		plan.Status.DesiredNumberScheduled, plan.Status.CurrentNumberScheduled, plan.Status.NumberReady)
	if err := engine.ObserveCreates(set, len(plan.Creates)); err != nil {
		log.Fatal(err)
	}
	next, err := engine.Sync(set, now.Add(5*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(next.Outcome, len(next.Creates), len(next.Deletes))
	// Output:
	// create on edge-rpi4-01: no daemon pod is running on the node
	// create on edge-rpi4-02: no daemon pod is running on the node
	// status: desired 2, current 2, ready 0
	// Synced 0 0
}

// Snapshots survive a reboot; damaged ones are refused.
func ExampleEngine_Snapshot() {
	engine, err := dsr.NewEngine()
	if err != nil {
		log.Fatal(err)
	}
	defer engine.Close()
	if _, err := engine.AddNode(&dsr.Node{Name: "edge-rpi4-01"}); err != nil {
		log.Fatal(err)
	}
	flash, err := engine.Snapshot()
	if err != nil {
		log.Fatal(err)
	}

	afterReboot, err := dsr.NewEngine()
	if err != nil {
		log.Fatal(err)
	}
	defer afterReboot.Close()
	flash[len(flash)-1] ^= 1
	err = afterReboot.Restore(flash)
	fmt.Println(errors.Is(err, dsr.ErrSnapshotChecksum))
	flash[len(flash)-1] ^= 1
	fmt.Println(afterReboot.Restore(flash))
	_, err = afterReboot.FindNode("edge-rpi4-01")
	fmt.Println(err)
	// Output:
	// true
	// <nil>
	// <nil>
}
