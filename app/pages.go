package app

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// snapshotParam reads a snapshot date from the query (key), zero when
// absent.
func snapshotParam(r *http.Request, key string) (time.Time, error) {
	v := r.URL.Query().Get(key)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s must be a date such as 2025-06-30", key)
	}
	return t, nil
}

// badRequest shows a refusal of a malformed request.
func (s *Server) badRequest(w http.ResponseWriter, se *session, title, msg string) {
	w.WriteHeader(http.StatusBadRequest)
	s.render(w, "error", se, map[string]any{"Title": title, "Message": msg})
}

// storeError shows a store failure: an unknown snapshot is the user's to
// fix, anything else the administrator's.
func (s *Server) storeError(w http.ResponseWriter, se *session, err error) {
	if errors.Is(err, ErrNoSuchSnapshot) {
		w.WriteHeader(http.StatusNotFound)
		s.render(w, "error", se, map[string]any{"Title": "No such snapshot", "Message": "The warehouse holds no score of that date for this configuration: pick one from the list."})
		return
	}
	s.fail(w, se, err)
}

// pickSnapshot resolves a date (zero: the latest) to its snapshot and
// puts what the snapshot picker and notice need into data: the chosen
// snapshot, every snapshot, and the latest.
func (s *Server) pickSnapshot(r *http.Request, asOf time.Time, data map[string]any) (Snapshot, error) {
	snaps, err := s.store.Snapshots(r.Context())
	if err != nil {
		return Snapshot{}, err
	}
	sn, err := FindSnapshot(snaps, asOf)
	if err != nil {
		return Snapshot{}, err
	}
	data["Snap"], data["Snaps"] = sn, snaps
	if len(snaps) > 0 {
		data["Latest"] = snaps[0]
	}
	return sn, nil
}

// pageParam reads the page number (1 when absent; false when malformed).
func pageParam(r *http.Request) (int, bool) {
	v := r.URL.Query().Get("page")
	if v == "" {
		return 1, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 1 && n <= 100000
}

// hidden is the hidden-threat queue, a page at a time.
func (s *Server) hidden(w http.ResponseWriter, r *http.Request, se *session) {
	page, ok := pageParam(r)
	if !ok {
		s.badRequest(w, se, "Bad page", "That is not a page of the queue.")
		return
	}
	data := map[string]any{"Title": "Hidden threat"}
	rows, total, sn, ok := s.hiddenRows(w, r, se, (page-1)*PageSize, PageSize, data)
	if !ok {
		return
	}
	s.record(se, "view hidden threat", r.URL.RawQuery, r)
	data["Total"], data["Export"] = total, "/export/hidden.csv?asof="+sn.AsOf.Format("2006-01-02")
	from := (page - 1) * PageSize
	data["Rows"], data["From"], data["To"] = rows, from+1, from+len(rows)
	if from+len(rows) < total {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(page+1))
		data["Next"] = "/hidden?" + q.Encode()
	}
	s.render(w, "hidden", se, data)
}

// hiddenRows reads a page of the queue of the request's snapshot (limit
// 0: all of it) and the queue's length, putting the snapshot picker's data
// into data.
func (s *Server) hiddenRows(w http.ResponseWriter, r *http.Request, se *session, offset, limit int, data map[string]any) ([]HiddenRow, int, Snapshot, bool) {
	asOf, err := snapshotParam(r, "asof")
	if err != nil {
		s.badRequest(w, se, "Bad date", err.Error())
		return nil, 0, Snapshot{}, false
	}
	sn, err := s.pickSnapshot(r, asOf, data)
	if err != nil {
		s.storeError(w, se, err)
		return nil, 0, Snapshot{}, false
	}
	rows, total, err := s.store.Hidden(r.Context(), sn.AsOf, offset, limit)
	if err != nil {
		s.storeError(w, se, err)
		return nil, 0, Snapshot{}, false
	}
	return rows, total, sn, true
}

// changes is what changed between two snapshots.
func (s *Server) changes(w http.ResponseWriter, r *http.Request, se *session) {
	ch, ok := s.changeRows(w, r, se)
	if !ok {
		return
	}
	kind := r.URL.Query().Get("show")
	if kind != "" && !slices.Contains(ChangeKinds, kind) {
		s.badRequest(w, se, "Bad choice", "That is not a kind of change: use the counts' links.")
		return
	}
	page, ok := pageParam(r)
	if !ok {
		s.badRequest(w, se, "Bad page", "That is not a page of the changes.")
		return
	}
	s.record(se, "view changes", r.URL.RawQuery, r)
	// Every kind is the whole set as it is (nationally 230 thousand rows a
	// quarter: not copied for each page).
	rows := ch.Rows
	if kind != "" {
		rows = nil
		for _, c := range ch.Rows {
			if c.Kind(kind) {
				rows = append(rows, c)
			}
		}
	}
	q := r.URL.Query()
	q.Del("page")
	q.Del("show")
	base := "/changes?" + q.Encode()
	data := map[string]any{"Title": "What changed", "C": ch, "Show": kind, "Base": base, "Export": "/export/changes.csv?" + q.Encode(), "Matching": len(rows)}
	from := min((page-1)*PageSize, len(rows))
	to := min(from+PageSize, len(rows))
	data["Rows"], data["From"], data["To"] = rows[from:to], from+1, to
	if to < len(rows) {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(page+1))
		data["Next"] = "/changes?" + q.Encode()
	}
	snaps, err := s.store.Snapshots(r.Context())
	if err != nil {
		s.fail(w, se, err)
		return
	}
	data["Snaps"] = snaps
	s.render(w, "changes", se, data)
}

