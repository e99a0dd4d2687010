package synth

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// cchiDays holds CCHI 2020 days (Cambridge Crime Harm Index, 2020 workbook
// excerpt shipped with scoring) for the codes synth uses, so the harm test
// does not depend on the generator's own tables.
var cchiDays = map[string]float64{
	"105/01": 1, "008/06": 10, "008/67": 84, "195/94": 10, "149/00": 1, "008/72": 2, "003/01": 10,
	"008/65": 84, "008/31": 5, "066/39": 5, "195/12": 10, "125/09": 3, "028/03": 19, "034/01": 365,
	"125/12": 1, "008/01": 547.5, "005/01": 1460, "019/08": 1825, "036/03": 1460, "002/00": 3285,
}

func write(tb testing.TB, cfg Config) string {
	tb.Helper()
	dir := tb.TempDir()
	if _, err := Write(dir, cfg); err != nil {
		tb.Fatal(err)
	}
	return dir
}

func readCSV(tb testing.TB, path string) []map[string]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// TestDeterministic: the same seed gives byte-identical files whatever the
// number of workers; another seed gives different files.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	a := write(t, Config{Relationships: 3000, Seed: 7, Workers: 1})
	b := write(t, Config{Relationships: 3000, Seed: 7, Workers: 4})
	c := write(t, Config{Relationships: 3000, Seed: 8, Workers: 2})
	for _, name := range fileNames {
		fa, err := os.ReadFile(filepath.Join(a, name))
		if err != nil {
			t.Fatal(err)
		}
		fb, _ := os.ReadFile(filepath.Join(b, name))
		fc, _ := os.ReadFile(filepath.Join(c, name))
		if !bytes.Equal(fa, fb) {
			t.Errorf("%s differs between 1 and 4 workers with the same seed", name)
		}
		if bytes.Equal(fa, fc) && bytes.Count(fa, []byte("\n")) > 1 {
			t.Errorf("%s is the same for seeds 7 and 8", name)
		}
	}
}

