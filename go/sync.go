package dsr

// #include <stdlib.h>
// #include "dsr.h"
import "C"

import (
	"errors"
	"time"
)

// AddPod adds a pod; namespace/name is unique (ErrDuplicate). An empty name
// is ErrInvalidName.
func (e *Engine) AddPod(p *Pod) (PodID, error) {
	if p == nil {
		return 0, nilArgument("AddPod", "pod")
	}
	var id C.uint32_t
	err := e.call("AddPod", func(a *arena) C.dsr_result { return C.dsr_engine_add_pod(e.e, a.pod(p), &id) })
	return PodID(id), err
}

// UpdatePod replaces a pod, keeping its id (it turned ready, was scheduled,
// failed, started deleting).
func (e *Engine) UpdatePod(id PodID, p *Pod) error {
	if p == nil {
		return nilArgument("UpdatePod", "pod")
	}
	return e.call("UpdatePod", func(a *arena) C.dsr_result {
		return C.dsr_engine_update_pod(e.e, C.uint32_t(id), a.pod(p))
	})
}

// RemovePod removes a pod (it is gone from the cluster).
func (e *Engine) RemovePod(id PodID) error {
	return e.call("RemovePod", func(*arena) C.dsr_result { return C.dsr_engine_remove_pod(e.e, C.uint32_t(id)) })
}

// FindPod returns the id of the pod namespace/name (ErrNotFound if none).
func (e *Engine) FindPod(namespace, name string) (PodID, error) {
	var id C.uint32_t
	err := e.query("FindPod", func(a *arena) C.dsr_result {
		return C.dsr_engine_find_pod(e.e, a.str(namespace), a.str(name), &id)
	})
	return PodID(id), err
}

// PodCount returns the number of pods.
func (e *Engine) PodCount() (int, error) {
	var n C.size_t
	err := e.query("PodCount", func(*arena) C.dsr_result { return C.dsr_engine_pod_count(e.e, &n) })
	return int(n), err
}

// AdoptPod records that the caller made the DaemonSet the pod's controller
// (a Plan's Adoptions).
func (e *Engine) AdoptPod(pod PodID, set SetID) error {
	return e.setPodController("AdoptPod", pod, C.uint32_t(set))
}

// ReleasePod records that the caller removed the pod's controller reference
// (a Plan's Releases).
func (e *Engine) ReleasePod(pod PodID) error {
	return e.setPodController("ReleasePod", pod, C.DSR_NONE)
}

func (e *Engine) setPodController(op string, pod PodID, set C.uint32_t) error {
	return e.call(op, func(*arena) C.dsr_result {
		return C.dsr_engine_set_pod_controller(e.e, C.uint32_t(pod), set)
	})
}

// SyncOutcome says how far a sync went.
type SyncOutcome uint32

// The outcomes of include/dsr.h.
const (
	OutcomeEmpty             SyncOutcome = C.DSR_SYNC_OUTCOME_EMPTY              // nothing planned
	OutcomeSynced            SyncOutcome = C.DSR_SYNC_OUTCOME_SYNCED             // managed, rolled, status computed
	OutcomeStatusOnly        SyncOutcome = C.DSR_SYNC_OUTCOME_STATUS_ONLY        // earlier creates/deletes not observed yet
	OutcomeDeleting          SyncOutcome = C.DSR_SYNC_OUTCOME_DELETING           // the DaemonSet is being deleted
	OutcomeSelectsEverything SyncOutcome = C.DSR_SYNC_OUTCOME_SELECTS_EVERYTHING // empty selector: nothing done
)

func (o SyncOutcome) String() string {
	switch o {
	case OutcomeEmpty:
		return "Empty"
	case OutcomeSynced:
		return "Synced"
	case OutcomeStatusOnly:
		return "StatusOnly"
	case OutcomeDeleting:
		return "Deleting"
	case OutcomeSelectsEverything:
		return "SelectsEverything"
	}
	return "SyncOutcome(unknown)"
}

// CreateReason says why a pod is created.
type CreateReason uint32

