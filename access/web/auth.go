package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/accounts"
	"github.com/magazin-archiv/magazin/access/closure"
)

// Decider records closure decisions: access.Decisions, over the journal.
type Decider interface {
	// Base returns the closure of the unit with id before any decision,
	// and the law.
	Base(ctx context.Context, id string) (closure.Result, string, error)
	// Decide checks and journals a decision.
	Decide(ctx context.Context, d closure.Decision) error
}

// Auth configures accounts in the reading room: registration, login,
// researchers' requests to shorten closure periods and archivists'
// decisions on them.
type Auth struct {
	Accounts *accounts.DB
	Decider  Decider
	// Secure sets the Secure attribute on cookies: the reading room is
	// served over TLS or behind an https base URL. A request that came
	// over TLS always gets it.
	Secure bool
	// Origin is the public origin (scheme://host[:port]) requests must
	// come from; "" accepts the origin of the request's own Host.
	Origin string
	// TrustForwarded takes the client address for login throttling from
	// the last X-Forwarded-For entry (set it only behind a proxy that
	// writes that header).
	TrustForwarded bool
}

// Option configures a Server.
type Option func(*Server) error

// WithAuth enables accounts (see Auth).
func WithAuth(a Auth) Option {
	return func(s *Server) error {
		if a.Accounts == nil || a.Decider == nil {
			return errors.New("web: accounts need the accounts database and a decider")
		}
		s.auth = &a
		return nil
	}
}

// Cookie names and the form field of the CSRF token.
const (
	sessionCookie = "magazin_session"
	preCookie     = "magazin_csrf" // before login: double-submit token
	csrfField     = "csrf"
)

// who is the logged-in user of a request.
type who struct {
	sessionID string
	session   *accounts.Session
	user      *accounts.User
}

type whoKey struct{}

func whoFrom(ctx context.Context) *who {
	w, _ := ctx.Value(whoKey{}).(*who)
	return w
}

// identify looks up the request's session and returns the request with
// the viewer (access.WithViewer) and the user in its context. Without a
// valid session the request is the public's.
func (s *Server) identify(r *http.Request) *http.Request {
	if s.auth == nil {
		return r
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return r
	}
	sess, u, err := s.auth.Accounts.Session(r.Context(), c.Value)
	if err != nil {
		if !errors.Is(err, accounts.ErrNotFound) {
			s.log.Error("web: session lookup failed", "err", err)
		}
		return r
	}
	ctx := context.WithValue(r.Context(), whoKey{}, &who{sessionID: c.Value, session: sess, user: u})
	ctx = access.WithViewer(ctx, access.Viewer{User: u.ID})
	return r.WithContext(ctx)
}

// SignedIn returns the signed-in user of r and the CSRF token the forms of
// its session carry (field "csrf"), for handlers mounted beside the
// reading room (the archivists' desk, access/desk). ok is false without a
// valid session or when accounts are off.
func (s *Server) SignedIn(r *http.Request) (u *accounts.User, csrf string, ok bool) {
	if w := whoFrom(s.identify(r).Context()); w != nil {
		return w.user, w.session.CSRF, true
	}
	return nil, "", false
}

// CheckForm checks a state-changing request of a signed-in user as the
// reading room checks its own forms: the origin, and the session's CSRF
// token in the form field "csrf". It parses the form of r.
func (s *Server) CheckForm(r *http.Request) bool {
	if s.auth == nil {
		return false
	}
	r.ParseForm() // on r itself, so that its caller still has the form
	r = s.identify(r)
	return whoFrom(r.Context()) != nil && s.checkCSRF(r)
}

func (s *Server) secure(r *http.Request) bool { return s.auth.Secure || r.TLS != nil }

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
}

// errCSRF: a state-changing request failed the CSRF checks.
var errCSRF = errors.New("csrf")

// checkOrigin refuses a cross-site request: by Sec-Fetch-Site when the
// browser sends it, by Origin when present.
func (s *Server) checkOrigin(r *http.Request) bool {
	if sfs := r.Header.Get("Sec-Fetch-Site"); sfs != "" && sfs != "same-origin" {
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true // the token decides
	}
	want := s.auth.Origin
	if want == "" {
		scheme := "http"
		if r.TLS != nil || s.auth.Secure {
			scheme = "https"
		}
		want = scheme + "://" + r.Host
	}
	return strings.EqualFold(o, want)
}

