package load

import (
	"fmt"
	"strings"

	"github.com/tau-da/tau/internal/duckdb"
)

// duplicates finds repeated keys in a written table (none, without looking,
// when reading the file showed every key distinct). If there are any it
// reads the file again with record numbers, records each extra identical
// copy as a duplicate and every copy of a conflicting key as a reject, and
// rewrites the table without them. It returns the name of a table of
// conflicting keys (empty if none or if the key has several columns).
func (l *loader) duplicates(s *source, table string) (string, error) {
	f := s.spec
	if s.uniqueKeys {
		return "", nil
	}
	keys := keyCols(f)
	kq := make([]string, len(keys))
	for i, k := range keys {
		kq[i] = duckdb.Ident(k)
	}
	dk := "dk_" + f.Name
	var q string
	if f.Name == "answers" {
		// One aggregate per assessment: its number of rows against the
		// number of distinct DASH items in a 64-bit set; any other item id
		// sends its assessment to the exact check.
		q = fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE %s AS SELECT x.assessment_id, x.item FROM read_parquet(%s) AS x
WHERE x.assessment_id IN (SELECT assessment_id FROM agg_answers WHERE other > 0 OR n <> bit_count(answered))
  AND x.assessment_id NOT IN (SELECT assessment_id FROM orphan_answers)
GROUP BY ALL HAVING count(*) > 1`, dk, duckdb.Quote(table))
	} else {
		q = fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s AS SELECT %s FROM read_parquet(%s) GROUP BY ALL HAVING count(*) > 1",
			dk, strings.Join(kq, ", "), duckdb.Quote(table))
	}
	if err := l.exec(q); err != nil {
		return "", err
	}
	n, err := l.count("SELECT count(*) FROM " + dk)
	if err != nil || n == 0 {
		return "", err
	}
	// Rare path: the repeated rows with their record numbers. The key is
	// compared as stored (typed), in columns k_<name>.
	match := make([]string, len(keys))
	typedKey := make([]string, len(keys))
	for i, k := range keys {
		match[i] = fmt.Sprintf("v.%s IS NOT DISTINCT FROM d.%s", duckdb.Ident("k_"+k), duckdb.Ident(k))
		c, _ := f.Column(k)
		typedKey[i] = typedExpr(f, c) + " AS " + duckdb.Ident("k_"+k)
	}
	check, joins := l.rules(s)
	rows := "dr_" + f.Name
	if err := l.exec(fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE %s AS SELECT v.* FROM (SELECT * EXCLUDE (err) FROM (SELECT n.rec, %s AS err, %s, %s FROM (%s) AS n %s) WHERE err IS NULL) AS v
WHERE EXISTS (SELECT 1 FROM %s AS d WHERE %s)`, rows, check, textColumns(f, "n."), strings.Join(typedKey, ", "), l.staging(s, true), joins, dk, strings.Join(match, " AND "))); err != nil {
		return "", err
	}
	kk := make([]string, len(keys))
	for i, k := range keys {
		kk[i] = duckdb.Ident("k_"+k) + " AS " + duckdb.Ident(k)
	}
	match2 := make([]string, len(keys))
	for i, k := range keys {
		match2[i] = fmt.Sprintf("v.%s IS NOT DISTINCT FROM d.%s", duckdb.Ident("k_"+k), duckdb.Ident(k))
	}
	keyName := strings.Join(keys, " + ")
	if len(f.Key) == 0 {
		keyName = "every column"
	}
	stmts := []string{
		fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE dg_%[1]s AS SELECT %[2]s, min(rec) AS first_rec, count(*) AS n, count(DISTINCT hash(%[3]s)) AS variants FROM %[4]s GROUP BY ALL`,
			f.Name, strings.Join(kk, ", "), textColumns(f, ""), rows),
		fmt.Sprintf(`INSERT INTO e_%[1]s SELECT v.rec, CASE WHEN d.variants > 1
  THEN %[2]s
  ELSE %[3]s END, %[4]s
FROM %[5]s AS v JOIN dg_%[1]s AS d ON %[6]s WHERE d.variants > 1 OR v.rec <> d.first_rec`,
			f.Name,
			problem(duckdb.Quote(keys[0]), "'conflicting duplicate: ' || d.n || ' rows share this "+keyName+" with different values; all are rejected, correct the extract so one remains'", false),
			problem(duckdb.Quote(keys[0]), "'identical repeat of record ' || d.first_rec || '; dropped'", true),
			textColumns(f, "v."), rows, strings.Join(match2, " AND ")),
	}
	for _, q := range stmts {
		if err := l.exec(q); err != nil {
			return "", err
		}
	}
	// Rewrite the table: conflicting keys out, one copy of identical ones.
	outer := make([]string, len(keys))
	for i, k := range keys {
		outer[i] = "t." + duckdb.Ident(k)
	}
	inKeys := func(variants string) string {
		return fmt.Sprintf("(%s) IN (SELECT (%s) FROM dg_%s WHERE %s)", strings.Join(outer, ", "), strings.Join(kq, ", "), f.Name, variants)
	}
	if err := l.rewrite(table, fmt.Sprintf(`SELECT * FROM read_parquet(%[1]s) AS t WHERE NOT %[2]s
  UNION ALL SELECT DISTINCT * FROM read_parquet(%[1]s) AS t WHERE %[3]s`, duckdb.Quote(table), inKeys("true"), inKeys("variants = 1"))); err != nil {
		return "", err
	}
	if len(keys) != 1 {
		return "", nil
	}
	conflicts := "ck_" + f.Name
	if err := l.exec(fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s AS SELECT %s AS k FROM dg_%s WHERE variants > 1", conflicts, kq[0], f.Name)); err != nil {
		return "", err
	}
	return conflicts, nil
}
