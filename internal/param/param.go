// Package param is the error a library returns for a bad value of one of
// its parameters. The library names the parameter as its options do
// ("followup", "hours_per_incident") and says what is wrong in words that
// name no flag; cmd/tau finds the error in the chain and shows the flag
// (--followup). It imports nothing of tau's.
package param

import (
	"errors"
	"fmt"
)

// Error is a bad value of a named parameter.
type Error struct {
	// Name is the parameter as the library's options call it.
	Name string
	// Value is the value given ("" when the problem is its absence or a
	// combination).
	Value string
	// Problem says what is wrong and what would do.
	Problem string
}

// Errorf returns an Error with the problem formatted.
func Errorf(name, value, format string, args ...any) *Error {
	return &Error{Name: name, Value: value, Problem: fmt.Sprintf(format, args...)}
}

// Error writes "name value: problem".
func (e *Error) Error() string { return e.Render(e.Name) }

// Render writes the error with the parameter called label (a flag, say).
func (e *Error) Render(label string) string {
	if e.Value == "" {
		return label + ": " + e.Problem
	}
	return label + " " + e.Value + ": " + e.Problem
}

// As finds an Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
