package scoredb

import (
	"context"

	"github.com/tau-da/tau/queries"

	"github.com/tau-da/tau/analytics"
)

// ScoreReference runs the scoring benchmark's reference: a bare group-by
// that counts answers per relationship and item, answers joined to
// assessments. It returns the number of groups.
func ScoreReference(ctx context.Context, sess *analytics.Session) (int64, error) {
	var n int64
	err := sess.Conn.QueryRowContext(ctx, queries.Must("scoring", "reference")).Scan(&n)
	return n, err
}
