package app

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Session lifetimes: a working shift at most, and signed out after half an
// hour without a request.
const (
	SessionMaxAge  = 8 * time.Hour
	SessionIdleFor = 30 * time.Minute
)

// Login rate limit per remote address: a burst of 5 attempts, then one
// every 12 seconds (5 a minute), enough for typing mistakes and far too
// slow for guessing.
const (
	LoginBurst = 5
	LoginEvery = 12 * time.Second
)

// cookie names.
const (
	sessionCookie = "tau_session"
	loginCookie   = "tau_login"
)

type session struct {
	user              User
	csrf              string
	created, lastSeen time.Time
}

// Server is the app.
type Server struct {
	store  Store
	users  map[string]User
	audit  *Audit
	secure bool // cookies marked Secure (TLS)
	now    func() time.Time
	mu     sync.Mutex
	sess   map[string]*session
	limits map[string]*rate.Limiter
	// pruned is when expired sessions and idle limiters were last removed.
	pruned time.Time
	// usersPath, when set, is re-read at a sign-in once it has changed
	// (usersMod is the modification time last read).
	usersPath string
	usersMod  time.Time
	tmpl      *template.Template
	mux       *http.ServeMux
}

// NewServer builds the app. secure marks cookies Secure (set it when
// serving over TLS).
func NewServer(store Store, users map[string]User, audit *Audit, secure bool) *Server {
	s := &Server{store: store, users: users, audit: audit, secure: secure, now: time.Now,
		sess: map[string]*session{}, limits: map[string]*rate.Limiter{}, tmpl: templates()}
	m := http.NewServeMux()
	m.HandleFunc("GET /login", s.loginPage)
	m.HandleFunc("POST /login", s.login)
	m.HandleFunc("POST /logout", s.auth(nil, s.logout))
	m.HandleFunc("GET /{$}", s.auth(nil, s.list))
	m.HandleFunc("GET /r/{id}", s.auth([]string{RoleAssessor, RoleAdmin}, s.relationship))
	m.HandleFunc("GET /r/{id}/pack", s.auth([]string{RoleAssessor, RoleAdmin}, s.pack))
	m.HandleFunc("GET /plans", s.auth([]string{RoleAssessor, RoleAdmin}, s.plans))
	m.HandleFunc("GET /hidden", s.auth([]string{RoleAssessor, RoleAdmin}, s.hidden))
	m.HandleFunc("GET /changes", s.auth([]string{RoleAssessor, RoleAdmin}, s.changes))
	m.HandleFunc("GET /export/list.csv", s.auth([]string{RoleAssessor, RoleAdmin}, s.exportList))
	m.HandleFunc("GET /export/hidden.csv", s.auth([]string{RoleAssessor, RoleAdmin}, s.exportHidden))
	m.HandleFunc("GET /export/changes.csv", s.auth([]string{RoleAssessor, RoleAdmin}, s.exportChanges))
	m.HandleFunc("GET /evaluation", s.auth(nil, s.evaluation))
	m.HandleFunc("GET /admin/audit", s.auth([]string{RoleAdmin}, s.auditPage))
	s.mux = m
	return s
}

// ErrTLSPair is returned when a certificate is given without its key, or
// the reverse (the app would otherwise serve plain HTTP while saying https).
var ErrTLSPair = errors.New("a TLS certificate needs its private key, and a key its certificate")

// ErrNeedsTLS is returned when the app is asked to listen beyond this
// machine without a certificate.
var ErrNeedsTLS = errors.New("serving the force's most sensitive data beyond this machine needs TLS")

// SetClock sets the clock sessions and rate limits are timed by (tests
// move it forward instead of waiting).
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// ServeHTTP adds the security headers to every response.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if s.secure {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	s.mux.ServeHTTP(w, r)
}

func token() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteStrictMode, MaxAge: int(maxAge.Seconds())})
}

