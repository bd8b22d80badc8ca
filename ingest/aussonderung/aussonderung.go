// Package aussonderung holds the archive's side of the xdomea
// "Aussonderung" dialogue with an agency: offers (0501) are received,
// stored and acknowledged (0504); archivists appraise them (0502); the
// agency's receipt (0505) is recorded; transfers (0503) are checked against
// the appraisal and ingested, and answered with a receipt (0507) and an
// import confirmation (0506) carrying the archive reference of every
// object.
//
// Contract:
//   - Storage is the truth: every message received or sent is kept as an
//     immutable object "xdomea/<ProzessID>/<file name>" in every store, and
//     every step is a journal entry (catalog.KindProcessEvent).
//   - Replies are written atomically (temp file, rename) into the reply
//     directory: the agency's outbox, else the data dir's outbox. Every
//     reply valid against the schema of the incoming message's version.
//   - With a ReplyLog, a reply the log says was sent is not written again
//     (the daemon's jobs use it, so a resumed job sends no reply twice).
//   - A rejected transfer is still answered with a 0506 naming the failed
//     objects where the version allows it and the message could be read.
//   - A transfer retried from quarantine (Retransfer) sends no reply.
package aussonderung

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/magazin-archiv/magazin/ingest"
	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/catalog"
	"github.com/magazin-archiv/magazin/preservation/journal"
	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/profiles"
	"github.com/magazin-archiv/magazin/profiles/xdomea"
)

// Problem codes of the dialogue.
const (
	CodeUnknownProcess = "XDOMEA_UNKNOWN_PROCESS"
	CodeUnexpected     = "XDOMEA_UNEXPECTED_MESSAGE"
)

// Catalog is what the dialogue needs of the catalog.
type Catalog interface {
	Commit(ctx context.Context, j *journal.Journal, entries ...journal.Entry) error
	Process(ctx context.Context, id string) (*catalog.Process, error)
	Appraisal(ctx context.Context, process string) (map[string]string, bool, error)
	Agency(ctx context.Context, id string) (*catalog.Agency, error)
}

// Service runs the dialogue.
type Service struct {
	Stores   []store.Store
	Catalog  Catalog
	Journal  *journal.Journal
	Ingester *ingest.Ingester
	Profile  xdomea.Profile
	// Outbox is the reply directory when the agency has no transfer
	// directory (usually DATA/outbox).
	Outbox string
	// OneAIP keeps each transfer in one AIP (default: one per top-level
	// object).
	OneAIP bool
	// Archive names the archive as the sender of replies.
	Archive xdomea.Kontakt
	Log     *slog.Logger
	Now     func() time.Time
	// Replies, when set, records the replies sent, so that a message
	// handled again (a job resumed after a crash) does not send a reply
	// twice.
	Replies ReplyLog
}

// ReplyLog remembers the replies sent for one received message.
type ReplyLog interface {
	// Sent reports whether the reply name was sent already (to path).
	Sent(ctx context.Context, name, path string) (bool, error)
	// RecordSent records that the reply name was written to path.
	RecordSent(ctx context.Context, name, path string) error
}

// Outcome is what happened to one received message.
type Outcome struct {
	Process  string                `json:"process"`
	Type     string                `json:"type"`
	Version  string                `json:"version"`
	Agency   string                `json:"agency,omitempty"`
	OK       bool                  `json:"ok"`
	Result   *ingest.Result        `json:"result,omitempty"`
	Problems preservation.Problems `json:"problems,omitempty"`
	// Quarantine is where a rejected transfer is kept.
	Quarantine string `json:"quarantine,omitempty"`
	// Replies are the paths of the replies written.
	Replies []string `json:"replies,omitempty"`
}

// ErrNotXdomea: the file is not an xdomea message of the dialogue.
var ErrNotXdomea = errors.New("aussonderung: not an xdomea message")

