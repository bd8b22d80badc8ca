// Package desk is the archivists' desk ("Arbeitsplatz") of magazin's web
// front, mounted under /archiv/: the ingest monitor, the appraisal of
// xdomea offers (A/V per object, bulk decisions by file-plan unit, the
// 0502), the quarantine of rejected submissions (retry, discard with a
// reason), description and closure-fact editing, the audit reports, and
// the administration of the reading room's accounts.
//
// Contract:
//   - Every route answers only an identity with the role archivist or admin
//     (Auth.User). Without an identity a page redirects to the login page
//     (LoginPath, 303) and
//     a POST answers 401; any other role gets 403. Every POST must carry a
//     valid CSRF token (Auth.CheckCSRF), or nothing happens and it answers
//     403.
//   - The desk holds no state and reads no storage: everything comes from
//     and goes to the interfaces Ingests, Quarantine, Offers, Descriptions
//     and Audits,
//     which cmd/magazin implements over the catalog, the journal and the
//     xdomea dialogue, and Accounts (AccountsOver: access/accounts, whose
//     rules decide who may administer whom). A change is made only by a POST, answered by a
//     redirect to a page (POST-redirect-GET) that says what was done.
//   - Pages are server-rendered German HTML without JavaScript, under the
//     same Content-Security-Policy as the reading room; they link the
//     reading room's /static/style.css and add the desk's own stylesheet,
//     served at /archiv/static/desk.css.
package desk

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/fixity"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Prefix is the path the desk is mounted at.
const Prefix = "/archiv/"

// LoginPath is where a page request without an identity is sent (the
// reading room's login page), with LoginParam naming the page to return
// to.
const (
	LoginPath  = "/anmelden"
	LoginParam = "weiter"
)

// Roles that may use the desk.
const (
	RoleAdmin     = "admin"
	RoleArchivist = "archivist"
)

// Identity is the signed-in user.
type Identity struct {
	ID   string
	Name string
	// Role is one of admin, archivist, researcher, agency.
	Role string
}

// Auth tells who sent a request and guards forms against cross-site
// request forgery. The web front's sessions implement it.
type Auth interface {
	// User returns the identity of the request's session, if any.
	User(r *http.Request) (Identity, bool)
	// CSRFToken returns the token a form of this session must carry in
	// the field CSRFField.
	CSRFToken(r *http.Request) string
	// CheckCSRF returns an error unless the POST request carries the
	// session's valid token.
	CheckCSRF(r *http.Request) error
}

// CSRFField is the form field that carries the CSRF token.
const CSRFField = "csrf"

// Ingests is the ingest monitor's source.
type Ingests interface {
	// Recent returns the latest submissions, newest first, at most limit.
	Recent(ctx context.Context, limit int) ([]Submission, error)
	// Quarantine lists the rejected submissions kept in quarantine,
	// newest first.
	Quarantine(ctx context.Context) ([]Quarantined, error)
}

// Submission states.
const (
	StateWaiting  = "waiting"
	StateRunning  = "running"
	StateDone     = "done"
	StateRejected = "rejected"
	StateFailed   = "failed"
)

// Submission is one ingest: a transfer or a package.
type Submission struct {
	ID string
	// Kind says what was submitted, e.g. "xdomea 0503", "bagit".
	Kind string
	// Source names the submission (file name) or the agency.
	Source string
	Title  string
	// State is one of the State constants.
	State    string
	Started  time.Time
	Finished time.Time
	// Done and Total count the steps or files of a running ingest (0
	// when unknown).
	Done, Total int
	// AIPs are the packages made.
	AIPs []string
	// Problems are the coded findings (preservation.Problem codes,
	// docs/problem-codes.md).
	Problems preservation.Problems
	// Quarantine names the quarantine entry of a rejected submission.
	Quarantine string
}

// Quarantined is a rejected submission kept in quarantine.
type Quarantined struct {
	// Job is the name of the quarantine entry (DATA/quarantine/<job>).
	Job        string
	Submission string
	Time       time.Time
	// Problems are the current findings (of the last rejection).
	Problems preservation.Problems
	// Files and Bytes count the kept copy of the submission (of a
	// discarded one: the copy removed).
	Files int
	Bytes int64
	// State is one of the Quarantine constants ("" counts as
	// QuarantineOpen).
	State   string
	Profile string
	Agency  string
	// AIPs are the packages a successful retry made.
	AIPs []string
	// Attempts are the retries, oldest first.
	Attempts []QuarantineAttempt
	// Discarded says who discarded the copy, when and why.
	Discarded *QuarantineDiscard
	// FileList lists the copy's files (Quarantine.Entry only).
	FileList []QuarantineFile
}

