// Command agent is examples/agent/c/agent.c in Go: an edge agent that replays
// the watch stream of one node (a file of JSON lines, one watch event each, as
// kubectl get -w --output-watch-events -o json writes them) and prints, after
// each event, what this node must start or stop and why: a sync of every
// DaemonSet, keeping what is for this node. It does what it prints at once (so
// the engine's expectations are met), and after each event snapshots the
// engine, with the number of events applied, to STATE; started again, it
// resumes from there.
//
//	agent NODE STREAM STATE [STOP_AFTER]
//
// STOP_AFTER: stop after that many events (as if the agent were killed). The
// replay clock: event i happens at 2024-06-01T10:00:00Z + 30 s * i (the time
// scripts/make-agent-stream.py writes into the objects).
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"log"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	dsr "dsr/go"
)

var start = time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)

const step = 30 * time.Second

// resume restores STATE ("dsr-agent N\n" then a snapshot) into the engine and
// returns N, or 0 when there is no STATE.
func resume(e *dsr.Engine, path string) int {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	header, snapshot, ok := bytes.Cut(data, []byte("\n"))
	n, perr := strconv.Atoi(string(bytes.TrimPrefix(header, []byte("dsr-agent "))))
	if err != nil || !ok || perr != nil {
		log.Fatalf("agent: state file %s: %v", path, err)
	}
	if err := e.Restore(snapshot); err != nil {
		log.Fatalf("agent: restore: %v", err)
	}
	fmt.Fprintf(os.Stderr, "agent: resumed from %s after event %d\n", path, n)
	return n
}

// save writes STATE anew (to a temporary file, then renamed over it).
func save(e *dsr.Engine, path string, applied int) {
	snapshot, err := e.Snapshot()
	if err == nil {
		data := append([]byte(fmt.Sprintf("dsr-agent %d\n", applied)), snapshot...)
		if err = os.WriteFile(path+".tmp", data, 0o644); err == nil {
			err = os.Rename(path+".tmp", path)
		}
	}
	if err != nil {
		log.Fatalf("agent: %v", err)
	}
}

// plan prints what node must start or stop now, by a sync of every DaemonSet.
func plan(e *dsr.Engine, node string, now time.Time) {
	caps, _ := dsr.GetCapacities()
	printed := 0
	for set := dsr.SetID(0); int(set) < caps.DaemonSets; set++ {
		ns, name, err := e.DaemonSetName(set)
		if err != nil {
			continue
		}
		p, err := e.Sync(set, now)
		if err != nil {
			log.Fatalf("agent: sync: %v", err)
		}
		for _, c := range p.Creates {
			if c.NodeName == node {
				fmt.Printf("  start %s/%s: %s\n", ns, name, c.Description)
				printed++
			}
		}
		for _, d := range p.Deletes {
			if d.NodeName == node {
				fmt.Printf("  stop %s/%s pod %s: %s\n", ns, name, d.PodName, d.Description)
				printed++
			}
		}
		// Done at once: the pods appear, or go, in later events.
		_ = e.ObserveCreates(set, math.MaxUint32)
		_ = e.ObserveDeletes(set, math.MaxUint32)
	}
	if printed == 0 {
		fmt.Println("  nothing to start or stop")
	}
}

// name is the applied object's name, while the engine holds it.
func name(e *dsr.Engine, a dsr.Applied) string {
	if id, ok := a.Node(); ok {
		n, _ := e.NodeName(id)
		return n
	}
	if id, ok := a.Pod(); ok {
		n, _ := e.PodName(id)
		return n
	}
	if id, ok := a.DaemonSet(); ok {
		ns, n, _ := e.DaemonSetName(id)
		return ns + "/" + n
	}
	return ""
}

func main() {
	if len(os.Args) < 4 {
		log.Fatal("usage: agent NODE STREAM STATE [STOP_AFTER]")
	}
	node, state := os.Args[1], os.Args[3]
	stop := math.MaxInt
	if len(os.Args) > 4 {
		stop, _ = strconv.Atoi(os.Args[4])
	}
	stream, err := os.Open(os.Args[2])
	if err != nil {
		log.Fatal(err)
	}
	defer stream.Close()
	e, err := dsr.NewEngine()
	if err != nil {
		log.Fatal(err)
	}
	done := resume(e, state)
	lines := bufio.NewScanner(stream)
	lines.Buffer(nil, 1<<20)
	for index := 0; index < stop && lines.Scan(); {
		if index++; index <= done {
			continue
		}
		a, err := e.Apply(lines.Bytes())
		if err != nil {
			fmt.Printf("event %d: refused: %s\n", index, strings.TrimPrefix(err.Error(), "dsr: Apply: "))
		} else {
			what := a.Kind.String()
			if n := name(e, a); n != "" {
				what += " " + n
			}
			changed := ""
			if a.PlacementChanged {
				changed = ", placement changed"
			}
			fmt.Printf("event %d: %s %s%s\n", index, what, a.Change, changed)
		}
		plan(e, node, start.Add(step*time.Duration(index-1)))
		save(e, state, index)
	}
	if err := lines.Err(); err != nil {
		log.Fatal(err)
	}
}
