// Package app serves the threat assessors' web app over the warehouse: the
// ranked list, each relationship with the source of every point, its
// timeline and plans, the plans board, a printable PMP pack and the latest
// evaluation. Pages are server-rendered (html/template) with charts as
// inline SVG and no external assets. Access is by login only: users from
// a file with bcrypt-hashed passwords and roles, sessions with expiry,
// CSRF tokens on every form, security headers, rate-limited login, and an
// append-only audit log of every view of a relationship. Data comes
// through the Store interface (app/appdb implements it over the warehouse;
// app/apptest holds one in memory), so the access rules are tested without
// a warehouse. It is pure Go and may import notebooks.
package app
