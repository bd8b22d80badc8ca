package accounts

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/dgraph-io/badger/v4"
)

// Roles.
const (
	RoleResearcher = "researcher"
	RoleArchivist  = "archivist"
	RoleAdmin      = "admin"
)

// Account states.
const (
	StatusActive   = "active"
	StatusPending  = "pending"  // registered, waiting for an archivist
	StatusDisabled = "disabled" // no login
)

// MinPassword is the shortest password accepted, in characters.
const MinPassword = 12

var (
	// ErrNotFound: no such account, session or request. It matches
	// fs.ErrNotExist.
	ErrNotFound = fmt.Errorf("accounts: not found: %w", fs.ErrNotExist)
	// ErrExists: the e-mail address has an account already.
	ErrExists = errors.New("accounts: an account with this e-mail address exists")
	// ErrInvalid: a field is missing or malformed.
	ErrInvalid = errors.New("accounts: invalid")
	// ErrCredentials: unknown e-mail address or wrong password (the two are
	// not told apart).
	ErrCredentials = errors.New("accounts: wrong e-mail address or password")
	// ErrThrottled: too many failed logins for the account or from the
	// client address; try again later.
	ErrThrottled = errors.New("accounts: too many failed logins, try again later")
	// ErrInactive: the account is pending or disabled.
	ErrInactive = errors.New("accounts: account not active")
)

// User is an account.
type User struct {
	ID          string    `json:"id"`
	Email       string    `json:"email"`
	Name        string    `json:"name"`
	Institution string    `json:"institution,omitempty"`
	Role        string    `json:"role"`
	Status      string    `json:"status"`
	Created     time.Time `json:"created"`
	// Hash is the argon2id hash of the password.
	Hash string `json:"hash"`
	// LastLogin is the time of the last successful login.
	LastLogin time.Time `json:"lastLogin,omitzero"`
	// MustChange: the password is a temporary one (ResetPassword), valid
	// until ResetExpires; it opens no session, only SetOwnPassword.
	MustChange   bool      `json:"mustChange,omitempty"`
	ResetExpires time.Time `json:"resetExpires,omitzero"`
}

// Staff reports whether the user is an archivist or an admin.
func (u *User) Staff() bool { return u.Role == RoleArchivist || u.Role == RoleAdmin }

// Options configure a DB.
type Options struct {
	// Params are the argon2id costs of new hashes (DefaultParams).
	Params Params
	// SessionTTL is a session's absolute lifetime (8 h), SessionIdle how
	// long it lives unused (1 h).
	SessionTTL, SessionIdle time.Duration
	// Throttling: at most AccountFailures failed logins per account (5) and
	// IPFailures per client address (20) within FailureWindow (15 min).
	AccountFailures, IPFailures int
	FailureWindow               time.Duration
	// Approval: self-registered accounts wait for an archivist (pending);
	// otherwise they are active at once.
	Approval bool
	Now      func() time.Time
	Logger   *slog.Logger
}

// DB is the accounts database.
type DB struct {
	db   *badger.DB
	opts Options
	log  *slog.Logger
	// dummy is a hash checked for unknown e-mail addresses, so that
	// Login takes as long for them as for known ones.
	dummy string

	// hashing bounds the argon2id computations running at once: each
	// takes Params.Memory, and a burst of logins must not exhaust memory.
	hashing chan struct{}

	mu    sync.Mutex // guards fails and serialises account writes
	fails map[string][]time.Time
	seq   uint64 // access events in this process
}

// Key prefixes.
const (
	prefixUser    = "user/"    // user/<id> -> User
	prefixEmail   = "email/"   // email/<lower-case address> -> id
	prefixSession = "session/" // session/<sha256 hex of the id> -> Session
	prefixRequest = "request/" // request/<id> -> Request
	prefixAccess  = "access/"  // access/<RFC 3339 nano>\x00<n> -> access event
	// prefixAdmin (admin.go): admin/<RFC 3339 nano>\x00<n> -> AdminEvent
)

// DefaultDir is the accounts database under the data directory.
func DefaultDir(dataDir string) string { return filepath.Join(dataDir, "accounts") }