// checkCSRF checks a state-changing form: the origin, and the token, which
// must be the session's (logged in) or the pre-login cookie's.
func (s *Server) checkCSRF(r *http.Request) bool {
	if !s.checkOrigin(r) {
		return false
	}
	tok := r.PostFormValue(csrfField)
	if w := whoFrom(r.Context()); w != nil {
		return w.session.CheckCSRF(tok)
	}
	c, err := r.Cookie(preCookie)
	if err != nil || len(c.Value) < 40 {
		return false
	}
	return (&accounts.Session{CSRF: c.Value}).CheckCSRF(tok)
}

// preToken returns the pre-login CSRF token of the request, setting the
// cookie when it has none.
func (s *Server) preToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(preCookie); err == nil && len(c.Value) >= 40 && len(c.Value) <= 64 {
		return c.Value
	}
	t := accounts.Token()
	s.setCookie(w, r, preCookie, t, 0)
	return t
}

// clientIP is the client's address for throttling.
func (s *Server) clientIP(r *http.Request) string {
	if s.auth.TrustForwarded {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); ip != "" {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// refuse answers a state-changing request that failed a check.
func (s *Server) refuseCSRF(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusForbidden, "error.html", page{Title: "Abgelehnt", Data: errorPage{Code: http.StatusForbidden,
		Heading: "Anfrage abgelehnt", Message: "Die Sicherheitsprüfung des Formulars ist fehlgeschlagen. Bitte laden Sie die Seite neu und senden Sie das Formular erneut."}})
}

// localTarget returns a safe local path to continue at after login.
func localTarget(v string) string {
	if v == "" || !strings.HasPrefix(v, "/") || strings.HasPrefix(v, "//") || strings.ContainsAny(v, "\\\r\n") {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return ""
	}
	return v
}

// toLogin sends an anonymous visitor to the login page and back.
func (s *Server) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/anmelden"
	if t := localTarget(r.URL.RequestURI()); t != "" && r.Method == http.MethodGet {
		target += "?weiter=" + url.QueryEscape(t)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// requireUser returns the logged-in user or answers the request (login
// redirect for GET, 403 otherwise) and returns nil. staff requires an
// archivist or admin.
func (s *Server) requireUser(w http.ResponseWriter, r *http.Request, staff bool) *who {
	if s.auth == nil {
		s.notFound(w, r)
		return nil
	}
	u := whoFrom(r.Context())
	if u == nil {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			s.toLogin(w, r)
		} else {
			s.refuseCSRF(w, r)
		}
		return nil
	}
	if staff && !u.user.Staff() {
		s.render(w, r, http.StatusForbidden, "error.html", page{Title: "Keine Berechtigung", Data: errorPage{Code: http.StatusForbidden,
			Heading: "Keine Berechtigung", Message: "Diese Seite ist Archivarinnen und Archivaren vorbehalten."}})
		return nil
	}
	return u
}

// loginView is the login and the registration page.
type loginView struct {
	CSRF, Next, Email, Name, Institution string
	Error, Notice                        string
	Register                             bool
	MinPassword                          int
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if s.auth == nil {
		s.notFound(w, r)
		return
	}
	v := loginView{CSRF: s.preToken(w, r), Next: localTarget(r.URL.Query().Get("weiter"))}
	switch r.URL.Query().Get("hinweis") {
	case "registriert":
		v.Notice = "Ihr Konto ist angelegt. Sie können sich jetzt anmelden."
	case "freischaltung":
		v.Notice = "Ihr Konto ist angelegt und wird vom Archiv geprüft. Sie erhalten Zugang, sobald es freigeschaltet ist."
	case "abgemeldet":
		v.Notice = "Sie sind abgemeldet."
	}
	if v.Notice == "" && strings.HasSuffix(strings.SplitN(v.Next, "?", 2)[0], "/antrag") {
		v.Notice = "Um die Verkürzung der Schutzfrist zu beantragen, melden Sie sich bitte an. Wenn Sie noch kein Konto haben, " +
			"registrieren Sie sich zuerst; danach kommen Sie zu Ihrem Antrag zurück."
	}
	s.render(w, r, http.StatusOK, "login.html", page{Title: "Anmelden", Data: v})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if s.auth == nil {
		s.notFound(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if !s.checkCSRF(r) {
		s.refuseCSRF(w, r)
		return
	}
	v := loginView{CSRF: s.preToken(w, r), Next: localTarget(r.PostFormValue("weiter")), Email: r.PostFormValue("email")}
	id, _, u, err := s.auth.Accounts.Login(r.Context(), r.PostFormValue("email"), r.PostFormValue("passwort"), s.clientIP(r))
	if err != nil {
		code := http.StatusUnauthorized
		switch {
		case errors.Is(err, accounts.ErrThrottled):
			code, v.Error = http.StatusTooManyRequests, "Zu viele fehlgeschlagene Anmeldungen. Bitte warten Sie 15 Minuten und versuchen Sie es dann erneut."
		case errors.Is(err, accounts.ErrCredentials):
			v.Error = "E-Mail-Adresse oder Passwort sind falsch."
		case errors.Is(err, accounts.ErrInactive):
			code, v.Error = http.StatusForbidden, "Ihr Konto ist noch nicht freigeschaltet oder gesperrt. Bitte wenden Sie sich an das Archiv."
		case errors.Is(err, accounts.ErrResetExpired):
			code, v.Error = http.StatusForbidden, expiredText
		case errors.Is(err, accounts.ErrMustChange):
			// A right temporary password: the owner chooses a new one.
			v.Notice = "Sie haben sich mit einem vorläufigen Passwort angemeldet. Bitte legen Sie jetzt Ihr eigenes Passwort fest."
			v.MinPassword = accounts.MinPassword
			s.render(w, r, http.StatusOK, "password.html", page{Title: "Neues Passwort festlegen", Data: v})
			return
		default:
			s.fail(w, r, err)
			return
		}
		s.render(w, r, code, "login.html", page{Title: "Anmelden", Data: v})
		return
	}
	// A new session replaces any the client had: no fixation.
	if old := whoFrom(r.Context()); old != nil {
		s.auth.Accounts.Logout(r.Context(), old.sessionID)
	} else if c, err := r.Cookie(sessionCookie); err == nil {
		s.auth.Accounts.Logout(r.Context(), c.Value)
	}
	s.setCookie(w, r, sessionCookie, id, 0)
	s.setCookie(w, r, preCookie, "", -1)
	s.log.Info("web: login", "user", u.ID, "role", u.Role)
	next := v.Next
	if next == "" {
		next = "/konto/antraege"
		if u.Staff() {
			next = "/archiv/antraege"
		}
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	u := s.requireUser(w, r, false)
	if u == nil {
		return
	}
	if !s.checkCSRF(r) {
		s.refuseCSRF(w, r)
		return
	}
	if err := s.auth.Accounts.Logout(r.Context(), u.sessionID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/anmelden?hinweis=abgemeldet", http.StatusSeeOther)
}

func (s *Server) registerPage(w http.ResponseWriter, r *http.Request) {
	if s.auth == nil {
		s.notFound(w, r)
		return
	}
	s.render(w, r, http.StatusOK, "register.html", page{Title: "Registrieren", Data: loginView{CSRF: s.preToken(w, r), Register: true,
		MinPassword: accounts.MinPassword, Next: localTarget(r.URL.Query().Get("weiter"))}})
}

// loginURL is the login page with a notice and, when there is one, the
// page to return to after the login.
func loginURL(notice, next string) string {
	q := url.Values{"hinweis": {notice}}
	if next != "" {
		q.Set("weiter", next)
	}
	return "/anmelden?" + q.Encode()
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	if s.auth == nil {
		s.notFound(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if !s.checkCSRF(r) {
		s.refuseCSRF(w, r)
		return
	}
	v := loginView{CSRF: s.preToken(w, r), Register: true, MinPassword: accounts.MinPassword, Email: r.PostFormValue("email"),
		Name: r.PostFormValue("name"), Institution: r.PostFormValue("institution"), Next: localTarget(r.PostFormValue("weiter"))}
	pw := r.PostFormValue("passwort")
	if pw != r.PostFormValue("passwort2") {
		v.Error = "Die beiden Passwörter stimmen nicht überein."
		s.render(w, r, http.StatusBadRequest, "register.html", page{Title: "Registrieren", Data: v})
		return
	}
	u, err := s.auth.Accounts.Register(r.Context(), v.Email, v.Name, v.Institution, pw, s.clientIP(r))
	switch {
	case errors.Is(err, accounts.ErrThrottled):
		v.Error = "Zu viele Registrierungen von Ihrem Anschluss. Bitte versuchen Sie es später erneut."
		s.render(w, r, http.StatusTooManyRequests, "register.html", page{Title: "Registrieren", Data: v})
		return
	case errors.Is(err, accounts.ErrExists):
		// Answer as for a new address: the page does not tell who has an
		// account.
		s.log.Info("web: registration for an existing address")
		notice := "registriert"
		if s.auth.Accounts.Approval() {
			notice = "freischaltung"
		}
		http.Redirect(w, r, loginURL(notice, v.Next), http.StatusSeeOther)
		return
	case errors.Is(err, accounts.ErrInvalid):
		v.Error = "Bitte prüfen Sie Ihre Angaben: eine gültige E-Mail-Adresse, Ihr Name und ein Passwort mit mindestens 12 Zeichen."
		s.render(w, r, http.StatusBadRequest, "register.html", page{Title: "Registrieren", Data: v})
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	if u.Status == accounts.StatusActive {
		http.Redirect(w, r, loginURL("registriert", v.Next), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, loginURL("freischaltung", v.Next), http.StatusSeeOther)
}

const expiredText = "Ihr vorläufiges Passwort ist abgelaufen (es gilt 24 Stunden). Bitte bitten Sie das Archiv um ein neues."

// newPasswordPage is the form on which the owner of a reset account
// replaces the temporary password (accounts.SetOwnPassword).
func (s *Server) newPasswordPage(w http.ResponseWriter, r *http.Request) {
	if s.auth == nil {
		s.notFound(w, r)
		return
	}
	s.render(w, r, http.StatusOK, "password.html", page{Title: "Neues Passwort festlegen",
		Data: loginView{CSRF: s.preToken(w, r), Next: localTarget(r.URL.Query().Get("weiter")), MinPassword: accounts.MinPassword}})
}

func (s *Server) newPassword(w http.ResponseWriter, r *http.Request) {
	if s.auth == nil {
		s.notFound(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if !s.checkCSRF(r) {
		s.refuseCSRF(w, r)
		return
	}
	v := loginView{CSRF: s.preToken(w, r), Next: localTarget(r.PostFormValue("weiter")), Email: r.PostFormValue("email"), MinPassword: accounts.MinPassword}
	fail := func(code int, msg string) {
		v.Error = msg
		s.render(w, r, code, "password.html", page{Title: "Neues Passwort festlegen", Data: v})
	}
	pw := r.PostFormValue("passwort")
	if pw != r.PostFormValue("passwort2") {
		fail(http.StatusBadRequest, "Die beiden neuen Passwörter stimmen nicht überein.")
		return
	}
	id, _, u, err := s.auth.Accounts.SetOwnPassword(r.Context(), v.Email, r.PostFormValue("vorlaeufig"), pw, s.clientIP(r))
	switch {
	case errors.Is(err, accounts.ErrThrottled):
		fail(http.StatusTooManyRequests, "Zu viele fehlgeschlagene Versuche. Bitte warten Sie 15 Minuten und versuchen Sie es dann erneut.")
		return
	case errors.Is(err, accounts.ErrCredentials):
		fail(http.StatusUnauthorized, "E-Mail-Adresse oder vorläufiges Passwort sind falsch, oder das vorläufige Passwort wurde schon verwendet.")
		return
	case errors.Is(err, accounts.ErrResetExpired):
		fail(http.StatusForbidden, expiredText)
		return
	case errors.Is(err, accounts.ErrInactive):
		fail(http.StatusForbidden, "Ihr Konto ist gesperrt. Bitte wenden Sie sich an das Archiv.")
		return
	case errors.Is(err, accounts.ErrInvalid):
		fail(http.StatusBadRequest, "Das neue Passwort muss mindestens 12 Zeichen lang sein und sich vom vorläufigen unterscheiden.")
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.auth.Accounts.Logout(r.Context(), c.Value)
	}
	s.setCookie(w, r, sessionCookie, id, 0)
	s.setCookie(w, r, preCookie, "", -1)
	s.log.Info("web: temporary password replaced", "user", u.ID)
	next := v.Next
	if next == "" {
		next = "/konto/antraege"
		if u.Staff() {
			next = "/archiv/antraege"
		}
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
