package evaluation

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/tau-da/tau/internal/param"
)

// HoursPreset is a named number of police hours per DA incident with its
// source (scoring-evaluation.md 6.3).
type HoursPreset struct {
	Hours  float64
	Source string
}

// HoursPresets are the figures a user can name instead of a number. None is
// a national figure; the claim-derived one is labelled as such.
var HoursPresets = map[string]HoursPreset{
	"kent-physical": {3.35, "Kent Police: physical response to a DA incident, 3 h 21 min"},
	"kent-video":    {2.03, "Kent Police: video response to a DA incident, 2 h 2 min"},
	"claim-derived": {11.5, "implied by the published claim (2,000 h / (197 - 23) incidents); claim-derived, not independent"},
}

// ParseHours reads --hours-per-incident: a preset name or a number (whose
// source must then be given).
func ParseHours(s, source string) (float64, string, error) {
	s = strings.TrimSpace(s)
	if p, ok := HoursPresets[s]; ok {
		return p.Hours, p.Source, nil
	}
	h, err := strconv.ParseFloat(s, 64)
	if err != nil || !(h > 0) {
		return 0, "", param.Errorf("hours_per_incident", s, "give a positive number of hours with its source, or a preset: %s", PresetList())
	}
	if strings.TrimSpace(source) == "" {
		return 0, "", param.Errorf("hours_source", "", "say where the figure of %s hours per incident comes from (it is printed beside every hours figure)", s)
	}
	return h, source, nil
}

// PresetList lists the presets for help and error text.
func PresetList() string {
	names := make([]string, 0, len(HoursPresets))
	for n := range HoursPresets {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s (%g h: %s)", n, HoursPresets[n].Hours, HoursPresets[n].Source))
	}
	return strings.Join(parts, "; ")
}