// Open opens (creating) the accounts database in dir; "" opens one in
// memory (tests).
func Open(dir string, o Options) (*DB, error) {
	if o.Params.Time == 0 {
		o.Params = DefaultParams
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 8 * time.Hour
	}
	if o.SessionIdle <= 0 {
		o.SessionIdle = time.Hour
	}
	if o.AccountFailures <= 0 {
		o.AccountFailures = 5
	}
	if o.IPFailures <= 0 {
		o.IPFailures = 20
	}
	if o.FailureWindow <= 0 {
		o.FailureWindow = 15 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	bo := badger.DefaultOptions(dir).WithLogger(nil).WithSyncWrites(true)
	if dir == "" {
		bo = bo.WithInMemory(true)
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	db, err := badger.Open(bo)
	if err != nil {
		return nil, fmt.Errorf("accounts: open %s: %w", dir, err)
	}
	dummy, err := HashPassword("no such account", o.Params)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &DB{db: db, opts: o, log: o.Logger, dummy: dummy, fails: map[string][]time.Time{},
		hashing: make(chan struct{}, max(2, runtime.NumCPU()))}, nil
}

// Approval reports whether self-registered accounts wait for an
// archivist.
func (d *DB) Approval() bool { return d.opts.Approval }

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// NewUser describes an account to create.
type NewUser struct {
	Email, Name, Institution, Role, Password string
	// Status is the new account's state; "" is active.
	Status string
}

func randomID(prefix string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func normEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// CheckPasswordRules checks a new password: at least MinPassword
// characters, at most 1024 bytes.
func CheckPasswordRules(pw string) error {
	if utf8.RuneCountInString(pw) < MinPassword {
		return fmt.Errorf("%w: password: at least %d characters", ErrInvalid, MinPassword)
	}
	if len(pw) > 1024 {
		return fmt.Errorf("%w: password: too long", ErrInvalid)
	}
	return nil
}

func validRole(r string) bool { return r == RoleResearcher || r == RoleArchivist || r == RoleAdmin }

// Create creates an account.
func (d *DB) Create(ctx context.Context, n NewUser) (*User, error) {
	email := normEmail(n.Email)
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		return nil, fmt.Errorf("%w: e-mail address %q", ErrInvalid, n.Email)
	}
	name := strings.TrimSpace(n.Name)
	if name == "" || len(name) > 200 || len(n.Institution) > 300 {
		return nil, fmt.Errorf("%w: name and institution: required name, at most 200 and 300 characters", ErrInvalid)
	}
	if n.Role == "" {
		n.Role = RoleResearcher
	}
	if !validRole(n.Role) {
		return nil, fmt.Errorf("%w: role %q: want %s, %s or %s", ErrInvalid, n.Role, RoleResearcher, RoleArchivist, RoleAdmin)
	}
	if n.Status == "" {
		n.Status = StatusActive
	}
	if n.Status != StatusActive && n.Status != StatusPending && n.Status != StatusDisabled {
		return nil, fmt.Errorf("%w: status %q", ErrInvalid, n.Status)
	}
	if err := CheckPasswordRules(n.Password); err != nil {
		return nil, err
	}
	hash, err := d.hash(ctx, n.Password)
	if err != nil {
		return nil, err
	}
	u := &User{ID: randomID("acc-"), Email: email, Name: name, Institution: strings.TrimSpace(n.Institution), Role: n.Role,
		Status: n.Status, Created: d.opts.Now().UTC().Truncate(time.Second), Hash: hash}
	d.mu.Lock()
	defer d.mu.Unlock()
	err = d.db.Update(func(txn *badger.Txn) error {
		if _, err := txn.Get([]byte(prefixEmail + email)); err == nil {
			return ErrExists
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		if err := setJSON(txn, prefixUser+u.ID, u); err != nil {
			return err
		}
		return txn.Set([]byte(prefixEmail+email), []byte(u.ID))
	})
	if err != nil {
		if errors.Is(err, ErrExists) {
			return nil, err
		}
		return nil, fmt.Errorf("accounts: %w", err)
	}
	d.log.Info("accounts: account created", "user", u.ID, "role", u.Role, "status", u.Status)
	return u, nil
}

// Registrations per client address and FailureWindow.
const maxRegistrations = 10

// Register creates a researcher's account from the reading room's
// registration form, sent from the client address ip: active, or pending
// when Options.Approval is set. An address gets at most 10 registrations
// (successful or not) per FailureWindow (ErrThrottled).
func (d *DB) Register(ctx context.Context, email, name, institution, password, ip string) (*User, error) {
	key := "r:" + ip
	if d.throttled(key, maxRegistrations) {
		return nil, ErrThrottled
	}
	d.fail(key)
	st := StatusActive
	if d.opts.Approval {
		st = StatusPending
	}
	return d.Create(ctx, NewUser{Email: email, Name: name, Institution: institution, Password: password, Role: RoleResearcher, Status: st})
}

// hash hashes a password, waiting for a free slot.
func (d *DB) hash(ctx context.Context, password string) (string, error) {
	select {
	case d.hashing <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-d.hashing }()
	return HashPassword(password, d.opts.Params)
}

// check compares a password with a hash, waiting for a free slot.
func (d *DB) check(ctx context.Context, hash, password string) (bool, error) {
	select {
	case d.hashing <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-d.hashing }()
	return CheckPassword(hash, password)
}

func setJSON(txn *badger.Txn, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return txn.Set([]byte(key), b)
}

func getJSON(txn *badger.Txn, key string, v any) error {
	it, err := txn.Get([]byte(key))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	return it.Value(func(b []byte) error { return json.Unmarshal(b, v) })
}

// User returns the account with id.
func (d *DB) User(ctx context.Context, id string) (*User, error) {
	var u User
	if err := d.db.View(func(txn *badger.Txn) error { return getJSON(txn, prefixUser+id, &u) }); err != nil {
		return nil, fmt.Errorf("accounts: user %s: %w", id, err)
	}
	return &u, nil
}

// ByEmail returns the account with the e-mail address.
func (d *DB) ByEmail(ctx context.Context, email string) (*User, error) {
	var u User
	err := d.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get([]byte(prefixEmail + normEmail(email)))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		id, err := it.ValueCopy(nil)
		if err != nil {
			return err
		}
		return getJSON(txn, prefixUser+string(id), &u)
	})
	if err != nil {
		return nil, fmt.Errorf("accounts: %s: %w", email, err)
	}
	return &u, nil
}

// Users returns every account, by e-mail address.
func (d *DB) Users(ctx context.Context) ([]User, error) {
	var out []User
	err := d.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixUser), PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var u User
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &u) }); err != nil {
				return err
			}
			out = append(out, u)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Email < out[j].Email })
	return out, err
}

