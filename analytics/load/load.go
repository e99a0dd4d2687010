package load

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/tau-da/tau/analytics"
	"github.com/tau-da/tau/extract"
	"github.com/tau-da/tau/internal/duckdb"
	"github.com/tau-da/tau/internal/period"
)

// DefaultMaxRejectRate is the share of a file's rows that may be rejected
// before the load fails: 1%, enough for the odd bad row but not for a
// shifted column or a wrong export.
const DefaultMaxRejectRate = 0.01

// LoadOptions configure Load.
type LoadOptions struct {
	ExtractDir string
	Warehouse  string
	// MaxRejectRate is the largest accepted share of rejected rows per file.
	MaxRejectRate float64
	// ExtractDate is when the extract was taken: no date may be after it.
	// Zero means the extract.json "extracted_at" value, else now.
	ExtractDate time.Time
	// Source is the folder the manifest names as the extract's, when
	// ExtractDir is a rewrite of it (a mapping profile's); "" is ExtractDir.
	Source string
	// AllowEmpty accepts a required file with a header and no rows (a
	// force that really has none); otherwise such a file fails the load.
	AllowEmpty bool
	// DateFormat is the extract's date format (DateFormats; "" means the
	// extract.json "date_format" value, else DateISO).
	DateFormat string
	// PseudonymiseKey, when set, replaces every id by HMAC-SHA256(key, id).
	PseudonymiseKey []byte
	// MemoryLimit and Threads tune DuckDB ("4GB", 0 = all cores).
	MemoryLimit string
	Threads     int
	ToolVersion string
	// Progress, when set, is told of each step.
	Progress analytics.Progress
	// asRead writes answers as read without looking at the first rows
	// (tests take the as-read path with it, on small files).
	asRead bool
}

// keyFingerprint names a pseudonymisation key without revealing it: the
// first 8 hex digits of its SHA-256 ("" for none).
func keyFingerprint(key []byte) string {
	if key == nil {
		return ""
	}
	h := sha256.Sum256(key)
	return hex.EncodeToString(h[:4])
}

// KeyMismatchError is a load whose pseudonymisation key is not the one the
// warehouse was loaded with (or is given where none was, or the reverse):
// the new ids would not match the results already written from the old.
type KeyMismatchError struct {
	Was, Now string // fingerprints; "" for no key
}

func (e *KeyMismatchError) Error() string {
	switch {
	case e.Now == "":
		return fmt.Sprintf("the warehouse's ids are pseudonymised (key %s) and this load has no key: it would put raw ids beside the pseudonyms", e.Was)
	case e.Was == "":
		return fmt.Sprintf("the warehouse holds raw ids and this load has a key (%s): its pseudonyms would not match the ids of the results already written", e.Now)
	}
	return fmt.Sprintf("the warehouse was loaded with another key (%s; this one is %s): its pseudonyms would not match the ones already written", e.Was, e.Now)
}

// sameKey refuses a load whose key differs from the warehouse's current
// generation's (none yet: any key will do).
func sameKey(opt LoadOptions) error {
	w, err := analytics.Open(opt.Warehouse)
	if err != nil {
		return nil
	}
	prev, err := w.Manifest()
	if err != nil {
		return nil
	}
	if now := keyFingerprint(opt.PseudonymiseKey); now != prev.KeyFingerprint {
		return &KeyMismatchError{Was: prev.KeyFingerprint, Now: now}
	}
	return nil
}

// EmptyFileError is a required file with a header and no rows: loaded, it
// would replace the warehouse with nothing.
type EmptyFileError struct {
	File string
}

func (e *EmptyFileError) Error() string {
	return fmt.Sprintf("%s has a header and no rows; the warehouse was not changed (an export that stopped early, or the wrong file?)", e.File)
}

// RejectRateError reports a file whose reject rate is over the limit,
// with its commonest reasons (Top) and, when they are dates that did not
// read, what format they look like (Dates).
type RejectRateError struct {
	File      string
	Rate, Max float64
	Rejected  int64
	FailedDir string
	Manifest  *analytics.Manifest
	Top       []RejectReason
	Dates     *DateGuess
}

