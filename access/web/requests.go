package web

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/magazin-archiv/magazin/access/accounts"
	"github.com/magazin-archiv/magazin/access/closure"
	"github.com/magazin-archiv/magazin/preservation"
)

// purposes are the grounds a researcher can give, in the order of the
// form.
var purposes = []struct{ Value, Label, Hint string }{
	{accounts.PurposeResearch, "Wissenschaftliches Forschungsvorhaben", "Bitte nennen Sie Titel und Institution des Vorhabens und beschreiben Sie, wofür Sie die Unterlagen benötigen."},
	{accounts.PurposeInterest, "Wahrnehmung berechtigter Belange", "Zum Beispiel zur Durchsetzung eigener Rechtsansprüche. Bitte beschreiben Sie Ihr Anliegen."},
	{accounts.PurposeConsent, "Einwilligung der betroffenen Person", "Nur bei personenbezogenen Unterlagen: Die Person (nach ihrem Tod ihre Angehörigen) hat eingewilligt. Bitte beschreiben Sie die Einwilligung; das Archiv fordert den Nachweis an."},
	{accounts.PurposeDeath, "Nachweis des Todes der betroffenen Person", "Nur bei personenbezogenen Unterlagen: Die Person ist seit mehr als zehn Jahren verstorben. Bitte nennen Sie Sterbedatum und Nachweis (z. B. Sterbeurkunde)."},
}

func purposeLabel(p string) string {
	for _, x := range purposes {
		if x.Value == p {
			return x.Label
		}
	}
	return p
}

// groundFor proposes the legal ground of a shortening for a request's
// purpose under law, for the unit's governing rule; the archivist may edit
// it.
func groundFor(law, governing, purpose string) string {
	personal := strings.HasPrefix(governing, closure.RuleSaechsDeath[:len(closure.RuleSaechsDeath)-1]) ||
		strings.HasPrefix(governing, "barchg-11-2")
	if law == closure.LawBArchG {
		switch {
		case purpose == accounts.PurposeConsent:
			return "§ 12 Abs. 2 Satz 1 BArchG, Einwilligung der betroffenen Person"
		case purpose == accounts.PurposeDeath:
			return "§ 11 Abs. 2 BArchG, Nachweis des Todes der betroffenen Person"
		case governing == closure.RuleBArchGSecrecy:
			return "§ 12 Abs. 3 BArchG, öffentliches Interesse (" + purposeLabel(purpose) + ")"
		case personal:
			return "§ 12 Abs. 2 Satz 2 BArchG, " + purposeLabel(purpose)
		}
		return "§ 12 Abs. 1 BArchG, " + purposeLabel(purpose)
	}
	if purpose == accounts.PurposeDeath {
		return "§ 10 Abs. 1 Nr. 3 SächsArchivG, Nachweis des Todes der betroffenen Person"
	}
	return "§ 10 Abs. 4 SächsArchivG, " + purposeLabel(purpose)
}

// newID returns a urn:uuid (version 4).
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// requestView is a request as the pages show it.
type requestView struct {
	accounts.Request
	PurposeLabel string
	UnitURL      string
	UnitLabel    string
	StatusLabel  string
	Created      string
	Decided      string
	NewRelease   string
	Applicant    *accounts.User
}

func (s *Server) newRequestView(r accounts.Request) requestView {
	v := requestView{Request: r, PurposeLabel: purposeLabel(r.Purpose), UnitURL: unitURL(r.Unit), UnitLabel: r.Signatur,
		Created: r.Created.In(berlin).Format("02.01.2006 15:04")}
	if v.UnitLabel == "" {
		v.UnitLabel = shortID(r.Unit)
	}
	switch r.Status {
	case accounts.RequestOpen:
		v.StatusLabel = "in Bearbeitung"
	case accounts.RequestApproved:
		v.StatusLabel = "genehmigt"
	case accounts.RequestRejected:
		v.StatusLabel = "abgelehnt"
	}
	if !r.Decided.IsZero() {
		v.Decided = r.Decided.In(berlin).Format("02.01.2006")
	}
	if r.NewRelease != "" {
		v.NewRelease = preservation.GermanDate(r.NewRelease)
	}
	return v
}

// requestFormView is the form of a request on one unit.
type requestFormView struct {
	Unit        unitView
	CSRF        string
	Purposes    any
	Purpose     string
	Project     string
	Institution string
	Text        string
	Error       string
}

