package dsr

// #include "dsr.h"
import "C"

import (
	"runtime"
	"unsafe"
)

// SnapshotMaxSize is the largest snapshot an engine of this libdsr's
// capacities writes, in bytes.
func SnapshotMaxSize() int { return int(C.dsr_engine_snapshot_max_size()) }

// Snapshot returns the engine's whole state (tables, strings, expectations,
// backoff) as bytes to keep in flash or on disk; Restore reads them back.
func (e *Engine) Snapshot() ([]byte, error) {
	buf := make([]byte, SnapshotMaxSize())
	var n C.size_t
	if err := e.query("Snapshot", func(*arena) C.dsr_result {
		return C.dsr_engine_snapshot(e.e, (*C.uint8_t)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &n)
	}); err != nil {
		return nil, err
	}
	return append([]byte(nil), buf[:n]...), nil
}

// Restore replaces the engine's state with a snapshot's. Bad input is
// refused with the engine unchanged, with an error matching one of the
// ErrSnapshot* codes (Code.IsSnapshot reports any of them).
func (e *Engine) Restore(snapshot []byte) error {
	var p *C.uint8_t
	if len(snapshot) > 0 {
		p = (*C.uint8_t)(unsafe.Pointer(&snapshot[0]))
	}
	defer runtime.KeepAlive(snapshot)
	return e.call("Restore", func(*arena) C.dsr_result { return C.dsr_engine_restore(e.e, p, C.size_t(len(snapshot))) })
}

// SpecProblemKind says which API-server rule a DaemonSet breaks.
type SpecProblemKind uint32

// The kinds of include/dsr.h.
const (
	SpecName                         SpecProblemKind = C.DSR_SPEC_PROBLEM_NAME
	SpecNamespace                    SpecProblemKind = C.DSR_SPEC_PROBLEM_NAMESPACE
	SpecSelectorMissing              SpecProblemKind = C.DSR_SPEC_PROBLEM_SELECTOR_MISSING
	SpecSelectorEmpty                SpecProblemKind = C.DSR_SPEC_PROBLEM_SELECTOR_EMPTY
	SpecSelector                     SpecProblemKind = C.DSR_SPEC_PROBLEM_SELECTOR
	SpecSelectorDoesNotMatchTemplate SpecProblemKind = C.DSR_SPEC_PROBLEM_SELECTOR_DOES_NOT_MATCH_TEMPLATE
	SpecTemplateLabel                SpecProblemKind = C.DSR_SPEC_PROBLEM_TEMPLATE_LABEL
	SpecNodeSelector                 SpecProblemKind = C.DSR_SPEC_PROBLEM_NODE_SELECTOR
	SpecAffinityNoTerms              SpecProblemKind = C.DSR_SPEC_PROBLEM_AFFINITY_NO_TERMS
	SpecAffinityTerm                 SpecProblemKind = C.DSR_SPEC_PROBLEM_AFFINITY_TERM
	SpecToleration                   SpecProblemKind = C.DSR_SPEC_PROBLEM_TOLERATION
	SpecNoContainers                 SpecProblemKind = C.DSR_SPEC_PROBLEM_NO_CONTAINERS
	SpecContainerName                SpecProblemKind = C.DSR_SPEC_PROBLEM_CONTAINER_NAME
	SpecDuplicateContainerName       SpecProblemKind = C.DSR_SPEC_PROBLEM_DUPLICATE_CONTAINER_NAME
	SpecRestartPolicy                SpecProblemKind = C.DSR_SPEC_PROBLEM_RESTART_POLICY
	SpecActiveDeadlineSeconds        SpecProblemKind = C.DSR_SPEC_PROBLEM_ACTIVE_DEADLINE_SECONDS
	SpecMinReadySeconds              SpecProblemKind = C.DSR_SPEC_PROBLEM_MIN_READY_SECONDS
	SpecRevisionHistoryLimit         SpecProblemKind = C.DSR_SPEC_PROBLEM_REVISION_HISTORY_LIMIT
	SpecUpdateStrategyType           SpecProblemKind = C.DSR_SPEC_PROBLEM_UPDATE_STRATEGY_TYPE
	SpecMaxUnavailable               SpecProblemKind = C.DSR_SPEC_PROBLEM_MAX_UNAVAILABLE
	SpecMaxSurge                     SpecProblemKind = C.DSR_SPEC_PROBLEM_MAX_SURGE
	SpecSurgeWithUnavailable         SpecProblemKind = C.DSR_SPEC_PROBLEM_SURGE_WITH_UNAVAILABLE
	SpecNoUpdateBudget               SpecProblemKind = C.DSR_SPEC_PROBLEM_NO_UPDATE_BUDGET
	SpecOther                        SpecProblemKind = C.DSR_SPEC_PROBLEM_OTHER
)