func remote(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// current returns the request's live session, expiring old ones.
func (s *Server) current(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	se := s.sess[c.Value]
	now := s.now()
	if se == nil {
		return nil
	}
	if se.expired(now) {
		delete(s.sess, c.Value)
		return nil
	}
	se.lastSeen = now
	return se
}

// auth requires a session (and one of roles, when given) and a valid CSRF
// token on every POST; anything else is refused and, for a signed-in user,
// audited.
func (s *Server) auth(roles []string, h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		se := s.current(r)
		if se == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			http.Error(w, "sign in first", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodPost && !validCSRF(r, se.csrf) {
			s.record(se, "refused: bad CSRF token", r.URL.Path, r)
			http.Error(w, "the form has expired or did not come from this app; reload the page and try again", http.StatusForbidden)
			return
		}
		if roles != nil && !slices.Contains(roles, se.user.Role) {
			s.record(se, "refused: role", r.URL.Path, r)
			w.WriteHeader(http.StatusForbidden)
			s.render(w, "error", se, map[string]any{"Title": "Not for your role", "Message": "Your role (" + se.user.Role + ") cannot open this page: " + roleRights[se.user.Role]})
			return
		}
		h(w, r, se)
	}
}

// WatchUsers makes the server re-read the users file at path when it
// changes (checked at each sign-in), so users added or changed while the app
// runs can sign in without a restart. A file that no longer reads keeps the
// users loaded before (and the failure is logged).
func (s *Server) WatchUsers(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.usersPath = path
	if fi, err := os.Stat(path); err == nil {
		s.usersMod = fi.ModTime()
	}
}

// reloadUsers re-reads the users file if it changed since it was read.
func (s *Server) reloadUsers() {
	s.mu.Lock()
	path, mod := s.usersPath, s.usersMod
	s.mu.Unlock()
	if path == "" {
		return
	}
	fi, err := os.Stat(path)
	if err != nil || fi.ModTime().Equal(mod) {
		return
	}
	users, err := LoadUsers(path)
	if err != nil {
		log.Printf("tau serve: users file changed but cannot be read (keeping the users loaded before): %v", err)
		return
	}
	s.mu.Lock()
	s.users, s.usersMod = users, fi.ModTime()
	s.mu.Unlock()
}

// maxUserName is the longest user name (users.go: 2-64 characters).
const maxUserName = 64

// roleRights says what each role may see, for a refusal.
var roleRights = map[string]string{
	RoleAnalyst:  "analysts see aggregates only (the counts by band and stage, and the evaluation), never a person.",
	RoleAssessor: "assessors see the ranked list, the hidden threat, what changed, relationships, plans, packs, the downloads and the evaluation; the audit log is for administrators.",
	RoleAdmin:    "administrators see every page.",
}

func validCSRF(r *http.Request, want string) bool {
	got := r.PostFormValue("csrf")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func (s *Server) record(se *session, action, target string, r *http.Request) {
	e := AuditEntry{Time: s.now(), Action: action, Target: target, Remote: remote(r)}
	if se != nil {
		e.User, e.Role = se.user.Name, se.user.Role
	}
	if err := s.audit.Write(e); err != nil {
		log.Printf("tau serve: audit log write failed: %v", err)
	}
}

func (s *Server) render(w http.ResponseWriter, name string, se *session, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	if se != nil {
		data["User"], data["Role"], data["CSRF"] = se.user.Name, se.user.Role, se.csrf
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := s.tmpl.ExecuteTemplate(w, name, data); err != nil {
		log.Printf("tau serve: render %s: %v", name, err)
	}
}

func (s *Server) fail(w http.ResponseWriter, se *session, err error) {
	log.Printf("tau serve: %v", err)
	w.WriteHeader(http.StatusInternalServerError)
	s.render(w, "error", se, map[string]any{"Title": "Something went wrong", "Message": "The warehouse could not be read; try again, and tell the administrator if it persists."})
}

// loginPage shows the form with a token tied to a short-lived cookie
// (double-submit CSRF protection before there is a session).
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	t := token()
	s.setCookie(w, loginCookie, t, 15*time.Minute)
	s.render(w, "login", nil, map[string]any{"LoginCSRF": t, "Next": safeNext(r.URL.Query().Get("next"))})
}

// safeNext keeps a redirect inside the app.
func safeNext(n string) string {
	// Judge the path as a browser would read it: decoded, and with no
	// control character (a browser drops a tab or newline, so /\t/evil is
	// //evil, another host) or backslash (which browsers read as a slash).
	dec, err := url.PathUnescape(n)
	if err != nil || !strings.HasPrefix(n, "/") {
		return "/"
	}
	for _, r := range dec {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return "/"
		}
	}
	if strings.HasPrefix(dec, "//") {
		return "/"
	}
	u, err := url.Parse(n)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return n
}

// pruneEvery is how often the session and limiter maps are swept, so an app
// that runs for weeks holds only live sessions and the addresses that
// signed in lately.
const pruneEvery = time.Minute

// prune removes expired sessions and limiters that have refilled (an
// address that has not tried to sign in for a while), at most once every
// pruneEvery; s.mu must be held.
func (s *Server) prune(now time.Time) {
	if now.Sub(s.pruned) < pruneEvery {
		return
	}
	s.pruned = now
	for id, se := range s.sess {
		if se.expired(now) {
			delete(s.sess, id)
		}
	}
	for addr, l := range s.limits {
		if l.TokensAt(now) >= LoginBurst {
			delete(s.limits, addr)
		}
	}
}

// expired reports whether a session is past its age or idle limit.
func (se *session) expired(now time.Time) bool {
	return now.Sub(se.created) > SessionMaxAge || now.Sub(se.lastSeen) > SessionIdleFor
}

func (s *Server) limiter(addr string) *rate.Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune(s.now())
	l := s.limits[addr]
	if l == nil {
		l = rate.NewLimiter(rate.Every(LoginEvery), LoginBurst)
		s.limits[addr] = l
	}
	return l
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	// Only a real attempt (from the sign-in form, with its token) counts
	// against the limits, so a script posting without one cannot lock a
	// shared office address out; each address and each account has its own
	// budget.
	c, err := r.Cookie(loginCookie)
	if err != nil || !validCSRF(r, c.Value) {
		http.Error(w, "the sign-in form has expired; reload it and try again", http.StatusForbidden)
		return
	}
	name := r.PostFormValue("user")
	if len(name) > maxUserName {
		// No user has so long a name: cut for the log, and it cannot sign in.
		name = clean(name[:maxUserName]) + "..."
	}
	now := s.now()
	if !s.limiter(remote(r)).AllowN(now, 1) || !s.limiter("user:"+name).AllowN(now, 1) {
		s.record(nil, "refused: login rate limit", name, r)
		w.Header().Set("Retry-After", strconv.Itoa(int(LoginEvery.Seconds())))
		http.Error(w, "too many sign-in attempts; wait a minute and try again", http.StatusTooManyRequests)
		return
	}
	s.reloadUsers()
	s.mu.Lock()
	users := s.users
	s.mu.Unlock()
	u, ok := check(users, name, r.PostFormValue("password"))
	if !ok {
		s.record(&session{user: User{Name: name}}, "login failed", "", r)
		t := token()
		s.setCookie(w, loginCookie, t, 15*time.Minute)
		w.WriteHeader(http.StatusUnauthorized)
		s.render(w, "login", nil, map[string]any{"LoginCSRF": t, "Error": "Wrong user name or password.", "Next": safeNext(r.PostFormValue("next"))})
		return
	}
	id := token()
	se := &session{user: u, csrf: token(), created: s.now(), lastSeen: s.now()}
	s.mu.Lock()
	s.prune(s.now())
	s.sess[id] = se
	s.mu.Unlock()
	s.setCookie(w, sessionCookie, id, SessionMaxAge)
	s.setCookie(w, loginCookie, "", -time.Second)
	s.record(se, "login", "", r)
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, se *session) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.mu.Lock()
		delete(s.sess, c.Value)
		s.mu.Unlock()
	}
	s.setCookie(w, sessionCookie, "", -time.Second)
	s.record(se, "logout", "", r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

var (
	idRe      = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)
	bandRe    = regexp.MustCompile(`^(red|amber|green)?$`)
	clusterRe = regexp.MustCompile(`^[A-Za-z0-9_]{0,16}$`)
	areaRe    = regexp.MustCompile(`^[A-Za-z0-9 _-]{0,32}$`)
)

