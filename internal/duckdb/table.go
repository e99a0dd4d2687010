package duckdb

import (
	"slices"
	"strings"
)

// ColType is a column's type in a table that Go writes.
type ColType int

// The column types a Sink takes.
const (
	Text ColType = iota
	Timestamp
	Int
	Float
	Bool
	List // a list of text
)

// ddlTypes are the DuckDB types of the column types.
var ddlTypes = map[ColType]string{Text: "VARCHAR", Timestamp: "TIMESTAMP", Int: "INTEGER", Float: "DOUBLE", Bool: "BOOLEAN", List: "VARCHAR[]"}

// Column is one column of a table Go writes.
type Column struct {
	Name string
	Type ColType
}

// Table is a table Go writes: its schema, declared once beside the Go that
// fills it; its DDL is made from it.
type Table struct {
	Name string
	Cols []Column
}

// DDL returns the table's DuckDB column definitions.
func (t Table) DDL() string {
	parts := make([]string, len(t.Cols))
	for i, c := range t.Cols {
		parts[i] = Ident(c.Name) + " " + ddlTypes[c.Type]
	}
	return strings.Join(parts, ", ")
}

// Without returns the columns but the named ones.
func Without(cs []Column, names ...string) []Column {
	var out []Column
	for _, c := range cs {
		if !slices.Contains(names, c.Name) {
			out = append(out, c)
		}
	}
	return out
}

// Columns reads a column list written as "name:type name:type ...", with
// types text, time, int, float, bool and list; it panics on an unknown type
// (the lists are written in the source, so that is a programming error).
func Columns(spec string) []Column {
	types := map[string]ColType{"text": Text, "time": Timestamp, "int": Int, "float": Float, "bool": Bool, "list": List}
	var out []Column
	for _, f := range strings.Fields(spec) {
		name, typ, _ := strings.Cut(f, ":")
		t, ok := types[typ]
		if !ok {
			panic("duckdb: column " + name + " has an unknown type " + typ)
		}
		out = append(out, Column{name, t})
	}
	return out
}
