package app

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode"
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
// every write). Each line carries the hash of the one before it, and the
// head file beside it (audit.head) holds the number of lines and the hash of
// the last, rewritten atomically after every write: an edited or deleted
// line breaks the chain, and a truncated tail or an appended line no longer
// matches the head. (Whoever can rewrite both files can still forge them; a
// keyed MAC with the key outside the warehouse would close that.)
type Audit struct {
	mu    sync.Mutex
	f     *os.File
	path  string
	last  string
	lines int
}

// auditHead is the content of the head file.
type auditHead struct {
	Lines int    `json:"lines"`
	Last  string `json:"last"`
}

// maxAuditField bounds every value written to the log, so nothing a
// visitor types can grow it without limit or make a line unreadable.
const maxAuditField = 256

// maxAuditLine is the longest line the log is read with (lines are bounded
// by maxAuditField; a longer one was not written by tau).
const maxAuditLine = 64 << 10

// clean bounds a value for the log: control characters become spaces and
// it is cut at maxAuditField bytes (on a rune boundary), marked with "...".
func clean(s string) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= maxAuditField {
			b.WriteString("...")
			break
		}
		if unicode.IsControl(r) {
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

// OpenAudit opens (creating) the warehouse's audit log.
func OpenAudit(warehouse string) (*Audit, error) {
	dir := filepath.Join(warehouse, "audit")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "audit.log")
	a := &Audit{path: path, last: ""}
	if _, lines, err := readAudit(path); err == nil && len(lines) > 0 {
		sum := sha256.Sum256([]byte(lines[len(lines)-1]))
		a.last, a.lines = hex.EncodeToString(sum[:]), len(lines)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	a.f = f
	// A log from before the head file was kept gets one, from the log as
	// found now.
	if _, err := os.Stat(headPath(path)); errors.Is(err, os.ErrNotExist) {
		if err := writeHead(path, auditHead{Lines: a.lines, Last: a.last}); err != nil {
			f.Close()
			return nil, err
		}
	}
	return a, nil
}

// Write appends an entry.
func (a *Audit) Write(e AuditEntry) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	e.Time, e.Prev = e.Time.UTC(), a.last
	e.User, e.Role, e.Action, e.Target, e.Remote = clean(e.User), clean(e.Role), clean(e.Action), clean(e.Target), clean(e.Remote)
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
	a.lines++
	return writeHead(a.path, auditHead{Lines: a.lines, Last: a.last})
}

// headPath is the head file of a log.
func headPath(log string) string { return filepath.Join(filepath.Dir(log), "audit.head") }

// writeHead replaces the head file atomically (write, sync, rename).
func writeHead(log string, h auditHead) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	tmp := headPath(log) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, headPath(log))
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

// readAudit reads the log's entries and lines. A line that is not an
// entry (edited, or not written by tau) is kept as a line with an empty
// entry, so the chain check finds it and the page still opens.
func readAudit(path string) ([]AuditEntry, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var out []AuditEntry
	var lines []string
	r := bufio.NewReaderSize(f, 64<<10)
	for {
		line, err := r.ReadString('\n')
		if len(line) > 0 {
			line = strings.TrimSuffix(line, "\n")
			var e AuditEntry
			if len(line) > maxAuditLine || json.Unmarshal([]byte(line), &e) != nil {
				e = AuditEntry{Action: "(unreadable line)", Prev: "-"}
				if len(line) > maxAuditLine {
					line = line[:maxAuditLine]
				}
			}
			out = append(out, e)
			lines = append(lines, line)
		}
		if err == io.EOF {
			return out, lines, nil
		}
		if err != nil {
			return nil, nil, err
		}
	}
}

// VerifyAudit checks the chain of hashes and the head: it returns the
// first line that is not where the chain or the head says it should be
// (0 when intact): an edited or removed line, a line appended after the
// head was written, or (one past the last line) a tail cut off.
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
	b, err := os.ReadFile(headPath(path))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && len(lines) == 0 {
			return 0, nil
		}
		// A log without its head (or an unreadable one) cannot be vouched
		// for past its first line.
		return 1, nil
	}
	var h auditHead
	if err := json.Unmarshal(b, &h); err != nil {
		return 1, nil
	}
	switch {
	case len(lines) > h.Lines:
		return h.Lines + 1, nil // appended after the last write
	case len(lines) < h.Lines:
		return len(lines) + 1, nil // the tail was cut off
	case prev != h.Last:
		return len(lines), nil // the last line was changed
	}
	return 0, nil
}