// Receive handles one message file from an agency: a 0501 or 0505 (XML or
// message-only container) or a 0503 container. replyDir overrides where
// replies go ("" = the agency's outbox).
func (s *Service) Receive(ctx context.Context, path, replyDir string) (*Outcome, error) {
	fn, ok := xdomea.ParseFileName(filepath.Base(path))
	if !ok {
		return nil, fmt.Errorf("%w: %s is not named per the xdomea naming rules", ErrNotXdomea, filepath.Base(path))
	}
	switch fn.Type {
	case xdomea.Type0503:
		return s.transfer(ctx, path, replyDir, false)
	case xdomea.Type0501, xdomea.Type0505:
		return s.message(ctx, path, replyDir)
	default:
		return nil, fmt.Errorf("%w: message type %s is not one an agency sends to the archive", ErrNotXdomea, fn.Type)
	}
}

func (s *Service) message(ctx context.Context, path, replyDir string) (*Outcome, error) {
	m, err := s.Profile.ReadMessage(ctx, path)
	var pe *xdomea.ParseError
	if errors.As(err, &pe) {
		return &Outcome{Problems: preservation.Problems{pe.Problem}}, nil
	}
	if err != nil {
		return nil, err
	}
	out := &Outcome{Process: m.Kopf.ProzessID, Type: m.Type, Version: m.Version, Agency: m.Sender(), Problems: m.Problems}
	if m.Problems.HasErrors() {
		return out, nil
	}
	key, err := s.keep(ctx, m.Kopf.ProzessID, path)
	if err != nil {
		return nil, err
	}
	ev := catalog.ProcessEvent{Process: m.Kopf.ProzessID, Agency: m.Sender(), Version: m.Version, Time: s.now(), Message: key, OK: true}
	switch m.Type {
	case xdomea.Type0501:
		ev.Step = catalog.StepOffer
		ev.Objects = len(m.TopLevel())
		ev.Title = offerTitle(m)
	case xdomea.Type0505:
		if _, err := s.Catalog.Process(ctx, m.Kopf.ProzessID); err != nil {
			out.Problems = append(out.Problems, preservation.Problem{Code: CodeUnknownProcess, Severity: preservation.SeverityWarning,
				Message: fmt.Sprintf("receipt for process %s, which this archive does not know", m.Kopf.ProzessID)})
		}
		ev.Step = catalog.StepReceipt
	}
	if err := s.Catalog.Commit(ctx, s.Journal, catalog.ProcessEntry(ev)); err != nil {
		return nil, err
	}
	if m.Type == xdomea.Type0501 {
		b, name, err := xdomea.Write0504(m, s.now(), s.replyOptions())
		if err != nil {
			return nil, fmt.Errorf("aussonderung: 0504: %w", err)
		}
		p, err := s.reply(ctx, m, replyDir, name, b)
		if err != nil {
			return nil, err
		}
		out.Replies = append(out.Replies, p)
	}
	out.OK = true
	return out, nil
}

func offerTitle(m *xdomea.Message) string {
	var titles []string
	for _, o := range m.TopLevel() {
		if t := o.Title(); t != "" {
			titles = append(titles, t)
		}
		if len(titles) == 3 {
			titles = append(titles, "…")
			break
		}
	}
	return strings.Join(titles, "; ")
}

// Retransfer ingests a transfer (0503) container kept in quarantine again
// (ingest/quarantine's retry), checked against the process's appraisal and
// sender as on its first receipt, and journals the transfer step. It makes
// no new quarantine entry and sends no reply: the agency was answered
// (0507, 0506) when the transfer came in, and a second 0506 for the
// process would contradict the first; whoever retries tells the agency.
func (s *Service) Retransfer(ctx context.Context, path string) (*Outcome, error) {
	fn, ok := xdomea.ParseFileName(filepath.Base(path))
	if !ok || fn.Type != xdomea.Type0503 {
		return nil, fmt.Errorf("%w: %s is not a transfer (0503)", ErrNotXdomea, filepath.Base(path))
	}
	return s.transfer(ctx, path, "", true)
}

