package dsr

// #include "dsr.h"
import "C"

import "unsafe"

// Table names one of the engine's fixed-capacity tables.
type Table uint32

// The tables, in the order Usage reports them.
const (
	TableNodes        Table = C.DSR_TABLE_NODES
	TableDaemonSets   Table = C.DSR_TABLE_DAEMON_SETS
	TablePods         Table = C.DSR_TABLE_PODS
	TableStrings      Table = C.DSR_TABLE_STRINGS
	TableStringBytes  Table = C.DSR_TABLE_STRING_BYTES
	TableLabels       Table = C.DSR_TABLE_LABELS
	TableTaints       Table = C.DSR_TABLE_TAINTS
	TableTolerations  Table = C.DSR_TABLE_TOLERATIONS
	TableRequirements Table = C.DSR_TABLE_REQUIREMENTS
	TableValues       Table = C.DSR_TABLE_VALUES
	TableTerms        Table = C.DSR_TABLE_TERMS
	TableFields       Table = C.DSR_TABLE_FIELDS
	TableBackoff      Table = C.DSR_TABLE_BACKOFF
)

// String is the core's name of the table ("strings", "string bytes", ...), as
// its full-table errors say it.
func (t Table) String() string { return C.GoString(C.dsr_table_str(C.uint32_t(t))) }

// TableUsage is how much of one table the engine uses.
type TableUsage struct {
	Table Table
	// Used is what the live objects (and the failed-pod backoff) hold now: what
	// was removed or replaced has been given back.
	Used int
	// Capacity is the libdsr build's (its DSR_* variable).
	Capacity int
	// HighWater is the most held at once since the engine was made: what to
	// size a build by after a long run.
	HighWater int
}

// Usage reports every table, in Table order.
func (e *Engine) Usage() ([]TableUsage, error) {
	var t [C.DSR_TABLE_BACKOFF + 1]C.dsr_table_usage
	var n C.size_t
	err := e.query("Usage", func(*arena) C.dsr_result {
		return C.dsr_engine_usage(e.e, (*C.dsr_table_usage)(unsafe.Pointer(&t[0])), C.size_t(len(t)), &n)
	})
	if err != nil {
		return nil, err
	}
	out := make([]TableUsage, 0, int(n))
	for _, u := range t[:int(n)] {
		out = append(out, TableUsage{
			Table:     Table(u.table),
			Used:      int(u.used),
			Capacity:  int(u.capacity),
			HighWater: int(u.high_water),
		})
	}
	return out, nil
}
