package param

import (
	"fmt"
	"testing"
)

func TestError(t *testing.T) {
	t.Parallel()
	e := Errorf("followup", "0m", "give a positive length such as %s", "3m")
	if e.Error() != "followup 0m: give a positive length such as 3m" {
		t.Errorf("Error() = %q", e.Error())
	}
	if got := e.Render("--followup"); got != "--followup 0m: give a positive length such as 3m" {
		t.Errorf("Render = %q", got)
	}
	if got := Errorf("l2", "", "must be zero or more").Error(); got != "l2: must be zero or more" {
		t.Errorf("no value: %q", got)
	}
	wrapped := fmt.Errorf("evaluate: %w", e)
	if got, ok := As(wrapped); !ok || got != e {
		t.Errorf("As did not find the error in %v", wrapped)
	}
}
