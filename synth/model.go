package synth

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"time"
)

// Files written by the generator, in contract order, then truth files.
const (
	fPersons = iota
	fOccurrences
	fOffences
	fAssessments
	fAnswers
	fPMPs
	fActions
	fEngagement
	fTruthRelationships
	fTruthOutcomes
	fTruthMonthly
	fTruthPlans
	nFiles
)

var fileNames = [nFiles]string{
	"persons.csv", "occurrences.csv", "offences.csv", "assessments.csv", "answers.csv",
	"pmps.csv", "pmp_actions.csv", "engagement.csv",
	"truth/relationships.csv", "truth/outcomes.csv", "truth/monthly_risk.csv", "truth/plans.csv",
}

var headers = [nFiles]string{
	"person_id,birth_year,sex,ethnicity,area",
	"occurrence_id,reported_at,victim_id,perpetrator_id,kind,offence_code",
	"offence_id,offender_id,offence_code,committed_at,victim_id,occurrence_id,outcome,recorded_at",
	"assessment_id,instrument,completed_at,victim_id,perpetrator_id,occurrence_id,officer_grade",
	"assessment_id,item,answer",
	"pmp_id,victim_id,perpetrator_id,opened_at,finalised_at,status,stage_at_opening",
	"action_id,pmp_id,owner,action_type,raised_at,due_at,completed_at,consent_required,consent_given",
	"person_id,agency,started_at,ended_at",
	"victim_id,perpetrator_id,counter_allegation,start_month,lambda0,trajectory,coercive_control,violence,strangulation_onset,stalking_onset,threats_to_kill_onset,weapons_onset,sexual_abuse,perpetrator_criminal,serial,pmp_opened,engaged_months,serious_harm_events",
	"offence_id,victim_id,perpetrator_id,committed_at,offence_code,monthly_risk",
	"victim_id,perpetrator_id,month,monthly_risk,true_rate_per_year,planned,engaged",
	"pmp_id,victim_id,perpetrator_id,opened_month,finalised_month,followup_months,true_without_plan,true_with_plan,reported_without_plan,reported_with_plan,true_usual_practice,reported_usual_practice",
}

// truthFollowupMonths is how many months after a plan's finalisation
// truth/plans.csv sums its counterfactual over (the evaluation's default
// follow-up, at the model's monthly resolution).
const truthFollowupMonths = 3

// maxRate is the highest latent incident rate per year (two a month).
const maxRate = 24.0

// monthlyRiskLimit: truth/monthly_risk.csv is written only up to this many
// relationships (it has one row per relationship-month).
const monthlyRiskLimit = 200000

// Offence codes (Home Office classes from the CCHI 2020 excerpt shipped in
// scoring) used for DA crimes, weighted by how common they are.
var daCodes = []string{"105/01", "008/06", "008/67", "195/94", "149/00", "008/72", "003/01", "008/65", "008/31", "066/39", "195/12", "125/09"}
var daWeights = []float64{30, 18, 8, 8, 10, 6, 3, 3, 4, 3, 3, 4}

// Offending against others (not DA): mostly low harm, some serious, and two
// synthetic codes that no harm table holds (they must be reported unscored).
var otherCodes = []string{"105/01", "008/06", "149/00", "028/03", "034/01", "125/12", "X01/01", "X02/01", "008/01", "005/01", "019/08"}
var otherWeights = []float64{25, 12, 15, 8, 1, 10, 12, 8, 0.2, 0.05, 0.05}

// seriousCodes are serious-harm outcome offences (CCHI 365 days or more).
var seriousCodes = []string{"008/01", "005/01", "019/08", "036/03", "002/00"}
var seriousWeights = []float64{45, 20, 20, 12, 3}

var unscoredCodes = []string{"X01/01", "X02/01"}

var ethnicities = []string{"W1", "W2", "W3", "A1", "A2", "A3", "B1", "B2", "M1", "M2", "O1", ""}
var ethnicityWeights = []float64{70, 3, 3, 6, 3, 2, 3, 2, 2, 1, 2, 3}

