package synth

import (
	"fmt"
	"time"

	"github.com/tau-da/tau/internal/param"
)

// DefaultRelationships is the size of one force: about 20,000 relationships
// over five years.
const DefaultRelationships = 20000

// NationalRelationships is the size of the national benchmark extract.
const NationalRelationships = 2000000

// Config sets what Write produces.
type Config struct {
	// Relationships is the number of perpetrator-victim relationships to
	// generate (counter-allegation pairs come on top, about 2%).
	Relationships int
	// Seed makes the output reproducible: the same seed and settings give
	// byte-identical files.
	Seed uint64
	// From and To bound the reported dates. Offending before From is
	// generated too (criminal history), never after To.
	From, To time.Time
	// Workers is the number of generating goroutines (0 = all cores). The
	// output does not depend on it.
	Workers int
	// Progress, when set, is told how many relationships are written.
	Progress func(done, total int)
}

// Defaults fills in zero values: one force, seed 1, five years to the end
// of 2025.
func (c *Config) Defaults() {
	if c.Relationships == 0 {
		c.Relationships = DefaultRelationships
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.To.IsZero() {
		c.To = time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	}
	if c.From.IsZero() {
		c.From = c.To.AddDate(-5, 0, 1)
	}
}

// Validate reports settings that cannot produce an extract.
func (c Config) Validate() error {
	if c.Relationships < 1 {
		return fmt.Errorf("synth: %w", param.Errorf("relationships", fmt.Sprint(c.Relationships), "must be at least 1"))
	}
	if !c.From.Before(c.To) {
		return fmt.Errorf("synth: %w", param.Errorf("from", c.From.Format("2006-01-02"), "must be before the end date %s", c.To.Format("2006-01-02")))
	}
	if c.To.Sub(c.From) < 90*24*time.Hour {
		return fmt.Errorf("synth: the period %s to %s is shorter than 90 days; give at least a quarter", c.From.Format("2006-01-02"), c.To.Format("2006-01-02"))
	}
	return nil
}