// PageSize is the rows of the ranked list on one page.
const PageSize = 100

// filter reads the list's filters, refusing anything malformed rather than
// passing it on (values reach SQL only as bound parameters anyway).
func filter(q url.Values) (Filter, error) {
	f := Filter{Band: q.Get("band"), Cluster: q.Get("cluster"), Area: q.Get("area"), Serial: q.Get("serial") == "1", NoPlan: q.Get("noplan") == "1",
		Sort: q.Get("sort"), Limit: PageSize}
	if !bandRe.MatchString(f.Band) || !clusterRe.MatchString(f.Cluster) || !areaRe.MatchString(f.Area) {
		return f, errors.New("unknown filter value")
	}
	if v := q.Get("asof"); v != "" {
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			return f, errors.New("the snapshot must be a date such as 2025-06-30")
		}
		f.AsOf = t
	}
	switch f.Sort {
	case "", "rank", "stage", "occurrences_90d", "days_since":
	default:
		return f, errors.New("unknown sort")
	}
	if v := q.Get("stage"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 8 {
			return f, errors.New("stage must be 0-8")
		}
		f.Stage = n
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100000 {
			return f, errors.New("bad page")
		}
		f.Offset = (n - 1) * PageSize
	}
	return f, nil
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, se *session) {
	f, err := filter(r.URL.Query())
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		s.render(w, "error", se, map[string]any{"Title": "Bad filter", "Message": "The list could not be filtered that way: " + err.Error() + ". Use the form's choices."})
		return
	}
	clusters, areas, err := s.store.Options(r.Context())
	if err != nil {
		s.fail(w, se, err)
		return
	}
	data := map[string]any{"Title": "Ranked list", "F": f, "Clusters": clusters, "Areas": areas, "Stages": []int{1, 2, 3, 4, 5, 6, 7, 8}}
	if _, err := s.pickSnapshot(r, f.AsOf, data); err != nil {
		s.storeError(w, se, err)
		return
	}
	if se.user.Role == RoleAnalyst {
		counts, err := s.store.Aggregates(r.Context(), f)
		if err != nil {
			s.storeError(w, se, err)
			return
		}
		data["Counts"] = counts
		s.render(w, "aggregates", se, data)
		return
	}
	l, err := s.store.List(r.Context(), f)
	if err != nil {
		s.storeError(w, se, err)
		return
	}
	data["Export"] = "/export/list.csv?" + r.URL.RawQuery
	// A view of the list is a view of people: audited, with its filter.
	s.record(se, "view ranked list", r.URL.RawQuery, r)
	page := f.Offset/PageSize + 1
	q := r.URL.Query()
	q.Set("page", strconv.Itoa(page+1))
	data["L"], data["Page"], data["Next"] = l, page, ""
	if f.Offset+len(l.Rows) < l.Total {
		data["Next"] = "/?" + q.Encode()
	}
	s.render(w, "list", se, data)
}

