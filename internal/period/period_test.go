package period

import (
	"testing"
	"time"
)

func TestParseLength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Length
		wantErr bool
	}{
		{"90d", Days(90), false}, {"3m", Months(3), false}, {"12M", Months(12), false}, {"1y", Years(1), false},
		{"", Length{}, true}, {"3", Length{}, true}, {"0m", Length{}, true}, {"-3m", Length{}, true}, {"3w", Length{}, true}, {"m", Length{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseLength(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseLength(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
			if err == nil && got.String() != tt.in && got.String() != "12m" {
				t.Errorf("%v writes as %q, want %q", got, got.String(), tt.in)
			}
		})
	}
}

func TestDates(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"2024-03-04", "2024-03-04T00:00:00Z"},
		{" 2024-03-04 ", "2024-03-04T00:00:00Z"},
		{"2024-03-04T10:11:12+01:00", "2024-03-04T09:11:12Z"},
		{"2024-03-04 10:11:12", "2024-03-04T10:11:12Z"},
	} {
		got, err := ParseDate(c.in)
		if err != nil || got.Format(time.RFC3339) != c.want {
			t.Errorf("ParseDate(%q) = %v, %v; want %s", c.in, got, err, c.want)
		}
	}
	if _, err := ParseDate("04/03/2024"); err == nil {
		t.Error("ParseDate(04/03/2024): no error")
	}
	d := time.Date(2024, 2, 29, 8, 0, 0, 0, time.UTC)
	if got := EndOfDay(d); got.Format(time.RFC3339) != "2024-02-29T23:59:59Z" {
		t.Errorf("EndOfDay = %v", got)
	}
	if got := Day(d.In(time.FixedZone("x", 10*3600))); !got.Equal(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Day = %v", got)
	}
	if got := Months(3).Before(time.Date(2024, 5, 31, 0, 0, 0, 0, time.UTC)); got.Format("2006-01-02") != "2024-03-02" {
		t.Errorf("3m before 2024-05-31 = %v (Go normalises 31 February)", got)
	}
}
