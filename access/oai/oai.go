package oai

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/catalog"
)

// Room is the reading room (access.Service): the content of every record
// is the public view it returns.
type Room interface {
	// Unit returns the public view of the unit ref on today's day.
	Unit(ctx context.Context, ref string) (*access.PublicUnit, error)
	// StateOf computes the closure state of the unit at the end of chain
	// (root first).
	StateOf(chain []preservation.Unit) access.State
	// Today is the archive's calendar day (YYYY-MM-DD).
	Today() string
}

// Catalog is what the provider reads of the catalog for its bookkeeping:
// which units exist, where they hang, when they changed and whether they
// were disposed of. It never takes a record's content from here.
type Catalog interface {
	Unit(ctx context.Context, id string) (*preservation.Unit, error)
	Changed(ctx context.Context, id string) (time.Time, error)
	UnitsAfter(ctx context.Context, after string) iter.Seq2[catalog.Stamped, error]
	Children(ctx context.Context, parent string) ([]preservation.Unit, error)
	EarliestChange(ctx context.Context) (time.Time, error)
}

// Config configures the provider.
type Config struct {
	// BaseURL is the provider's URL as harvesters reach it, e.g.
	// https://archiv.example.de/oai. "" takes it from each request (host
	// and path; https when the request came over TLS).
	BaseURL string
	// SiteURL is the reading room's root, for the link to each unit's page
	// (SiteURL + "/unit/" + id) in the records. "" takes BaseURL without
	// its last path element.
	SiteURL string
	// RepositoryName names the archive in Identify and in the EAD records
	// (default "magazin").
	RepositoryName string
	// AdminEmails are the contacts Identify names; at least one is
	// required.
	AdminEmails []string
	// ISIL is the archive's ISIL (e.g. DE-1234), for the EAD records; ""
	// leaves it out.
	ISIL string
	// ArchiveType is the archive's kind for EAD(DDB) (corpname/@role, e.g.
	// "Kommunale Archive"; default "Staatliche Archive").
	ArchiveType string
	// Key signs resumption tokens: at least 32 secret bytes, the same for
	// every process behind one base URL (see LoadKey). Empty: a random key
	// for this process, so tokens do not survive a restart.
	Key []byte
	// RecordsPerPage and IdentifiersPerPage bound the records of one
	// ListRecords and the headers of one ListIdentifiers response
	// (defaults 100 and 500).
	RecordsPerPage, IdentifiersPerPage int
	// TokenLifetime is how long a resumption token is honoured (default
	// 24 hours).
	TokenLifetime time.Duration
	// CountLimit bounds how many units the first response of a list looks
	// at beyond its own records to count the list (default 200,000): a
	// list it cannot count so has no completeListSize.
	CountLimit int
}

// Provider is the OAI-PMH 2.0 provider, an http.Handler.
type Provider struct {
	cfg  Config
	room Room
	cat  Catalog
	log  *slog.Logger
	now  func() time.Time
}

