// Package appdb is the app's store: it implements app.Store over the
// warehouse, reading the latest score snapshot of one configuration, the
// records behind each relationship, the plans and the latest evaluation,
// and turns them into the app's view models. It opens a new session when a
// load switches the warehouse to a new generation.
//
// It may import analytics, app, scoring, queries and internal/period.
package appdb
