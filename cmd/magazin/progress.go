package main

import (
	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
)

// bar renders library progress on a terminal; elsewhere it is silent.
type bar struct{ pb *progressbar.ProgressBar }

func newBar(c *cli.Context, desc string) *bar {
	if c.Bool("json") || !stderrTerminal(c) {
		return &bar{}
	}
	return &bar{pb: progressbar.NewOptions64(-1, progressbar.OptionSetWriter(c.App.ErrWriter),
		progressbar.OptionSetDescription(desc), progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100_000_000),
		// No ticker of its own: progressbar's ticker goroutine reads the
		// bar's state without its lock (a data race).
		progressbar.OptionSetSpinnerChangeInterval(0))}
}

func (b *bar) SetTotal(n int64) {
	if b.pb != nil {
		b.pb.ChangeMax64(n)
	}
}

func (b *bar) Add(n int64) {
	if b.pb != nil {
		b.pb.Add64(n)
	}
}

func (b *bar) Finish() {
	if b.pb != nil {
		b.pb.Finish()
	}
}
