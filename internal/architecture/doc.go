// Package architecture holds no code: its test keeps the module's layering
// (which packages may reach the DuckDB driver, which must stay pure Go, and
// what the warehouse package may import). See the README's "How tau is
// built".
package architecture