var actionTypes = []string{"right_to_know_disclosure", "dvpn", "dvpo", "arrest", "idva_referral", "safety_plan", "welfare_visit", "perpetrator_programme", "marac_referral", "target_hardening", "other"}
var actionWeights = []float64{10, 6, 5, 6, 12, 12, 15, 4, 6, 5, 3}
var actionOwners = map[string]string{"right_to_know_disclosure": "tau", "dvpn": "tau", "dvpo": "tau", "arrest": "neighbourhood",
	"idva_referral": "partner", "safety_plan": "partner", "welfare_visit": "neighbourhood", "perpetrator_programme": "partner",
	"marac_referral": "tau", "target_hardening": "neighbourhood", "other": "tau"}
var consentTypes = map[string]bool{"idva_referral": true, "safety_plan": true, "target_hardening": true, "marac_referral": false}

// perp is a perpetrator's latent profile.
type perp struct {
	id          string
	criminality float64 // rate of offending against others per year
	criminal    bool    // has a criminal history (DASH Q27)
	hurtOthers  bool    // Q21
	childHarm   bool    // Q11
	childThreat bool    // Q12
	animal      bool    // Q22
	substance   bool    // Q24
	suicidal    bool    // Q25
	breaches    bool    // Q26
	powerFew    bool    // one of the few who cause most harm
	serial      bool    // has two or more victims
}

// dyad is a relationship's latent state.
type dyad struct {
	group             int // the perpetrator group it was generated in
	victim, perp      string
	p                 *perp
	counter           bool
	start, end        int // months from From
	lambda0, growth   float64
	trajectory        string
	cc, violence, sex bool
	childConflict     bool
	kids              bool
	strangOnset       int // month the trait starts; -1 = never
	stalkOnset        int
	tkOnset           int
	weaponOnset       int
	separations       []int
	pregnancies       []int
	planMonth         int // -1 = no plan
	engaged           []bool
	// bgEngaged marks the months engaged by an episode that no plan
	// brought (the engagement the relationship would have had anyway).
	bgEngaged []bool
	// pmpID and finMonth identify the plan and its finalisation month
	// (never: none), and fu sums the expected incidents in the months after
	// it: true and reported, without the plan and with it.
	pmpID    string
	finMonth int
	fu       [4]float64
	fuMonths int
	serious  int
}

const never = -1

func (d *dyad) has(onset, m int) bool { return onset != never && m >= onset }

func within(events []int, m, months int) bool {
	for _, e := range events {
		if m >= e && m < e+months {
			return true
		}
	}
	return false
}

// generator holds what every group shares.
type generator struct {
	cfg    Config
	months int
	truth  bool // write monthly risk
}

func newGenerator(cfg Config) *generator {
	y1, m1, _ := cfg.From.Date()
	y2, m2, _ := cfg.To.Date()
	months := (y2-y1)*12 + int(m2-m1) + 1
	return &generator{cfg: cfg, months: months, truth: cfg.Relationships <= monthlyRiskLimit}
}

// monthStart returns the first day of month m (0 = From's month), clamped
// to the extract's period.
func (g *generator) day(m int, r rng) time.Time {
	y, mo, _ := g.cfg.From.Date()
	first := time.Date(y, mo, 1, 0, 0, 0, 0, time.UTC).AddDate(0, m, 0)
	next := first.AddDate(0, 1, 0)
	days := int(next.Sub(first).Hours() / 24)
	t := first.AddDate(0, 0, r.IntN(days))
	if t.Before(g.cfg.From) {
		t = g.cfg.From
	}
	if t.After(g.cfg.To) {
		t = g.cfg.To
	}
	return t
}

func (g *generator) clamp(t time.Time) (time.Time, bool) {
	if t.After(g.cfg.To) {
		return g.cfg.To, false
	}
	return t, true
}

