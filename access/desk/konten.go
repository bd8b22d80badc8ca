package desk

import (
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"time"

	"github.com/magazin-archiv/magazin/access/accounts"
)

// accountsPath is the account administration page.
const accountsPath = Prefix + "konten"

// logLimit is how many recorded actions the page shows.
const logLimit = 50

type accountsView struct {
	Accounts []Account
	Pending  int
	Log      []AccountEvent
	// Reset is the temporary password just issued, shown once.
	Reset *issued
}

type issued struct {
	Account  Account
	Password string
	Until    time.Time
}

func accountPath(id string) string { return accountsPath + "/" + url.PathEscape(id) }

func (h *Handler) accounts(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Accounts == nil {
		h.unavailable(w, r, "Die Kontoverwaltung")
		return
	}
	h.renderAccounts(w, r, http.StatusOK, accountOK(r.URL.Query()), "", nil)
}

func (h *Handler) renderAccounts(w http.ResponseWriter, r *http.Request, status int, ok func([]Account) string, msg string, reset *issued) {
	ctx := r.Context()
	list, err := h.cfg.Accounts.List(ctx, identity(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	log, err := h.cfg.Accounts.Log(ctx, logLimit)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := accountsView{Accounts: list, Log: log, Reset: reset}
	for _, a := range list {
		if a.State == accounts.StatusPending {
			v.Pending++
		}
	}
	text := ""
	if ok != nil {
		text = ok(list)
	}
	h.render(w, r, status, "accounts.html", page{Title: "Konten", Nav: "konten", OK: text, Error: msg, Data: v})
}

// accountOK turns the confirmation of a redirect into German text: fixed
// words and the name of the account as the database has it.
func accountOK(q url.Values) func([]Account) string {
	what := map[string]string{AccApprove: "ist freigeschaltet", AccEnable: "ist wieder freigeschaltet",
		AccDisable: "ist gesperrt; alle Sitzungen sind beendet", AccRole: "hat eine neue Rolle; alle Sitzungen sind beendet"}[q.Get("ok")]
	id := q.Get("konto")
	if what == "" || id == "" {
		return nil
	}
	return func(list []Account) string {
		for _, a := range list {
			if a.ID == id {
				s := "Das Konto von " + a.Name + " (" + a.Email + ") " + what + "."
				if q.Get("ok") == AccRole {
					s += " Neue Rolle: " + roleText(a.Role) + "."
				}
				return s
			}
		}
		return ""
	}
}

func (h *Handler) accountPost(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Accounts == nil {
		h.unavailable(w, r, "Die Kontoverwaltung")
		return
	}
	ctx := r.Context()
	id, action, who := r.PathValue("id"), r.PostFormValue("aktion"), identity(r)
	fail := func(err error) {
		switch {
		case errors.Is(err, ErrForbidden):
			h.renderAccounts(w, r, http.StatusForbidden, nil, "Das dürfen Sie nicht: Archivarinnen und Archivare verwalten nur Konten von Nutzerinnen und Nutzern, "+
				"nur die Administration vergibt Rollen, und niemand verwaltet hier das eigene Konto. Nichts wurde geändert.", nil)
		case errors.Is(err, ErrInvalid):
			h.renderAccounts(w, r, http.StatusUnprocessableEntity, nil, "Nicht möglich: "+invalidText(err)+" Nichts wurde geändert.", nil)
		case errors.Is(err, fs.ErrNotExist):
			h.refuse(w, r, http.StatusNotFound, "Nicht gefunden", "Dieses Konto gibt es nicht (mehr).")
		default:
			h.fail(w, r, err)
		}
	}
	if action == AccReset {
		temp, until, err := h.cfg.Accounts.Reset(ctx, id, who)
		if err != nil {
			fail(err)
			return
		}
		h.log.Info("desk: temporary password issued", "account", id, "user", who.ID)
		list, err := h.cfg.Accounts.List(ctx, who)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		is := &issued{Password: temp, Until: until}
		for _, a := range list {
			if a.ID == id {
				is.Account = a
			}
		}
		// Shown in the answer to the POST and nowhere else: not in a
		// redirect's URL, not in a log.
		h.renderAccounts(w, r, http.StatusOK, nil, "", is)
		return
	}
	if err := h.cfg.Accounts.Act(ctx, id, action, r.PostFormValue("rolle"), who); err != nil {
		fail(err)
		return
	}
	h.log.Info("desk: account administered", "account", id, "action", action, "user", who.ID)
	seeOther(w, r, accountsPath, url.Values{"ok": {action}, "konto": {id}})
}

// invalidText explains an ErrInvalid of the account administration.
func invalidText(error) string {
	return "Das Konto ist nicht (mehr) in dem Zustand, den die Aktion voraussetzt, oder die Rolle ist ungültig. Bitte prüfen Sie die Liste."
}

func roleText(r string) string {
	switch r {
	case accounts.RoleResearcher:
		return "Nutzerin/Nutzer"
	case accounts.RoleArchivist:
		return "Archivarin/Archivar"
	case accounts.RoleAdmin:
		return "Administration"
	}
	return r
}

func accountStateText(s string) string {
	switch s {
	case accounts.StatusPending:
		return "wartet auf Freischaltung"
	case accounts.StatusActive:
		return "aktiv"
	case accounts.StatusDisabled:
		return "gesperrt"
	}
	return s
}

func accountActionText(e AccountEvent) string {
	switch e.Action {
	case accounts.ActApprove:
		return "Registrierung freigeschaltet"
	case accounts.ActEnable:
		return "wieder freigeschaltet"
	case accounts.ActDisable:
		return "gesperrt"
	case accounts.ActRole:
		return "Rolle geändert: " + roleText(e.From) + " → " + roleText(e.To)
	case accounts.ActReset:
		return "Passwort zurückgesetzt (vorläufiges Passwort ausgegeben)"
	case accounts.ActPassword:
		return "eigenes Passwort festgelegt"
	}
	return e.Action
}