func (e *RejectRateError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "load %s: %.2f%% of rows rejected, over the limit of %.2f%%; the warehouse was not changed", e.File, 100*e.Rate, 100*e.Max)
	for _, r := range e.Top {
		fmt.Fprintf(&b, "\n  %s: %d rows: %s: %s", e.File, r.Count, orFile(r.Column), r.Reason)
		var ex []string
		for _, s := range r.Samples {
			ex = append(ex, fmt.Sprintf("line %d: %q", s.Line, s.Value))
		}
		if len(ex) > 0 {
			fmt.Fprintf(&b, " (e.g. %s)", strings.Join(ex, "; "))
		}
	}
	if g := e.Dates; g != nil {
		if g.Ambiguous {
			fmt.Fprintf(&b, "\n  the dates in %s are written day and month with a slash, and every one fits both day first and month first (line %d: %q): only the force can say which", g.Column, g.Line, g.Value)
		} else {
			fmt.Fprintf(&b, "\n  the dates in %s look like %s (line %d: %q)", g.Column, g.Format, g.Line, g.Value)
		}
	}
	fmt.Fprintf(&b, "\n  every rejected row, with its line and reason, is in %s\n", filepath.Join(e.FailedDir, "rejects.csv"))
	return b.String()
}

// fileOrder is the SQL that sorts rejects by their file's place in the
// contract (the load's order): a cause (an assessment rejected) comes
// before its cascade (its answers, rejected for it).
func fileOrder() string {
	var b strings.Builder
	b.WriteString("CASE split_part(file, '.', 1)")
	for i, f := range extract.Files {
		fmt.Fprintf(&b, " WHEN %s THEN %d", duckdb.Quote(f.Name), i)
	}
	fmt.Fprintf(&b, " ELSE %d END", len(extract.Files))
	return b.String()
}

// orFile names a reason's column, or the line itself when it has none.
func orFile(col string) string {
	if col == "" {
		return "the line"
	}
	return col
}