// group generates one perpetrator with nVictims relationships into bufs.
func (g *generator) group(idx, nVictims int, bufs *buffers) {
	r := newRNG(g.cfg.Seed, uint64(idx))

	serial := nVictims > 1
	p := &perp{id: idString('P', idx, -1), serial: serial}
	p.criminality = r.lognormal(math.Log(0.2), 1.1)
	if serial {
		p.criminality *= 1.8
	}
	p.powerFew = r.bernoulli(0.03)
	p.criminal = r.bernoulli(math.Min(0.95, 0.35+p.criminality/2))
	p.hurtOthers = r.bernoulli(0.15) || p.powerFew
	p.childHarm = r.bernoulli(0.04)
	p.childThreat = r.bernoulli(0.05)
	p.animal = r.bernoulli(0.04)
	p.substance = r.bernoulli(0.3)
	p.suicidal = r.bernoulli(0.08)
	p.breaches = r.bernoulli(0.12 + 0.1*b2f(serial))
	area := 1 + r.IntN(12)
	perpMale := r.bernoulli(0.88)
	perpBirth := 1950 + r.IntN(55)
	sexOf := func(male bool) string {
		switch {
		case r.bernoulli(0.005):
			return "unknown"
		case male:
			return "male"
		}
		return "female"
	}
	eth := func() string { return ethnicities[r.pick(ethnicityWeights)] }
	areaCode := func() string { return "N" + string(rune('0'+area/10)) + string(rune('0'+area%10)) }
	{
		rw := bufs.row(fPersons)
		rw.s(p.id).i(perpBirth).s(sexOf(perpMale)).s(eth()).s(areaCode())
		bufs.put(fPersons, rw)
	}
	var dyads []*dyad
	for v := 0; v < nVictims; v++ {
		d := &dyad{group: idx, victim: idString('V', idx, v), perp: p.id, p: p, planMonth: never}
		vb := perpBirth + r.IntN(13) - 6
		if vb > 2006 {
			vb = 2006
		}
		rw := bufs.row(fPersons)
		rw.s(d.victim).i(vb).s(sexOf(!perpMale == r.bernoulli(0.97))).s(eth()).s(areaCode())
		bufs.put(fPersons, rw)
		g.traits(d, r, serial)
		dyads = append(dyads, d)
	}
	// A few couples have counter-allegations: the victim is also recorded
	// as perpetrator against him, briefly and at low intensity.
	var counters []*dyad
	for _, d := range dyads {
		if r.bernoulli(0.02) {
			c := &dyad{group: idx, victim: d.perp, perp: d.victim, p: &perp{id: d.victim}, counter: true, planMonth: never,
				strangOnset: never, stalkOnset: never, tkOnset: never, weaponOnset: never}
			c.start = d.start + r.IntN(6)
			if c.start >= g.months {
				c.start = g.months - 1
			}
			c.end = min(c.start+3, g.months)
			c.lambda0, c.trajectory, c.growth = 1.2, "decay", -1.0
			counters = append(counters, c)
		}
	}
	occN, asN, offN, pmpN := 0, 0, 0, 0
	for _, d := range append(dyads, counters...) {
		g.history(d, r, bufs, &occN, &asN, &offN, &pmpN)
	}
	// Offending against others (criminal history), from five years before
	// the extract's start.
	span := g.months + 60
	n := r.poisson(p.criminality * float64(span) / 12)
	serious := 0
	if p.powerFew {
		// The power few: repeated serious violence against others.
		serious = 2 + r.poisson(3)
		n += serious
	}
	for k := 0; k < n; k++ {
		code := otherCodes[r.pick(otherWeights)]
		if k < serious {
			code = seriousCodes[r.pick(seriousWeights)]
		}
		m := r.IntN(span) - 60
		var t time.Time
		if m < 0 {
			t = g.cfg.From.AddDate(0, m, r.IntN(28))
		} else {
			t = g.day(m, r)
		}
		if t.Year() < perpBirth+14 {
			continue
		}
		id := idString('F', idx, offN)
		offN++
		res := outcome(r) // drawn whether or not it is written, so the stream stays the same
		rec, ok := g.recorded(id, t)
		if !ok {
			continue
		}
		rw := bufs.row(fOffences)
		rw.s(id).s(p.id).s(code).date(t).empty().empty().s(res).date(rec)
		bufs.put(fOffences, rw)
	}
}

