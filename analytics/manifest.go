package analytics

import "time"

// DefaultMemoryLimit caps DuckDB's memory in a load or a session; beyond it
// DuckDB spills to a folder inside the warehouse.
const DefaultMemoryLimit = "4GB"

// FileReport is what a load did with one file.
type FileReport struct {
	Name       string `json:"name"`
	Path       string `json:"path,omitempty"`
	Format     string `json:"format,omitempty"`
	Wide       bool   `json:"wide,omitempty"`
	SHA256     string `json:"sha256,omitempty"`
	Bytes      int64  `json:"bytes"`
	Read       int64  `json:"rows_read"`
	Loaded     int64  `json:"rows_loaded"`
	Rejected   int64  `json:"rows_rejected"`
	Duplicates int64  `json:"rows_duplicate"`
}

// Reconciles reports whether every row read was loaded, rejected or dropped
// as an identical duplicate.
func (f FileReport) Reconciles() bool { return f.Read == f.Loaded+f.Rejected+f.Duplicates }

// Manifest records what produced a warehouse generation.
type Manifest struct {
	Generation     string       `json:"generation"`
	ExtractDir     string       `json:"extract_dir"`
	ExtractDate    time.Time    `json:"extract_date"`
	LoadedAt       time.Time    `json:"loaded_at"`
	ToolVersion    string       `json:"tool_version"`
	Pseudonymised  bool         `json:"pseudonymised"`
	KeyFingerprint string       `json:"key_fingerprint,omitempty"`
	MaxRejectRate  float64      `json:"max_reject_rate"`
	Files          []FileReport `json:"files"`
	Relationships  int64        `json:"relationships"`
	Seconds        float64      `json:"seconds"`
}

// GenerationTime is when a generation's load started, read from its id
// (the start time to the millisecond, as Begin names it); false for an id
// of another form.
func GenerationTime(id string) (time.Time, bool) {
	if len(id) < len("20060102T150405") {
		return time.Time{}, false
	}
	t, err := time.Parse("20060102T150405", id[:len("20060102T150405")])
	return t, err == nil
}