// update changes the account id with fn and, when end is set, ends its
// sessions.
func (d *DB) update(ctx context.Context, id string, end bool, fn func(*User) error) (*User, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var u User
	err := d.db.Update(func(txn *badger.Txn) error {
		if err := getJSON(txn, prefixUser+id, &u); err != nil {
			return err
		}
		if err := fn(&u); err != nil {
			return err
		}
		return setJSON(txn, prefixUser+id, &u)
	})
	if err != nil {
		return nil, fmt.Errorf("accounts: user %s: %w", id, err)
	}
	if end {
		if err := d.endSessions(id); err != nil {
			return nil, err
		}
	}
	return &u, nil
}

// SetPassword sets a new password (replacing a temporary one) and ends
// the account's sessions.
func (d *DB) SetPassword(ctx context.Context, id, password string) error {
	if err := CheckPasswordRules(password); err != nil {
		return err
	}
	hash, err := d.hash(ctx, password)
	if err != nil {
		return err
	}
	_, err = d.update(ctx, id, true, func(u *User) error {
		u.Hash, u.MustChange, u.ResetExpires = hash, false, time.Time{}
		return nil
	})
	return err
}

// SetStatus sets the account's state; anything but active ends its
// sessions.
func (d *DB) SetStatus(ctx context.Context, id, status string) error {
	if status != StatusActive && status != StatusPending && status != StatusDisabled {
		return fmt.Errorf("%w: status %q", ErrInvalid, status)
	}
	_, err := d.update(ctx, id, status != StatusActive, func(u *User) error { u.Status = status; return nil })
	return err
}

// SetRole sets the account's role and ends its sessions.
func (d *DB) SetRole(ctx context.Context, id, role string) error {
	if !validRole(role) {
		return fmt.Errorf("%w: role %q", ErrInvalid, role)
	}
	_, err := d.update(ctx, id, true, func(u *User) error { u.Role = role; return nil })
	return err
}