// recorded returns the day an offence was recorded: the day it was
// committed plus a delay drawn from a hash of its id and the seed (its own
// stream, so the rest of the extract does not move): 80% within a day
// (the Home Office Counting Rules' 24-hour recording standard), 15% within
// a month (crimed after review), 5% up to a year later (reported late,
// reclassified). These shares are invented for the synthetic force, not
// measured. An offence recorded after the extract's end is not in the
// extract (ok false), as a force's export holds what it has recorded.
func (g *generator) recorded(id string, committed time.Time) (time.Time, bool) {
	h := fnv.New64a()
	h.Write([]byte(id))
	var seed [8]byte
	binary.LittleEndian.PutUint64(seed[:], g.cfg.Seed)
	h.Write(seed[:])
	x := h.Sum64()
	u := float64(x>>11) / (1 << 53)
	v := int(x % 1000)
	days := 0
	switch {
	case u < 0.80:
		days = v % 2
	case u < 0.95:
		days = 2 + v%29
	default:
		days = 31 + v%335
	}
	rec := committed.AddDate(0, 0, days)
	return rec, !rec.After(g.cfg.To)
}

func outcome(r rng) string {
	switch r.pick([]float64{35, 15, 40, 10}) {
	case 0:
		return "charge"
	case 1:
		return "caution"
	case 2:
		return "no_further_action"
	}
	return "community_resolution"
}

// traits draws a relationship's latent traits.
func (g *generator) traits(d *dyad, r rng, serial bool) {
	d.start = r.IntN(g.months)
	d.end = min(g.months, d.start+6+r.IntN(72))
	d.cc = r.bernoulli(0.35 + 0.15*b2f(serial))
	d.violence = r.bernoulli(0.4 + 0.2*b2f(d.cc))
	d.sex = r.bernoulli(0.06 + 0.08*b2f(d.cc))
	d.childConflict = r.bernoulli(0.15)
	d.kids = r.bernoulli(0.35)
	onset := func(p float64) int {
		if !r.bernoulli(p) {
			return never
		}
		if r.bernoulli(0.4) {
			return d.start // already present when police first hear of it
		}
		return d.start + r.IntN(36)
	}
	d.strangOnset = onset(0.04 + 0.12*b2f(d.violence) + 0.05*b2f(d.cc))
	d.stalkOnset = onset(0.06 + 0.1*b2f(d.cc))
	d.tkOnset = onset(0.05 + 0.08*b2f(d.violence))
	d.weaponOnset = onset(0.03 + 0.06*b2f(d.violence))
	d.lambda0 = r.lognormal(math.Log(0.7), 0.9) * (1 + 0.3*b2f(d.violence) + 0.2*b2f(d.cc))
	switch u := r.Float64(); {
	case u < 0.12:
		d.trajectory, d.growth = "escalate", 0.2+0.3*r.Float64()
	case u < 0.82:
		d.trajectory, d.growth = "decay", -(0.3 + 0.6*r.Float64())
	default:
		d.trajectory, d.growth = "flat", 0
	}
	for m := d.start; m < d.end; m++ {
		if r.bernoulli(0.25 / 12) {
			d.separations = append(d.separations, m)
		}
		if r.bernoulli(0.02 / 12) {
			d.pregnancies = append(d.pregnancies, m)
		}
	}
}