// transfer ingests a 0503 and answers it (retry: a quarantined copy,
// answered before; see Retransfer).
func (s *Service) transfer(ctx context.Context, path, replyDir string, retry bool) (*Outcome, error) {
	var msg *xdomea.Message
	check := func(ctx context.Context, t *profiles.Transfer) preservation.Problems {
		m, err := messageOf(t)
		if err != nil {
			return preservation.Problems{{Code: "XDOMEA_XML_MALFORMED", Severity: preservation.SeverityError, Message: err.Error()}}
		}
		msg = m
		decisions, appraised, err := s.Catalog.Appraisal(ctx, m.Kopf.ProzessID)
		if err != nil {
			return preservation.Problems{{Code: "XDOMEA_APPRAISAL_MISSING", Severity: preservation.SeverityError, Message: err.Error()}}
		}
		// Without a 0501/0502 in this archive the two-stage procedure applies.
		probs := xdomea.CheckAppraisal(m, decisions, !appraised)
		if a, err := s.Catalog.Agency(ctx, m.Sender()); err == nil {
			probs = append(probs, xdomea.CheckSender(m, a.ID)...)
		} else if p, err := s.Catalog.Process(ctx, m.Kopf.ProzessID); err == nil && p.Agency != "" {
			probs = append(probs, xdomea.CheckSender(m, p.Agency)...)
		}
		probs = append(probs, xdomea.CheckContainerName(filepath.Base(path), m)...)
		return probs
	}
	res, err := s.Ingester.Ingest(ctx, path, ingest.Options{Profile: xdomea.Name, Check: check, OneAIP: s.OneAIP, NoQuarantine: retry}, nil)
	out := &Outcome{Type: xdomea.Type0503}
	var rej *preservation.RejectedError
	switch {
	case err == nil:
		out.OK, out.Result, out.Problems = true, res, res.Problems
	case errors.As(err, &rej):
		out.Problems, out.Quarantine = rej.Problems, rej.Quarantine
	default:
		return nil, err
	}
	if msg == nil {
		// Rejected before the message was checked: read it for the reply.
		m, err := s.Profile.ReadMessage(ctx, path)
		if err != nil {
			s.log().Warn("transfer rejected and its message unreadable: no 0506", "file", path, "err", err)
			return out, nil
		}
		msg = m
	}
	out.Process, out.Version, out.Agency = msg.Kopf.ProzessID, msg.Version, msg.Sender()
	ev := catalog.ProcessEvent{Process: msg.Kopf.ProzessID, Step: catalog.StepTransfer, Agency: msg.Sender(), Version: msg.Version,
		Time: s.now(), OK: out.OK, Objects: len(msg.TopLevel())}
	kennung := map[string]string{}
	if res != nil {
		for _, a := range res.AIPs {
			ev.AIPs = append(ev.AIPs, string(a.ID))
			for _, u := range a.Units {
				if u.SourceID == "" {
					continue
				}
				ref := u.Signatur
				if ref == "" {
					ref = u.ID
				}
				kennung[u.SourceID] = ref
			}
		}
	}
	if key, err := s.keep(ctx, msg.Kopf.ProzessID, path); err == nil {
		ev.Message = key
	} else {
		s.log().Warn("keeping the transfer message failed", "err", err)
	}
	if err := s.Catalog.Commit(ctx, s.Journal, catalog.ProcessEntry(ev)); err != nil {
		return nil, err
	}
	if retry {
		s.log().Info("transfer retried from quarantine: no reply sent", "process", out.Process, "ok", out.OK)
		return out, nil
	}
	if xdomea.Wants(msg.Kopf.Empfangsbestaetigung) {
		b, name, err := xdomea.Write0507(msg, s.now(), s.replyOptions())
		switch {
		case err == nil:
			p, err := s.reply(ctx, msg, replyDir, name, b)
			if err != nil {
				return nil, err
			}
			out.Replies = append(out.Replies, p)
		case errors.Is(err, xdomea.ErrNotInVersion), errors.Is(err, xdomea.ErrUnsupportedVersion):
			s.log().Info("no 0507 for this version", "version", msg.Version)
		default:
			return nil, fmt.Errorf("aussonderung: 0507: %w", err)
		}
	}
	if xdomea.Wants(msg.Kopf.Importbestaetigung) || !out.OK {
		results := xdomea.ImportResults(msg, out.Problems, kennung)
		b, name, err := xdomea.Write0506(msg, results, s.now(), s.replyOptions())
		switch {
		case err == nil:
			p, err := s.reply(ctx, msg, replyDir, name, b)
			if err != nil {
				return nil, err
			}
			out.Replies = append(out.Replies, p)
		case errors.Is(err, xdomea.ErrUnsupportedVersion):
			s.log().Warn("no 0506 can be written for this version", "version", msg.Version)
		default:
			return nil, fmt.Errorf("aussonderung: 0506: %w", err)
		}
	}
	return out, nil
}

