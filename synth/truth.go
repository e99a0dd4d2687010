package synth

// Truth is the generative model behind a synthetic extract, written to
// truth/model.json. Tests of calibration and evaluation compare what tau
// estimates with these values.
type Truth struct {
	Seed          uint64 `json:"seed"`
	Relationships int    `json:"relationships"`
	From          string `json:"from"`
	To            string `json:"to"`

	// Outcome is the serious-harm model: for each relationship and month,
	// P(a serious-harm offence against the victim by the perpetrator) =
	// 1 / (1 + exp(-(Intercept + sum of Coefficients[trait] * trait + LogRate
	// * ln(incident rate per year that month)))). Traits are 0/1.
	Outcome OutcomeModel `json:"outcome_model"`

	// PlanEffect is the true proportional cut in a relationship's incident
	// rate from the month a plan opens (0.30 = 30% fewer incidents).
	PlanEffect float64 `json:"plan_effect"`
	// ReportingUplift multiplies the reported rate of a victim while she is
	// engaged with an agency (IDVA, MARAC...): engaged victims report more.
	ReportingUplift float64 `json:"reporting_uplift"`
	// PlanRule describes how plans are opened: after a spike.
	PlanRule string `json:"plan_rule"`
	// SeriousCodes are the offence codes used for serious-harm outcomes.
	SeriousCodes []string `json:"serious_codes"`
	// UnscoredCodes are offence codes deliberately absent from the CCHI
	// excerpt, so harm scoring must list them as unscored.
	UnscoredCodes []string `json:"unscored_codes"`
	Notes         []string `json:"notes"`
}

// OutcomeModel is a logistic model on 0/1 traits.
type OutcomeModel struct {
	Intercept    float64            `json:"intercept"`
	Coefficients map[string]float64 `json:"coefficients"`
	LogRate      float64            `json:"log_rate"`
	Unit         string             `json:"unit"`
}

// Trait names, as used in truth/relationships.csv and the outcome model.
const (
	TraitCoerciveControl = "coercive_control"
	TraitViolence        = "violence"
	TraitStrangulation   = "strangulation"
	TraitStalking        = "stalking"
	TraitThreatsToKill   = "threats_to_kill"
	TraitWeapons         = "weapons"
	TraitSeparatedRecent = "separated_last_12m"
	TraitSexualAbuse     = "sexual_abuse"
	TraitPerpCriminal    = "perpetrator_criminal"
)

// outcomeModel is the serious-harm model every extract uses. The intercept
// gives a baseline monthly risk of about 1 in 3,000; the coefficients are
// ordered like the research evidence (strangulation strongest, Glass et al.
// 2008; stalking and threats to kill next, Monckton Smith 2017; Campbell
// 2003 for separation and weapons) but are synthetic, not estimates.
var outcomeModel = OutcomeModel{
	Intercept: -8.0,
	Coefficients: map[string]float64{
		TraitStrangulation:   1.6,
		TraitStalking:        1.1,
		TraitThreatsToKill:   0.9,
		TraitSeparatedRecent: 0.9,
		TraitWeapons:         0.8,
		TraitCoerciveControl: 0.6,
		TraitViolence:        0.5,
		TraitPerpCriminal:    0.4,
		TraitSexualAbuse:     0.3,
	},
	LogRate: 0.5,
	Unit:    "relationship-month",
}

// Plan and reporting parameters.
const (
	// planEffect: plans cut the true incident rate by 30%.
	planEffect = 0.30
	// reportingUplift: engaged victims report 1.3 times as often.
	reportingUplift = 1.3
	// spikeThreshold: a plan may open once 3 or more occurrences fall in
	// three consecutive months.
	spikeThreshold = 3
	// planOpenProb: the chance an eligible relationship gets a plan in a
	// month; about 1 plan per 1,000 relationships a month is the capacity
	// of a unit the size of the one the practice comes from.
	planOpenProb = 0.25
)
