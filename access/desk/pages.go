package desk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/fixity"
)

// page is what every template gets.
type page struct {
	Title string
	// Nav is the active section: start, uebernahmen, bewertung,
	// erschliessung, pruefung, konten.
	Nav  string
	User Identity
	CSRF string
	// OK is a confirmation of the last change, Error what went wrong.
	OK, Error string
	Data      any
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	p.User = identity(r)
	if p.User.ID != "" {
		p.CSRF = h.cfg.Auth.CSRFToken(r)
	}
	var buf bytes.Buffer
	if err := h.tmpl.ExecuteTemplate(&buf, name, p); err != nil {
		h.log.Error("desk: rendering", "template", name, "err", err)
		http.Error(w, "Interner Fehler", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

type refusal struct{ Heading, Message string }

func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, status int, heading, msg string) {
	h.render(w, r, status, "error.html", page{Title: heading, Data: refusal{heading, msg}})
}

// fail answers an error of a source.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		h.refuse(w, r, http.StatusNotFound, "Nicht gefunden", "Das Gesuchte gibt es nicht (mehr).")
	case errors.Is(err, context.Canceled):
		w.WriteHeader(499)
	default:
		h.log.Error("desk", "path", r.URL.Path, "err", err)
		h.refuse(w, r, http.StatusInternalServerError, "Fehler", "Die Seite konnte nicht erstellt werden. Der Fehler ist protokolliert.")
	}
}

func (h *Handler) unavailable(w http.ResponseWriter, r *http.Request, what string) {
	h.refuse(w, r, http.StatusNotImplemented, what, what+" ist in dieser Installation nicht eingerichtet.")
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		h.refuse(w, r, http.StatusMethodNotAllowed, "Nicht erlaubt", "Diese Adresse nimmt keine Formulare an.")
		return
	}
	h.refuse(w, r, http.StatusNotFound, "Nicht gefunden", "Diese Seite des Arbeitsplatzes gibt es nicht.")
}

