package profile

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/tau-da/tau/extract"
)

// fileWords are words a force's file names use for each contract file.
var fileWords = map[string][]string{
	"persons": {"person", "people", "nominal"}, "occurrences": {"occurrence", "incident"},
	"offences": {"offence", "crime"}, "assessments": {"assessment", "dash", "risk"},
	"answers": {"answer", "response"}, "pmps": {"pmp", "plan"}, "pmp_actions": {"action", "task"},
	"engagement": {"engagement", "contact", "support"},
}

// columnWords are words a force's column names use for each contract
// column (the column's own name, less _id or _at, is always tried first).
var columnWords = map[string][]string{
	"person_id": {"urn", "personref", "nominal"}, "perpetrator_id": {"suspect", "offender", "perpetrator"},
	"offender_id": {"suspect", "offender"}, "birth_year": {"birth", "yob"}, "reported_at": {"reported", "recorded"},
	"committed_at": {"committed", "offencedate"}, "completed_at": {"completed", "assessed", "assessmentdate", "done"},
	"officer_grade": {"grade", "risklevel", "risk"}, "kind": {"type", "category"}, "offence_code": {"homeoffice", "hoc", "code"},
	"opened_at": {"opened", "start"}, "finalised_at": {"finalised", "closed", "end"}, "stage_at_opening": {"stage"},
	"action_type": {"actiontype", "action"}, "raised_at": {"raised", "created"}, "due_at": {"due"},
	"started_at": {"start"}, "ended_at": {"end"}, "agency": {"agency", "service"},
	"area": {"neighbourhood", "beat", "ward", "sector"}, "sex": {"gender"}, "ethnicity": {"ethnic"}, "instrument": {"form", "instrument"},
	"outcome": {"result", "disposal"}, "consent_required": {"consentneeded", "consentrequired"}, "consent_given": {"consentgiven"},
	"answer": {"response", "answer"}, "item": {"question"}, "pmp_id": {"planref", "plan"}, "action_id": {"actionref"},
	"offence_id": {"crimeref", "offenceref"}, "assessment_id": {"dashref", "assessmentref"}, "occurrence_id": {"occurrenceref", "incidentref"},
}

// codeWords are a force's usual codes for contract values.
var codeWords = map[string]string{"f": "female", "m": "male", "u": "unknown", "std": "standard", "med": "medium", "hi": "high",
	"notasked": "not_asked", "notknown": "not_known", "dontknow": "not_known", "dash2009": "dash_police_2009", "dash": "dash_police_2009"}

// itemColumn reads a DASH question column's number ("Q1 Injury",
// "Question 18", "q18").
var itemColumn = regexp.MustCompile(`(?i)^\s*q(?:uestion)?\s*(\d{1,2})\b`)

// maxDistinct is how many distinct values of a coded column a draft reads.
const maxDistinct = 40

// Draft writes a starting profile for the export in dir, as TOML: each
// contract file matched to a file of the export by its name, each column
// to a header, each code to a contract value and each DASH question
// column to its item, where it can tell; what it cannot is marked TODO
// for the analyst to finish.
func Draft(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	var csvs []string
	for _, e := range entries {
		if !e.IsDir() && strings.EqualFold(filepath.Ext(e.Name()), ".csv") {
			csvs = append(csvs, e.Name())
		}
	}
	sort.Strings(csvs)
	var b strings.Builder
	fmt.Fprintf(&b, "# A draft profile of %s, written by tau profile init: check every line,\n# and fill in each TODO. See the README's \"Mapping profiles\".\nforce = \"\"\n", filepath.Base(dir))
	b.WriteString("# date_format = \"DD/MM/YYYY\"  # TODO: YYYY-MM-DD, DD/MM/YYYY, MM/DD/YYYY or excel\n")
	codes := map[string]map[string]string{}
	items := map[string]string{}
	used := map[string]bool{}
	headers := map[string][]string{}
	for _, f := range csvs {
		h, _, err := readSample(filepath.Join(dir, f))
		if err != nil {
			return "", fmt.Errorf("profile init: %s: %w", f, err)
		}
		headers[f] = h
	}
	for _, spec := range extract.Files {
		name := matchFile(spec, csvs, headers, used)
		if name == "" {
			fmt.Fprintf(&b, "\n# TODO: no file looks like %s (%s)%s\n", spec.Name, spec.Doc, map[bool]string{true: "; it is required", false: ""}[spec.Required])
			continue
		}
		used[name] = true
		header, values, err := readSample(filepath.Join(dir, name))
		if err != nil {
			return "", fmt.Errorf("profile init: %s: %w", name, err)
		}
		fmt.Fprintf(&b, "\n[files.%s]\nname = %q\n[files.%s.columns]\n", spec.Name, name, spec.Name)
		taken := map[string]bool{}
		for _, c := range spec.Columns {
			h := matchColumn(c.Name, header, taken)
			if h == "" {
				fmt.Fprintf(&b, "# %s = \"\"  # TODO: %s%s\n", c.Name, c.Doc, map[bool]string{true: " (required)", false: ""}[c.Required])
				continue
			}
			taken[h] = true
			fmt.Fprintf(&b, "%s = %q\n", c.Name, h)
			if c.Kind == extract.KindEnum || c.Name == "instrument" {
				addCodes(codes, c, values[h])
			}
		}
		if spec.Name == "assessments" {
			for _, h := range header {
				if m := itemColumn.FindStringSubmatch(h); m != nil && !taken[h] {
					id := "Q" + strings.TrimLeft(m[1], "0")
					if _, ok := extract.WideItemColumn(id); ok {
						items[h] = id
						for v := range values[h] {
							addCode(codes, "answer", extract.Answers, v)
						}
					}
				}
			}
		}
	}
	if len(items) > 0 {
		b.WriteString("\n# The DASH question columns of the assessments file.\n[items]\n")
		for _, h := range slices.Sorted(maps.Keys(items)) {
			fmt.Fprintf(&b, "%q = %q\n", h, items[h])
		}
	}
	for _, col := range slices.Sorted(maps.Keys(codes)) {
		fmt.Fprintf(&b, "\n[codes.%s]\n", col)
		for _, v := range slices.Sorted(maps.Keys(codes[col])) {
			if to := codes[col][v]; strings.HasPrefix(to, "TODO") {
				fmt.Fprintf(&b, "# %q = \"\"  # %s\n", v, to)
			} else {
				fmt.Fprintf(&b, "%q = %q\n", v, to)
			}
		}
	}
	return b.String(), nil
}