// Load validates an extract and, if it passes, replaces the warehouse's
// current generation with it atomically. On any failure the previous
// warehouse is left exactly as it was.
func Load(ctx context.Context, opt LoadOptions) (*analytics.Manifest, error) {
	start := time.Now()
	if opt.MaxRejectRate == 0 {
		opt.MaxRejectRate = DefaultMaxRejectRate
	}
	if opt.MemoryLimit == "" {
		opt.MemoryLimit = analytics.DefaultMemoryLimit
	}
	if opt.Threads == 0 {
		opt.Threads = runtime.NumCPU()
	}
	if opt.Warehouse == "" {
		return nil, fmt.Errorf("load: %w", analytics.ErrNoFolder)
	}
	build, err := analytics.Begin(opt.Warehouse, start)
	if err != nil {
		return nil, err
	}
	defer build.Close()
	genID := build.ID

	extractDate, dateFormat, err := resolveExtractInfo(opt, time.Now())
	if err != nil {
		return nil, err
	}
	if err := sameKey(opt); err != nil {
		return nil, fmt.Errorf("load %s: %w", opt.Warehouse, err)
	}
	var db *sql.DB
	srcs, err := discover(opt.ExtractDir, func(p string, f extract.File) ([]string, error) { return parquetHeader(ctx, p, f) })
	if err != nil {
		return nil, err
	}

	// Hash the files (and scan their bytes) while DuckDB reads them; each
	// file's result comes before its load starts.
	hashes := hashFiles(ctx, srcs)
	hs := map[string]fileHash{}

	db, err = duckdb.Open(duckdb.Options{MemoryLimit: opt.MemoryLimit, Threads: opt.Threads, TempDir: build.TempDir()})
	if err != nil {
		return nil, fmt.Errorf("load: open duckdb: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("load: open duckdb: %w", err)
	}
	defer conn.Close()

	l := &loader{ctx: ctx, conn: conn, build: build, extractAt: extractDate, dateFormat: dateFormat, opt: opt}
	for _, m := range macros(opt.PseudonymiseKey, dateFormat) {
		if err := l.exec(m); err != nil {
			return nil, fmt.Errorf("load: prepare: %w", err)
		}
	}
	if err := l.exec(rejectsDDL); err != nil {
		return nil, fmt.Errorf("load: prepare: %w", err)
	}

	source := opt.Source
	if source == "" {
		source = opt.ExtractDir
	}
	man := &analytics.Manifest{Generation: genID, ExtractDir: absPath(source), ExtractDate: extractDate,
		LoadedAt: start.UTC(), ToolVersion: opt.ToolVersion, Pseudonymised: opt.PseudonymiseKey != nil,
		MaxRejectRate: opt.MaxRejectRate}
	man.KeyFingerprint = keyFingerprint(opt.PseudonymiseKey)
	steps := len(srcs) + 2
	var failed *RejectRateError
	for i, s := range srcs {
		if opt.Progress != nil {
			opt.Progress("load "+s.spec.Name, i, steps)
		}
		h, err := awaitHash(ctx, hashes[s.spec.Name])
		if err != nil {
			return nil, err
		}
		hs[s.spec.Name], s.plain, s.trimmed, s.uniqueKeys = h, h.plain, h.trimmed, h.unique
		rep, err := l.loadFile(s)
		if err != nil {
			return nil, err
		}
		man.Files = append(man.Files, rep)
		if s.spec.Required && rep.Read == 0 && !opt.AllowEmpty {
			return nil, fmt.Errorf("load: %w", &EmptyFileError{File: displayName(s)})
		}
		if rep.Read > 0 && failed == nil {
			if rate := float64(rep.Rejected) / float64(rep.Read); rate > opt.MaxRejectRate {
				failed = &RejectRateError{File: displayName(s), Rate: rate, Max: opt.MaxRejectRate, Rejected: rep.Rejected}
			}
		}
	}
	if opt.Progress != nil {
		opt.Progress("write rejects", len(srcs), steps)
	}
	if err := l.fixRejectLines(srcs); err != nil {
		return nil, err
	}
	for i := range man.Files {
		h := hs[man.Files[i].Name]
		if h.err != nil {
			return nil, fmt.Errorf("load %s: %w", man.Files[i].Path, h.err)
		}
		man.Files[i].SHA256, man.Files[i].Bytes = h.sum, h.size
	}
	if failed != nil {
		man.Seconds = time.Since(start).Seconds()
		if failed.Top, failed.Dates, err = l.summarise(failed.File); err != nil {
			return nil, fmt.Errorf("load: summarise rejects: %w", err)
		}
		dir, err := build.Failed(man, func(dir string) error {
			return l.exec("COPY (SELECT * FROM rejects ORDER BY " + fileOrder() + ", file, record) TO " + duckdb.Quote(filepath.Join(dir, "rejects.csv")) + " (HEADER)")
		})
		if err != nil {
			return nil, fmt.Errorf("load: write rejects: %w", err)
		}
		failed.FailedDir, failed.Manifest = dir, man
		return man, failed
	}
	if err := l.copyOut("rejects", "SELECT * FROM rejects ORDER BY "+fileOrder()+", file, record, \"column\""); err != nil {
		return nil, err
	}
	if opt.Progress != nil {
		opt.Progress("relationships", len(srcs)+1, steps)
	}
	n, err := l.relationships()
	if err != nil {
		return nil, err
	}
	man.Relationships = n
	man.Seconds = time.Since(start).Seconds()
	if err := l.writeManifest(man); err != nil {
		return nil, err
	}
	if err := l.writeViews(); err != nil {
		return nil, err
	}
	conn.Close()
	db.Close()
	if err := build.Commit(man); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if opt.Progress != nil {
		opt.Progress("done", steps, steps)
	}
	return man, nil
}

// extractInfo is the optional extract.json a force (or tau synth) writes
// beside the files.
type extractInfo struct {
	ExtractedAt string `json:"extracted_at"`
	DateFormat  string `json:"date_format"`
}

// futureSlack is how far past the clock an extract date may be (a force
// in another time zone, a clock a little behind): more is refused, since a
// date in the future would let rows from the future in.
const futureSlack = 24 * time.Hour

// resolveExtractInfo returns the extract date (the option, else
// extract.json's extracted_at, else now) and the date format (the option,
// else extract.json's date_format, else ISO).
func resolveExtractInfo(opt LoadOptions, now time.Time) (time.Time, string, error) {
	p := filepath.Join(opt.ExtractDir, "extract.json")
	var info extractInfo
	b, err := os.ReadFile(p)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return time.Time{}, "", fmt.Errorf("load %s: %w", p, err)
	default:
		if err := json.Unmarshal(b, &info); err != nil {
			return time.Time{}, "", fmt.Errorf("load %s: %w; it should look like {\"extracted_at\": \"2025-12-31\"}", p, err)
		}
	}
	format := opt.DateFormat
	if format == "" {
		format = info.DateFormat
	}
	format, err = ParseDateFormat(format)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("load %s: %w", opt.ExtractDir, err)
	}
	t := opt.ExtractDate.UTC()
	if opt.ExtractDate.IsZero() {
		if info.ExtractedAt == "" {
			return now.UTC(), format, nil
		}
		if t, err = period.ParseDate(info.ExtractedAt); err != nil {
			return time.Time{}, "", fmt.Errorf("load %s: extracted_at: %w", p, err)
		}
		// A date-only value means the end of that day.
		if t.Equal(t.Truncate(24 * time.Hour)) {
			t = t.Add(24*time.Hour - time.Second)
		}
	}
	if t.After(now.Add(futureSlack)) {
		return time.Time{}, "", fmt.Errorf("load %s: %w", opt.ExtractDir, &FutureExtractError{Date: t, Now: now})
	}
	return t, format, nil
}

