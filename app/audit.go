package app

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	Time   time.Time `json:"time"`
	User   string    `json:"user"`
	Role   string    `json:"role"`
	Action string    `json:"action"`
	Target string    `json:"target,omitempty"`
	Remote string    `json:"remote,omitempty"`
	// Prev is the SHA-256 of the previous line, so removing or editing a
	// line breaks the chain (VerifyAudit finds it).
	Prev string `json:"prev"`
}

// Audit is an append-only log in the warehouse (DIR/audit/audit.log, one
// JSON object a line, owner-only, opened for appending only, synced on
// every write).
type Audit struct {
	mu   sync.Mutex
	f    *os.File
	path string
	last string
}

// OpenAudit opens (creating) the warehouse's audit log.
func OpenAudit(warehouse string) (*Audit, error) {
	dir := filepath.Join(warehouse, "audit")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "audit.log")
	a := &Audit{path: path, last: ""}
	if entries, lines, err := readAudit(path); err == nil && len(entries) > 0 {
		sum := sha256.Sum256([]byte(lines[len(lines)-1]))
		a.last = hex.EncodeToString(sum[:])
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	a.f = f
	return a, nil
}

// Write appends an entry.
func (a *Audit) Write(e AuditEntry) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	e.Time, e.Prev = e.Time.UTC(), a.last
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if _, err := a.f.Write(append(b, '\n')); err != nil {
		return err
	}
	if err := a.f.Sync(); err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	a.last = hex.EncodeToString(sum[:])
	return nil
}

// Close closes the log.
func (a *Audit) Close() error { return a.f.Close() }

// Entries reads the log, newest last.
func (a *Audit) Entries() ([]AuditEntry, error) {
	e, _, err := readAudit(a.path)
	return e, err
}

// Path is the audit log file.
func (a *Audit) Path() string { return a.path }

func readAudit(path string) ([]AuditEntry, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var out []AuditEntry
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e AuditEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, nil, fmt.Errorf("audit log %s line %d: %w", path, len(out)+1, err)
		}
		out = append(out, e)
		lines = append(lines, sc.Text())
	}
	return out, lines, sc.Err()
}

// VerifyAudit checks the chain of hashes: it returns the first line whose
// prev does not match the line before it (0 when intact).
func VerifyAudit(path string) (int, error) {
	entries, lines, err := readAudit(path)
	if err != nil {
		return 0, err
	}
	prev := ""
	for i, e := range entries {
		if e.Prev != prev {
			return i + 1, nil
		}
		sum := sha256.Sum256([]byte(lines[i]))
		prev = hex.EncodeToString(sum[:])
	}
	return 0, nil
}
