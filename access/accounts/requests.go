package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/magazin-archiv/magazin/access"
)

// Purposes of a request to shorten a closure period.
const (
	// PurposeResearch: a scientific research project (title, institution).
	PurposeResearch = "research"
	// PurposeInterest: the pursuit of the applicant's own legitimate
	// interests (Wahrnehmung berechtigter Belange).
	PurposeInterest = "interest"
	// PurposeConsent: the consent of the person concerned (or, after
	// death, of the relatives).
	PurposeConsent = "consent"
	// PurposeDeath: proof that the person concerned died long enough ago
	// that the personal period has run (Nachweis des Todes).
	PurposeDeath = "death"
)

// Request states.
const (
	RequestOpen     = "open"
	RequestApproved = "approved"
	RequestRejected = "rejected"
)

// Request is a researcher's request to shorten the closure period of one
// unit (Antrag auf Schutzfristverkürzung) and, once decided, the outcome.
type Request struct {
	ID string `json:"id"`
	// User is the applicant's account id.
	User string `json:"user"`
	// Unit is the unit's id; Signatur its Signatur when requested.
	Unit     string `json:"unit"`
	Signatur string `json:"signatur,omitempty"`
	Purpose  string `json:"purpose"`
	// Project and Institution describe a research project.
	Project     string `json:"project,omitempty"`
	Institution string `json:"institution,omitempty"`
	// Justification is the applicant's statement: the interest pursued, the
	// consent given or the proof of death offered.
	Justification string    `json:"justification"`
	Created       time.Time `json:"created"`
	Status        string    `json:"status"`
	// The decision: who, when; the closure decision's id and conditions
	// for an approval, the reason for a rejection.
	Decider    string    `json:"decider,omitempty"`
	Decided    time.Time `json:"decided,omitzero"`
	Decision   string    `json:"decision,omitempty"`
	NewRelease string    `json:"newRelease,omitempty"`
	Conditions string    `json:"conditions,omitempty"`
	Reason     string    `json:"reason,omitempty"`
}

// ErrDecided: the request was decided already.
var ErrDecided = errors.New("accounts: the request was decided already")

// ErrPending: the user has an open request on the unit already.
var ErrPending = errors.New("accounts: an open request on this unit exists")

// CreateRequest files request r for its user (Unit, Purpose and
// Justification required; Project for research). It sets ID, Created and
// Status.
func (d *DB) CreateRequest(ctx context.Context, r Request) (*Request, error) {
	r.Justification = strings.TrimSpace(r.Justification)
	r.Project, r.Institution = strings.TrimSpace(r.Project), strings.TrimSpace(r.Institution)
	switch r.Purpose {
	case PurposeResearch:
		if r.Project == "" {
			return nil, fmt.Errorf("%w: a research project needs its title", ErrInvalid)
		}
	case PurposeInterest, PurposeConsent, PurposeDeath:
	default:
		return nil, fmt.Errorf("%w: purpose %q", ErrInvalid, r.Purpose)
	}
	if r.User == "" || r.Unit == "" {
		return nil, fmt.Errorf("%w: request without user or unit", ErrInvalid)
	}
	if r.Justification == "" {
		return nil, fmt.Errorf("%w: a request needs its justification", ErrInvalid)
	}
	if len(r.Justification) > 10000 || len(r.Project) > 500 || len(r.Institution) > 300 {
		return nil, fmt.Errorf("%w: text too long", ErrInvalid)
	}
	r.ID = randomID("req-")
	r.Created = d.opts.Now().UTC().Truncate(time.Second)
	r.Status = RequestOpen
	r.Decider, r.Decision, r.Reason, r.Conditions, r.NewRelease, r.Decided = "", "", "", "", "", time.Time{}
	d.mu.Lock()
	defer d.mu.Unlock()
	open, err := d.Requests(ctx, func(q *Request) bool { return q.User == r.User && q.Unit == r.Unit && q.Status == RequestOpen })
	if err != nil {
		return nil, err
	}
	if len(open) > 0 {
		return nil, ErrPending
	}
	if err := d.db.Update(func(txn *badger.Txn) error { return setJSON(txn, prefixRequest+r.ID, &r) }); err != nil {
		return nil, fmt.Errorf("accounts: request: %w", err)
	}
	return &r, nil
}