// messageOf parses the complete message the xdomea profile put into the
// transfer's metadata.
func messageOf(t *profiles.Transfer) (*xdomea.Message, error) {
	for _, f := range t.Metadata {
		b := f.Data
		if b == nil {
			var err error
			if b, err = os.ReadFile(f.Path); err != nil {
				return nil, err
			}
		}
		return xdomea.Parse(b, filepath.Base(f.Name))
	}
	return nil, errors.New("the transfer carries no message")
}

// Appraise records the archivist's decisions on an offer, writes the 0502
// and journals it, naming the archivist by (an account id from the desk,
// the --user or login name from the CLI; required). Objects not named
// inherit their parent's decision in the agency's system.
func (s *Service) Appraise(ctx context.Context, process string, decisions []xdomea.Decision, replyDir, by string) (string, error) {
	if strings.TrimSpace(by) == "" {
		return "", fmt.Errorf("appraisal of process %s: the archivist is not named", process)
	}
	p, err := s.Catalog.Process(ctx, process)
	if err != nil {
		return "", fmt.Errorf("%w: %v", fs.ErrNotExist, err)
	}
	offerEv := p.Last(catalog.StepOffer)
	if offerEv == nil {
		return "", fmt.Errorf("process %s has no offer (0501) to appraise", process)
	}
	offer, err := s.loadMessage(ctx, offerEv.Message)
	if err != nil {
		return "", err
	}
	for _, d := range decisions {
		if offer.Object(d.ID) == nil {
			return "", fmt.Errorf("object %s is not part of the offer of process %s", d.ID, process)
		}
		if d.Aussonderungsart != "A" && d.Aussonderungsart != "V" {
			return "", fmt.Errorf("object %s: decision %q must be A or V", d.ID, d.Aussonderungsart)
		}
	}
	b, name, err := xdomea.Write0502(offer, decisions, s.now(), s.replyOptions())
	if err != nil {
		return "", fmt.Errorf("aussonderung: 0502: %w", err)
	}
	key, err := s.put(ctx, "xdomea/"+process+"/"+name, b)
	if err != nil {
		return "", err
	}
	ev := catalog.ProcessEvent{Process: process, Step: catalog.StepAppraisal, Time: s.now(), Message: key, OK: true,
		Decisions: map[string]string{}, Notes: map[string]string{}, By: strings.TrimSpace(by)}
	for _, d := range decisions {
		ev.Decisions[d.ID] = d.Aussonderungsart
		if d.Note != "" {
			ev.Notes[d.ID] = d.Note
		}
	}
	if err := s.Catalog.Commit(ctx, s.Journal, catalog.ProcessEntry(ev)); err != nil {
		return "", err
	}
	return s.reply(ctx, offer, replyDir, name, b)
}