// Open reports whether the entry waits for a decision.
func (q Quarantined) Open() bool { return q.State == "" || q.State == QuarantineOpen }

// Quarantine entry states.
const (
	QuarantineOpen      = "quarantined"
	QuarantineResolved  = "resolved"
	QuarantineDiscarded = "discarded"
)

// QuarantineAttempt is one retry of a quarantined submission.
type QuarantineAttempt struct {
	Time time.Time
	Who  string
	// Outcome is resolved, rejected or failed.
	Outcome string
	Error   string
}

// QuarantineDiscard records a discard.
type QuarantineDiscard struct {
	Time        time.Time
	Who, Reason string
	Fingerprint string
}

// QuarantineFile is a file of a quarantined copy.
type QuarantineFile struct {
	Path   string
	Size   int64
	SHA512 string
}

// Quarantine acts on the quarantine entries (/archiv/quarantaene/{job}).
type Quarantine interface {
	// Entry returns an entry with its files; an unknown one is an error
	// matching fs.ErrNotExist.
	Entry(ctx context.Context, job string) (*Quarantined, error)
	// Retry ingests the entry's copy again, as who; it returns the entry
	// afterwards (resolved, or still open with the new rejection as its
	// last attempt). An entry that cannot be retried now (another action
	// runs, or its state) is an error matching ErrConflict.
	Retry(ctx context.Context, job string, who Identity) (*Quarantined, error)
	// Discard removes the entry's copy, keeping the record; reason is
	// required (ErrInvalid without). ErrConflict as for Retry.
	Discard(ctx context.Context, job, reason string, who Identity) error
}

// ErrConflict is wrapped by errors about an action the state of its
// object does not allow now.
var ErrConflict = errors.New("conflict")

// Offers is the xdomea appraisal's source.
type Offers interface {
	// Processes lists the Aussonderung processes, newest first.
	Processes(ctx context.Context) ([]Process, error)
	// Offer returns the offer of a process with its objects, the
	// saved draft and the last appraisal. An unknown process is an error
	// matching fs.ErrNotExist.
	Offer(ctx context.Context, process string) (*Offer, error)
	// SaveDraft keeps the archivist's unfinished decisions (nothing is
	// sent to the agency).
	SaveDraft(ctx context.Context, process string, ds []Decision, who Identity) error
	// Appraise finishes the appraisal: it writes the 0502 with the
	// decisions, journals them, and returns where the 0502 was written.
	Appraise(ctx context.Context, process string, ds []Decision, who Identity) (string, error)
}

// Process steps (catalog.Step*).
const (
	StepOffer     = "offer"
	StepAppraisal = "appraisal"
	StepReceipt   = "receipt"
	StepTransfer  = "transfer"
)

// Process is an Aussonderung process.
type Process struct {
	ID       string
	Agency   string
	Version  string
	Title    string
	Objects  int
	Received time.Time
	// Step is the latest step (Step constants); OK false for a rejected
	// transfer.
	Step    string
	OK      bool
	Updated time.Time
}

// Offer is an offer (0501) to appraise.
type Offer struct {
	Process Process
	// Objects in document order; Depth 0 are the top-level objects.
	Objects []Object
	// Draft is the saved, unfinished appraisal; Appraised the decisions
	// sent with the last 0502 (nil when none was sent).
	Draft     []Decision
	Appraised []Decision
	// AppraisedAt is the time of the last 0502.
	AppraisedAt time.Time
}

// Object is one object of an offer.
type Object struct {
	ID string
	// Kind is the xdomea kind (Akte, Vorgang, Dokument …).
	Kind string
	// Aktenplan is the Aktenplankennzeichen of the file-plan unit, and
	// AktenplanTitle its description.
	Aktenplan      string
	AktenplanTitle string
	// Aktenzeichen is the object's own Kennzeichen.
	Aktenzeichen string
	Title        string
	From, To     string
	// Proposal is the agency's Aussonderungsart (A, B, V) and its reason.
	Proposal       string
	ProposalReason string
	Depth          int
}