// history walks a relationship month by month: occurrences, assessments,
// plans, engagement and serious-harm outcomes.
func (g *generator) history(d *dyad, r rng, bufs *buffers, occN, asN, offN, pmpN *int) {
	d.engaged = make([]bool, g.months+1)
	d.bgEngaged = make([]bool, g.months+1)
	d.finMonth = never
	// Background engagement unrelated to plans (4% of victims).
	if !d.counter && r.bernoulli(0.04) {
		s := d.start + r.IntN(max(1, d.end-d.start))
		g.engage(d, r, bufs, s, "other")
		copy(d.bgEngaged, d.engaged)
	}
	var counts []int
	var rates []float64 // the latent rate each month, before any plan's cut
	spikeLeft := 0
	for m := d.start; m < d.end; m++ {
		// maxRate caps a relationship's incident rate at 24 a year.
		rate := math.Min(d.lambda0*math.Exp(d.growth*float64(m-d.start)/12), maxRate)
		if spikeLeft > 0 {
			rate *= 4
			spikeLeft--
		} else if r.bernoulli(0.02) {
			spikeLeft = 1
			rate *= 4
		}
		sepRecent := within(d.separations, m, 12)
		if d.cc && within(d.separations, m, 3) {
			rate *= 1.8 // separation as a trigger (Monckton Smith stage 4)
		}
		rates = append(rates, rate)
		planned := d.planMonth != never && m >= d.planMonth
		trueRate := rate
		if planned {
			trueRate *= 1 - planEffect
		}
		reported := trueRate
		if d.engaged[m] {
			reported *= reportingUplift
		}
		if d.finMonth != never && m > d.finMonth && m <= d.finMonth+truthFollowupMonths {
			// The counterfactual in the months after the plan: the same
			// latent rate without the plan's cut, reported at the rate the
			// victim's own engagement would have brought.
			without := rate
			if d.bgEngaged[m] {
				without *= reportingUplift
			}
			d.fu[0] += rate / 12
			d.fu[1] += trueRate / 12
			d.fu[2] += without / 12
			d.fu[3] += reported / 12
			d.fuMonths++
		}
		n := r.poisson(reported / 12)
		if m == d.start && n == 0 {
			n = 1 // police first hear of the relationship this month
		}
		for k := 0; k < n; k++ {
			g.occurrence(d, r, bufs, m, "", occN, asN, offN)
		}
		counts = append(counts, n)
		// Serious harm, from the known outcome model.
		risk := 0.0
		if !d.counter {
			x := outcomeModel.Intercept + outcomeModel.LogRate*math.Log(math.Max(trueRate, 0.05))
			c := outcomeModel.Coefficients
			x += c[TraitStrangulation]*b2f(d.has(d.strangOnset, m)) + c[TraitStalking]*b2f(d.has(d.stalkOnset, m)) +
				c[TraitThreatsToKill]*b2f(d.has(d.tkOnset, m)) + c[TraitWeapons]*b2f(d.has(d.weaponOnset, m)) +
				c[TraitSeparatedRecent]*b2f(sepRecent) + c[TraitCoerciveControl]*b2f(d.cc) + c[TraitViolence]*b2f(d.violence) +
				c[TraitPerpCriminal]*b2f(d.p.criminal) + c[TraitSexualAbuse]*b2f(d.sex)
			risk = sigmoid(x)
			if r.bernoulli(risk) {
				code := seriousCodes[r.pick(seriousWeights)]
				id := g.occurrence(d, r, bufs, m, code, occN, asN, offN)
				rw := bufs.row(fTruthOutcomes)
				rw.s(id).s(d.victim).s(d.perp).date(g.day(m, r)).s(code).f(risk)
				bufs.put(fTruthOutcomes, rw)
				d.serious++
			}
			if g.truth {
				rw := bufs.row(fTruthMonthly)
				rw.s(d.victim).s(d.perp).i(m).f(risk).f(trueRate).i(b2i(planned)).i(b2i(d.engaged[m]))
				bufs.put(fTruthMonthly, rw)
			}
		}
		// A plan opens after a spike, with limited capacity.
		if !d.counter && d.planMonth == never && m+1 < g.months && len(counts) >= 3 &&
			counts[len(counts)-1]+counts[len(counts)-2]+counts[len(counts)-3] >= spikeThreshold && r.bernoulli(planOpenProb) {
			d.planMonth = m + 1
			g.plan(d, r, bufs, pmpN, sepRecent)
		}
	}
	if d.pmpID != "" && d.finMonth != never {
		usual := g.usualPractice(d, rates, counts)
		rw := bufs.row(fTruthPlans)
		rw.s(d.pmpID).s(d.victim).s(d.perp).i(d.planMonth).i(d.finMonth).i(d.fuMonths).f(d.fu[0]).f(d.fu[1]).f(d.fu[2]).f(d.fu[3]).
			f(usual[0]).f(usual[1])
		bufs.put(fTruthPlans, rw)
	}
	rw := bufs.row(fTruthRelationships)
	rw.s(d.victim).s(d.perp).i(b2i(d.counter)).i(d.start).f(d.lambda0).s(d.trajectory).i(b2i(d.cc)).i(b2i(d.violence)).
		i(d.strangOnset).i(d.stalkOnset).i(d.tkOnset).i(d.weaponOnset).i(b2i(d.sex)).i(b2i(d.p.criminal)).i(b2i(d.p.serial)).i(d.planMonth)
	em := 0
	for _, e := range d.engaged {
		em += b2i(e)
	}
	rw.i(em).i(d.serious)
	bufs.put(fTruthRelationships, rw)
}

