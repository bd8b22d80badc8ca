package desk

import (
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/magazin-archiv/magazin/preservation"
)

var berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.UTC
	}
	return l
}()

var funcs = template.FuncMap{
	"when":       when,
	"stamp":      stamp,
	"day":        preservation.GermanDate,
	"laufzeit":   preservation.LaufzeitText,
	"step":       stepText,
	"state":      stateText,
	"num":        germanNumber,
	"bytes":      humanBytes,
	"level":      levelName,
	"severity":   severityText,
	"proposal":   proposalText,
	"unitURL":    unitPath,
	"offerURL":   offerPath,
	"aipURL":     func(id preservation.AIPID) string { return Prefix + "aip/" + url.PathEscape(string(id)) },
	"aipURLs":    func(id string) string { return Prefix + "aip/" + url.PathEscape(id) },
	"indent":     func(depth int) string { return fmt.Sprintf("d%d", min(depth, 4)) },
	"granText":   granularityText,
	"fieldID":    func(prefix, id string) string { return prefix + "-" + strings.Map(idRune, id) },
	"percent":    func(done, total int) int { return done * 100 / max(total, 1) },
	"plus":       func(a, b int) int { return a + b },
	"eventType":  eventTypeText,
	"roleText":   roleText,
	"statusText": accountStateText,
	"accAction":  accountActionText,
	"accountURL": accountPath,
	"quarURL":    quarantinePath,
	"qstate":     quarantineStateText,
	"attempt":    attemptText,
	"codeText":   codeText,
	"base":       baseName,
}

func idRune(r rune) rune {
	if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
		return r
	}
	return '_'
}

// when formats a time in the archive's zone, German style.
func when(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.In(berlin).Format("02.01.2006, 15:04 Uhr")
}

// stamp formats an RFC 3339 time (as the catalog keeps checks) like when.
func stamp(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return when(t)
}

func stepText(p Process) string {
	switch p.Step {
	case StepOffer:
		return "angeboten, zu bewerten"
	case StepAppraisal:
		return "bewertet (0502 gesendet)"
	case StepReceipt:
		return "Bewertung von der Behörde bestätigt (0505)"
	case StepTransfer:
		if p.OK {
			return "übernommen (0503)"
		}
		return "Abgabe abgelehnt"
	}
	return p.Step
}

func stateText(s string) string {
	switch s {
	case StateWaiting:
		return "wartet"
	case StateRunning:
		return "läuft"
	case StateDone:
		return "übernommen"
	case StateRejected:
		return "abgelehnt (Quarantäne)"
	case StateFailed:
		return "fehlgeschlagen"
	}
	return s
}

func germanNumber(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d Byte", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return strings.Replace(fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp]), ".", ",", 1)
}

func levelName(l string) string {
	switch l {
	case preservation.LevelTektonik:
		return "Tektonikgruppe"
	case preservation.LevelBestand:
		return "Bestand"
	case preservation.LevelGliederung:
		return "Gliederung"
	}
	if l == "" {
		return ""
	}
	return strings.ToUpper(l[:1]) + l[1:]
}

func severityText(s string) string {
	if s == preservation.SeverityError {
		return "Fehler"
	}
	return "Hinweis"
}

func proposalText(p string) string {
	switch p {
	case "A":
		return "A (archivwürdig)"
	case "V":
		return "V (vernichten)"
	case "B":
		return "B (bewerten)"
	}
	return p
}

func granularityText(g string) string {
	switch g {
	case "day":
		return "Tag"
	case "year":
		return "Jahr"
	}
	return "Voreinstellung des Archivs"
}

func eventTypeText(t string) string {
	switch t {
	case preservation.EventFixityCheck:
		return "Fixity-Prüfung"
	case preservation.EventReplication:
		return "Reparatur aus Replikat"
	}
	return t
}
