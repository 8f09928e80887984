package dsr_test

import (
	"fmt"
	"log"

	dsr "example.invalid/dsr/go"
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
	// dsr: dsr_validate_label_key: invalid label key
	// false true
}