// New returns the provider over the reading room and the catalog.
func New(cfg Config, room Room, cat Catalog, log *slog.Logger) (*Provider, error) {
	if room == nil || cat == nil {
		return nil, errors.New("oai: no reading room or catalog")
	}
	if len(cfg.AdminEmails) == 0 {
		return nil, errors.New("oai: an admin email is required (Identify names it)")
	}
	for _, m := range cfg.AdminEmails {
		if !emailRE.MatchString(m) {
			return nil, fmt.Errorf("oai: %q is not an email address", m)
		}
	}
	if cfg.BaseURL != "" {
		u, err := url.Parse(cfg.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
			return nil, fmt.Errorf("oai: base URL %q: want http(s)://host/path", cfg.BaseURL)
		}
		cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	}
	cfg.SiteURL = strings.TrimRight(cfg.SiteURL, "/")
	if cfg.ISIL != "" && !isilRE.MatchString(cfg.ISIL) {
		return nil, fmt.Errorf("oai: %q is not an ISIL (e.g. DE-1234)", cfg.ISIL)
	}
	if cfg.ArchiveType == "" {
		cfg.ArchiveType = "Staatliche Archive"
	}
	if !archiveTypes[cfg.ArchiveType] {
		return nil, fmt.Errorf("oai: archive type %q is none of EAD(DDB)'s", cfg.ArchiveType)
	}
	if cfg.RepositoryName == "" {
		cfg.RepositoryName = "magazin"
	}
	if cfg.RecordsPerPage <= 0 {
		cfg.RecordsPerPage = 100
	}
	if cfg.IdentifiersPerPage <= 0 {
		cfg.IdentifiersPerPage = 500
	}
	if cfg.CountLimit <= 0 {
		cfg.CountLimit = 200_000
	}
	if cfg.TokenLifetime <= 0 {
		cfg.TokenLifetime = 24 * time.Hour
	}
	if len(cfg.Key) == 0 {
		cfg.Key = make([]byte, 32)
		rand.Read(cfg.Key)
	} else if len(cfg.Key) < 32 {
		return nil, errors.New("oai: the token key must have at least 32 bytes")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Provider{cfg: cfg, room: room, cat: cat, log: log, now: time.Now}, nil
}

// SetClock replaces the clock (tests). The reading room has its own.
func (p *Provider) SetClock(now func() time.Time) { p.now = now }

var (
	emailRE = regexp.MustCompile(`^\S+@(\S+\.)+\S+$`)
	isilRE  = regexp.MustCompile(`^[A-Z]{2}-[a-zA-Z0-9:/\-]{1,11}$`)
)

var archiveTypes = map[string]bool{"Staatliche Archive": true, "Kommunale Archive": true, "Kirchliche Archive": true,
	"Herrschafts- und Familienarchive": true, "Wirtschaftsarchive": true,
	"Archive der Parlamente, politischen Parteien, Stiftungen und Verbände": true, "Medienarchive": true,
	"Archive der Hochschulen sowie wissenschaftlicher Institutionen": true, "Sonstige": true}

// Verbs and their arguments.
const (
	verbIdentify            = "Identify"
	verbListMetadataFormats = "ListMetadataFormats"
	verbListSets            = "ListSets"
	verbGetRecord           = "GetRecord"
	verbListIdentifiers     = "ListIdentifiers"
	verbListRecords         = "ListRecords"
)

type verbArgs struct {
	required, optional []string
	// resumable verbs take resumptionToken as their only argument.
	resumable bool
}

var verbs = map[string]verbArgs{
	verbIdentify:            {},
	verbListMetadataFormats: {optional: []string{"identifier"}},
	verbListSets:            {resumable: true},
	verbGetRecord:           {required: []string{"identifier", "metadataPrefix"}},
	verbListIdentifiers:     {required: []string{"metadataPrefix"}, optional: []string{"from", "until", "set"}, resumable: true},
	verbListRecords:         {required: []string{"metadataPrefix"}, optional: []string{"from", "until", "set"}, resumable: true},
}

// Error codes (OAI-PMH 2.0, 3.6).
const (
	errBadArgument             = "badArgument"
	errBadResumptionToken      = "badResumptionToken"
	errBadVerb                 = "badVerb"
	errCannotDisseminateFormat = "cannotDisseminateFormat"
	errIDDoesNotExist          = "idDoesNotExist"
	errNoMetadataFormats       = "noMetadataFormats"
	errNoRecordsMatch          = "noRecordsMatch"
	errNoSetHierarchy          = "noSetHierarchy"
)

// oaiError is an OAI-PMH error condition: answered with HTTP 200 and an
// error element.
type oaiError struct{ code, msg string }

func (e *oaiError) Error() string { return e.code + ": " + e.msg }

func protoErr(code, format string, a ...any) error {
	return &oaiError{code: code, msg: fmt.Sprintf(format, a...)}
}

// request is one parsed OAI-PMH request.
type request struct {
	baseURL string
	verb    string
	args    map[string]string // every argument but verb, each given once
	now     time.Time
}

// maxBody bounds a POST request's body.
const maxBody = 64 << 10

// ServeHTTP answers OAI-PMH requests by GET or POST
// (application/x-www-form-urlencoded).
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var raw string
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		raw = r.URL.RawQuery
	case http.MethodPost:
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
			http.Error(w, "OAI-PMH requests by POST are application/x-www-form-urlencoded", http.StatusUnsupportedMediaType)
			return
		}
		b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil {
			http.Error(w, "cannot read the request", http.StatusBadRequest)
			return
		}
		if len(b) > maxBody {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return
		}
		raw = string(b)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	req := &request{baseURL: p.baseURL(r), now: p.now().UTC().Truncate(time.Second)}
	var out bytes.Buffer
	err := p.parse(raw, req)
	if err == nil {
		err = p.dispatch(r.Context(), req, &out)
	}
	var oe *oaiError
	switch {
	case errors.As(err, &oe):
		out.Reset()
		echo := oe.code != errBadVerb && oe.code != errBadArgument
		p.writeError(&out, req, echo, oe)
	case err != nil:
		p.log.Error("oai request failed", "verb", req.verb, "err", err)
		status := http.StatusInternalServerError
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			status = http.StatusServiceUnavailable
		}
		http.Error(w, "the request could not be answered; please try again later", status)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/xml; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.Write(out.Bytes())
}