// The create reasons of include/dsr.h.
const (
	CreateMissing            CreateReason = C.DSR_CREATE_REASON_MISSING             // no daemon pod on the node
	CreateReplaceUnavailable CreateReason = C.DSR_CREATE_REASON_REPLACE_UNAVAILABLE // surge: replaces an unavailable old pod
	CreateSurge              CreateReason = C.DSR_CREATE_REASON_SURGE               // surge: beside an available old pod
)

// DeleteReason says why a pod is deleted.
type DeleteReason uint32

// The delete reasons of include/dsr.h.
const (
	DeleteNodeIneligible              DeleteReason = C.DSR_DELETE_REASON_NODE_INELIGIBLE
	DeleteDuplicate                   DeleteReason = C.DSR_DELETE_REASON_DUPLICATE
	DeleteFailed                      DeleteReason = C.DSR_DELETE_REASON_FAILED
	DeleteSucceeded                   DeleteReason = C.DSR_DELETE_REASON_SUCCEEDED
	DeleteNodeMissing                 DeleteReason = C.DSR_DELETE_REASON_NODE_MISSING
	DeleteSurgeOldNotReady            DeleteReason = C.DSR_DELETE_REASON_SURGE_OLD_NOT_READY
	DeleteSurgeReplaced               DeleteReason = C.DSR_DELETE_REASON_SURGE_REPLACED
	DeleteRollingUpdate               DeleteReason = C.DSR_DELETE_REASON_ROLLING_UPDATE
	DeleteRollingUpdateUnavailable    DeleteReason = C.DSR_DELETE_REASON_ROLLING_UPDATE_UNAVAILABLE
	DeleteRollingUpdateNodeIneligible DeleteReason = C.DSR_DELETE_REASON_ROLLING_UPDATE_NODE_INELIGIBLE
)

// RolloutHalt says why a rolling update did nothing.
type RolloutHalt uint32

// The halts of include/dsr.h.
const (
	HaltNone          RolloutHalt = C.DSR_ROLLOUT_HALT_NONE
	HaltInvalidBudget RolloutHalt = C.DSR_ROLLOUT_HALT_INVALID_BUDGET
	HaltMissingNode   RolloutHalt = C.DSR_ROLLOUT_HALT_MISSING_NODE
)

// Create is a pod to create: the DaemonSet's template with NewPodLabels, a
// controller reference to the DaemonSet, and its required node affinity
// replaced by matchFields metadata.name In [NodeName].
type Create struct {
	Node     NodeID
	NodeName string
	Reason   CreateReason
	// Description is the reason in words.
	Description string
}

// Delete is a pod to delete.
type Delete struct {
	Pod      PodID
	PodName  string
	NodeName string
	Reason   DeleteReason
	// Ineligible is, for DeleteNodeIneligible, why the pod may not stay.
	Ineligible ReasonKind
	// Description is the reason in words.
	Description string
}

// DaemonSetStatus is status as upstream's updateDaemonSetStatus computes it.
type DaemonSetStatus struct {
	DesiredNumberScheduled int32
	CurrentNumberScheduled int32
	NumberMisscheduled     int32
	NumberReady            int32
	UpdatedNumberScheduled int32
	NumberAvailable        int32
	NumberUnavailable      int32
	ObservedGeneration     int64
}

// RolloutBudget is the rolling update's arithmetic in one sync.
type RolloutBudget struct {
	Desired, MaxUnavailable, MaxSurge, InUse, Candidates, Chosen, Replacements int64
	Halted                                                                     RolloutHalt
}