// Request returns the request with id.
func (d *DB) Request(ctx context.Context, id string) (*Request, error) {
	var r Request
	if err := d.db.View(func(txn *badger.Txn) error { return getJSON(txn, prefixRequest+id, &r) }); err != nil {
		return nil, fmt.Errorf("accounts: request %s: %w", id, err)
	}
	return &r, nil
}

// Requests returns the requests that match keep (all if nil), newest
// first.
func (d *DB) Requests(ctx context.Context, keep func(*Request) bool) ([]Request, error) {
	var out []Request
	err := d.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixRequest), PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var r Request
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &r) }); err != nil {
				return err
			}
			if keep == nil || keep(&r) {
				out = append(out, r)
			}
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.After(out[j].Created)
		}
		return out[i].ID < out[j].ID
	})
	return out, err
}

// Outcome is an archivist's decision on a request.
type Outcome struct {
	Status  string // RequestApproved or RequestRejected
	Decider string
	// For an approval: the journaled closure decision, its new release
	// and conditions. For a rejection: the reason.
	Decision, NewRelease, Conditions string
	Reason                           string
}

// Decide records the outcome of the open request id.
func (d *DB) Decide(ctx context.Context, id string, o Outcome) (*Request, error) {
	switch {
	case o.Decider == "":
		return nil, fmt.Errorf("%w: no decider", ErrInvalid)
	case o.Status == RequestApproved && o.Decision == "":
		return nil, fmt.Errorf("%w: an approval names its closure decision", ErrInvalid)
	case o.Status == RequestRejected && strings.TrimSpace(o.Reason) == "":
		return nil, fmt.Errorf("%w: a rejection gives its reason", ErrInvalid)
	case o.Status != RequestApproved && o.Status != RequestRejected:
		return nil, fmt.Errorf("%w: outcome %q", ErrInvalid, o.Status)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var r Request
	err := d.db.Update(func(txn *badger.Txn) error {
		if err := getJSON(txn, prefixRequest+id, &r); err != nil {
			return err
		}
		if r.Status != RequestOpen {
			return ErrDecided
		}
		r.Status, r.Decider, r.Decided = o.Status, o.Decider, d.opts.Now().UTC().Truncate(time.Second)
		r.Decision, r.NewRelease, r.Conditions, r.Reason = o.Decision, o.NewRelease, strings.TrimSpace(o.Conditions), strings.TrimSpace(o.Reason)
		return setJSON(txn, prefixRequest+id, &r)
	})
	if err != nil {
		return nil, fmt.Errorf("accounts: request %s: %w", id, err)
	}
	return &r, nil
}

// RecordAccess records an access opened by a granted request; it
// satisfies access.AccessRecorder.
func (d *DB) RecordAccess(ctx context.Context, ev access.AccessEvent) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seq++
	key := fmt.Sprintf("%s%s\x00%012d", prefixAccess, ev.Time.UTC().Format(time.RFC3339Nano), d.seq)
	return d.db.Update(func(txn *badger.Txn) error { return setJSON(txn, key, &ev) })
}

// Accesses returns the recorded accesses of user ("" for all), oldest
// first.
func (d *DB) Accesses(ctx context.Context, user string) ([]access.AccessEvent, error) {
	var out []access.AccessEvent
	err := d.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixAccess), PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var ev access.AccessEvent
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &ev) }); err != nil {
				return err
			}
			if user == "" || ev.User == user {
				out = append(out, ev)
			}
		}
		return nil
	})
	return out, err
}
