package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/ingest/aussonderung"
	"github.com/magazin-archiv/magazin/ingest/hotfolder"
	"github.com/magazin-archiv/magazin/preservation/fixity"
	"github.com/magazin-archiv/magazin/preservation/journal"
)

// startHotFolders watches the inbox of every agency with a transfer
// directory and hands settled files to the xdomea dialogue. Handled files
// move to DATA/received/<agency>/…; replies go to the agency's outbox.
func startHotFolders(ctx context.Context, c *cli.Context, e *env, interval, settle time.Duration) (func(), error) {
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
	if len(inboxes) == 0 {
		return func() {}, nil
	}
	d, err := newDialogue(c, e, journal.New(e.stores...))
	if err != nil {
		return nil, err
	}
	log := e.cfg.Logger.With("component", "hotfolder")
	w := &hotfolder.Watcher{Inboxes: inboxes, Interval: interval, Settle: settle, Log: log,
		Handle: func(ctx context.Context, in hotfolder.Inbox, claimed string) error {
			out, err := d.Receive(ctx, claimed, "")
			if err != nil && !errors.Is(err, aussonderung.ErrNotXdomea) {
				return err // stays claimed: retried at the next start
			}
			if err != nil {
				log.Warn("not an xdomea message; kept aside", "file", claimed, "err", err)
			} else {
				log.Info("message handled", "file", filepath.Base(claimed), "type", out.Type, "process", out.Process, "ok", out.OK)
			}
			dst := filepath.Join(e.cfg.DataDir, "received", in.Agency, filepath.Base(filepath.Dir(claimed)))
			if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
				return err
			}
			return moveDir(filepath.Dir(claimed), dst)
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
	return func() { cancel(); <-done }, nil
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

// startAudits runs the scheduled fixity audits of `magazin serve`.
func startAudits(c *cli.Context, e *env) (func(), error) {
	every := c.Duration("audit-every")
	if every <= 0 {
		return func() {}, nil
	}
	rate, err := parseBytes(c.String("audit-rate"))
	if err != nil {
		return nil, fmt.Errorf("%w: --audit-rate: %v", errUsage, err)
	}
	log := e.cfg.Logger.With("component", "audit")
	s := &fixity.Scheduler{Stores: e.stores, Every: every,
		Options: fixity.Options{Repair: c.Bool("audit-repair"), Rate: rate, Catalog: e.cat, Journal: journal.New(e.stores...), Apply: e.cat, Logger: log},
		Last:    e.cat.LastAudit}
	ctx, cancel := context.WithCancel(c.Context)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx)
	}()
	log.Info("scheduled audits", "every", every, "rate", rate)
	return func() { cancel(); <-done }, nil
}