// SpecDetail says what exactly is wrong with the part a SpecProblem names.
type SpecDetail uint32

// The details of include/dsr.h.
const (
	DetailNone                    SpecDetail = C.DSR_SPEC_DETAIL_NONE
	DetailUnknownOperator         SpecDetail = C.DSR_SPEC_DETAIL_UNKNOWN_OPERATOR
	DetailKey                     SpecDetail = C.DSR_SPEC_DETAIL_KEY
	DetailValueCount              SpecDetail = C.DSR_SPEC_DETAIL_VALUE_COUNT
	DetailNotAnInteger            SpecDetail = C.DSR_SPEC_DETAIL_NOT_AN_INTEGER
	DetailValue                   SpecDetail = C.DSR_SPEC_DETAIL_VALUE
	DetailEmptyKeyNeedsExists     SpecDetail = C.DSR_SPEC_DETAIL_EMPTY_KEY_NEEDS_EXISTS
	DetailSecondsWithoutNoExecute SpecDetail = C.DSR_SPEC_DETAIL_SECONDS_WITHOUT_NO_EXECUTE
	DetailValueWithExists         SpecDetail = C.DSR_SPEC_DETAIL_VALUE_WITH_EXISTS
	DetailOperator                SpecDetail = C.DSR_SPEC_DETAIL_OPERATOR
	DetailEffect                  SpecDetail = C.DSR_SPEC_DETAIL_EFFECT
	DetailNegative                SpecDetail = C.DSR_SPEC_DETAIL_NEGATIVE
	DetailNotAPercent             SpecDetail = C.DSR_SPEC_DETAIL_NOT_A_PERCENT
	DetailOverHundredPercent      SpecDetail = C.DSR_SPEC_DETAIL_OVER_HUNDRED_PERCENT
	DetailNotCanonicalInteger     SpecDetail = C.DSR_SPEC_DETAIL_NOT_CANONICAL_INTEGER
	DetailOutOfRange              SpecDetail = C.DSR_SPEC_DETAIL_OUT_OF_RANGE
)

// ValidationError says how a name, key or value fails Kubernetes validation.
type ValidationError uint32

// The validation errors of include/dsr.h.
const (
	ValidationNone           ValidationError = C.DSR_VALIDATION_NONE
	ValidationEmpty          ValidationError = C.DSR_VALIDATION_EMPTY
	ValidationTooLong        ValidationError = C.DSR_VALIDATION_TOO_LONG
	ValidationInvalidFormat  ValidationError = C.DSR_VALIDATION_INVALID_FORMAT
	ValidationTooManySlashes ValidationError = C.DSR_VALIDATION_TOO_MANY_SLASHES
	ValidationEmptyPrefix    ValidationError = C.DSR_VALIDATION_EMPTY_PREFIX
	ValidationPrefixTooLong  ValidationError = C.DSR_VALIDATION_PREFIX_TOO_LONG
	ValidationInvalidPrefix  ValidationError = C.DSR_VALIDATION_INVALID_PREFIX
	ValidationOther          ValidationError = C.DSR_VALIDATION_OTHER
)

// SpecProblem is the first API-server rule a DaemonSet breaks.
type SpecProblem struct {
	Kind SpecProblemKind
	// Index is the toleration, term or container at fault, or -1.
	Index      int
	Detail     SpecDetail
	Validation ValidationError
}

// ValidateDaemonSet checks a DaemonSet as the API server would before
// accepting it. An invalid one is an *Error matching ErrInvalidDaemonSet,
// whose Spec field says which rule it breaks and Detail says it in words.
func (e *Engine) ValidateDaemonSet(d *DaemonSet) error {
	if d == nil {
		return nilArgument("ValidateDaemonSet", "DaemonSet")
	}
	return e.call("ValidateDaemonSet", func(a *arena) C.dsr_result {
		return C.dsr_engine_validate_daemon_set(e.e, a.daemonSet(d))
	})
}
