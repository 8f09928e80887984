package dsr

// #include "dsr.h"
import "C"

import (
	"errors"
	"strings"
)

// Code is a dsr_result: the status of a call into libdsr. Every Code other
// than OK is an error; compare with errors.Is:
//
//	if errors.Is(err, dsr.ErrDuplicate) { ... }
//
// Codes never change their numbers (see include/dsr.h).
type Code uint32

// The codes of include/dsr.h.
const (
	OK                  Code = C.DSR_RESULT_OK
	ErrNullPointer      Code = C.DSR_RESULT_NULL_POINTER
	ErrBadLength        Code = C.DSR_RESULT_BAD_LENGTH
	ErrInvalidUTF8      Code = C.DSR_RESULT_INVALID_UTF8
	ErrUnknownEnum      Code = C.DSR_RESULT_UNKNOWN_ENUM
	ErrMisaligned       Code = C.DSR_RESULT_MISALIGNED
	ErrBufferTooSmall   Code = C.DSR_RESULT_BUFFER_TOO_SMALL
	ErrNotAnEngine      Code = C.DSR_RESULT_NOT_AN_ENGINE
	ErrFull             Code = C.DSR_RESULT_FULL
	ErrFullStrings      Code = C.DSR_RESULT_FULL_STRINGS
	ErrFullStringBytes  Code = C.DSR_RESULT_FULL_STRING_BYTES
	ErrFullNodes        Code = C.DSR_RESULT_FULL_NODES
	ErrFullDaemonSets   Code = C.DSR_RESULT_FULL_DAEMON_SETS
	ErrFullPods         Code = C.DSR_RESULT_FULL_PODS
	ErrFullLabels       Code = C.DSR_RESULT_FULL_LABELS
	ErrFullTaints       Code = C.DSR_RESULT_FULL_TAINTS
	ErrFullTolerations  Code = C.DSR_RESULT_FULL_TOLERATIONS
	ErrFullRequirements Code = C.DSR_RESULT_FULL_REQUIREMENTS
	ErrFullValues       Code = C.DSR_RESULT_FULL_VALUES
	ErrFullTerms        Code = C.DSR_RESULT_FULL_TERMS
	ErrFullFields       Code = C.DSR_RESULT_FULL_FIELDS
	ErrFullOutput       Code = C.DSR_RESULT_FULL_OUTPUT
	ErrFullBackoff      Code = C.DSR_RESULT_FULL_BACKOFF
	// ErrFullRevisions: the table of remembered ControllerRevisions is full
	// (DSR_DAEMON_SETS).
	ErrFullRevisions Code = C.DSR_RESULT_FULL_REVISIONS
	ErrCallLimit     Code = C.DSR_RESULT_CALL_LIMIT
	// ErrFullScratch: an object given to Apply does not fit libdsr's JSON
	// scratch (the DSR_JSON_* build variables; Capacities.JSON*).
	ErrFullScratch      Code = C.DSR_RESULT_FULL_SCRATCH
	ErrInvalid          Code = C.DSR_RESULT_INVALID
	ErrTooLong          Code = C.DSR_RESULT_TOO_LONG
	ErrInvalidLabelKey  Code = C.DSR_RESULT_INVALID_LABEL_KEY
	ErrInvalidLabelVal  Code = C.DSR_RESULT_INVALID_LABEL_VALUE
	ErrInvalidName      Code = C.DSR_RESULT_INVALID_NAME
	ErrInvalidSelector  Code = C.DSR_RESULT_INVALID_SELECTOR
	ErrSelectorParse    Code = C.DSR_RESULT_SELECTOR_PARSE
	ErrDuplicate        Code = C.DSR_RESULT_DUPLICATE
	ErrNotFound         Code = C.DSR_RESULT_NOT_FOUND
	ErrStaleReason      Code = C.DSR_RESULT_STALE_REASON
	ErrInvalidDaemonSet Code = C.DSR_RESULT_INVALID_DAEMON_SET
	// ErrUnknownFeatureGate: SetFeatureGate was given a gate libdsr does not know.
	ErrUnknownFeatureGate Code = C.DSR_RESULT_UNKNOWN_FEATURE_GATE
	// ErrInvalidJSON: Apply was given bytes that are not JSON, a field of
	// the wrong type, or no Kubernetes object, List or watch event.
	ErrInvalidJSON Code = C.DSR_RESULT_INVALID_JSON
	// ErrWatchError: Apply was given an ERROR watch event (the error's text
	// has its Status code and message).
	ErrWatchError Code = C.DSR_RESULT_WATCH_ERROR

	ErrSnapshot                   Code = C.DSR_RESULT_SNAPSHOT
	ErrSnapshotTruncated          Code = C.DSR_RESULT_SNAPSHOT_TRUNCATED
	ErrSnapshotBadMagic           Code = C.DSR_RESULT_SNAPSHOT_BAD_MAGIC
	ErrSnapshotUnsupportedVersion Code = C.DSR_RESULT_SNAPSHOT_UNSUPPORTED_VERSION
	ErrSnapshotCapacityMismatch   Code = C.DSR_RESULT_SNAPSHOT_CAPACITY_MISMATCH
	ErrSnapshotTrailingBytes      Code = C.DSR_RESULT_SNAPSHOT_TRAILING_BYTES
	ErrSnapshotChecksum           Code = C.DSR_RESULT_SNAPSHOT_CHECKSUM
	ErrSnapshotOverCapacity       Code = C.DSR_RESULT_SNAPSHOT_OVER_CAPACITY
	ErrSnapshotCorrupt            Code = C.DSR_RESULT_SNAPSHOT_CORRUPT

	ErrPanic         Code = C.DSR_RESULT_PANIC
	ErrLogicBug      Code = C.DSR_RESULT_LOGIC_BUG
	ErrUnmappedError Code = C.DSR_RESULT_UNMAPPED_ERROR
)

