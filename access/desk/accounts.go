package desk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/magazin-archiv/magazin/access/accounts"
)

// Accounts is the administration of the reading room's accounts
// (/archiv/konten). AccountsOver implements it over access/accounts,
// whose rules (accounts.Permit) decide who may do what.
type Accounts interface {
	// List returns every account, pending registrations first, each with
	// the actions who may take on it.
	List(ctx context.Context, who Identity) ([]Account, error)
	// Log returns the latest administrative actions, newest first, at
	// most limit.
	Log(ctx context.Context, limit int) ([]AccountEvent, error)
	// Act takes action (AccApprove, AccEnable, AccDisable, AccRole with
	// role) on the account id for who. Errors: ErrForbidden, ErrInvalid,
	// one matching fs.ErrNotExist for an unknown account.
	Act(ctx context.Context, id, action, role string, who Identity) error
	// Reset gives the account id a temporary password and returns it with
	// the end of its validity (AccReset).
	Reset(ctx context.Context, id string, who Identity) (string, time.Time, error)
}

// ErrForbidden is wrapped by errors about actions the user may not take.
var ErrForbidden = errors.New("not permitted")

// Account actions, as the forms name them.
const (
	AccApprove = "freischalten"
	AccEnable  = "entsperren"
	AccDisable = "sperren"
	AccRole    = "rolle"
	AccReset   = "zuruecksetzen"
)

// Account is an account as the desk lists it.
type Account struct {
	ID, Name, Email, Institution string
	// Role is researcher, archivist or admin; State active, pending or
	// disabled.
	Role, State           string
	Registered, LastLogin time.Time
	// ResetUntil is the end of a temporary password's validity while it
	// waits to be replaced (zero otherwise).
	ResetUntil time.Time
	// May are the actions (Acc* constants) the viewer may take; Roles the
	// roles the viewer may give the account.
	May   []string
	Roles []string
}

// Can reports whether the viewer may take the action.
func (a Account) Can(action string) bool { return slices.Contains(a.May, action) }

// AccountEvent is a recorded administrative action.
type AccountEvent struct {
	Time time.Time
	// Actor and Account name who acted and on whom (their names now, else
	// as recorded).
	Actor, Account string
	// Action is an accounts.Act* constant; From and To the state or role
	// before and after.
	Action, From, To string
}

// AccountsOver returns the account administration over the accounts
// database.
func AccountsOver(db *accounts.DB) Accounts { return accountsDB{db} }

type accountsDB struct{ db *accounts.DB }

var accActions = []struct{ form, act string }{
	{AccApprove, accounts.ActApprove}, {AccEnable, accounts.ActEnable}, {AccDisable, accounts.ActDisable}, {AccReset, accounts.ActReset},
}

func actor(who Identity) accounts.Actor {
	return accounts.Actor{ID: who.ID, Name: who.Name, Role: who.Role}
}

func stateRank(s string) int {
	switch s {
	case accounts.StatusPending:
		return 0
	case accounts.StatusActive:
		return 1
	}
	return 2
}

func (a accountsDB) List(ctx context.Context, who Identity) ([]Account, error) {
	us, err := a.db.Users(ctx)
	if err != nil {
		return nil, err
	}
	by := actor(who)
	out := make([]Account, 0, len(us))
	for _, u := range us {
		acc := Account{ID: u.ID, Name: u.Name, Email: u.Email, Institution: u.Institution, Role: u.Role, State: u.Status,
			Registered: u.Created, LastLogin: u.LastLogin}
		if u.MustChange {
			acc.ResetUntil = u.ResetExpires
		}
		for _, x := range accActions {
			if accounts.Permit(by, &u, x.act, "") == nil {
				acc.May = append(acc.May, x.form)
			}
		}
		for _, r := range []string{accounts.RoleResearcher, accounts.RoleArchivist, accounts.RoleAdmin} {
			if accounts.Permit(by, &u, accounts.ActRole, r) == nil {
				acc.Roles = append(acc.Roles, r)
			}
		}
		if len(acc.Roles) > 0 {
			acc.May = append(acc.May, AccRole)
		}
		out = append(out, acc)
	}
	slices.SortStableFunc(out, func(x, y Account) int {
		if d := stateRank(x.State) - stateRank(y.State); d != 0 {
			return d
		}
		if x.State == accounts.StatusPending {
			return x.Registered.Compare(y.Registered) // the longest waiting first
		}
		return strings.Compare(x.Email, y.Email)
	})
	return out, nil
}

func (a accountsDB) Log(ctx context.Context, limit int) ([]AccountEvent, error) {
	evs, err := a.db.AdminEvents(ctx, "", limit)
	if err != nil {
		return nil, err
	}
	us, err := a.db.Users(ctx)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, u := range us {
		names[u.ID] = u.Name
	}
	name := func(id, fallback string) string {
		if n := names[id]; n != "" {
			return n
		}
		if fallback != "" {
			return fallback
		}
		return id
	}
	out := make([]AccountEvent, 0, len(evs))
	for _, e := range evs {
		out = append(out, AccountEvent{Time: e.Time, Actor: name(e.Actor, e.ActorName), Account: name(e.User, e.Email), Action: e.Action, From: e.From, To: e.To})
	}
	return out, nil
}

// accErr maps the accounts package's errors to the desk's.
func accErr(err error) error {
	switch {
	case errors.Is(err, accounts.ErrForbidden):
		return fmt.Errorf("%w: %v", ErrForbidden, err)
	case errors.Is(err, accounts.ErrInvalid):
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return err
}

func (a accountsDB) Act(ctx context.Context, id, action, role string, who Identity) error {
	var err error
	switch action {
	case AccApprove:
		_, err = a.db.Approve(ctx, actor(who), id)
	case AccEnable:
		_, err = a.db.Enable(ctx, actor(who), id)
	case AccDisable:
		_, err = a.db.Disable(ctx, actor(who), id)
	case AccRole:
		_, err = a.db.ChangeRole(ctx, actor(who), id, role)
	default:
		return fmt.Errorf("%w: action %q", ErrInvalid, action)
	}
	return accErr(err)
}

func (a accountsDB) Reset(ctx context.Context, id string, who Identity) (string, time.Time, error) {
	temp, u, err := a.db.ResetPassword(ctx, actor(who), id)
	if err != nil {
		return "", time.Time{}, accErr(err)
	}
	return temp, u.ResetExpires, nil
}