// FutureExtractError is an extract dated more than a day after the clock:
// every row up to that date would pass the checks.
type FutureExtractError struct {
	Date, Now time.Time
}

func (e *FutureExtractError) Error() string {
	return fmt.Sprintf("the extract is dated %s, after today (%s): rows dated up to then would pass; check extract.json or the extract date given",
		e.Date.Format("2006-01-02"), e.Now.Format("2006-01-02"))
}

// fileHash is what reading a file once gave: its SHA-256 and size, and
// whether no value in it can hold a control character or would change if
// trimmed (byteScan; CSV files whose ids are checked only) and whether no
// two records share a key (keyScan; files keyed by one id).
type fileHash struct {
	sum                    string
	size                   int64
	plain, trimmed, unique bool
	err                    error
}

// hashFiles reads each source's file once, in load order, and sends each
// one's fileHash on its own channel (by file name) as soon as it is read;
// once ctx is done, the files not yet read are sent ctx's cause instead.
func hashFiles(ctx context.Context, srcs []*source) map[string]chan fileHash {
	out := map[string]chan fileHash{}
	for _, s := range srcs {
		out[s.spec.Name] = make(chan fileHash, 1)
	}
	go func() {
		done := map[string]fileHash{}
		for _, s := range srcs {
			scan := s.format == "csv" && checksIDs(s.spec)
			key := keyColumn(s)
			h, ok := done[s.path]
			switch {
			case ok || s.path == "":
			case ctx.Err() != nil:
				h.err = context.Cause(ctx)
			default:
				h = hashFile(s.path, scan, key)
				done[s.path] = h
			}
			// A file read for another source (answers in assessments'
			// columns) answers only what this one asks.
			h.plain, h.trimmed, h.unique = h.plain && scan, h.trimmed && scan, h.unique && key >= 0
			out[s.spec.Name] <- h
		}
	}()
	return out
}

// keyColumn returns the place in a CSV source's header of its key, when
// the key is one id (keyScan), else -1.
func keyColumn(s *source) int {
	f := s.spec
	if s.format != "csv" || s.wide || len(f.Key) != 1 {
		return -1
	}
	if c, ok := f.Column(f.Key[0]); !ok || c.Kind != extract.KindID {
		return -1
	}
	return slices.Index(s.header, f.Key[0])
}

// hashFile hashes one file and, when scan is set, scans its bytes
// (byteScan) as it goes and, when key is a column's place, looks for
// records that share that column's value (keyScan).
func hashFile(path string, scan bool, key int) fileHash {
	f, err := os.Open(path)
	if err != nil {
		return fileHash{err: err}
	}
	defer f.Close()
	return readFile(f, scan, key)
}

// hashBuffer is the size of each read of a file being hashed: a megabyte,
// a thirty-second of the calls io.Copy's 32 KB make.
const hashBuffer = 1 << 20

// readFile is hashFile of what r reads.
func readFile(r io.Reader, scan bool, key int) fileHash {
	var h fileHash
	d := sha256.New()
	var w io.Writer = d
	var c byteScan
	if scan {
		w = io.MultiWriter(w, &c)
	}
	var k *keyScan
	if scan && key >= 0 {
		k = newKeyScan(key)
		// Once the byte scan has met a quote, a stray control byte or a
		// value to trim, the key scan's answer cannot be used: it stops
		// keeping hashes.
		k.stop = func() bool { return c.quoted || c.odd || c.untrimmed }
		w = io.MultiWriter(w, k)
	}
	// Hide any WriteTo of r, so the copy uses the buffer.
	h.size, h.err = io.CopyBuffer(w, struct{ io.Reader }{r}, make([]byte, hashBuffer))
	h.sum = hex.EncodeToString(d.Sum(nil))
	ok := h.err == nil
	h.plain = scan && ok && c.plain()
	h.trimmed = scan && ok && c.trimmed()
	// The key scan follows lines, not quotes, and compares keys as they
	// are in the file: its answer holds only for a file with no quote and
	// no value that trimming would change (so none is trimmed in the load).
	h.unique = k != nil && h.trimmed && !c.quoted && k.unique()
	return h
}

// awaitHash waits for a file's hash, or for the load to be stopped.
func awaitHash(ctx context.Context, ch chan fileHash) (fileHash, error) {
	select {
	case h := <-ch:
		return h, nil
	case <-ctx.Done():
		return fileHash{}, context.Cause(ctx)
	}
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func displayName(s *source) string {
	if s.path == "" {
		return s.spec.Name
	}
	if s.wide {
		return filepath.Base(s.path) + " (answer columns)"
	}
	return filepath.Base(s.path)
}
