package extract

import (
	"fmt"
	"strings"
)

// Kind is the value type a column holds once validated.
type Kind int

// Column kinds. Every value arrives as text; the loader checks it against its
// kind and stores it typed.
const (
	// KindID is an opaque identifier (a force's pseudonymised reference).
	KindID Kind = iota
	// KindText is free text kept as it is.
	KindText
	// KindDate is an ISO 8601 date or date-time (YYYY-MM-DD, optionally
	// followed by a time); it is stored as a timestamp.
	KindDate
	// KindYear is a four-digit calendar year.
	KindYear
	// KindEnum is one value from a fixed list (compared case-insensitively).
	KindEnum
	// KindBool is yes/no, true/false, y/n or 1/0.
	KindBool
	// KindStage is a homicide-timeline stage, an integer from 1 to 8.
	KindStage
)

// Column describes one column of an extract file.
type Column struct {
	Name     string
	Required bool
	Kind     Kind
	// Enum lists the accepted values of a KindEnum column, in canonical
	// lower-case spelling.
	Enum []string
	// Pattern is a regular expression (RE2 and DuckDB compatible) that a
	// KindEnum column with no Enum list must match in full.
	Pattern string
	// Ref names the file whose key this column must match, if any.
	Ref string
	// Future allows a date after the extract date (a due date).
	Future bool
	// Protected marks a protected characteristic (sex, ethnicity, birth
	// year): stored for fairness analysis only, never a score input.
	Protected bool
	// Doc is a one-line description for the README and errors.
	Doc string
}

// DateOrder is a row rule: Later must not be before Earlier when both are
// set; with ByDay, compared as days (a record made the same day as an
// event given to the minute is not before it).
type DateOrder struct {
	Earlier, Later string
	ByDay          bool
}

// File describes one file of an extract.
type File struct {
	// Name is the file's base name without extension; the extract holds
	// Name.csv or Name.parquet.
	Name     string
	Required bool
	// Key is the column that identifies a row; empty for files keyed by a
	// combination (answers: assessment_id + item).
	Key []string
	// Columns in contract order.
	Columns []Column
	// Dates lists columns checked to be not in the future of the extract and
	// not before the birth year of the persons named in BirthOf.
	BirthOf []string
	// Orders lists date pairs that must be in order.
	Orders []DateOrder
	// Doc is a one-line description.
	Doc string
}

// Referenced reports whether a column of any file of the contract must
// match this file's key (the loader keeps its keys for those checks).
func Referenced(name string) bool {
	for _, f := range Files {
		for _, c := range f.Columns {
			if c.Ref == name {
				return true
			}
		}
	}
	return false
}

// HasRelationship reports whether the file's rows each name one
// relationship: a victim and a perpetrator (the loader derives their
// relationship_id).
func (f File) HasRelationship() bool {
	_, v := f.Column("victim_id")
	_, p := f.Column("perpetrator_id")
	return v && p
}