func (s *Server) loadRelationship(w http.ResponseWriter, r *http.Request, se *session, action string) *Relationship {
	id := r.PathValue("id")
	if !idRe.MatchString(id) {
		w.WriteHeader(http.StatusBadRequest)
		s.render(w, "error", se, map[string]any{"Title": "Bad relationship id", "Message": "That is not a relationship id."})
		return nil
	}
	asOf, err := snapshotParam(r, "asof")
	if err != nil {
		s.badRequest(w, se, "Bad date", err.Error())
		return nil
	}
	rel, err := s.store.Relationship(r.Context(), id, asOf)
	if errors.Is(err, ErrNotFound) {
		s.record(se, action+" (not found)", id, r)
		w.WriteHeader(http.StatusNotFound)
		s.render(w, "error", se, map[string]any{"Title": "Not found", "Message": "No scored relationship has that id."})
		return nil
	}
	if err != nil {
		s.storeError(w, se, err)
		return nil
	}
	s.record(se, action, id, r)
	return rel
}

func (s *Server) relationship(w http.ResponseWriter, r *http.Request, se *session) {
	rel := s.loadRelationship(w, r, se, "view relationship")
	if rel == nil {
		return
	}
	data := map[string]any{"Title": "Relationship " + rel.Row.RelationshipID, "R": rel, "Timeline": timelineSVG(rel.Events, rel.Plans, rel.AsOf)}
	if _, err := s.pickSnapshot(r, rel.AsOf, data); err != nil {
		s.fail(w, se, err)
		return
	}
	s.render(w, "relationship", se, data)
}

