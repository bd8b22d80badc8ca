package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/ingest/hotfolder"
	"github.com/magazin-archiv/magazin/preservation/fixity"
	"github.com/magazin-archiv/magazin/preservation/jobs"
)

// agencyInboxes returns the inbox of every agency with a transfer
// directory.
func agencyInboxes(ctx context.Context, e *env) ([]hotfolder.Inbox, error) {
	agencies, err := e.cat.Agencies(ctx)
	if err != nil {
		return nil, err
	}
	var inboxes []hotfolder.Inbox
	for _, a := range agencies {
		if a.Dir == "" {
			continue
		}
		inboxes = append(inboxes, hotfolder.Inbox{Agency: a.ID, Dir: filepath.Join(a.Dir, "inbox"), Claim: filepath.Join(a.Dir, ".magazin-claimed")})
	}
	return inboxes, nil
}

// startHotFolders watches the inbox of every agency with a transfer
// directory and queues every settled file as a job (package jobs): an
// xdomea message for the dialogue, else an ingest into the agency's
// Bestand. A claimed file stays in its claim directory until its job is
// done and then moves to DATA/received/<agency>/<job>/; replies go to the
// agency's outbox. A file handed over again after a crash finds its job
// (the claim path is the de-duplication key).
func startHotFolders(ctx context.Context, d *daemon, interval, settle time.Duration) (*hotfolder.Watcher, func(), error) {
	inboxes, err := agencyInboxes(ctx, d.e)
	if err != nil {
		return nil, nil, err
	}
	log := d.e.cfg.Logger.With("component", "hotfolder")
	w := &hotfolder.Watcher{Inboxes: inboxes, Interval: interval, Settle: settle, Log: log,
		Handle: func(ctx context.Context, in hotfolder.Inbox, claimed string) error {
			var size int64
			if fi, err := os.Stat(claimed); err == nil {
				size = fi.Size()
			}
			j, created, err := d.enqueueFile(ctx, jobs.Job{Agency: in.Agency, Source: "hotfolder", Name: filepath.Base(claimed), Path: claimed, Size: size},
				"hotfolder/"+claimed)
			if err != nil {
				return err // stays claimed: handed over again at the next start
			}
			if created {
				log.Info("queued", "job", j.ID, "kind", j.Kind, "agency", in.Agency, "file", j.Name)
			}
			return nil
		}}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.Run(ctx); err != nil {
			log.Error("hot folders stopped", "err", err)
		}
	}()
	log.Info("watching agency inboxes", "count", len(inboxes))
	return w, func() { cancel(); <-done }, nil
}

// moveDir moves a claimed directory (of regular files) to dst, copying when
// dst is on another file system.
func moveDir(src, dst string) error {
	if err := os.Rename(src, dst); err == nil {
		return nil
	}
	if err := os.MkdirAll(dst, 0o750); err != nil {
		return err
	}
	es, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range es {
		if err := copyFile(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return err
		}
	}
	return os.RemoveAll(src)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// auditSettings are the scheduled audits' settings (reloaded on SIGHUP).
type auditSettings struct {
	Every  time.Duration
	Rate   int64
	Repair bool
}

func auditSettingsFrom(c *cli.Context) (auditSettings, error) {
	rate, err := parseBytes(c.String("audit-rate"))
	if err != nil {
		return auditSettings{}, fmt.Errorf("%w: --audit-rate: %v", errUsage, err)
	}
	return auditSettings{Every: c.Duration("audit-every"), Rate: rate, Repair: c.Bool("audit-repair")}, nil
}

// auditOptions is the template of every audit the daemon runs.
func (d *daemon) auditOptions(s auditSettings) fixity.Options {
	return fixity.Options{Repair: s.Repair, Rate: s.Rate, Catalog: d.e.cat, Journal: d.journal, Apply: d.e.cat,
		Logger: d.e.cfg.Logger.With("component", "audit"), Progress: auditProgress{d.m}}
}

// startAudits runs the scheduled fixity audits of `magazin serve`. They
// resume where the journal says the last slice ended, so stopping and
// starting them again (a reload) loses nothing.
func startAudits(ctx context.Context, d *daemon, s auditSettings) (func(), error) {
	if s.Every <= 0 {
		return func() {}, nil
	}
	log := d.e.cfg.Logger.With("component", "audit")
	sch := &fixity.Scheduler{Stores: d.e.stores, Every: s.Every, Options: d.auditOptions(s), Last: d.e.cat.LastAudit}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sch.Run(ctx)
	}()
	log.Info("scheduled audits", "every", s.Every, "rate", s.Rate, "repair", s.Repair)
	return func() { cancel(); <-done }, nil
}