// TestStructure checks the structure the rest of the toolkit is tested on.
func TestStructure(t *testing.T) {
	t.Parallel()
	dir := write(t, Config{Relationships: 5000, Seed: 3})
	persons := map[string]map[string]string{}
	for _, p := range readCSV(t, filepath.Join(dir, "persons.csv")) {
		persons[p["person_id"]] = p
	}
	occ := readCSV(t, filepath.Join(dir, "occurrences.csv"))
	victims := map[string]map[string]bool{} // perpetrator -> victims
	pairs := map[[2]string]bool{}
	female, total := 0, 0
	for _, o := range occ {
		v, p := o["victim_id"], o["perpetrator_id"]
		if persons[v] == nil || persons[p] == nil {
			t.Fatalf("occurrence %s names a person not in persons.csv", o["occurrence_id"])
		}
		if victims[p] == nil {
			victims[p] = map[string]bool{}
		}
		victims[p][v] = true
		if !pairs[[2]string{v, p}] {
			total++
			if persons[v]["sex"] == "female" {
				female++
			}
		}
		pairs[[2]string{v, p}] = true
	}
	if share := float64(female) / float64(total); share < 0.7 {
		t.Errorf("%.0f%% of victims are female, want most", 100*share)
	}
	serial := 0
	for _, vs := range victims {
		if len(vs) >= 2 {
			serial++
		}
	}
	if serial < 50 {
		t.Errorf("%d serial perpetrators, want some", serial)
	}
	counter := 0
	for pr := range pairs {
		if pairs[[2]string{pr[1], pr[0]}] {
			counter++
		}
	}
	if counter == 0 {
		t.Error("no counter-allegations (a couple recorded both ways)")
	}

	// The documented inconsistency: an "ever" item answered yes, later no
	// or not known, for the same relationship.
	ass := map[string]map[string]string{}
	for _, a := range readCSV(t, filepath.Join(dir, "assessments.csv")) {
		ass[a["assessment_id"]] = a
	}
	type ans struct{ date, answer string }
	byRel := map[string][]ans{}
	for _, a := range readCSV(t, filepath.Join(dir, "answers.csv")) {
		if a["item"] != "Q18" {
			continue
		}
		as := ass[a["assessment_id"]]
		key := as["victim_id"] + "|" + as["perpetrator_id"]
		byRel[key] = append(byRel[key], ans{as["completed_at"], a["answer"]})
	}
	flips := 0
	for _, xs := range byRel {
		sort.SliceStable(xs, func(i, j int) bool { return xs[i].date < xs[j].date })
		seenYes := false
		for _, x := range xs {
			if seenYes && (x.answer == "no" || x.answer == "not_known") {
				flips++
				break
			}
			seenYes = seenYes || x.answer == "yes"
		}
	}
	if flips < 10 {
		t.Errorf("%d relationships with Q18 yes then no/not known, want the documented inconsistency", flips)
	}

	// Harm is concentrated: the top 5% of offenders by CCHI days hold most
	// of the harm (Barnham 2017: about 3% cause about 90%).
	harm := map[string]float64{}
	sum := 0.0
	for _, o := range readCSV(t, filepath.Join(dir, "offences.csv")) {
		harm[o["offender_id"]] += cchiDays[o["offence_code"]]
		sum += cchiDays[o["offence_code"]]
	}
	hs := make([]float64, 0, len(harm))
	for _, h := range harm {
		hs = append(hs, h)
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(hs)))
	top := 0.0
	for _, h := range hs[:len(hs)/20] {
		top += h
	}
	if share := top / sum; share < 0.6 {
		t.Errorf("top 5%% of offenders hold %.0f%% of CCHI harm, want most", 100*share)
	}

	// Plans open after a spike: the quarter before opening has 3+ occurrences
	// in most plans (regression to the mean is built in).
	occByRel := map[string][]time.Time{}
	for _, o := range occ {
		d, _ := time.Parse("2006-01-02", o["reported_at"])
		occByRel[o["victim_id"]+"|"+o["perpetrator_id"]] = append(occByRel[o["victim_id"]+"|"+o["perpetrator_id"]], d)
	}
	pmps := readCSV(t, filepath.Join(dir, "pmps.csv"))
	if len(pmps) < 20 {
		t.Fatalf("%d plans, want a few dozen for 5,000 relationships", len(pmps))
	}
	spiky := 0
	for _, p := range pmps {
		opened, _ := time.Parse("2006-01-02", p["opened_at"])
		n := 0
		for _, d := range occByRel[p["victim_id"]+"|"+p["perpetrator_id"]] {
			if d.Before(opened) && d.After(opened.AddDate(0, -4, 0)) {
				n++
			}
		}
		if n >= 3 {
			spiky++
		}
	}
	if float64(spiky) < 0.8*float64(len(pmps)) {
		t.Errorf("only %d of %d plans follow a spike of 3+ occurrences", spiky, len(pmps))
	}

	// truth/ holds the model.
	var tr Truth
	b, err := os.ReadFile(filepath.Join(dir, "truth", "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &tr); err != nil {
		t.Fatal(err)
	}
	if tr.PlanEffect != planEffect || tr.ReportingUplift != reportingUplift || len(tr.Outcome.Coefficients) < 5 {
		t.Errorf("truth/model.json = %+v", tr)
	}
	if outcomes := readCSV(t, filepath.Join(dir, "truth", "outcomes.csv")); len(outcomes) < 20 {
		t.Errorf("%d serious-harm outcomes, want some", len(outcomes))
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	to := time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	for _, c := range []Config{
		{Relationships: 0, From: to.AddDate(-1, 0, 0), To: to},
		{Relationships: 10, From: to, To: to.AddDate(-1, 0, 0)},
		{Relationships: 10, From: to.AddDate(0, 0, -10), To: to},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", c)
		}
	}
}
