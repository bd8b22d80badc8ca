package accounts

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/magazin-archiv/magazin/access"
)

// fastParams keep the tests quick; the format and the check are the same.
var fastParams = Params{Time: 1, Memory: 1024, Threads: 1}

type clock struct{ t time.Time }

func (c *clock) now() time.Time           { return c.t }
func (c *clock) add(d time.Duration)      { c.t = c.t.Add(d) }
func newClock() *clock                    { return &clock{time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)} }
func openTest(t *testing.T, c *clock) *DB { return openWith(t, Options{Now: c.now}) }

func openWith(t *testing.T, o Options) *DB {
	t.Helper()
	o.Params = fastParams
	d, err := Open("", o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

const pw = "korrekt Pferd Batterie"

func TestPasswordHash(t *testing.T) {
	h1, err := HashPassword(pw, DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPassword(pw, DefaultParams)
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=65536,t=3,p=2$") || h1 == h2 {
		t.Errorf("hashes %q and %q: want argon2id PHC strings with distinct salts", h1, h2)
	}
	if strings.Contains(h1, pw) {
		t.Error("the hash contains the password")
	}
	for _, c := range []struct {
		pw   string
		want bool
	}{{pw, true}, {pw + " ", false}, {"", false}, {strings.ToUpper(pw), false}} {
		ok, err := CheckPassword(h1, c.pw)
		if err != nil || ok != c.want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", c.pw, ok, err, c.want)
		}
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=x$AAAA$AAAA",
		"$argon2id$v=18$m=1024,t=1,p=1$AAAA$AAAA", strings.Replace(h1, "$v=19$", "$v=19$$", 1)} {
		if _, err := CheckPassword(bad, pw); !errors.Is(err, ErrHashFormat) {
			t.Errorf("CheckPassword on %q: %v, want ErrHashFormat", bad, err)
		}
	}
}

func TestCreateAndValidate(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, newClock())
	u, err := d.Create(ctx, NewUser{Email: " Ada@Example.org ", Name: "Ada Lovelace", Institution: "Uni Leipzig", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "ada@example.org" || u.Role != RoleResearcher || u.Status != StatusActive || !strings.HasPrefix(u.ID, "acc-") {
		t.Errorf("created %+v", u)
	}
	if _, err := d.Create(ctx, NewUser{Email: "ADA@example.org", Name: "X", Password: pw}); !errors.Is(err, ErrExists) {
		t.Errorf("second account with the same address: %v", err)
	}
	for _, n := range []NewUser{
		{Email: "not an address", Name: "X", Password: pw},
		{Email: "Eve <eve@example.org>", Name: "X", Password: pw},
		{Email: "eve@example.org", Name: " ", Password: pw},
		{Email: "eve@example.org", Name: "Eve", Password: "kurz"},
		{Email: "eve@example.org", Name: "Eve", Password: pw, Role: "root"},
	} {
		if _, err := d.Create(ctx, n); !errors.Is(err, ErrInvalid) {
			t.Errorf("Create(%+v): %v, want ErrInvalid", n, err)
		}
	}
	got, err := d.ByEmail(ctx, "ada@EXAMPLE.org")
	if err != nil || got.ID != u.ID {
		t.Errorf("ByEmail: %+v, %v", got, err)
	}
	if _, err := d.User(ctx, "acc-none"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("unknown user: %v", err)
	}
	appr := openWith(t, Options{Approval: true})
	p, err := appr.Register(ctx, "bob@example.org", "Bob", "", pw, "192.0.2.1")
	if err != nil || p.Status != StatusPending {
		t.Fatalf("registration with approval: %+v, %v", p, err)
	}
	if _, _, _, err := appr.Login(ctx, "bob@example.org", pw, "192.0.2.1"); !errors.Is(err, ErrInactive) {
		t.Errorf("login of a pending account: %v, want ErrInactive", err)
	}
	if err := appr.SetStatus(ctx, p.ID, StatusActive); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := appr.Login(ctx, "bob@example.org", pw, "192.0.2.1"); err != nil {
		t.Errorf("login after activation: %v", err)
	}
}

// Failed logins are throttled per account (from many addresses) and per
// address (for many accounts); the window slides; a success clears the
// account's count.
func TestLoginThrottling(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	d := openWith(t, Options{Now: c.now, AccountFailures: 3, IPFailures: 5, FailureWindow: 10 * time.Minute})
	if _, err := d.Create(ctx, NewUser{Email: "ada@example.org", Name: "Ada", Password: pw}); err != nil {
		t.Fatal(err)
	}
	// Per account: three failures from three addresses lock the account,
	// even for the right password from a fourth.
	for i, ip := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"} {
		if _, _, _, err := d.Login(ctx, "ada@example.org", "falsch falsch falsch", ip); !errors.Is(err, ErrCredentials) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	if _, _, _, err := d.Login(ctx, "ADA@example.org", pw, "192.0.2.4"); !errors.Is(err, ErrThrottled) {
		t.Fatalf("right password on a locked account: %v, want ErrThrottled", err)
	}
	c.add(11 * time.Minute)
	if _, _, _, err := d.Login(ctx, "ada@example.org", pw, "192.0.2.4"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	// Per address: five failures on five (unknown) accounts lock the
	// address for every account, also a real one.
	for i := range 5 {
		if _, _, _, err := d.Login(ctx, "nobody"+string(rune('a'+i))+"@example.org", pw, "198.51.100.7"); !errors.Is(err, ErrCredentials) {
			t.Fatalf("spray %d: %v", i, err)
		}
	}
	if _, _, _, err := d.Login(ctx, "ada@example.org", pw, "198.51.100.7"); !errors.Is(err, ErrThrottled) {
		t.Errorf("login from a throttled address: %v, want ErrThrottled", err)
	}
	if _, _, _, err := d.Login(ctx, "ada@example.org", pw, "198.51.100.8"); err != nil {
		t.Errorf("login from another address: %v", err)
	}
	// A success resets the account's count.
	for range 2 {
		d.Login(ctx, "ada@example.org", "falsch falsch falsch", "192.0.2.9")
	}
	if _, _, _, err := d.Login(ctx, "ada@example.org", pw, "192.0.2.9"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		d.Login(ctx, "ada@example.org", "falsch falsch falsch", "192.0.2.10")
	}
	if _, _, _, err := d.Login(ctx, "ada@example.org", pw, "192.0.2.10"); err != nil {
		t.Errorf("two failures after a success locked the account: %v", err)
	}
}

// Every login starts a new session with a new id and CSRF token; the id is
// stored only hashed; sessions expire (absolute and idle), end on logout,
// on a password change and when the account is disabled.
func TestSessions(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	d := openWith(t, Options{Now: c.now, SessionTTL: 4 * time.Hour, SessionIdle: 30 * time.Minute})
	u, err := d.Create(ctx, NewUser{Email: "ada@example.org", Name: "Ada", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	id1, s1, _, err := d.Login(ctx, "ada@example.org", pw, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	id2, s2, _, err := d.Login(ctx, "ada@example.org", pw, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if id1 == id2 || s1.CSRF == s2.CSRF || len(id1) != 43 || len(s1.CSRF) != 43 {
		t.Errorf("sessions %q/%q, CSRF %q/%q: want fresh 256-bit values", id1, id2, s1.CSRF, s2.CSRF)
	}
	// Stored hashed: the id appears nowhere in the database.
	d.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, _ := it.Item().ValueCopy(nil)
			if bytes.Contains(it.Item().Key(), []byte(id1)) || bytes.Contains(v, []byte(id1)) {
				t.Errorf("session id stored in the clear under %q", it.Item().Key())
			}
		}
		return nil
	})
	s, su, err := d.Session(ctx, id1)
	if err != nil || su.ID != u.ID || !s.CheckCSRF(s1.CSRF) || s.CheckCSRF(s2.CSRF) || s.CheckCSRF("") {
		t.Fatalf("lookup: %+v %+v %v", s, su, err)
	}
	if _, _, err := d.Session(ctx, id1+"x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a changed id: %v", err)
	}
	// Logout ends one session only.
	if err := d.Logout(ctx, id2); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Session(ctx, id2); !errors.Is(err, ErrNotFound) {
		t.Errorf("after logout: %v", err)
	}
	// Idle: used every 20 minutes it lives; 31 minutes unused, it is gone.
	for range 5 {
		c.add(20 * time.Minute)
		if _, _, err := d.Session(ctx, id1); err != nil {
			t.Fatalf("session in use: %v", err)
		}
	}
	c.add(31 * time.Minute)
	if _, _, err := d.Session(ctx, id1); !errors.Is(err, ErrNotFound) {
		t.Errorf("idle session: %v", err)
	}
	// Absolute lifetime.
	id3, _, _, _ := d.Login(ctx, "ada@example.org", pw, "192.0.2.1")
	for range 11 {
		c.add(20 * time.Minute)
		if _, _, err := d.Session(ctx, id3); err != nil {
			t.Fatalf("at %s: %v", c.t, err)
		}
	}
	c.add(20 * time.Minute)
	if _, _, err := d.Session(ctx, id3); !errors.Is(err, ErrNotFound) {
		t.Errorf("session past its lifetime: %v", err)
	}
	// Password change and disabling end every session.
	id4, _, _, _ := d.Login(ctx, "ada@example.org", pw, "192.0.2.1")
	if err := d.SetPassword(ctx, u.ID, "ein neues langes Passwort"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Session(ctx, id4); !errors.Is(err, ErrNotFound) {
		t.Errorf("session after a password change: %v", err)
	}
	if _, _, _, err := d.Login(ctx, "ada@example.org", pw, "192.0.2.1"); !errors.Is(err, ErrCredentials) {
		t.Errorf("old password: %v", err)
	}
	id5, _, _, err := d.Login(ctx, "ada@example.org", "ein neues langes Passwort", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SetStatus(ctx, u.ID, StatusDisabled); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Session(ctx, id5); !errors.Is(err, ErrNotFound) {
		t.Errorf("session of a disabled account: %v", err)
	}
	if _, _, _, err := d.Login(ctx, "ada@example.org", "ein neues langes Passwort", "192.0.2.1"); !errors.Is(err, ErrInactive) {
		t.Errorf("login of a disabled account: %v", err)
	}
}

// Registrations are throttled per client address.
func TestRegistrationThrottling(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	d := openWith(t, Options{Now: c.now, FailureWindow: time.Hour})
	for i := range maxRegistrations {
		if _, err := d.Register(ctx, "r"+string(rune('a'+i))+"@example.org", "R", "", pw, "198.51.100.1"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Register(ctx, "late@example.org", "R", "", pw, "198.51.100.1"); !errors.Is(err, ErrThrottled) {
		t.Errorf("registration %d from one address: %v, want ErrThrottled", maxRegistrations+1, err)
	}
	if _, err := d.Register(ctx, "other@example.org", "R", "", pw, "198.51.100.2"); err != nil {
		t.Errorf("from another address: %v", err)
	}
	c.add(61 * time.Minute)
	if _, err := d.Register(ctx, "late@example.org", "R", "", pw, "198.51.100.1"); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

func TestRequests(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	d := openTest(t, c)
	if _, err := d.CreateRequest(ctx, Request{User: "acc-1", Unit: "u1", Purpose: PurposeResearch, Justification: "x"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("research without a project: %v", err)
	}
	if _, err := d.CreateRequest(ctx, Request{User: "acc-1", Unit: "u1", Purpose: "curiosity", Justification: "x"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown purpose: %v", err)
	}
	r1, err := d.CreateRequest(ctx, Request{User: "acc-1", Unit: "u1", Purpose: PurposeResearch, Project: "Pflege in Müllrose 1990–2010",
		Institution: "Uni Leipzig", Justification: "Dissertation", Status: RequestApproved, Decision: "forged"})
	if err != nil {
		t.Fatal(err)
	}
	if r1.Status != RequestOpen || r1.Decision != "" {
		t.Errorf("a new request: %+v", r1)
	}
	c.add(time.Minute)
	r2, err := d.CreateRequest(ctx, Request{User: "acc-2", Unit: "u1", Purpose: PurposeConsent, Justification: "Einwilligung liegt bei"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateRequest(ctx, Request{User: "acc-1", Unit: "u1", Purpose: PurposeInterest, Justification: "noch einmal"}); !errors.Is(err, ErrPending) {
		t.Errorf("a second open request on the unit: %v, want ErrPending", err)
	}
	mine, _ := d.Requests(ctx, func(r *Request) bool { return r.User == "acc-1" })
	if len(mine) != 1 || mine[0].ID != r1.ID {
		t.Errorf("requests of acc-1: %+v", mine)
	}
	if all, _ := d.Requests(ctx, nil); len(all) != 2 || all[0].ID != r2.ID {
		t.Errorf("all requests, newest first: %+v", all)
	}
	if _, err := d.Decide(ctx, r1.ID, Outcome{Status: RequestApproved, Decider: "arch"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("approval without a decision: %v", err)
	}
	if _, err := d.Decide(ctx, r2.ID, Outcome{Status: RequestRejected, Decider: "arch"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("rejection without a reason: %v", err)
	}
	got, err := d.Decide(ctx, r1.ID, Outcome{Status: RequestApproved, Decider: "arch", Decision: "dec-1", NewRelease: "2026-11-26", Conditions: "anonymisiert"})
	if err != nil || got.Status != RequestApproved || got.Decision != "dec-1" || got.Decided.IsZero() {
		t.Fatalf("approval: %+v, %v", got, err)
	}
	if _, err := d.Decide(ctx, r1.ID, Outcome{Status: RequestRejected, Decider: "arch", Reason: "doch nicht"}); !errors.Is(err, ErrDecided) {
		t.Errorf("deciding twice: %v", err)
	}
	ev := access.AccessEvent{User: "acc-1", Unit: "u1", Decision: "dec-1", What: "file", Path: "original/a.pdf", Time: c.t}
	if err := d.RecordAccess(ctx, ev); err != nil {
		t.Fatal(err)
	}
	d.RecordAccess(ctx, access.AccessEvent{User: "acc-2", Unit: "u1", Time: c.t})
	if evs, _ := d.Accesses(ctx, "acc-1"); len(evs) != 1 || evs[0] != ev {
		t.Errorf("accesses of acc-1: %+v", evs)
	}
}
