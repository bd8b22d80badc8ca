package desk

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// --- quarantine ---

func quarantinePath(job string) string { return Prefix + "quarantaene/" + url.PathEscape(job) }

// Form actions of a quarantine entry.
const (
	actRetry   = "erneut"
	actDiscard = "verwerfen"
)

// maxReason bounds a discard's reason.
const maxReason = 2000

type quarantineView struct {
	Q      *Quarantined
	Action string
	// Reason is the reason typed (kept when the form is shown again).
	Reason string
	// ReasonMissing marks the reason field invalid.
	ReasonMissing bool
}

func (h *Handler) quarantined(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Quarantine == nil {
		h.unavailable(w, r, "Die Bearbeitung der Quarantäne")
		return
	}
	q, err := h.cfg.Quarantine.Entry(r.Context(), r.PathValue("job"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderQuarantined(w, r, http.StatusOK, quarantineView{Q: q}, quarantineMessage(r.URL.Query()), "")
}

func (h *Handler) renderQuarantined(w http.ResponseWriter, r *http.Request, status int, v quarantineView, ok, msg string) {
	v.Action = quarantinePath(v.Q.Job)
	title := "Quarantäne: " + v.Q.Job
	if v.Q.Submission != "" {
		title = "Quarantäne: " + baseName(v.Q.Submission)
	}
	h.render(w, r, status, "quarantine.html", page{Title: title, Nav: "uebernahmen", OK: ok, Error: msg, Data: v})
}

func (h *Handler) quarantinePost(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Quarantine == nil {
		h.unavailable(w, r, "Die Bearbeitung der Quarantäne")
		return
	}
	ctx := r.Context()
	job := r.PathValue("job")
	q, err := h.cfg.Quarantine.Entry(ctx, job)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	who := identity(r)
	v := quarantineView{Q: q, Reason: strings.TrimSpace(r.PostFormValue("begruendung"))}
	conflict := func(err error) bool {
		if !errors.Is(err, ErrConflict) {
			return false
		}
		fresh, ferr := h.cfg.Quarantine.Entry(ctx, job)
		if ferr == nil {
			v.Q = fresh
		}
		h.renderQuarantined(w, r, http.StatusConflict, v, "",
			"Nichts wurde geändert: die Einlieferung wird gerade von jemand anderem bearbeitet oder ist bereits erledigt. Der aktuelle Stand ist unten zu sehen.")
		return true
	}
	switch r.PostFormValue("aktion") {
	case actRetry:
		after, err := h.cfg.Quarantine.Retry(ctx, q.Job, who)
		if conflict(err) {
			return
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.log.Info("desk: quarantine retry", "job", q.Job, "user", who.ID, "state", after.State)
		ok := "q-abgelehnt"
		if after.State == QuarantineResolved {
			ok = "q-uebernommen"
		}
		seeOther(w, r, quarantinePath(q.Job), url.Values{"ok": {ok}})
	case actDiscard:
		if v.Reason == "" || utf8.RuneCountInString(v.Reason) > maxReason {
			v.ReasonMissing = true
			h.renderQuarantined(w, r, http.StatusUnprocessableEntity, v, "",
				"Nicht verworfen: bitte geben Sie eine Begründung an (höchstens 2.000 Zeichen). Sie wird mit Ihrem Namen im Journal festgehalten.")
			return
		}
		err := h.cfg.Quarantine.Discard(ctx, q.Job, v.Reason, who)
		if conflict(err) {
			return
		}
		if errors.Is(err, ErrInvalid) {
			v.ReasonMissing = true
			h.renderQuarantined(w, r, http.StatusUnprocessableEntity, v, "", "Nicht verworfen: "+reason(err))
			return
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.log.Info("desk: quarantine discard", "job", q.Job, "user", who.ID)
		seeOther(w, r, quarantinePath(q.Job), url.Values{"ok": {"q-verworfen"}})
	default:
		h.renderQuarantined(w, r, http.StatusUnprocessableEntity, v, "", "Unbekannte Aktion; nichts wurde geändert.")
	}
}

// quarantineMessage is the confirmation after a redirect (fixed texts
// only, as okMessage).
func quarantineMessage(q url.Values) string {
	switch q.Get("ok") {
	case "q-uebernommen":
		return "Die Einlieferung ist erneut eingelesen und übernommen; die Kopie in der Quarantäne ist entfernt. Die Aktion ist im Journal festgehalten."
	case "q-abgelehnt":
		return "Die Einlieferung wurde erneut eingelesen und wieder abgelehnt; sie bleibt in der Quarantäne. Die neuen Gründe stehen unten."
	case "q-verworfen":
		return "Die Einlieferung ist verworfen: die Kopie ist entfernt, Begründung und Prüfsummen sind im Journal festgehalten."
	}
	return ""
}

func baseName(p string) string {
	p = strings.TrimRight(p, "/\\")
	if i := strings.LastIndexAny(p, "/\\"); i >= 0 {
		return p[i+1:]
	}
	return p
}

func quarantineStateText(s string) string {
	switch s {
	case "", QuarantineOpen:
		return "in Quarantäne"
	case QuarantineResolved:
		return "erneut eingelesen und übernommen"
	case QuarantineDiscarded:
		return "verworfen"
	}
	return s
}

func attemptText(o string) string {
	switch o {
	case "resolved":
		return "übernommen"
	case "rejected":
		return "wieder abgelehnt"
	case "failed":
		return "nicht ausgeführt (Fehler)"
	}
	return o
}

// codeText explains a problem code (docs/problem-codes.md) in German: by
// the code for the common ones, else by its component.
func codeText(code string) string {
	switch code {
	case "POLICY_REJECTED":
		return "Dateiformat nach der Formatrichtlinie abgelehnt"
	case "POLICY_FLAGGED":
		return "Dateiformat zur Prüfung markiert"
	case "FIXITY_MISMATCH":
		return "Prüfsumme stimmt nicht: Datei beschädigt oder verändert"
	case "FIXITY_UNSUPPORTED":
		return "Prüfsummenverfahren nicht unterstützt"
	case "READ_UNREADABLE":
		return "Datei nicht lesbar"
	case "INGEST_NOT_A_PACKAGE":
		return "weder Verzeichnis noch ZIP-Datei"
	case "SCAN_INFECTED":
		return "Virenfund"
	case "SCAN_FAILED", "SCAN_TOO_LARGE":
		return "Virenprüfung nicht möglich"
	case "FORMAT_ID_FAILED":
		return "Formaterkennung fehlgeschlagen"
	case "XDOMEA_APPRAISAL_V", "XDOMEA_APPRAISAL_MISSING", "XDOMEA_APPRAISAL_B", "XDOMEA_NOT_DELIVERED":
		return "Abgabe passt nicht zur Bewertung"
	case "XDOMEA_SENDER", "XDOMEA_SENDER_UNKNOWN":
		return "Absender der Abgabe"
	case "XDOMEA_SCHEMA", "XDOMEA_SCHEMA_UNCHECKED":
		return "Prüfung gegen das xdomea-Schema"
	case "JOB_FAILED":
		return "Auftrag fehlgeschlagen"
	case "QUARANTINE_REPORT":
		return "Bericht der Quarantäne nicht lesbar"
	}
	for _, p := range []struct{ prefix, text string }{
		{"UNPACK_", "ZIP-Archiv fehlerhaft oder unsicher"},
		{"BAGIT_", "BagIt-Paket fehlerhaft"},
		{"XDOMEA_", "xdomea-Nachricht fehlerhaft"},
		{"EARK_", "E-ARK-Paket fehlerhaft"},
		{"CSIP", "E-ARK-Anforderung nicht erfüllt"},
		{"SIP", "E-ARK-Anforderung nicht erfüllt"},
		{"FOLDER_", "Ordnerstruktur"},
		{"DIGITISED_", "Digitalisate-Lieferung fehlerhaft"},
		{"FORMAT_", "Formatprüfung"},
		{"INGEST_", "Aufbau der Einlieferung"},
		{"AIP_", "Archivpaket"},
		{"OCFL_", "Archivpaket (OCFL)"},
		{"JOURNAL_", "Journal"},
	} {
		if strings.HasPrefix(code, p.prefix) {
			return p.text
		}
	}
	return ""
}