// Offer returns the parsed offer of a process.
func (s *Service) Offer(ctx context.Context, process string) (*xdomea.Message, error) {
	p, err := s.Catalog.Process(ctx, process)
	if err != nil {
		return nil, err
	}
	ev := p.Last(catalog.StepOffer)
	if ev == nil {
		return nil, fmt.Errorf("process %s has no offer", process)
	}
	return s.loadMessage(ctx, ev.Message)
}

func (s *Service) loadMessage(ctx context.Context, key string) (*xdomea.Message, error) {
	rc, _, err := s.Stores[0].Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(store.ContextReader(ctx, rc)); err != nil {
		return nil, err
	}
	name := filepath.Base(key)
	if strings.HasSuffix(strings.ToLower(name), ".zip") || strings.HasSuffix(strings.ToLower(name), ".xdomea") {
		tmp, err := os.MkdirTemp("", "magazin-xdomea")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
			return nil, err
		}
		return s.Profile.ReadMessage(ctx, p)
	}
	return xdomea.Parse(buf.Bytes(), name)
}

// keep stores a received message file under xdomea/<process>/<name>.
func (s *Service) keep(ctx context.Context, process, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	if fi, err := os.Stat(path); err == nil && fi.Size() > 64<<20 {
		// Transfers live in their AIPs; keep only what a reply needs.
		return "", nil
	}
	return s.put(ctx, "xdomea/"+process+"/"+filepath.Base(path), b)
}

func (s *Service) put(ctx context.Context, key string, b []byte) (string, error) {
	if !store.ValidKey(key) {
		return "", fmt.Errorf("aussonderung: %w: %q", store.ErrInvalidKey, key)
	}
	sum := sha512.Sum512(b)
	d := hex.EncodeToString(sum[:])
	for _, st := range s.Stores {
		if _, err := st.Put(ctx, key, bytes.NewReader(b), int64(len(b)), d); err != nil {
			if errors.Is(err, fs.ErrExist) {
				// The same name with other content: an agency resent a
				// changed message under the same name. Keep both.
				alt := key + "." + d[:12]
				if _, err := st.Put(ctx, alt, bytes.NewReader(b), int64(len(b)), d); err != nil {
					return "", err
				}
				key = alt
				continue
			}
			return "", err
		}
	}
	return key, nil
}

// reply writes a reply atomically into the reply directory and keeps a
// copy in the stores.
func (s *Service) reply(ctx context.Context, m *xdomea.Message, replyDir, name string, b []byte) (string, error) {
	dir := replyDir
	if dir == "" {
		dir = s.Outbox
		if a, err := s.Catalog.Agency(ctx, m.Sender()); err == nil && a.Dir != "" {
			dir = filepath.Join(a.Dir, "outbox")
		}
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("aussonderung: reply dir: %w", err)
	}
	dst := filepath.Join(dir, name)
	if s.Replies != nil {
		sent, err := s.Replies.Sent(ctx, name, dst)
		if err != nil {
			return "", fmt.Errorf("aussonderung: reply log: %w", err)
		}
		if sent {
			s.log().Info("reply sent before; not sent again", "reply", name)
			return dst, nil
		}
	}
	if _, err := s.put(ctx, "xdomea/"+m.Kopf.ProzessID+"/"+name, b); err != nil {
		s.log().Warn("keeping the reply failed", "err", err)
	}
	tmp, err := os.CreateTemp(dir, ".reply-*")
	if err != nil {
		return "", err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", err
	}
	tmp.Close()
	if err := os.Rename(tmp.Name(), dst); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	if s.Replies != nil {
		if err := s.Replies.RecordSent(ctx, name, dst); err != nil {
			return "", fmt.Errorf("aussonderung: reply log: %w", err)
		}
	}
	return dst, nil
}

func (s *Service) replyOptions() xdomea.ReplyOptions {
	return xdomea.ReplyOptions{Absender: s.Archive, System: xdomea.System{Produktname: "magazin"}}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}