// baseURL is the configured base URL, or the one the request used.
func (p *Provider) baseURL(r *http.Request) string {
	if p.cfg.BaseURL != "" {
		return p.cfg.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.Path
}

// siteURL is the reading room's root for unit links.
func (p *Provider) siteURL(req *request) string {
	if p.cfg.SiteURL != "" {
		return p.cfg.SiteURL
	}
	base := req.baseURL
	if i := strings.LastIndexByte(base, '/'); i > len("https://") {
		return base[:i]
	}
	return base
}

// parse checks the request's arguments (3.1.1, 3.6): a missing, unknown or
// repeated verb is badVerb; an argument the verb does not take, a repeated
// or empty one, a missing required one, or resumptionToken beside another
// is badArgument.
func (p *Provider) parse(raw string, req *request) error {
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return protoErr(errBadArgument, "the request's arguments are not URL-encoded properly")
	}
	vs := vals["verb"]
	switch {
	case len(vs) == 0:
		return protoErr(errBadVerb, "the verb argument is missing")
	case len(vs) > 1:
		return protoErr(errBadVerb, "the verb argument is repeated")
	}
	va, ok := verbs[vs[0]]
	if !ok {
		return protoErr(errBadVerb, "%q is not an OAI-PMH verb", vs[0])
	}
	req.verb = vs[0]
	req.args = map[string]string{}
	for name, v := range vals {
		if name == "verb" {
			continue
		}
		allowed := (va.resumable && name == "resumptionToken") || contains(va.required, name) || contains(va.optional, name)
		switch {
		case !allowed:
			return protoErr(errBadArgument, "%s takes no argument %q", req.verb, name)
		case len(v) > 1:
			return protoErr(errBadArgument, "the argument %s is repeated", name)
		case v[0] == "":
			return protoErr(errBadArgument, "the argument %s is empty", name)
		}
		req.args[name] = v[0]
	}
	if _, ok := req.args["resumptionToken"]; ok {
		if len(req.args) > 1 {
			return protoErr(errBadArgument, "resumptionToken is an exclusive argument")
		}
		return nil
	}
	for _, name := range va.required {
		if _, ok := req.args[name]; !ok {
			return protoErr(errBadArgument, "%s requires the argument %s", req.verb, name)
		}
	}
	return checkValues(req.args)
}

var (
	boundRE   = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)?$`)
	prefixRE  = regexp.MustCompile(`^[A-Za-z0-9\-_.!~*'()]+$`)
	setSpecRE = regexp.MustCompile(`^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$`)
)

// checkValues checks the syntax of the arguments' values, so that every
// value a response repeats in its request element is valid there: a
// malformed value is badArgument. from and until must have the same
// granularity, and from must not be later than until (3.3.1).
func checkValues(args map[string]string) error {
	if v, ok := args["metadataPrefix"]; ok && !prefixRE.MatchString(v) {
		return protoErr(errBadArgument, "%q is not a metadata prefix", v)
	}
	if v, ok := args["set"]; ok && !setSpecRE.MatchString(v) {
		return protoErr(errBadArgument, "%q is not a setSpec", v)
	}
	if v, ok := args["identifier"]; ok && !validURI(v) {
		return protoErr(errBadArgument, "%q is not an identifier (a URI)", v)
	}
	var from, until time.Time
	var fromDay, untilDay bool
	var err error
	if v, ok := args["from"]; ok {
		if from, fromDay, err = parseBound(v, false); err != nil {
			return protoErr(errBadArgument, "from %q is neither YYYY-MM-DD nor YYYY-MM-DDThh:mm:ssZ", v)
		}
	}
	if v, ok := args["until"]; ok {
		if until, untilDay, err = parseBound(v, true); err != nil {
			return protoErr(errBadArgument, "until %q is neither YYYY-MM-DD nor YYYY-MM-DDThh:mm:ssZ", v)
		}
	}
	if args["from"] != "" && args["until"] != "" {
		if fromDay != untilDay {
			return protoErr(errBadArgument, "from and until have different granularities")
		}
		if from.After(until) {
			return protoErr(errBadArgument, "from is later than until")
		}
	}
	return nil
}

// validURI reports whether s can stand as an xs:anyURI: parseable, without
// spaces or control characters.
func validURI(s string) bool {
	if len(s) > 2048 || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return false
	}
	_, err := url.Parse(s)
	return err == nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p *Provider) dispatch(ctx context.Context, req *request, out *bytes.Buffer) error {
	switch req.verb {
	case verbIdentify:
		return p.identify(ctx, req, out)
	case verbListMetadataFormats:
		return p.listMetadataFormats(ctx, req, out)
	case verbListSets:
		return p.listSets(ctx, req, out)
	case verbGetRecord:
		return p.getRecord(ctx, req, out)
	default:
		return p.list(ctx, req, out)
	}
}

// Datestamps are UTC to the second (Identify's granularity); from and
// until may be given to the day or to the second, both alike.
const (
	secondLayout = "2006-01-02T15:04:05Z"
	dayLayout    = "2006-01-02"
)

// parseBound parses a from or until argument: the earliest (from) or the
// latest (until) second it names, and whether it was given to the day.
func parseBound(s string, until bool) (time.Time, bool, error) {
	if !boundRE.MatchString(s) {
		return time.Time{}, false, errors.New("not a UTC date or date and time")
	}
	if len(s) == len(dayLayout) {
		t, err := time.Parse(dayLayout, s)
		if err != nil {
			return time.Time{}, true, err
		}
		if until {
			t = t.Add(24*time.Hour - time.Second)
		}
		return t, true, nil
	}
	t, err := time.Parse(secondLayout, s)
	return t, false, err
}

// lookupUnit returns the catalog record of the unit an OAI identifier
// names (the unit id), or idDoesNotExist.
func (p *Provider) lookupUnit(ctx context.Context, identifier string) (*preservation.Unit, error) {
	u, err := p.cat.Unit(ctx, identifier)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, protoErr(errIDDoesNotExist, "no record has the identifier %q", identifier)
	}
	return u, err
}