// Plan is one sync of a DaemonSet: what to create, delete, adopt and
// release, the status, and when to sync again. Lists are sorted by name.
type Plan struct {
	// HeldBack are the nodes the rollout's InUse counts, each with why.
	HeldBack []Hold
	Set      SetID
	Outcome  SyncOutcome
	Creates  []Create
	Deletes  []Delete
	// Adoptions are pods without a controller that the selector matches: set
	// their controller reference, then AdoptPod.
	Adoptions []PodID
	// Releases are pods the DaemonSet controls that its selector no longer
	// matches: remove the reference, then ReleasePod.
	Releases []PodID
	// Status is nil when the sync did not get that far.
	Status *DaemonSetStatus
	// RequeueAfter, when not nil, says to sync again after that long.
	RequeueAfter *time.Duration
	// Rollout is set for RollingUpdate when the sync managed the DaemonSet.
	Rollout *RolloutBudget
	// RevisionHash and TemplateGeneration are what created pods carry.
	RevisionHash       string
	TemplateGeneration *int64
}

func goStr(s C.dsr_str) string {
	if s.len == 0 {
		return ""
	}
	return C.GoStringN(s.ptr, C.int(s.len))
}

// Sync plans one sync of the DaemonSet at now, as upstream's syncDaemonSet.
// After it, the DaemonSet is only adopted, released and given a status
// (OutcomeStatusOnly) until each planned create and delete is reported with
// ObserveCreates and ObserveDeletes (or five minutes pass).
func (e *Engine) Sync(set SetID, now time.Time) (*Plan, error) {
	var p *Plan
	err := e.exclusive("Sync", func(*arena) (err error) {
		p, err = e.sync(set, now)
		return err
	})
	return p, err
}

func (e *Engine) sync(set SetID, now time.Time) (*Plan, error) {
	// The plan lives in C memory for this call: everything is copied out.
	size, align := C.dsr_plan_size(), C.dsr_plan_align()
	rounded := (size + align - 1) / align * align
	mem := C.aligned_alloc(align, rounded)
	if mem == nil {
		return nil, errors.New("dsr: cannot allocate a plan's memory")
	}
	defer C.free(mem)
	var plan *C.dsr_plan
	if err := check("Sync", C.dsr_plan_init(mem, rounded, &plan)); err != nil {
		return nil, err
	}
	var info C.dsr_plan_info
	if err := e.fail("Sync", C.dsr_engine_sync(e.e, C.uint32_t(set), C.int64_t(now.Unix()), plan, &info)); err != nil {
		return nil, err
	}
	p := &Plan{
		Set:          SetID(info.set_id),
		Outcome:      SyncOutcome(info.outcome),
		RevisionHash: goStr(info.revision_hash),
	}
	if info.has_status {
		s := info.status
		p.Status = &DaemonSetStatus{
			DesiredNumberScheduled: int32(s.desired_number_scheduled),
			CurrentNumberScheduled: int32(s.current_number_scheduled),
			NumberMisscheduled:     int32(s.number_misscheduled),
			NumberReady:            int32(s.number_ready),
			UpdatedNumberScheduled: int32(s.updated_number_scheduled),
			NumberAvailable:        int32(s.number_available),
			NumberUnavailable:      int32(s.number_unavailable),
			ObservedGeneration:     int64(s.observed_generation),
		}
	}
	if info.has_requeue_after {
		d := time.Duration(info.requeue_after) * time.Second
		p.RequeueAfter = &d
	}
	if info.has_rollout {
		r := info.rollout
		p.Rollout = &RolloutBudget{
			Desired: int64(r.desired), MaxUnavailable: int64(r.max_unavailable),
			MaxSurge: int64(r.max_surge), InUse: int64(r.in_use), Candidates: int64(r.candidates),
			Chosen: int64(r.chosen), Replacements: int64(r.replacements), Halted: RolloutHalt(r.halted),
		}
	}
	if info.has_template_generation {
		g := int64(info.template_generation)
		p.TemplateGeneration = &g
	}
	for i := 0; i < int(info.creates_len); i++ {
		var c C.dsr_plan_create
		if err := check("Sync", C.dsr_engine_plan_create(e.e, plan, C.size_t(i), &c)); err != nil {
			return nil, err
		}
		why, err := readText("Sync", 256, func(b *C.char, n C.size_t, out *C.size_t) C.dsr_result {
			return C.dsr_engine_describe_create(e.e, plan, C.size_t(i), b, n, out)
		})
		if err != nil {
			return nil, err
		}
		p.Creates = append(p.Creates, Create{
			Node: NodeID(c.node_id), NodeName: goStr(c.node_name),
			Reason: CreateReason(c.reason), Description: why,
		})
	}
	for i := 0; i < int(info.deletes_len); i++ {
		var d C.dsr_plan_delete
		if err := check("Sync", C.dsr_engine_plan_delete(e.e, plan, C.size_t(i), &d)); err != nil {
			return nil, err
		}
		why, err := readText("Sync", 256, func(b *C.char, n C.size_t, out *C.size_t) C.dsr_result {
			return C.dsr_engine_describe_delete(e.e, plan, C.size_t(i), b, n, out)
		})
		if err != nil {
			return nil, err
		}
		p.Deletes = append(p.Deletes, Delete{
			Pod: PodID(d.pod_id), PodName: goStr(d.pod_name), NodeName: goStr(d.node_name),
			Reason: DeleteReason(d.reason), Ineligible: ReasonKind(d.ineligible), Description: why,
		})
	}
	for i := 0; i < int(info.adoptions_len); i++ {
		var id C.uint32_t
		if err := check("Sync", C.dsr_engine_plan_adoption(e.e, plan, C.size_t(i), &id)); err != nil {
			return nil, err
		}
		p.Adoptions = append(p.Adoptions, PodID(id))
	}
	for i := 0; i < int(info.releases_len); i++ {
		var id C.uint32_t
		if err := check("Sync", C.dsr_engine_plan_release(e.e, plan, C.size_t(i), &id)); err != nil {
			return nil, err
		}
		p.Releases = append(p.Releases, PodID(id))
	}
	for i := 0; i < int(info.held_back_len); i++ {
		var h C.dsr_plan_hold
		if err := check("Sync", C.dsr_engine_plan_hold(e.e, plan, C.size_t(i), &h)); err != nil {
			return nil, err
		}
		why, err := readText("Sync", 256, func(b *C.char, n C.size_t, out *C.size_t) C.dsr_result {
			return C.dsr_engine_describe_hold(e.e, plan, C.size_t(i), b, n, out)
		})
		if err != nil {
			return nil, err
		}
		p.HeldBack = append(p.HeldBack, Hold{
			NodeName: goStr(h.node_name), Reason: HoldReason(h.reason), Pod: PodID(h.pod_id), Description: why,
		})
	}
	return p, nil
}

