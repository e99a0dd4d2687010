package main

import (
	"bytes"
	"encoding/csv"
	"math"
	"testing"
	"time"

	"github.com/tau-da/tau/scoring"
)

// TestCSVRowAsEncodingCSV: tau score --format csv's rows, appended field by
// field, are byte for byte what encoding/csv writes of scoreRecord's
// fields, for ordinary scores and for text that needs quoting (a force's
// own ids may hold commas, quotes, line breaks or leading spaces).
func TestCSVRowAsEncodingCSV(t *testing.T) {
	t.Parallel()
	day := time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC)
	plain := scoring.Score{RelationshipID: "r-c155e7de7e82d4d9", VictimID: "V0000909-0", PerpetratorID: "P0000909", AsOf: day,
		Total: 56.85, Band: "red", Stage: 5, ClusterScore: 20, HarmScore: 14.77, RecencyFrequencyScore: 22.083333333333332,
		Clusters: []string{"C1", "C4"}, Items: []string{"Q2", "Q11"}, Occurrences90d: 2, Occurrences365d: 5, PctOccurrencesLast90d: 8.333333333333334,
		DaysSinceLast: -1, HarmCCHIDays: 1613, Unscored: []string{"X01/01"}, Serial: true, ConfigHash: "8cd724216cef", HarmEdition: "CCHI 2020 (excerpt)"}
	cases := map[string]func(s *scoring.Score){
		"plain":                 func(*scoring.Score) {},
		"empty lists":           func(s *scoring.Score) { s.Clusters, s.Items, s.Unscored = nil, []string{}, nil },
		"comma in an id":        func(s *scoring.Score) { s.RelationshipID = "12,34" },
		"quote in an id":        func(s *scoring.Score) { s.VictimID = `V"9` },
		"line break in an id":   func(s *scoring.Score) { s.PerpetratorID = "P\r\n1" },
		"leading space":         func(s *scoring.Score) { s.RelationshipID = " r1" },
		"leading unicode space": func(s *scoring.Score) { s.VictimID = "\u00a0V1" },
		"a lone backslash dot":  func(s *scoring.Score) { s.PerpetratorID = `\.` },
		"backslash dot listed":  func(s *scoring.Score) { s.Unscored = []string{`\.`} },
		"backslash dot among":   func(s *scoring.Score) { s.Unscored = []string{`\.`, "x"} },
		"empty first item":      func(s *scoring.Score) { s.Items = []string{"", "Q1"} },
		"empty last item":       func(s *scoring.Score) { s.Items = []string{"Q1", ""} },
		"comma in a list item":  func(s *scoring.Score) { s.Unscored = []string{"a,b", "c"} },
		"space-led list item":   func(s *scoring.Score) { s.Clusters = []string{" C1"} },
		"space-led later item":  func(s *scoring.Score) { s.Clusters = []string{"C1", " C2"} },
		"edition with a comma":  func(s *scoring.Score) { s.HarmEdition = `CCHI 2020, "excerpt"` },
		"odd numbers": func(s *scoring.Score) {
			s.Total, s.HarmScore, s.PctOccurrencesLast90d = 1e21, math.SmallestNonzeroFloat64, -0.5
		},
		"empty ids":              func(s *scoring.Score) { s.RelationshipID, s.VictimID, s.Band = "", "", "" },
		"not serial, day before": func(s *scoring.Score) { s.Serial, s.AsOf = false, day.AddDate(0, 0, -1) },
	}
	row := csvRow()
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			s := plain
			change(&s)
			var want bytes.Buffer
			cw := csv.NewWriter(&want)
			cw.Write(scoreRecord(nil, &s)[1:])
			cw.Flush()
			if got := row(nil, &s); !bytes.Equal(got, want.Bytes()) {
				t.Errorf("row\n%q\nwant\n%q", got, want.Bytes())
			}
		})
	}
}