// matchFile picks the export's file for a contract file: the unused file
// whose header matches most of the contract's required columns, its name
// (the contract's own, or holding a word a force would use) breaking ties;
// none when no required column matches.
func matchFile(spec extract.File, files []string, headers map[string][]string, used map[string]bool) string {
	best, bestScore := "", 0
	for _, f := range files {
		if used[f] {
			continue
		}
		score := 0
		taken := map[string]bool{}
		for _, c := range spec.Columns {
			if h := matchColumn(c.Name, headers[f], taken); h != "" {
				taken[h] = true
				if c.Required {
					score += 10
				} else {
					score += 3
				}
			}
		}
		if score == 0 {
			continue
		}
		stem := norm(strings.TrimSuffix(f, filepath.Ext(f)))
		if stem == norm(spec.Name) {
			score += 5
		}
		for _, w := range fileWords[spec.Name] {
			if strings.Contains(stem, w) {
				score += 2
				break
			}
		}
		if score > bestScore {
			best, bestScore = f, score
		}
	}
	return best
}

// matchColumn picks the header for a contract column: equal ignoring case
// and punctuation, else one holding the column's stem or a usual word.
func matchColumn(col string, header []string, taken map[string]bool) string {
	stem := norm(strings.TrimSuffix(strings.TrimSuffix(col, "_id"), "_at"))
	for _, h := range header {
		if !taken[h] && norm(h) == norm(col) {
			return h
		}
	}
	for _, w := range append([]string{stem}, columnWords[col]...) {
		for _, h := range header {
			if !taken[h] && strings.Contains(norm(h), w) {
				return h
			}
		}
	}
	return ""
}

// addCodes maps a coded column's values onto its contract values.
func addCodes(codes map[string]map[string]string, c extract.Column, values map[string]bool) {
	allowed := c.Enum
	if c.Name == "instrument" {
		allowed = extract.Instruments
	}
	for v := range values {
		addCode(codes, c.Name, allowed, v)
	}
}

// addCode maps one value: a contract value as it is (no entry needed), a
// usual force code, or TODO.
func addCode(codes map[string]map[string]string, col string, allowed []string, v string) {
	if strings.TrimSpace(v) == "" {
		return
	}
	to := ""
	for _, a := range allowed {
		if norm(a) == norm(v) {
			if a == v {
				return // already the contract's
			}
			to = a // the same but for case or spacing: say so
		}
	}
	if col == "answer" {
		to = extract.AnswerAliases()[strings.ToUpper(strings.TrimSpace(v))]
	}
	if w, ok := codeWords[norm(v)]; ok && to == "" {
		to = w
	}
	for _, a := range allowed {
		if to == "" && (strings.HasPrefix(norm(a), norm(v)) || strings.HasPrefix(norm(v), norm(a))) {
			to = a
		}
	}
	if to == "" || !contains(allowed, to) {
		to = "TODO: one of " + strings.Join(allowed, ", ")
	}
	if codes[col] == nil {
		codes[col] = map[string]string{}
	}
	codes[col][v] = to
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// readSample reads a file's header and the distinct values of each column
// (up to maxDistinct of each; more means it is not coded).
func readSample(path string) ([]string, map[string]map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, nil, err
	}
	for i := range header {
		header[i] = strings.TrimPrefix(header[i], "\ufeff")
	}
	values := map[string]map[string]bool{}
	for _, h := range header {
		values[h] = map[string]bool{}
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		for i, v := range rec {
			if i < len(header) && len(values[header[i]]) <= maxDistinct {
				values[header[i]][v] = true
			}
		}
	}
	for h, vs := range values {
		if len(vs) > maxDistinct {
			values[h] = nil
		}
	}
	return header, values, nil
}