// Decision is the archivist's appraisal of one object: Value "A" (archive)
// or "V" (destroy), with an optional note.
type Decision struct {
	ID    string
	Value string
	Note  string
}

// Descriptions is description editing.
type Descriptions interface {
	// Unit resolves an id, Signatur or submission id; an unknown one is an
	// error matching fs.ErrNotExist.
	Unit(ctx context.Context, ref string) (*UnitRecord, error)
	// Save changes the unit's description and closure facts the way
	// `magazin describe` and `magazin closure set` do: journaled,
	// applied, written into a new AIP version, reindexed. Invalid input is
	// an error matching ErrInvalid.
	Save(ctx context.Context, id string, e Edit, who Identity) error
}

// ErrInvalid is wrapped by errors about input the archivist can correct.
var ErrInvalid = errors.New("invalid input")

// UnitRecord is a unit with its context and closure state.
type UnitRecord struct {
	Unit preservation.Unit
	// Ancestors from the top of the Tektonik down to the parent.
	Ancestors []preservation.Unit
	Closure   ClosureState
}

// ClosureState is the computed closure of a unit today.
type ClosureState struct {
	Open bool
	// Release is the first day of use (YYYY-MM-DD), "" when no period
	// applies.
	Release string
	// Rule is the governing rule id and RuleText its German explanation.
	Rule     string
	RuleText string
	Periods  []Period
	// Effective are the facts after inheritance down the hierarchy.
	Effective preservation.ClosureFacts
	// Problem says why no period could be computed.
	Problem string
	Today   string
}

// Period is one closure period that applies.
type Period struct {
	Rule, Text, From, End, Release string
	Years                          int
}

// Edit is a change of a unit's description and closure facts. Every field
// is set: an empty field clears the value.
type Edit struct {
	Title, Scope, Provenance, From, To string
	Closure                            preservation.ClosureFacts
}

// Audits is the audit reports' source.
type Audits interface {
	// LastRun returns the last audit run, or nil.
	LastRun(ctx context.Context) (*fixity.RunSummary, error)
	// Findings lists the AIPs with a failed check or a repair, newest
	// first, at most limit.
	Findings(ctx context.Context, limit int) ([]Finding, error)
	// AIP returns an AIP with its checks and events; an unknown id is an
	// error matching fs.ErrNotExist.
	AIP(ctx context.Context, id string) (*AIPReport, error)
}

// Check is the latest fixity check of an AIP in one store.
type Check struct {
	Store    string
	OK       bool
	Time     string
	Problems preservation.Problems
}

// Finding is an AIP that was found damaged or was repaired.
type Finding struct {
	AIP   string
	Title string
	// Damaged: a store's latest check failed; Repaired: a repair was
	// journaled.
	Damaged, Repaired bool
	Checks            []Check
	Last              time.Time
}

// AIPReport is an AIP with its checks and preservation events.
type AIPReport struct {
	AIP    preservation.AIP
	Checks []Check
	// Events are the journaled events (fixity checks, repairs).
	Events []preservation.Event
}