// changeRows reads the changes between the request's snapshots.
func (s *Server) changeRows(w http.ResponseWriter, r *http.Request, se *session) (*Changes, bool) {
	from, err := snapshotParam(r, "from")
	var to time.Time
	if err == nil {
		to, err = snapshotParam(r, "to")
	}
	if err != nil {
		s.badRequest(w, se, "Bad date", err.Error())
		return nil, false
	}
	ch, err := s.store.Changes(r.Context(), from, to)
	switch {
	case errors.Is(err, ErrNoSuchSnapshot):
		w.WriteHeader(http.StatusNotFound)
		s.render(w, "error", se, map[string]any{"Title": "Nothing to compare", "Message": "Changes need two score snapshots: " + err.Error() + "."})
		return nil, false
	case err != nil:
		s.fail(w, se, err)
		return nil, false
	}
	return ch, true
}

// CSVSafe keeps a cell from being read as a formula by a spreadsheet
// (OWASP's CSV injection advice: prefix =, +, -, @, tab and CR with ').
func CSVSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// writeCSV sends a CSV download, every cell made safe for a spreadsheet.
func writeCSV(w http.ResponseWriter, name string, header []string, rows [][]string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	cw := csv.NewWriter(w)
	cw.Write(header)
	for _, r := range rows {
		for i := range r {
			r[i] = CSVSafe(r[i])
		}
		cw.Write(r)
	}
	cw.Flush()
}

// listHeader and listCells are the ranked list's columns in a download.
var listHeader = []string{"rank", "victim_reference", "perpetrator_reference", "relationship_id", "band", "stage", "score", "clusters",
	"officer_grade", "area", "occurrences_last_90_days", "days_since_last", "serial_perpetrator", "has_plan"}

func listCells(r ListRow) []string {
	return []string{strconv.Itoa(r.Rank), r.VictimID, r.PerpetratorID, r.RelationshipID, r.Band, strconv.Itoa(r.Stage), fmt.Sprintf("%.1f", r.Total),
		strings.Join(r.ClusterNames, "; "), r.OfficerGrade, r.Area, strconv.Itoa(r.Occurrences90d), strconv.Itoa(r.DaysSince), yes(r.Serial), yes(r.HasPlan)}
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// exportList downloads the filtered ranked list (every page).
func (s *Server) exportList(w http.ResponseWriter, r *http.Request, se *session) {
	f, err := filter(r.URL.Query())
	if err != nil {
		s.badRequest(w, se, "Bad filter", "The list could not be filtered that way: "+err.Error()+".")
		return
	}
	f.Limit, f.Offset = 0, 0
	l, err := s.store.List(r.Context(), f)
	if err != nil {
		s.storeError(w, se, err)
		return
	}
	s.record(se, "export ranked list (CSV)", r.URL.RawQuery, r)
	var rows [][]string
	for _, row := range l.Rows {
		rows = append(rows, listCells(row))
	}
	writeCSV(w, "ranked-list-"+l.AsOf.Format("2006-01-02")+".csv", listHeader, rows)
}

// exportHidden downloads the hidden-threat queue.
func (s *Server) exportHidden(w http.ResponseWriter, r *http.Request, se *session) {
	hidden, _, sn, ok := s.hiddenRows(w, r, se, 0, 0, map[string]any{})
	if !ok {
		return
	}
	s.record(se, "export hidden threat (CSV)", r.URL.RawQuery, r)
	var rows [][]string
	for _, h := range hidden {
		rows = append(rows, append(listCells(h.ListRow), h.Line()))
	}
	writeCSV(w, "hidden-threat-"+sn.AsOf.Format("2006-01-02")+".csv", append(append([]string{}, listHeader...), "threat_and_source"), rows)
}

// exportChanges downloads the changes between two snapshots.
func (s *Server) exportChanges(w http.ResponseWriter, r *http.Request, se *session) {
	ch, ok := s.changeRows(w, r, se)
	if !ok {
		return
	}
	s.record(se, "export changes (CSV)", r.URL.RawQuery, r)
	header := append(append([]string{}, listHeader...), "listed_now", "band_before", "stage_before", "score_before", "new_to_red", "band_or_stage_up",
		"left_red", "plan_closed_score_rising", "new_clusters", "new_items")
	var rows [][]string
	for _, c := range ch.Rows {
		rows = append(rows, append(listCells(c.Row), yes(c.Listed), c.FromBand, strconv.Itoa(c.FromStage), fmt.Sprintf("%.1f", c.FromScore),
			yes(c.NewRed), yes(c.Up), yes(c.LeftRed), yes(c.PlanClosedRising), strings.Join(c.NewClusters, "; "), strings.Join(c.NewItems, "; ")))
	}
	writeCSV(w, "changes-"+ch.From.Format("2006-01-02")+"-to-"+ch.To.Format("2006-01-02")+".csv", header, rows)
}