// occurrence writes one occurrence in month m (a crime with the given code
// when code is set), its offence if a crime, and usually a DASH. It returns
// the offence id ("" for an incident).
func (g *generator) occurrence(d *dyad, r rng, bufs *buffers, m int, code string, occN, asN, offN *int) string {
	idx := d.group
	t := g.day(m, r)
	kind := "incident"
	if code != "" || r.bernoulli(0.3+0.2*b2f(d.violence)) {
		kind = "crime"
		if code == "" {
			code = daCodes[r.pick(daWeights)]
			if code == "008/67" && !d.cc {
				code = "105/01"
			}
		}
	}
	occID := idString('O', idx, *occN)
	*occN++
	rw := bufs.row(fOccurrences)
	rw.s(occID).date(t).s(d.victim).s(d.perp).s(kind)
	if kind == "crime" {
		rw.s(code)
	} else {
		rw.empty()
	}
	bufs.put(fOccurrences, rw)
	offID := ""
	if kind == "crime" {
		offID = idString('F', idx, *offN)
		*offN++
		res := outcome(r)
		if rec, ok := g.recorded(offID, t); ok {
			rw := bufs.row(fOffences)
			rw.s(offID).s(d.perp).s(code).date(t).s(d.victim).s(occID).s(res).date(rec)
			bufs.put(fOffences, rw)
		}
	}
	if r.bernoulli(0.72) {
		g.dash(d, r, bufs, m, t, occID, asN)
	}
	return offID
}

// answer draws yes/no/not_known/not_asked for an item whose true state is
// truth: a true state is answered yes 70% of the time (the rest no, not
// known or not asked: the documented inconsistency), a false one yes 2%.
func answer(r rng, truth bool, pYes float64) string {
	u := r.Float64()
	if !truth {
		pYes = 0.02
	}
	switch {
	case u < pYes:
		return "yes"
	case u < pYes+(1-pYes)*0.1:
		return "not_known"
	case u < pYes+(1-pYes)*0.15:
		return "not_asked"
	}
	return "no"
}