// Config holds the desk's sources. Any source may be nil: its pages say
// the function is not available.
type Config struct {
	Auth         Auth
	Ingests      Ingests
	Offers       Offers
	Descriptions Descriptions
	Audits       Audits
	// Accounts is the account administration (/archiv/konten).
	Accounts Accounts
	// Quarantine acts on the quarantine entries (/archiv/quarantaene/).
	Quarantine Quarantine
	// Fallback answers the requests under /archiv/ that no desk route
	// matches (the reading room's own pages there, such as the decisions
	// on shortening requests), with its own checks. Without it they
	// answer 404 to archivists.
	Fallback http.Handler
	Logger   *slog.Logger
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// Handler serves the desk.
type Handler struct {
	cfg    Config
	log    *slog.Logger
	tmpl   *template.Template
	mux    *http.ServeMux
	static http.Handler
	routes []string
}

// New returns the desk. Auth is required.
func New(cfg Config) (*Handler, error) {
	if cfg.Auth == nil {
		return nil, errors.New("desk: no Auth")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	t, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	h := &Handler{cfg: cfg, log: cfg.Logger, tmpl: t, mux: http.NewServeMux(),
		static: http.StripPrefix(Prefix+"static/", http.FileServerFS(static))}
	for _, r := range []struct {
		pattern string
		fn      http.HandlerFunc
	}{
		{"GET /archiv/{$}", h.home},
		{"GET /archiv/uebernahmen", h.ingests},
		{"GET /archiv/quarantaene/{job}", h.quarantined},
		{"POST /archiv/quarantaene/{job}", h.quarantinePost},
		{"GET /archiv/bewertung", h.offers},
		{"GET /archiv/bewertung/{process}", h.offer},
		{"POST /archiv/bewertung/{process}", h.offerPost},
		{"GET /archiv/erschliessung", h.findUnit},
		{"GET /archiv/einheit/{id}", h.unit},
		{"POST /archiv/einheit/{id}", h.unitPost},
		{"GET /archiv/pruefung", h.audits},
		{"GET /archiv/aip/{id}", h.aip},
		{"GET /archiv/konten", h.accounts},
		{"POST /archiv/konten/{id}", h.accountPost},
		{"/archiv/", h.notFound},
	} {
		h.mux.HandleFunc(r.pattern, r.fn)
		h.routes = append(h.routes, r.pattern)
	}
	return h, nil
}

// Routes returns the patterns of every route the desk answers, besides
// its stylesheet.
func (h *Handler) Routes() []string { return append([]string(nil), h.routes...) }

// pageCSP is the reading room's policy: no scripts, nothing foreign.
const pageCSP = "default-src 'none'; style-src 'self'; img-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

type ctxKey struct{}

// maxForm bounds a form's size (an appraisal table of some 50,000 objects).
const maxForm = 8 << 20

// ServeHTTP implements http.Handler: it checks the identity and, for a
// POST, the CSRF token before any route sees the request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", pageCSP)
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		if name, ok := staticName(r.URL.Path); ok && name != "" {
			hd.Set("Cache-Control", "public, max-age=86400")
			h.static.ServeHTTP(w, r)
			return
		}
	}
	if h.cfg.Fallback != nil {
		if _, pattern := h.mux.Handler(r); pattern == Prefix {
			h.cfg.Fallback.ServeHTTP(w, r)
			return
		}
	}
	hd.Set("Cache-Control", "no-store")
	id, ok := h.cfg.Auth.User(r)
	post := r.Method != http.MethodGet && r.Method != http.MethodHead
	if !ok {
		if post {
			h.refuse(w, r, http.StatusUnauthorized, "Nicht angemeldet", "Bitte melden Sie sich an; die Änderung wurde nicht ausgeführt.")
			return
		}
		http.Redirect(w, r, LoginPath+"?"+LoginParam+"="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	if id.Role != RoleArchivist && id.Role != RoleAdmin {
		h.refuse(w, r, http.StatusForbidden, "Kein Zugang zum Arbeitsplatz", "Der Arbeitsplatz steht nur Archivarinnen und Archivaren offen.")
		return
	}
	if post {
		// The form is read here, once, before any check looks at it (an
		// Auth that works on a copy of the request would otherwise
		// consume the body).
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			h.refuse(w, r, http.StatusBadRequest, "Ungültiges Formular", "Das Formular konnte nicht gelesen werden (zu groß oder beschädigt); nichts wurde geändert.")
			return
		}
		if err := h.cfg.Auth.CheckCSRF(r); err != nil {
			h.log.Warn("desk: CSRF check failed", "path", r.URL.Path, "user", id.ID, "err", err)
			h.refuse(w, r, http.StatusForbidden, "Sicherheitsprüfung fehlgeschlagen",
				"Das Formular war veraltet oder kam nicht von dieser Seite; nichts wurde geändert. Bitte laden Sie die Seite neu und versuchen Sie es noch einmal.")
			return
		}
	}
	h.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, id)))
}

func staticName(p string) (string, bool) {
	const sp = Prefix + "static/"
	if len(p) > len(sp) && p[:len(sp)] == sp {
		return p[len(sp):], true
	}
	return "", false
}

// identity is the checked identity of a request that reached a route.
func identity(r *http.Request) Identity {
	id, _ := r.Context().Value(ctxKey{}).(Identity)
	return id
}