// Column returns the named column and whether the file has it.
func (f File) Column(name string) (Column, bool) {
	for _, c := range f.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// RequiredColumns returns the names of the file's required columns.
func (f File) RequiredColumns() []string {
	var out []string
	for _, c := range f.Columns {
		if c.Required {
			out = append(out, c.Name)
		}
	}
	return out
}

// InstrumentPattern is the form of an instrument id: lower-case letters,
// digits and underscores, starting with a letter.
const InstrumentPattern = `[a-z][a-z0-9_]{0,63}`

// Instruments lists the instrument ids the contract names. A force-defined id
// (lower-case letters, digits and underscores) is also accepted.
var Instruments = []string{"dash_police_2009", "dash_safelives_24", "dara"}

// Files is the extract contract, in load order: a file only refers to files
// loaded before it.
var Files = []File{
	{
		Name: "persons", Required: true, Key: []string{"person_id"},
		Doc: "every victim and perpetrator named in the other files",
		Columns: []Column{
			{Name: "person_id", Required: true, Kind: KindID, Doc: "opaque person reference"},
			{Name: "birth_year", Kind: KindYear, Protected: true, Doc: "year of birth"},
			{Name: "sex", Kind: KindEnum, Enum: []string{"female", "male", "other", "unknown"}, Protected: true, Doc: "recorded sex"},
			{Name: "ethnicity", Kind: KindText, Protected: true, Doc: "free ethnicity code, for fairness analysis only"},
			{Name: "area", Kind: KindText, Doc: "neighbourhood policing area, if the force records one"},
		},
	},
	{
		Name: "occurrences", Required: true, Key: []string{"occurrence_id"},
		Doc:     "DA incidents and crimes reported to police",
		BirthOf: []string{"victim_id", "perpetrator_id"},
		Columns: []Column{
			{Name: "occurrence_id", Required: true, Kind: KindID, Doc: "opaque occurrence reference"},
			{Name: "reported_at", Required: true, Kind: KindDate, Doc: "when it was reported"},
			{Name: "victim_id", Required: true, Kind: KindID, Ref: "persons", Doc: "victim"},
			{Name: "perpetrator_id", Required: true, Kind: KindID, Ref: "persons", Doc: "perpetrator"},
			{Name: "kind", Required: true, Kind: KindEnum, Enum: []string{"incident", "crime"}, Doc: "incident or crime"},
			{Name: "offence_code", Kind: KindText, Doc: "Home Office offence class such as 008/06; required when kind=crime"},
		},
	},
	{
		Name: "offences", Key: []string{"offence_id"},
		Doc:     "the perpetrator's recorded offending, DA or not, against anyone",
		BirthOf: []string{"offender_id"},
		Columns: []Column{
			{Name: "offence_id", Required: true, Kind: KindID, Doc: "opaque offence reference"},
			{Name: "offender_id", Required: true, Kind: KindID, Ref: "persons", Doc: "offender"},
			{Name: "offence_code", Required: true, Kind: KindText, Doc: "Home Office offence class"},
			{Name: "committed_at", Required: true, Kind: KindDate, Doc: "when it was committed"},
			{Name: "victim_id", Kind: KindID, Ref: "persons", Doc: "victim, if a person in persons.csv"},
			{Name: "occurrence_id", Kind: KindID, Doc: "the DA occurrence it arose from, if any"},
			{Name: "outcome", Kind: KindText, Doc: "outcome code (charge, caution, no further action...)"},
			{Name: "recorded_at", Kind: KindDate, Doc: "when the force recorded it; when given, scoring as of a date counts only offences recorded by then"},
		},
		Orders: []DateOrder{{Earlier: "committed_at", Later: "recorded_at", ByDay: true}},
	},
	{
		Name: "assessments", Required: true, Key: []string{"assessment_id"},
		Doc:     "one row per risk assessment (DASH, DARA or a force instrument)",
		BirthOf: []string{"victim_id", "perpetrator_id"},
		Columns: []Column{
			{Name: "assessment_id", Required: true, Kind: KindID, Doc: "opaque assessment reference"},
			{Name: "instrument", Required: true, Kind: KindEnum, Pattern: InstrumentPattern, Doc: "dash_police_2009, dash_safelives_24, dara or a force-defined id"},
			{Name: "completed_at", Required: true, Kind: KindDate, Doc: "when it was completed"},
			{Name: "victim_id", Required: true, Kind: KindID, Ref: "persons", Doc: "victim"},
			{Name: "perpetrator_id", Required: true, Kind: KindID, Ref: "persons", Doc: "perpetrator"},
			{Name: "occurrence_id", Kind: KindID, Doc: "the occurrence it was completed for, if any"},
			{Name: "officer_grade", Kind: KindEnum, Enum: []string{"standard", "medium", "high"}, Doc: "the officer's risk grading"},
		},
	},
	{
		Name: "answers", Required: true, Key: []string{"assessment_id", "item"},
		Doc: "one row per answered item of an assessment (or q1..q27 columns in assessments.csv)",
		Columns: []Column{
			{Name: "assessment_id", Required: true, Kind: KindID, Ref: "assessments", Doc: "the assessment"},
			{Name: "item", Required: true, Kind: KindText, Doc: "item id, Q1..Q27 for DASH"},
			{Name: "answer", Required: true, Kind: KindEnum, Enum: Answers, Doc: "yes, no, not_known or not_asked (Y/N/NK/DK/blank accepted)"},
		},
	},
	{
		Name: "pmps", Key: []string{"pmp_id"},
		Doc:     "problem-management plans",
		BirthOf: []string{"victim_id", "perpetrator_id"},
		Orders:  []DateOrder{{Earlier: "opened_at", Later: "finalised_at"}},
		Columns: []Column{
			{Name: "pmp_id", Required: true, Kind: KindID, Doc: "opaque plan reference"},
			{Name: "victim_id", Required: true, Kind: KindID, Ref: "persons", Doc: "victim"},
			{Name: "perpetrator_id", Required: true, Kind: KindID, Ref: "persons", Doc: "perpetrator"},
			{Name: "opened_at", Required: true, Kind: KindDate, Doc: "when the plan was opened"},
			{Name: "finalised_at", Kind: KindDate, Doc: "when the plan was finalised"},
			{Name: "status", Kind: KindEnum, Enum: []string{"open", "finalised", "closed"}, Doc: "plan status"},
			{Name: "stage_at_opening", Kind: KindStage, Doc: "homicide-timeline stage (1-8) when opened"},
		},
	},
	{
		Name: "pmp_actions", Key: []string{"action_id"},
		Doc:    "actions taken under a plan",
		Orders: []DateOrder{{Earlier: "raised_at", Later: "completed_at"}},
		Columns: []Column{
			{Name: "action_id", Required: true, Kind: KindID, Doc: "opaque action reference"},
			{Name: "pmp_id", Required: true, Kind: KindID, Ref: "pmps", Doc: "the plan"},
			{Name: "owner", Required: true, Kind: KindEnum, Enum: []string{"tau", "neighbourhood", "partner"}, Doc: "who carries it out"},
			{Name: "action_type", Required: true, Kind: KindEnum, Enum: ActionTypes, Doc: "what kind of action"},
			{Name: "raised_at", Required: true, Kind: KindDate, Doc: "when it was raised"},
			{Name: "due_at", Kind: KindDate, Future: true, Doc: "when it is due"},
			{Name: "completed_at", Kind: KindDate, Doc: "when it was done"},
			{Name: "consent_required", Kind: KindBool, Doc: "whether the victim's consent is needed"},
			{Name: "consent_given", Kind: KindBool, Doc: "whether consent was given"},
		},
	},
	{
		Name:    "engagement",
		Doc:     "victims' engagement with professionals",
		BirthOf: []string{"person_id"},
		Orders:  []DateOrder{{Earlier: "started_at", Later: "ended_at"}},
		Columns: []Column{
			{Name: "person_id", Required: true, Kind: KindID, Ref: "persons", Doc: "the victim"},
			{Name: "agency", Required: true, Kind: KindEnum, Enum: []string{"idva", "isva", "marac", "health", "housing", "childrens_services", "other"}, Doc: "the agency"},
			{Name: "started_at", Required: true, Kind: KindDate, Doc: "start of engagement"},
			{Name: "ended_at", Kind: KindDate, Doc: "end of engagement"},
		},
	},
}

// Answers are the canonical answer values.
var Answers = []string{"yes", "no", "not_known", "not_asked"}

// ActionTypes are the accepted PMP action types.
var ActionTypes = []string{
	"right_to_know_disclosure", "right_to_ask_disclosure", "dvpn", "dvpo", "arrest",
	"idva_referral", "marac_referral", "safety_plan", "welfare_visit",
	"perpetrator_programme", "civil_order", "target_hardening", "other",
}

// actionLabels name each action type in an officer's words.
var actionLabels = map[string]string{
	"right_to_know_disclosure": "Right to know disclosure (Clare's Law)",
	"right_to_ask_disclosure":  "Right to ask disclosure (Clare's Law)",
	"dvpn":                     "Domestic violence protection notice (DVPN)",
	"dvpo":                     "Domestic violence protection order (DVPO)",
	"arrest":                   "Arrest",
	"idva_referral":            "Referral to an IDVA",
	"marac_referral":           "Referral to MARAC",
	"safety_plan":              "Safety plan",
	"welfare_visit":            "Welfare visit",
	"perpetrator_programme":    "Perpetrator programme",
	"civil_order":              "Other civil order",
	"target_hardening":         "Target hardening",
	"other":                    "Other action",
}

// ActionLabel names an action type in an officer's words (the code itself
// for a force's own type).
func ActionLabel(code string) string {
	if l, ok := actionLabels[code]; ok {
		return l
	}
	return code
}

// Lookup returns the contract for the named file.
func Lookup(name string) (File, error) {
	for _, f := range Files {
		if f.Name == name {
			return f, nil
		}
	}
	return File{}, fmt.Errorf("extract: no file %q in the contract", name)
}

// answerAliases maps accepted spellings (upper-cased) to canonical answers.
var answerAliases = map[string]string{
	"YES": "yes", "Y": "yes", "TRUE": "yes", "1": "yes",
	"NO": "no", "N": "no", "FALSE": "no", "0": "no",
	"NOT_KNOWN": "not_known", "NOT KNOWN": "not_known", "NK": "not_known", "DK": "not_known",
	"DON'T KNOW": "not_known", "DONT_KNOW": "not_known", "UNKNOWN": "not_known",
	"NOT_ASKED": "not_asked", "NOT ASKED": "not_asked", "NA": "not_asked", "": "not_asked",
}

// NormaliseAnswer maps an answer as exported by a force (yes/no/not_known/
// not_asked, Y/N/NK/DK or blank, any case) to its canonical value. Blank means
// the question was not asked.
func NormaliseAnswer(s string) (string, bool) {
	v, ok := answerAliases[strings.ToUpper(strings.TrimSpace(s))]
	return v, ok
}

// AnswerAliases returns the accepted spellings and their canonical values, for
// the loader's SQL mapping table.
func AnswerAliases() map[string]string {
	out := make(map[string]string, len(answerAliases))
	for k, v := range answerAliases {
		out[k] = v
	}
	return out
}

// WideItemColumn reports whether a column name of a wide assessments export
// (q1..q27, any case) names a DASH item, and returns the item id (Q1..Q27).
func WideItemColumn(name string) (string, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	if len(n) < 2 || len(n) > 3 || n[0] != 'q' {
		return "", false
	}
	v := 0
	for _, r := range n[1:] {
		if r < '0' || r > '9' {
			return "", false
		}
		v = v*10 + int(r-'0')
	}
	if v < 1 || v > 27 || n[1] == '0' {
		return "", false
	}
	return "Q" + n[1:], true
}

// NormaliseHeader turns a header cell into a column name: trims spaces and a
// UTF-8 byte-order mark and lower-cases it.
func NormaliseHeader(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	return strings.ToLower(strings.TrimSpace(s))
}
