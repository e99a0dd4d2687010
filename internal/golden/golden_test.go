package golden

import (
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	t.Parallel()
	d := Diff("want.txt", "a\nb\nc\n", "a\nB\nc\nd\n")
	for _, line := range []string{"--- want.txt", "+++ got", "-b", "+B", "+d", " a"} {
		if !strings.Contains(d, line+"\n") {
			t.Errorf("diff lacks %q:\n%s", line, d)
		}
	}
	if Diff("x", "same\n", "same\n") != "" {
		t.Error("equal texts give a diff")
	}
}