func (s *Server) pack(w http.ResponseWriter, r *http.Request, se *session) {
	rel := s.loadRelationship(w, r, se, "view PMP pack")
	if rel == nil {
		return
	}
	// The twelve months up to the score date the pack describes.
	end := rel.AsOf.AddDate(0, 0, 1)
	cut := end.AddDate(-1, 0, 0)
	var recent []Event
	for _, e := range rel.Events {
		if e.At.After(cut) && e.At.Before(end) {
			recent = append(recent, e)
		}
	}
	// Open actions, each flagged with how many days it is overdue on the
	// day the pack is printed.
	today := s.now()
	var open []Task
	for _, p := range rel.Plans {
		for _, a := range p.Actions {
			if a.Done.IsZero() {
				t := Task{Action: a, PlanID: p.ID}
				if !a.Due.IsZero() && a.Due.Before(today) {
					t.DaysOverdue = int(today.Sub(a.Due).Hours() / 24)
				}
				open = append(open, t)
			}
		}
	}
	s.render(w, "pack", se, map[string]any{"Title": "PMP pack " + rel.Row.RelationshipID, "R": rel, "Recent": recent, "Open": open, "Printed": today})
}

func (s *Server) plans(w http.ResponseWriter, r *http.Request, se *session) {
	b, err := s.store.Plans(r.Context(), s.now())
	if err != nil {
		s.fail(w, se, err)
		return
	}
	area := r.URL.Query().Get("area")
	if !areaRe.MatchString(area) {
		s.badRequest(w, se, "Bad area", "That is not an area: use the form's choices.")
		return
	}
	s.record(se, "view plans", r.URL.RawQuery, r)
	areas := map[string]bool{}
	var names []string
	for _, t := range b.Neighbourhood {
		if t.Area != "" && !areas[t.Area] {
			areas[t.Area] = true
			names = append(names, t.Area)
		}
	}
	sort.Strings(names)
	s.render(w, "plans", se, map[string]any{"Title": "Plans", "B": b, "Area": area, "Areas": names, "Tasks": InArea(b.Neighbourhood, area)})
}

func (s *Server) evaluation(w http.ResponseWriter, r *http.Request, se *session) {
	e, err := s.store.Evaluation(r.Context())
	if errors.Is(err, ErrNotFound) {
		s.render(w, "error", se, map[string]any{"Title": "No evaluation yet", "Message": "Run tau evaluate on the warehouse first."})
		return
	}
	if err != nil {
		s.fail(w, se, err)
		return
	}
	s.render(w, "evaluation", se, map[string]any{"Title": "Latest evaluation", "E": e})
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, se *session) {
	entries, err := s.audit.Entries()
	if err != nil {
		s.fail(w, se, err)
		return
	}
	// Newest first, the last 500.
	var rows []AuditEntry
	for i := len(entries) - 1; i >= 0 && len(rows) < 500; i-- {
		rows = append(rows, entries[i])
	}
	broken, _ := VerifyAudit(s.audit.path)
	s.render(w, "audit", se, map[string]any{"Title": "Audit log", "Entries": rows, "Total": len(entries), "Broken": broken})
}

// Serve listens on addr until ctx ends. A non-loopback address needs TLS
// (certFile and keyFile).
func Serve(ctx context.Context, addr, certFile, keyFile string, h http.Handler) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("serve: address %s: %w", addr, err)
	}
	if (certFile == "") != (keyFile == "") {
		return fmt.Errorf("serve: %w", ErrTLSPair)
	}
	ip := net.ParseIP(host)
	loopback := host == "localhost" || (ip != nil && ip.IsLoopback())
	tls := certFile != "" && keyFile != ""
	if !loopback && !tls {
		return fmt.Errorf("serve: %s is not a loopback address: %w", addr, ErrNeedsTLS)
	}
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if tls {
		err = srv.ListenAndServeTLS(certFile, keyFile)
	} else {
		err = srv.ListenAndServe()
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