// HoldReason says why a node holds a rolling update back.
type HoldReason uint32

// The hold reasons of include/dsr.h.
const (
	HoldExcess                 HoldReason = C.DSR_HOLD_REASON_EXCESS                    // extra old or new pods
	HoldNoPod                  HoldReason = C.DSR_HOLD_REASON_NO_POD                    // no daemon pod
	HoldOldAndNew              HoldReason = C.DSR_HOLD_REASON_OLD_AND_NEW               // an old and a new pod, no surge
	HoldNewNotAvailable        HoldReason = C.DSR_HOLD_REASON_NEW_NOT_AVAILABLE         // the new pod is not available yet
	HoldOldNotAvailable        HoldReason = C.DSR_HOLD_REASON_OLD_NOT_AVAILABLE         // the old pod is not available
	HoldSurgingNewNotAvailable HoldReason = C.DSR_HOLD_REASON_SURGING_NEW_NOT_AVAILABLE // surging, new pod not available
)

// String is the core's name of the reason (noPod, oldAndNew, ...).
func (r HoldReason) String() string { return C.GoString(C.dsr_hold_reason_str(C.uint32_t(r))) }

// Hold is a node that holds a rolling update back: one the budget's InUse
// counts.
type Hold struct {
	NodeName    string
	Reason      HoldReason
	Pod         PodID // the pod the reason is about; ^PodID(0) when none
	Description string
}

