package load

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tau-da/tau/queries"

	"github.com/tau-da/tau/analytics"

	"github.com/tau-da/tau/internal/duckdb"
)

// fixRejectLines fills in the line number of each rejected CSV record by
// reading the file in Go (DuckDB numbers records, not lines; quoted line
// breaks, blank lines and unreadable lines make the two differ).
func (l *loader) fixRejectLines(srcs []*source) error {
	for _, s := range srcs {
		if s.format != "csv" {
			continue
		}
		rows, err := l.conn.QueryContext(l.ctx, "SELECT DISTINCT record FROM rejects WHERE file = ? AND line IS NULL", displayName(s))
		if err != nil {
			return fmt.Errorf("load: locate rejects: %w", err)
		}
		want := map[int64]bool{}
		for rows.Next() {
			var r int64
			if err := rows.Scan(&r); err != nil {
				rows.Close()
				return fmt.Errorf("load: locate rejects: %w", err)
			}
			want[r] = true
		}
		rows.Close()
		if len(want) == 0 {
			continue
		}
		lines, err := csvLines(s.path, len(s.header), want)
		if err != nil && len(lines) == 0 {
			continue // records keep their record number; the line stays unknown
		}
		tmp := filepath.Join(l.build.Dir, ".lines-"+s.spec.Name+".csv")
		f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("load: locate rejects: %w", err)
		}
		w := bufio.NewWriter(f)
		fmt.Fprintln(w, "record,line")
		for r, ln := range lines {
			fmt.Fprintf(w, "%d,%d\n", r, ln)
		}
		if err := errors.Join(w.Flush(), f.Close()); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("load: locate rejects: %w", err)
		}
		err = l.exec(fmt.Sprintf(`UPDATE rejects SET line = m.line FROM read_csv(%s, columns = {'record': 'BIGINT', 'line': 'BIGINT'}, header = true, auto_detect = false) AS m
WHERE rejects.file = %s AND rejects.record = m.record AND rejects.line IS NULL`, duckdb.Quote(tmp), duckdb.Quote(displayName(s))))
		os.Remove(tmp)
		if err != nil {
			return fmt.Errorf("load: locate rejects: %w", err)
		}
	}
	return nil
}

// relationships writes one row per ordered (victim, perpetrator) pair seen in
// occurrences, assessments or plans.
func (l *loader) relationships() (int64, error) {
	t := func(name string) string { return duckdb.Quote(l.build.TablePath(name)) }
	for _, name := range []string{"occurrences", "assessments", "pmps"} {
		if err := l.exec(fmt.Sprintf("CREATE OR REPLACE TEMP VIEW %s AS SELECT * FROM read_parquet(%s)", duckdb.Ident(name), t(name))); err != nil {
			return 0, err
		}
	}
	q := queries.Must("warehouse", "relationships")
	if err := l.copyOut("relationships", q); err != nil {
		return 0, err
	}
	return l.count("SELECT count(*) FROM read_parquet(" + t("relationships") + ")")
}

// writeManifest stores the manifest as two warehouse tables.
func (l *loader) writeManifest(m *analytics.Manifest) error {
	stmts := []string{
		`CREATE OR REPLACE TEMP TABLE load_manifest (generation VARCHAR, extract_dir VARCHAR, extract_date TIMESTAMP, loaded_at TIMESTAMP,
  tool_version VARCHAR, pseudonymised BOOLEAN, key_fingerprint VARCHAR, max_reject_rate DOUBLE, relationships BIGINT)`,
		`CREATE OR REPLACE TEMP TABLE load_files (generation VARCHAR, file VARCHAR, path VARCHAR, format VARCHAR, wide BOOLEAN, sha256 VARCHAR,
  bytes BIGINT, rows_read BIGINT, rows_loaded BIGINT, rows_rejected BIGINT, rows_duplicate BIGINT)`,
	}
	for _, s := range stmts {
		if err := l.exec(s); err != nil {
			return fmt.Errorf("load: write manifest: %w", err)
		}
	}
	if err := l.exec("INSERT INTO load_manifest VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", m.Generation, m.ExtractDir, m.ExtractDate,
		m.LoadedAt, m.ToolVersion, m.Pseudonymised, m.KeyFingerprint, m.MaxRejectRate, m.Relationships); err != nil {
		return fmt.Errorf("load: write manifest: %w", err)
	}
	for _, f := range m.Files {
		if err := l.exec("INSERT INTO load_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", m.Generation, f.Name, f.Path, f.Format, f.Wide,
			f.SHA256, f.Bytes, f.Read, f.Loaded, f.Rejected, f.Duplicates); err != nil {
			return fmt.Errorf("load: write manifest: %w", err)
		}
	}
	if err := l.copyOut("load_manifest", "SELECT * FROM load_manifest"); err != nil {
		return err
	}
	return l.copyOut("load_files", "SELECT * FROM load_files ORDER BY file")
}

// writeViews creates the generation's DuckDB database with one view per
// Parquet table, for readers outside tau (the DuckDB shell). Each view
// names its file relative to the generation folder (tables/NAME.parquet),
// so a copied or moved warehouse reads its own files: DuckDB resolves the
// path from the working folder or from file_search_path, which is how the
// README opens it.
func (l *loader) writeViews() error {
	db := l.build.DatabasePath()
	if err := l.exec("ATTACH " + duckdb.Quote(db) + " AS wh"); err != nil {
		return fmt.Errorf("load: create %s: %w", db, err)
	}
	gen, err := filepath.Abs(l.build.Dir)
	if err != nil {
		return fmt.Errorf("load: create %s: %w", db, err)
	}
	// The view is bound when it is created, so the relative path must
	// resolve now.
	if err := l.exec("SET file_search_path = " + duckdb.Quote(gen)); err != nil {
		return fmt.Errorf("load: create %s: %w", db, err)
	}
	for _, t := range l.tables {
		rel, err := filepath.Rel(l.build.Dir, l.build.TablePath(t))
		if err != nil {
			return fmt.Errorf("load: create view %s: %w", t, err)
		}
		rel = filepath.ToSlash(rel)
		if err := l.exec(fmt.Sprintf("CREATE OR REPLACE VIEW wh.main.%s AS SELECT * FROM read_parquet(%s)", duckdb.Ident(t), duckdb.Quote(rel))); err != nil {
			return fmt.Errorf("load: create view %s: %w", t, err)
		}
	}
	if err := l.exec("RESET file_search_path"); err != nil {
		return fmt.Errorf("load: create %s: %w", db, err)
	}
	return l.exec("DETACH wh")
}
