// Package calibration measures how well the threat score predicts later
// serious harm, fits cluster weights to a force's own outcomes, checks the
// result for every group, and proposes a new weights file. It owns the
// as-of dates a calibration samples at and the outcome definitions.
//
// It is pure Go (statistics with gonum) and may import evaluation,
// internal/period and internal/param; its store, calibration/caldb,
// scores every relationship at a series of as-of dates and reads the
// outcomes after each. The methods follow the standard references
// for validating clinical and criminal-justice risk tools: L2-penalised
// logistic regression (le Cessie & van Houwelingen 1992), exact ROC AUC as
// the Mann-Whitney statistic (Hanley & McNeil 1982), the Brier score (Brier
// 1950), calibration intercept and slope (Cox 1958; Van Calster et al.
// 2019), and top-k precision and recall for a unit that can work only a
// handful of plans a month; every fit and metric takes the samples' case
// weights, so a case-control sample's figures estimate the full
// population's (Horvitz and Thompson 1952; Binder 1983 for the
// clustered errors).
package calibration