// requestForm shows the request form for a closed unit.
func (s *Server) requestForm(w http.ResponseWriter, r *http.Request) {
	u := s.requireUser(w, r, false)
	if u == nil {
		return
	}
	pu, err := s.unit(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if pu.Open {
		http.Redirect(w, r, unitURL(pu.Unit.ID), http.StatusSeeOther)
		return
	}
	v := requestFormView{Unit: s.newUnitView(pu), CSRF: u.session.CSRF, Purposes: purposes, Purpose: accounts.PurposeResearch,
		Institution: u.user.Institution}
	s.render(w, r, http.StatusOK, "request.html", page{Title: "Antrag auf Schutzfristverkürzung – " + v.Unit.heading(), Data: v})
}

// fileRequest files a researcher's request.
func (s *Server) fileRequest(w http.ResponseWriter, r *http.Request) {
	u := s.requireUser(w, r, false)
	if u == nil {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if !s.checkCSRF(r) {
		s.refuseCSRF(w, r)
		return
	}
	pu, err := s.unit(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if pu.Open {
		http.Redirect(w, r, unitURL(pu.Unit.ID), http.StatusSeeOther)
		return
	}
	req := accounts.Request{User: u.user.ID, Unit: pu.Unit.ID, Signatur: pu.Unit.Signatur, Purpose: r.PostFormValue("zweck"),
		Project: r.PostFormValue("vorhaben"), Institution: r.PostFormValue("institution"), Justification: r.PostFormValue("begruendung")}
	if _, err := s.auth.Accounts.CreateRequest(r.Context(), req); err != nil {
		if errors.Is(err, accounts.ErrPending) {
			http.Redirect(w, r, "/konto/antraege?hinweis=offen", http.StatusSeeOther)
			return
		}
		if !errors.Is(err, accounts.ErrInvalid) {
			s.fail(w, r, err)
			return
		}
		v := requestFormView{Unit: s.newUnitView(pu), CSRF: u.session.CSRF, Purposes: purposes, Purpose: req.Purpose,
			Project: req.Project, Institution: req.Institution, Text: req.Justification,
			Error: "Bitte wählen Sie den Zweck und begründen Sie Ihren Antrag; für ein Forschungsvorhaben nennen Sie bitte seinen Titel."}
		s.render(w, r, http.StatusBadRequest, "request.html", page{Title: "Antrag auf Schutzfristverkürzung", Data: v})
		return
	}
	http.Redirect(w, r, "/konto/antraege?hinweis=gestellt", http.StatusSeeOther)
}

// myRequestsView is "Meine Anträge".
type myRequestsView struct {
	User     *accounts.User
	Requests []requestView
	Notice   string
}

func (s *Server) myRequests(w http.ResponseWriter, r *http.Request) {
	u := s.requireUser(w, r, false)
	if u == nil {
		return
	}
	rs, err := s.auth.Accounts.Requests(r.Context(), func(q *accounts.Request) bool { return q.User == u.user.ID })
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := myRequestsView{User: u.user}
	for _, q := range rs {
		v.Requests = append(v.Requests, s.newRequestView(q))
	}
	switch r.URL.Query().Get("hinweis") {
	case "gestellt":
		v.Notice = "Ihr Antrag ist eingegangen. Das Archiv entscheidet darüber und Sie sehen die Entscheidung hier."
	case "offen":
		v.Notice = "Zu dieser Einheit haben Sie bereits einen Antrag gestellt, über den noch nicht entschieden ist."
	}
	s.render(w, r, http.StatusOK, "myrequests.html", page{Title: "Meine Anträge", Data: v})
}

// staffRequestsView lists requests for archivists.
type staffRequestsView struct {
	Open, Decided []requestView
	Notice        string
}

func (s *Server) staffRequests(w http.ResponseWriter, r *http.Request) {
	if s.requireUser(w, r, true) == nil {
		return
	}
	rs, err := s.auth.Accounts.Requests(r.Context(), nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var v staffRequestsView
	for _, q := range rs {
		rv := s.newRequestView(q)
		if a, err := s.auth.Accounts.User(r.Context(), q.User); err == nil {
			rv.Applicant = a
		}
		if q.Status == accounts.RequestOpen {
			v.Open = append(v.Open, rv)
		} else if len(v.Decided) < 50 {
			v.Decided = append(v.Decided, rv)
		}
	}
	if r.URL.Query().Get("hinweis") == "entschieden" {
		v.Notice = "Die Entscheidung ist gespeichert."
	}
	s.render(w, r, http.StatusOK, "staffrequests.html", page{Title: "Anträge auf Schutzfristverkürzung", Data: v})
}

// decisionView is the archivist's decision form on one request.
type decisionView struct {
	Req        requestView
	CSRF       string
	Release    string // the release under the law, German
	Governing  string
	Law        string
	Ground     string
	NewRelease string // YYYY-MM-DD, the form's default: today
	Conditions string
	Reason     string
	Error      string
}

func (s *Server) decisionData(r *http.Request, u *who, q *accounts.Request) (decisionView, error) {
	v := decisionView{Req: s.newRequestView(*q), CSRF: u.session.CSRF, NewRelease: s.room.Today()}
	if a, err := s.auth.Accounts.User(r.Context(), q.User); err == nil {
		v.Req.Applicant = a
	}
	base, law, err := s.auth.Decider.Base(r.Context(), q.Unit)
	if err != nil {
		return v, err
	}
	v.Law = law
	v.Release, _ = releaseText(base.Release)
	v.Governing = closure.RuleText(base.Governing)
	v.Ground = groundFor(law, base.Governing, q.Purpose)
	return v, nil
}

func (s *Server) decisionPage(w http.ResponseWriter, r *http.Request) {
	u := s.requireUser(w, r, true)
	if u == nil {
		return
	}
	q, err := s.auth.Accounts.Request(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.decisionData(r, u, q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "decide.html", page{Title: "Antrag entscheiden", Data: v})
}

// decide records an archivist's decision on a request: an approval is a
// closure decision for the applicant alone (closure.ScopeUser), journaled
// first; then the request records the outcome.
func (s *Server) decide(w http.ResponseWriter, r *http.Request) {
	u := s.requireUser(w, r, true)
	if u == nil {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if !s.checkCSRF(r) {
		s.refuseCSRF(w, r)
		return
	}
	q, err := s.auth.Accounts.Request(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.decisionData(r, u, q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Ground = strings.TrimSpace(r.PostFormValue("rechtsgrundlage"))
	v.NewRelease = strings.TrimSpace(r.PostFormValue("freigabe"))
	v.Conditions = strings.TrimSpace(r.PostFormValue("auflagen"))
	v.Reason = strings.TrimSpace(r.PostFormValue("ablehnungsgrund"))
	again := func(msg string) {
		v.Error = msg
		s.render(w, r, http.StatusBadRequest, "decide.html", page{Title: "Antrag entscheiden", Data: v})
	}
	if q.Status != accounts.RequestOpen {
		again("Über diesen Antrag ist bereits entschieden.")
		return
	}
	out := accounts.Outcome{Decider: u.user.ID}
	switch r.PostFormValue("entscheidung") {
	case "genehmigen":
		d := closure.Decision{ID: newID(), Unit: q.Unit, Kind: closure.KindShorten, Scope: closure.ScopeUser, User: q.User,
			NewRelease: v.NewRelease, Ground: v.Ground, Conditions: v.Conditions, Approver: u.user.ID, Date: s.room.Today()}
		if err := s.auth.Decider.Decide(r.Context(), d); err != nil {
			if errors.Is(err, closure.ErrInvalidDecision) || errors.Is(err, closure.ErrNotPermitted) {
				again("Die Entscheidung ist so nicht zulässig: " + err.Error())
				return
			}
			s.fail(w, r, err)
			return
		}
		s.log.Info("web: shortening granted", "request", q.ID, "decision", d.ID, "unit", q.Unit, "user", q.User, "approver", u.user.ID)
		out.Status, out.Decision, out.NewRelease, out.Conditions = accounts.RequestApproved, d.ID, d.NewRelease, d.Conditions
	case "ablehnen":
		if v.Reason == "" {
			again("Bitte begründen Sie die Ablehnung.")
			return
		}
		out.Status, out.Reason = accounts.RequestRejected, v.Reason
	default:
		again("Bitte wählen Sie: genehmigen oder ablehnen.")
		return
	}
	if _, err := s.auth.Accounts.Decide(r.Context(), q.ID, out); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/archiv/antraege?hinweis=entschieden", http.StatusSeeOther)
}

var berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.UTC
	}
	return l
}()