// Error describes the code: libdsr's words (dsr_result_str), except for the
// few codes whose C wording names C things a Go caller never sees.
func (c Code) Error() string {
	switch c {
	case ErrNullPointer:
		return "a required pointer is nil"
	case ErrNotAnEngine:
		return "not an engine set up by NewEngine"
	}
	return C.GoString(C.dsr_result_str(C.uint32_t(c)))
}

// ErrNilArgument is the error of a call given a nil pointer it needs (a nil
// *Node, *DaemonSet or *Pod, or a nil *Engine); compare with errors.Is.
var ErrNilArgument = errors.New("nil argument")

// nilArgument is the error of op given a nil what.
func nilArgument(op, what string) error {
	return &nilArgumentError{op: op, what: what}
}

type nilArgumentError struct{ op, what string }

func (e *nilArgumentError) Error() string {
	return "dsr: " + e.op + ": " + ErrNilArgument.Error() + ": the " + e.what + " is nil"
}

func (e *nilArgumentError) Unwrap() error { return ErrNilArgument }

// IsFull reports whether the code says a table or a per-call limit is
// exhausted (the 2xx range).
func (c Code) IsFull() bool { return c >= 200 && c < 300 }

// IsSnapshot reports whether the code says a snapshot was refused (the 4xx
// range).
func (c Code) IsSnapshot() bool { return c >= 400 && c < 500 }

// Error is a failed call: its Code and, for calls on an Engine, the engine's
// description of the failure (dsr_engine_last_error). errors.Is matches it
// against a Code; errors.As gives the details.
type Error struct {
	// Code is the dsr_result.
	Code Code
	// Op is the method or function that failed ("AddNode", "Sync", ...).
	Op string
	// Detail is what the engine said about the failure, if anything.
	Detail string
	// Spec is, when Code is ErrInvalidDaemonSet, the rule the DaemonSet
	// breaks.
	Spec *SpecProblem
}

// Error gives the code's meaning, then the engine's detail, once each:
//
//	dsr: AddDaemonSet: invalid DaemonSet: spec.template.spec.containers: Required value
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("dsr: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	meaning := e.Code.Error()
	b.WriteString(meaning)
	if detail := detailAfter(meaning, e.Detail); detail != "" {
		b.WriteString(": ")
		b.WriteString(detail)
	}
	return b.String()
}

// detailAfter is what detail adds to meaning. libdsr's detail starts with
// the code's text ("invalid DaemonSet: ..."), and the core's own words may
// say it again, in the same or other words ("snapshot: snapshot is
// truncated", "selector does not parse: ..."); only what is new is kept.
func detailAfter(meaning, detail string) string {
	for {
		head, rest, ok := strings.Cut(detail, ": ")
		if !ok || !restates(meaning, head) {
			break
		}
		detail = rest
	}
	if restates(meaning, detail) {
		return ""
	}
	return detail
}

// restates reports whether text uses no word that meaning does not,
// articles aside.
func restates(meaning, text string) bool {
	have := map[string]bool{"a": true, "an": true, "the": true, "s": true}
	for _, w := range words(meaning) {
		have[w] = true
	}
	for _, w := range words(text) {
		if !have[w] {
			return false
		}
	}
	return true
}

func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.')
	})
}

// Unwrap gives the Code, so that errors.Is(err, dsr.ErrNotFound) works.
func (e *Error) Unwrap() error { return e.Code }

// check turns a dsr_result into nil or an *Error.
func check(op string, r C.dsr_result) error {
	if Code(r) == OK {
		return nil
	}
	return &Error{Code: Code(r), Op: op}
}
