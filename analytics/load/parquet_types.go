package load

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/tau-da/tau/extract"
)

// ParquetTypeError is a Parquet column whose type cannot hold the
// contract's values: read as text it would be coerced (a DOUBLE year
// 1980.5 rounded to 1981, a STRUCT turned into its printed form), so the
// file is refused with the type found.
type ParquetTypeError struct {
	File, Column, Type, Want string
}

func (e *ParquetTypeError) Error() string {
	return fmt.Sprintf("load %s: column %s is %s; %s", e.File, e.Column, e.Type, e.Want)
}

// integerTypes are DuckDB's whole-number types.
var integerTypes = []string{"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"}

// acceptedTypes lists, for each kind, the Parquet column types (as DuckDB
// names them) whose values read as text without loss: text always, whole
// numbers where a number makes sense (a force's numeric references,
// years, stages, 0/1 flags), dates and timestamps for dates. Floating
// point, decimals, nested and binary types are refused.
func acceptedTypes(k extract.Kind) (types []string, want string) {
	switch k {
	case extract.KindDate:
		return []string{"VARCHAR", "DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS"},
			"a date must be a DATE, a TIMESTAMP or text; write the column as one of those"
	case extract.KindYear, extract.KindStage:
		return append([]string{"VARCHAR"}, integerTypes...), "it must hold whole numbers: write the column as an integer (or text)"
	case extract.KindBool:
		return append([]string{"VARCHAR", "BOOLEAN"}, integerTypes...), "a yes/no value must be BOOLEAN, 0/1 or text; write the column as one of those"
	case extract.KindText:
		return []string{"VARCHAR"}, "free text must be text (VARCHAR); write the column as text"
	default:
		return append([]string{"VARCHAR"}, integerTypes...), "a reference or code must be text (or a whole number); write the column as text"
	}
}

// checkParquetType checks one Parquet column against the contract: a
// column of the file's contract, or a wide answer column (q1..q27).
func checkParquetType(file extract.File, path, column, typ string) error {
	kind, ok := extract.Kind(0), false
	if c, found := file.Column(column); found {
		kind, ok = c.Kind, true
	} else if _, wide := extract.WideItemColumn(column); wide && file.Name == "assessments" {
		kind, ok = extract.KindBool, true
	}
	if !ok {
		return nil // a column the contract does not read
	}
	types, want := acceptedTypes(kind)
	t := strings.ToUpper(typ)
	for _, a := range types {
		if t == a {
			return nil
		}
	}
	return &ParquetTypeError{File: filepath.Base(path), Column: column, Type: typ, Want: want}
}