// ObserveCreates reports that n creates the last sync planned happened,
// failed or were skipped (upstream's CreationObserved).
func (e *Engine) ObserveCreates(set SetID, n int) error {
	return e.call("ObserveCreates", func(*arena) C.dsr_result {
		return C.dsr_engine_observe_creates(e.e, C.uint32_t(set), C.uint32_t(n))
	})
}

// ObserveDeletes reports that n deletes the last sync planned happened or
// failed (upstream's DeletionObserved).
func (e *Engine) ObserveDeletes(set SetID, n int) error {
	return e.call("ObserveDeletes", func(*arena) C.dsr_result {
		return C.dsr_engine_observe_deletes(e.e, C.uint32_t(set), C.uint32_t(n))
	})
}

// Expectations are the creates and deletes a DaemonSet's last sync planned
// that are not observed yet.
type Expectations struct {
	Creates, Deletes int64
	// SetAt is when the sync set them (zero when none are pending).
	SetAt time.Time
}

// Expectations returns what the DaemonSet still waits to see.
func (e *Engine) Expectations(set SetID) (Expectations, error) {
	var x C.dsr_expectations
	if err := e.query("Expectations", func(*arena) C.dsr_result {
		return C.dsr_engine_expectations(e.e, C.uint32_t(set), &x)
	}); err != nil {
		return Expectations{}, err
	}
	out := Expectations{Creates: int64(x.creates), Deletes: int64(x.deletes)}
	if x.creates != 0 || x.deletes != 0 || x.set_at != 0 {
		out.SetAt = time.Unix(int64(x.set_at), 0)
	}
	return out, nil
}

// NewPodLabels returns the labels a pod created for the DaemonSet carries:
// the template's, pod-template-generation and controller-revision-hash.
func (e *Engine) NewPodLabels(set SetID) (map[string]string, error) {
	var out map[string]string
	err := e.shared("NewPodLabels", func(a *arena) error {
		var n C.size_t
		r := C.dsr_engine_new_pod_labels(e.e, C.uint32_t(set), nil, 0, &n)
		if Code(r) != ErrBufferTooSmall {
			out = map[string]string{}
			return check("NewPodLabels", r)
		}
		labels := array[C.dsr_label](a, int(n))
		if err := check("NewPodLabels", C.dsr_engine_new_pod_labels(e.e, C.uint32_t(set), first(labels), n, &n)); err != nil {
			return err
		}
		out = make(map[string]string, int(n))
		for _, l := range labels[:n] {
			out[goStr(l.key)] = goStr(l.value)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Propagation is the propagationPolicy of DeleteDaemonSet.
type Propagation uint32

// The policies of include/dsr.h.
const (
	// Background: the DaemonSet goes now; the caller deletes its pods.
	Background Propagation = C.DSR_PROPAGATION_BACKGROUND
	// Foreground: the caller deletes the pods, then the DaemonSet is gone.
	Foreground Propagation = C.DSR_PROPAGATION_FOREGROUND
	// Orphan: the pods are released and keep running.
	Orphan Propagation = C.DSR_PROPAGATION_ORPHAN
)

// DeleteDaemonSet deletes a DaemonSet as the API does and returns the pods
// it controlled: with Background or Foreground the caller deletes them (and
// removes each once gone); with Orphan the engine releases them. An unknown
// policy is ErrUnknownEnum.
func (e *Engine) DeleteDaemonSet(set SetID, propagation Propagation) ([]PodID, error) {
	var out []PodID
	err := e.exclusive("DeleteDaemonSet", func(*arena) error {
		var count C.size_t
		if err := check("DeleteDaemonSet", C.dsr_engine_pod_count(e.e, &count)); err != nil {
			return err
		}
		ids := make([]C.uint32_t, int(count)+1)
		var n C.size_t
		r := C.dsr_engine_delete_daemon_set(e.e, C.uint32_t(set), C.uint32_t(propagation), &ids[0], C.size_t(len(ids)), &n)
		if err := e.fail("DeleteDaemonSet", r); err != nil {
			return err
		}
		out = make([]PodID, int(n))
		for i := range out {
			out[i] = PodID(ids[i])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