// dash writes a police DASH 2009 assessment with its 27 answers.
func (g *generator) dash(d *dyad, r rng, bufs *buffers, m int, t time.Time, occID string, asN *int) {
	idx := d.group
	p := d.p
	sep := within(d.separations, m, 12)
	preg := within(d.pregnancies, m, 18)
	esc := d.trajectory == "escalate" && m-d.start > 6
	high := d.has(d.strangOnset, m) || d.has(d.tkOnset, m) || d.has(d.weaponOnset, m)
	const ever = 0.7 // chance a true "ever" item is answered yes
	ans := [27]string{
		answer(r, d.violence, 0.45),              // Q1 injury
		answer(r, d.cc || high, 0.6),             // Q2 frightened
		answer(r, d.cc || high, 0.55),            // Q3 afraid of what
		answer(r, d.cc, 0.5),                     // Q4 isolated
		answer(r, d.cc || r.bernoulli(0.2), 0.4), // Q5 depressed
		answer(r, sep, 0.85),                     // Q6 separation (12 months)
		answer(r, d.childConflict, 0.6),          // Q7 child contact
		answer(r, d.has(d.stalkOnset, m), 0.75),  // Q8 stalking
		answer(r, preg, 0.8),                     // Q9 pregnancy (18 months)
		answer(r, d.kids, 0.8),                   // Q10 other children
		answer(r, p.childHarm, ever),             // Q11 hurt children
		answer(r, p.childThreat, ever),           // Q12 threatened children
		answer(r, esc, 0.6),                      // Q13 more often
		answer(r, esc || high, 0.5),              // Q14 worse
		answer(r, d.cc, 0.7),                     // Q15 controlling
		answer(r, d.has(d.weaponOnset, m), ever), // Q16 weapons
		answer(r, d.has(d.tkOnset, m), ever),     // Q17 threats to kill
		answer(r, d.has(d.strangOnset, m), ever), // Q18 strangulation
		answer(r, d.sex, 0.5),                    // Q19 sexual abuse
		answer(r, r.bernoulli(0.04), 0.6),        // Q20 third party
		answer(r, p.hurtOthers, ever),            // Q21 hurt others
		answer(r, p.animal, ever),                // Q22 animals
		answer(r, r.bernoulli(0.2), 0.7),         // Q23 financial
		answer(r, p.substance, 0.7),              // Q24 substance (12 months)
		answer(r, p.suicidal, ever),              // Q25 suicide
		answer(r, p.breaches, ever),              // Q26 breaches
		answer(r, p.criminal, 0.85),              // Q27 criminal history
	}
	yes := 0
	for _, a := range ans {
		if a == "yes" {
			yes++
		}
	}
	// Officers grade on the ticks, with noise and a tendency to under-grade
	// (Robinson et al.): high from 12, medium from 7.
	score := float64(yes) + 2.5*r.NormFloat64()
	grade := "standard"
	switch {
	case score >= 12:
		grade = "high"
	case score >= 7:
		grade = "medium"
	}
	asID := idString('A', idx, *asN)
	*asN++
	rw := bufs.row(fAssessments)
	rw.s(asID).s("dash_police_2009").date(t).s(d.victim).s(d.perp).s(occID).s(grade)
	bufs.put(fAssessments, rw)
	b := bufs[fAnswers]
	for i, a := range ans {
		b = append(b, asID...)
		b = append(b, ",Q"...)
		if i+1 >= 10 {
			b = append(b, byte('0'+(i+1)/10))
		}
		b = append(b, byte('0'+(i+1)%10), ',')
		b = append(b, a...)
		b = append(b, '\n')
	}
	bufs[fAnswers] = b
}

// usualPracticeDraws is how many counterfactual histories usualPractice
// averages (its Monte Carlo error on a plan's expected incidents is about
// 1/sqrt(200) of their spread, and the error on a force's sum far less).
const usualPracticeDraws = 200

// usualPractice is a plan's other counterfactual: its expected true and
// reported incidents over the same follow-up months had the plan not
// opened when it did, but the unit gone on as usual, so that the same
// rule (a spike, then a plan with probability planOpenProb a month) could
// give it a plan later, with that plan's cut and engagement. This is what
// an evaluation that keeps a comparison after it gets a plan of its own
// (intention to treat) estimates. It averages usualPracticeDraws
// histories drawn from the relationship's own latent rates, from its own
// random stream (the extract's draws do not change).
func (g *generator) usualPractice(d *dyad, rates []float64, counts []int) [2]float64 {
	h := fnv.New64a()
	h.Write([]byte(d.pmpID))
	r := newRNG(g.cfg.Seed, h.Sum64())
	var sum [2]float64
	first := d.planMonth - d.start
	last := min(d.finMonth+truthFollowupMonths, d.end-1) - d.start
	for k := 0; k < usualPracticeDraws; k++ {
		cs := append([]int(nil), counts[:first]...)
		plan, engagedTo := never, never
		for i := first; i <= last; i++ {
			m := d.start + i
			trueRate := rates[i]
			if plan != never && m >= plan {
				trueRate *= 1 - planEffect
			}
			reported := trueRate
			if d.bgEngaged[m] || m < engagedTo {
				reported *= reportingUplift
			}
			if m > d.finMonth && m <= d.finMonth+truthFollowupMonths {
				sum[0] += trueRate / 12
				sum[1] += reported / 12
			}
			cs = append(cs, r.poisson(reported/12))
			if n := len(cs); plan == never && m+1 < g.months && n >= 3 && cs[n-1]+cs[n-2]+cs[n-3] >= spikeThreshold && r.bernoulli(planOpenProb) {
				plan = m + 1
				// The engagement such a plan brings (as plan: IDVA with
				// probability 0.6, MARAC 0.25, each 3 to 9 months).
				for _, p := range []float64{0.6, 0.25} {
					if r.bernoulli(p) {
						engagedTo = max(engagedTo, plan+3+r.IntN(7))
					}
				}
			}
		}
	}
	return [2]float64{sum[0] / usualPracticeDraws, sum[1] / usualPracticeDraws}
}

