package extract

import "fmt"

// stageNames are the eight stages of the intimate-partner homicide
// timeline (Monckton Smith 2020, Violence Against Women 26(11): 1267-1285;
// ../shared/reference/homicide-timeline-stages.csv), index 1 to 8.
var stageNames = [...]string{"", "pre-relationship history", "early relationship", "relationship dominated by control", "trigger",
	"escalation", "change in thinking", "planning", "homicide"}

// StageName names a homicide-timeline stage in words ("stage 5,
// escalation"); a stage outside 1-8 (none recorded) is "no stage recorded".
func StageName(n int) string {
	if n < 1 || n >= len(stageNames) {
		return "no stage recorded"
	}
	return fmt.Sprintf("stage %d, %s", n, stageNames[n])
}
