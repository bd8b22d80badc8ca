package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/magazin-archiv/magazin/preservation/journal"
)

// Journal entry kinds of the Aussonderung dialogue (xdomea processes).
const (
	// KindProcessEvent records a step of a process; Data is a ProcessEvent.
	KindProcessEvent = "process.event"
)

const prefixProcess = "process/"

// Process steps.
const (
	StepOffer     = "offer"     // 0501 received
	StepAppraisal = "appraisal" // 0502 sent
	StepReceipt   = "receipt"   // 0505 received
	StepTransfer  = "transfer"  // 0503 ingested (or rejected)
)

// ProcessEvent is one step of an Aussonderung process.
type ProcessEvent struct {
	Process string    `json:"process"`
	Step    string    `json:"step"`
	Agency  string    `json:"agency,omitempty"`
	Version string    `json:"version,omitempty"`
	Time    time.Time `json:"time"`
	// Message is the store key of the message kept for the step.
	Message string `json:"message,omitempty"`
	// Decisions maps object ids to "A" or "V" (appraisal).
	Decisions map[string]string `json:"decisions,omitempty"`
	// Notes maps object ids to the archivist's note (appraisal).
	Notes map[string]string `json:"notes,omitempty"`
	// By names the archivist who sent the appraisal: the account id from
	// the desk, the --user or login name from the CLI (as closure
	// decisions name their approver).
	By string `json:"by,omitempty"`
	// OK is false for a rejected transfer.
	OK bool `json:"ok"`
	// AIPs are the AIPs of an ingested transfer.
	AIPs []string `json:"aips,omitempty"`
	// Title summarises the offer or transfer for lists.
	Title string `json:"title,omitempty"`
	// Objects counts the offered or transferred top-level objects.
	Objects int `json:"objects,omitempty"`
}

// Process is the state of an Aussonderung process.
type Process struct {
	ID      string         `json:"id"`
	Agency  string         `json:"agency,omitempty"`
	Version string         `json:"version,omitempty"`
	Title   string         `json:"title,omitempty"`
	Objects int            `json:"objects,omitempty"`
	Events  []ProcessEvent `json:"events"`
}

// Last returns the process's latest event of step, if any.
func (p *Process) Last(step string) *ProcessEvent {
	for i := len(p.Events) - 1; i >= 0; i-- {
		if p.Events[i].Step == step {
			return &p.Events[i]
		}
	}
	return nil
}

// ProcessEntry returns the journal entry recording ev.
func ProcessEntry(ev ProcessEvent) journal.Entry {
	b, _ := json.Marshal(ev)
	return journal.Entry{Kind: KindProcessEvent, Subject: ev.Process, Time: ev.Time, Data: b}
}

func applyProcessEvent(txn *badger.Txn, data []byte) error {
	var ev ProcessEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		return err
	}
	if ev.Process == "" {
		return errors.New("process event without process id")
	}
	var p Process
	if it, err := txn.Get([]byte(prefixProcess + ev.Process)); err == nil {
		if err := it.Value(func(v []byte) error { return json.Unmarshal(v, &p) }); err != nil {
			return err
		}
	} else if !errors.Is(err, badger.ErrKeyNotFound) {
		return err
	}
	p.ID = ev.Process
	if ev.Agency != "" {
		p.Agency = ev.Agency
	}
	if ev.Version != "" {
		p.Version = ev.Version
	}
	if ev.Title != "" {
		p.Title = ev.Title
	}
	if ev.Objects > 0 {
		p.Objects = ev.Objects
	}
	p.Events = append(p.Events, ev)
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return txn.Set([]byte(prefixProcess+ev.Process), b)
}

// Process returns the process with id.
func (c *Catalog) Process(ctx context.Context, id string) (*Process, error) {
	var p Process
	err := c.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get([]byte(prefixProcess + id))
		if err != nil {
			return err
		}
		return it.Value(func(v []byte) error { return json.Unmarshal(v, &p) })
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, fmt.Errorf("%w: process %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return &p, nil
}

// Processes returns every process, newest first.
func (c *Catalog) Processes(ctx context.Context) ([]Process, error) {
	var out []Process
	err := c.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: []byte(prefixProcess)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var p Process
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &p) }); err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].Events[0].Time.After(out[j].Events[0].Time)
	})
	return out, err
}

// Appraisal returns the decisions of the process's latest appraisal, or
// nil when it has none (two-stage procedure).
func (c *Catalog) Appraisal(ctx context.Context, process string) (map[string]string, bool, error) {
	p, err := c.Process(ctx, process)
	if errors.Is(err, ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if ev := p.Last(StepAppraisal); ev != nil {
		return ev.Decisions, true, nil
	}
	return nil, p.Last(StepOffer) != nil, nil
}