// plan writes a problem-management plan opened at the start of
// d.planMonth, its actions, and the engagement it brings.
func (g *generator) plan(d *dyad, r rng, bufs *buffers, pmpN *int, sepRecent bool) {
	idx := d.group
	opened := g.day(d.planMonth, r)
	fin, ok := g.clamp(opened.AddDate(0, 0, 30+r.IntN(90)))
	status := "finalised"
	if !ok {
		status = "open"
	} else if r.bernoulli(0.05) {
		status = "closed"
	}
	stage := 3
	switch {
	case d.has(d.stalkOnset, d.planMonth) || d.has(d.tkOnset, d.planMonth):
		stage = 5
	case sepRecent:
		stage = 4
	case !d.cc:
		stage = 1 + r.IntN(2)
	}
	id := idString('M', idx, *pmpN)
	*pmpN++
	d.pmpID = id
	if status != "open" {
		y0, m0, _ := g.cfg.From.Date()
		d.finMonth = (fin.Year()-y0)*12 + int(fin.Month()-m0)
	}
	rw := bufs.row(fPMPs)
	rw.s(id).s(d.victim).s(d.perp).date(opened)
	if status == "open" {
		rw.empty()
	} else {
		rw.date(fin)
	}
	rw.s(status).i(stage)
	bufs.put(fPMPs, rw)
	nAct := 2 + r.IntN(5)
	for k := 0; k < nAct; k++ {
		typ := actionTypes[r.pick(actionWeights)]
		raised, _ := g.clamp(opened.AddDate(0, 0, r.IntN(21)))
		due := raised.AddDate(0, 0, 7+r.IntN(21))
		rw := bufs.row(fActions)
		rw.s(id + "-" + string(rune('a'+k))).s(id).s(actionOwners[typ]).s(typ).date(raised).date(due)
		if done, ok := g.clamp(raised.AddDate(0, 0, 1+r.IntN(30))); ok && r.bernoulli(0.8) {
			rw.date(done)
		} else {
			rw.empty()
		}
		if consentTypes[typ] {
			rw.s("yes")
			if r.bernoulli(0.75) {
				rw.s("yes")
			} else {
				rw.s("no")
			}
		} else {
			rw.s("no").empty()
		}
		bufs.put(fActions, rw)
	}
	// Plans bring victims into contact with agencies (IDVA, MARAC), and
	// engaged victims report more: the evaluation must allow for it.
	if r.bernoulli(0.6) {
		g.engage(d, r, bufs, d.planMonth, "idva")
	}
	if r.bernoulli(0.25) {
		g.engage(d, r, bufs, d.planMonth, "marac")
	}
}

// engage writes an engagement episode from month s and marks the months.
func (g *generator) engage(d *dyad, r rng, bufs *buffers, s int, agency string) {
	if agency == "other" {
		agency = []string{"idva", "health", "housing", "childrens_services", "isva", "other"}[r.IntN(6)]
	}
	length := 3 + r.IntN(7)
	start := g.day(s, r)
	rw := bufs.row(fEngagement)
	rw.s(d.victim).s(agency).date(start)
	e := s + length
	if e < g.months {
		end, _ := g.clamp(g.day(e, r))
		rw.date(end)
	} else {
		rw.empty()
	}
	bufs.put(fEngagement, rw)
	for m := s; m < e && m < len(d.engaged); m++ {
		d.engaged[m] = true
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
