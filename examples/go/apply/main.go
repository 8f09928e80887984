// Command apply loads a DaemonSet and nodes from their JSON files (kubectl get -o json) and
// prints, per node, whether its pod should run there, and why not: apply DS.json NODE.json...
package main

import (
	"fmt"
	"log"
	"os"

	dsr "dsr/go"
)

func apply(e *dsr.Engine, path string) dsr.Applied {
	data, err := os.ReadFile(path)
	a := dsr.Applied{}
	if err == nil {
		a, err = e.Apply(data)
	}
	if err != nil {
		log.Fatalf("%s: %v", path, err)
	}
	return a
}

func main() {
	e, _ := dsr.NewEngine()
	set, _ := apply(e, os.Args[1]).DaemonSet()
	for _, path := range os.Args[2:] {
		node, _ := apply(e, path).Node()
		name, _ := e.NodeName(node)
		p, _ := e.ShouldRun(set, node)
		status, why := "runs", "eligible"
		if !p.ShouldRun {
			why, _ = e.Describe(p.Reason)
			status = map[bool]string{true: "stays", false: "no"}[p.ShouldContinueRunning]
		}
		fmt.Printf("%-40s %-5s %s\n", name, status, why)
	}
}