// seeOther redirects after a successful POST.
func seeOther(w http.ResponseWriter, r *http.Request, path string, q url.Values) {
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// --- start page ---

type homeView struct {
	Open, Quarantined int
	Offers, Ingests   bool
	Audits, Accounts  bool
	// Pending counts the registrations waiting for approval.
	Pending int
	LastRun *fixity.RunSummary
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	v := homeView{Offers: h.cfg.Offers != nil, Ingests: h.cfg.Ingests != nil, Audits: h.cfg.Audits != nil}
	ctx := r.Context()
	if h.cfg.Offers != nil {
		ps, err := h.cfg.Offers.Processes(ctx)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, p := range ps {
			if p.Step == StepOffer {
				v.Open++
			}
		}
	}
	if h.cfg.Ingests != nil {
		qs, err := h.cfg.Ingests.Quarantine(ctx)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, q := range qs {
			if q.Open() {
				v.Quarantined++
			}
		}
	}
	if h.cfg.Accounts != nil {
		v.Accounts = true
		list, err := h.cfg.Accounts.List(ctx, identity(r))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, a := range list {
			if a.State == "pending" {
				v.Pending++
			}
		}
	}
	if h.cfg.Audits != nil {
		run, err := h.cfg.Audits.LastRun(ctx)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		v.LastRun = run
	}
	h.render(w, r, http.StatusOK, "home.html", page{Title: "Arbeitsplatz", Nav: "start", Data: v})
}

// --- ingest monitor ---

type ingestsView struct {
	Recent []Submission
	// Open are the entries waiting for a decision, Done the resolved
	// and discarded ones.
	Open, Done []Quarantined
	// Actions: entries link to their page (Config.Quarantine is set).
	Actions bool
}

func (h *Handler) ingests(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Ingests == nil {
		h.unavailable(w, r, "Die Übernahmeübersicht")
		return
	}
	recent, err := h.cfg.Ingests.Recent(r.Context(), 100)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q, err := h.cfg.Ingests.Quarantine(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := ingestsView{Recent: recent, Actions: h.cfg.Quarantine != nil}
	for _, e := range q {
		if e.Open() {
			v.Open = append(v.Open, e)
		} else {
			v.Done = append(v.Done, e)
		}
	}
	h.render(w, r, http.StatusOK, "ingests.html", page{Title: "Übernahmen", Nav: "uebernahmen", Data: v})
}

// --- appraisal ---

func (h *Handler) offers(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Offers == nil {
		h.unavailable(w, r, "Die Bewertung")
		return
	}
	ps, err := h.cfg.Offers.Processes(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "offers.html", page{Title: "Bewertung von Anbietungen", Nav: "bewertung", Data: ps})
}

// offerView is the appraisal table.
type offerView struct {
	Offer  *Offer
	Rows   []offerRow
	Groups []planGroup
	// Prefix is the last free prefix typed.
	Prefix string
	// Decided and Top count the decided top-level objects and all of them.
	Decided, Top int
	Sent         bool
	Action       string
}

type offerRow struct {
	Object
	Value, Note string
	// Sent is the decision of the last 0502.
	Sent string
}

// planGroup is a file-plan unit (or a group of them by prefix) for bulk
// decisions.
type planGroup struct {
	Prefix, Title string
	Count         int
}

func offerPath(process string) string { return Prefix + "bewertung/" + url.PathEscape(process) }

func (h *Handler) offer(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Offers == nil {
		h.unavailable(w, r, "Die Bewertung")
		return
	}
	o, err := h.cfg.Offers.Offer(r.Context(), r.PathValue("process"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	current := map[string]Decision{}
	for _, d := range o.Draft {
		current[d.ID] = d
	}
	if len(o.Draft) == 0 {
		for _, d := range o.Appraised {
			current[d.ID] = d
		}
	}
	h.renderOffer(w, r, http.StatusOK, o, current, r.URL.Query().Get("praefix"), okMessage(r.URL.Query()), "")
}

func (h *Handler) renderOffer(w http.ResponseWriter, r *http.Request, status int, o *Offer, current map[string]Decision, prefix, ok, msg string) {
	v := offerView{Offer: o, Groups: planGroups(o.Objects), Prefix: prefix, Sent: o.Appraised != nil, Action: offerPath(o.Process.ID)}
	sent := map[string]string{}
	for _, d := range o.Appraised {
		sent[d.ID] = d.Value
	}
	for _, obj := range o.Objects {
		d := current[obj.ID]
		v.Rows = append(v.Rows, offerRow{Object: obj, Value: d.Value, Note: d.Note, Sent: sent[obj.ID]})
		if obj.Depth == 0 {
			v.Top++
			if d.Value != "" {
				v.Decided++
			}
		}
	}
	title := "Anbietung " + o.Process.ID
	if o.Process.Title != "" {
		title = "Anbietung: " + o.Process.Title
	}
	h.render(w, r, status, "offer.html", page{Title: title, Nav: "bewertung", OK: ok, Error: msg, Data: v})
}

// planGroups lists the file-plan units of the top-level objects and the
// prefixes of their Aktenplankennzeichen that end before a separator ("-",
// ".", "/", " ") and cover more objects than any longer one, with the
// number of top-level objects each covers.
func planGroups(objs []Object) []planGroup {
	count := map[string]int{}
	titles := map[string]string{}
	for _, o := range objs {
		if o.Depth != 0 || o.Aktenplan == "" {
			continue
		}
		seen := map[string]bool{}
		for i, c := range o.Aktenplan {
			if strings.ContainsRune("-./ ", c) && i > 0 {
				seen[o.Aktenplan[:i]] = true
			}
		}
		seen[o.Aktenplan] = true
		for p := range seen {
			count[p]++
		}
		if titles[o.Aktenplan] == "" {
			titles[o.Aktenplan] = o.AktenplanTitle
		}
	}
	var out []planGroup
	for p, n := range count {
		// A group that covers the same objects as a longer one adds
		// nothing: keep the longer one (a file-plan unit has a title).
		same := false
		for q, m := range count {
			if m == n && len(q) > len(p) && strings.HasPrefix(q, p) {
				same = true
				break
			}
		}
		if !same {
			out = append(out, planGroup{Prefix: p, Title: titles[p], Count: n})
		}
	}
	slices.SortFunc(out, func(a, b planGroup) int { return strings.Compare(a.Prefix, b.Prefix) })
	return out
}

// planMatches: the Aktenplankennzeichen kz lies in the file-plan unit or
// group prefix.
func planMatches(kz, prefix string) bool {
	return prefix != "" && strings.HasPrefix(kz, prefix)
}

// Form actions of the appraisal table.
const (
	actSave     = "speichern"
	actFinish   = "abschliessen"
	actProposal = "vorschlag"
	actFreeA    = "praefix-A"
	actFreeV    = "praefix-V"
)

func (h *Handler) offerPost(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Offers == nil {
		h.unavailable(w, r, "Die Bewertung")
		return
	}
	if err := r.ParseForm(); err != nil {
		h.refuse(w, r, http.StatusBadRequest, "Ungültiges Formular", "Das Formular konnte nicht gelesen werden.")
		return
	}
	ctx := r.Context()
	o, err := h.cfg.Offers.Offer(ctx, r.PathValue("process"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	current := map[string]Decision{}
	for _, d := range o.Draft {
		current[d.ID] = d
	}
	if len(o.Draft) == 0 {
		for _, d := range o.Appraised {
			current[d.ID] = d
		}
	}
	// The table as submitted.
	var bad []string
	for _, obj := range o.Objects {
		d := current[obj.ID]
		d.ID = obj.ID
		if vs, ok := r.PostForm["d."+obj.ID]; ok {
			v := strings.ToUpper(strings.TrimSpace(vs[0]))
			if v != "" && v != "A" && v != "V" {
				bad = append(bad, obj.ID)
				continue
			}
			d.Value = v
		}
		if vs, ok := r.PostForm["n."+obj.ID]; ok {
			d.Note = strings.TrimSpace(vs[0])
		}
		current[obj.ID] = d
	}
	prefix := strings.TrimSpace(r.PostFormValue("praefix"))
	if len(bad) > 0 {
		h.renderOffer(w, r, http.StatusUnprocessableEntity, o, current, prefix, "",
			fmt.Sprintf("Ungültige Entscheidung für %d Objekt(e): erlaubt sind nur A (archivwürdig) und V (vernichten).", len(bad)))
		return
	}
	action := r.PostFormValue("aktion")
	q := url.Values{}
	bulk := func(value, prefix string) {
		n := 0
		for _, obj := range o.Objects {
			if obj.Depth == 0 && planMatches(obj.Aktenplan, prefix) {
				d := current[obj.ID]
				d.Value = value
				current[obj.ID] = d
				n++
			}
		}
		q.Set("ok", "sammel")
		q.Set("n", strconv.Itoa(n))
		q.Set("wert", value)
		q.Set("gruppe", prefix)
	}
	switch {
	case action == actSave || action == "":
		q.Set("ok", "gespeichert")
	case action == actFinish:
	case action == actProposal:
		n := 0
		for _, obj := range o.Objects {
			if obj.Depth != 0 || current[obj.ID].Value != "" || (obj.Proposal != "A" && obj.Proposal != "V") {
				continue
			}
			d := current[obj.ID]
			d.Value = obj.Proposal
			current[obj.ID] = d
			n++
		}
		q.Set("ok", "vorschlag")
		q.Set("n", strconv.Itoa(n))
	case action == actFreeA || action == actFreeV:
		if prefix == "" {
			h.renderOffer(w, r, http.StatusUnprocessableEntity, o, current, prefix, "",
				"Bitte geben Sie den Anfang eines Aktenplankennzeichens ein, für das die Sammelentscheidung gelten soll.")
			return
		}
		bulk(action[len(action)-1:], prefix)
		q.Set("praefix", prefix)
	case strings.HasPrefix(action, "A:") || strings.HasPrefix(action, "V:"):
		bulk(action[:1], action[2:])
	default:
		h.renderOffer(w, r, http.StatusUnprocessableEntity, o, current, prefix, "", "Unbekannte Aktion; nichts wurde geändert.")
		return
	}
	var ds []Decision
	for _, obj := range o.Objects {
		if d := current[obj.ID]; d.Value != "" || d.Note != "" {
			ds = append(ds, d)
		}
	}
	who := identity(r)
	if action == actFinish {
		var final []Decision
		missing := 0
		for _, obj := range o.Objects {
			d := current[obj.ID]
			if d.Value != "" {
				final = append(final, d)
			} else if obj.Depth == 0 {
				missing++
			}
		}
		// The input is kept whatever happens next.
		if err := h.cfg.Offers.SaveDraft(ctx, o.Process.ID, ds, who); err != nil {
			h.fail(w, r, err)
			return
		}
		if missing > 0 {
			h.renderOffer(w, r, http.StatusUnprocessableEntity, o, current, prefix, "",
				fmt.Sprintf("Die Bewertung ist nicht abgeschlossen: für %d Objekt(e) der obersten Ebene fehlt die Entscheidung A oder V. Ihre Eingaben sind gespeichert.", missing))
			return
		}
		if _, err := h.cfg.Offers.Appraise(ctx, o.Process.ID, final, who); err != nil {
			if errors.Is(err, ErrInvalid) {
				h.renderOffer(w, r, http.StatusUnprocessableEntity, o, current, prefix, "", "Die Bewertung wurde nicht gesendet: "+reason(err))
				return
			}
			h.fail(w, r, err)
			return
		}
		h.log.Info("desk: appraisal sent", "process", o.Process.ID, "user", who.ID, "decisions", len(final))
		seeOther(w, r, offerPath(o.Process.ID), url.Values{"ok": {"bewertet"}, "n": {strconv.Itoa(len(final))}})
		return
	}
	if err := h.cfg.Offers.SaveDraft(ctx, o.Process.ID, ds, who); err != nil {
		h.fail(w, r, err)
		return
	}
	seeOther(w, r, offerPath(o.Process.ID), q)
}

// reason is the text of an ErrInvalid error without its prefix.
func reason(err error) string {
	return strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": ")
}

// okMessage turns the confirmation of a redirect into German text. Only
// fixed texts and numbers are shown: a crafted link cannot make the page
// say anything else.
func okMessage(q url.Values) string {
	n, _ := strconv.Atoi(q.Get("n"))
	switch q.Get("ok") {
	case "gespeichert":
		return "Ihre Eingaben sind gespeichert (noch nicht an die Behörde gesendet)."
	case "sammel":
		v := "A (archivwürdig)"
		if q.Get("wert") == "V" {
			v = "V (vernichten)"
		}
		return fmt.Sprintf("%d Objekt(e) der Aktenplaneinheit %s auf %s gesetzt und gespeichert.", n, q.Get("gruppe"), v)
	case "vorschlag":
		return fmt.Sprintf("Der Vorschlag der Behörde ist für %d noch offene(s) Objekt(e) übernommen und gespeichert.", n)
	case "bewertet":
		return fmt.Sprintf("Die Bewertung ist abgeschlossen: %d Entscheidung(en) sind im Bewertungsverzeichnis (0502) an die Behörde gesendet.", n)
	case "einheit":
		return "Die Verzeichnung ist gespeichert, im Journal festgehalten und im Findmittel aktualisiert."
	}
	return ""
}

// --- description editing ---

func unitPath(id string) string { return Prefix + "einheit/" + url.PathEscape(id) }

func (h *Handler) findUnit(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Descriptions == nil {
		h.unavailable(w, r, "Die Erschließung")
		return
	}
	ref := strings.TrimSpace(r.URL.Query().Get("ref"))
	if ref == "" {
		h.render(w, r, http.StatusOK, "find.html", page{Title: "Erschließung", Nav: "erschliessung"})
		return
	}
	u, err := h.cfg.Descriptions.Unit(r.Context(), ref)
	if errors.Is(err, fs.ErrNotExist) {
		h.render(w, r, http.StatusNotFound, "find.html", page{Title: "Erschließung", Nav: "erschliessung",
			Error: "Keine Verzeichnungseinheit mit dieser Signatur oder Kennung.", Data: ref})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, unitPath(u.Unit.ID), http.StatusSeeOther)
}

type unitView struct {
	Rec    *UnitRecord
	Edit   Edit
	Action string
	// Persons are the rows of the person table: the unit's persons and
	// two empty rows to add more.
	Persons []preservation.Person
	Levels  map[string]string
}

func (h *Handler) unit(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Descriptions == nil {
		h.unavailable(w, r, "Die Erschließung")
		return
	}
	rec, err := h.cfg.Descriptions.Unit(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	u := rec.Unit
	e := Edit{Title: u.Title, Scope: u.Scope, Provenance: u.Provenance, From: u.From, To: u.To, Closure: u.Closure}
	h.renderUnit(w, r, http.StatusOK, rec, e, okMessage(r.URL.Query()), "")
}

func (h *Handler) renderUnit(w http.ResponseWriter, r *http.Request, status int, rec *UnitRecord, e Edit, ok, msg string) {
	v := unitView{Rec: rec, Edit: e, Action: unitPath(rec.Unit.ID)}
	v.Persons = append(append(v.Persons, e.Closure.Persons...), preservation.Person{}, preservation.Person{})
	title := rec.Unit.Title
	if rec.Unit.Signatur != "" {
		title = rec.Unit.Signatur + " – " + title
	}
	h.render(w, r, status, "unit.html", page{Title: "Erschließung: " + title, Nav: "erschliessung", OK: ok, Error: msg, Data: v})
}

// maxPersons bounds the person rows a form may carry.
const maxPersons = 200

func (h *Handler) unitPost(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Descriptions == nil {
		h.unavailable(w, r, "Die Erschließung")
		return
	}
	if err := r.ParseForm(); err != nil {
		h.refuse(w, r, http.StatusBadRequest, "Ungültiges Formular", "Das Formular konnte nicht gelesen werden.")
		return
	}
	ctx := r.Context()
	rec, err := h.cfg.Descriptions.Unit(ctx, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f := r.PostForm
	val := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	e := Edit{Title: val("titel"), Scope: val("enthaelt"), Provenance: val("provenienz"), From: val("von"), To: val("bis")}
	c := &e.Closure
	c.Personal = f.Get("personenbezogen") != ""
	c.Secrecy = f.Get("geheimhaltung") != ""
	c.Published = f.Get("veroeffentlicht") != ""
	c.GDR = f.Get("ddr") != ""
	c.Created = val("entstanden")
	c.Until = val("sperrvermerk")
	c.Granularity = val("genauigkeit")
	var problems []string
	if c.Granularity != "" && c.Granularity != "day" && c.Granularity != "year" {
		problems = append(problems, "Die Genauigkeit muss Tag oder Jahr sein.")
	}
	n, _ := strconv.Atoi(f.Get("personen"))
	n = min(max(n, 0), maxPersons)
	for i := range n {
		p := preservation.Person{Name: val(fmt.Sprintf("p%d.name", i)), Birth: val(fmt.Sprintf("p%d.geburt", i)), Death: val(fmt.Sprintf("p%d.tod", i))}
		if p == (preservation.Person{}) {
			continue
		}
		c.Persons = append(c.Persons, p)
	}
	if len(c.Persons) > 0 {
		c.Personal = true // as `magazin closure set --person` does
	}
	if e.Title == "" {
		problems = append(problems, "Der Titel darf nicht leer sein.")
	}
	for _, d := range []struct{ name, v string }{{"Laufzeit von", e.From}, {"Laufzeit bis", e.To}} {
		if d.v != "" && !isoDate(d.v) {
			problems = append(problems, d.name+": bitte als JJJJ, JJJJ-MM oder JJJJ-MM-TT angeben.")
		}
	}
	if len(problems) > 0 {
		h.renderUnit(w, r, http.StatusUnprocessableEntity, rec, e, "", strings.Join(problems, " "))
		return
	}
	if err := h.cfg.Descriptions.Save(ctx, rec.Unit.ID, e, identity(r)); err != nil {
		if errors.Is(err, ErrInvalid) {
			h.renderUnit(w, r, http.StatusUnprocessableEntity, rec, e, "", "Nicht gespeichert: "+reason(err))
			return
		}
		h.fail(w, r, err)
		return
	}
	h.log.Info("desk: unit described", "unit", rec.Unit.ID, "user", identity(r).ID)
	seeOther(w, r, unitPath(rec.Unit.ID), url.Values{"ok": {"einheit"}})
}

// isoDate accepts YYYY, YYYY-MM and YYYY-MM-DD.
func isoDate(s string) bool {
	for _, layout := range []string{"2006", "2006-01", "2006-01-02"} {
		if len(s) == len(layout) {
			if _, err := time.Parse(layout, s); err == nil {
				return true
			}
		}
	}
	return false
}

// --- audits ---

type auditsView struct {
	Run      *fixity.RunSummary
	Findings []Finding
}

func (h *Handler) audits(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Audits == nil {
		h.unavailable(w, r, "Die Prüfberichte")
		return
	}
	run, err := h.cfg.Audits.LastRun(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	fs, err := h.cfg.Audits.Findings(r.Context(), 200)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "audits.html", page{Title: "Prüfberichte (Fixity)", Nav: "pruefung", Data: auditsView{run, fs}})
}

func (h *Handler) aip(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Audits == nil {
		h.unavailable(w, r, "Die Paketansicht")
		return
	}
	rep, err := h.cfg.Audits.AIP(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "aip.html", page{Title: "Archivpaket " + string(rep.AIP.ID), Nav: "pruefung", Data: rep})
}
