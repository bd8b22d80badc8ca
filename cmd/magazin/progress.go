package main

import (
	"os"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// bar renders library progress on a terminal; elsewhere it is silent.
type bar struct{ pb *progressbar.ProgressBar }

func newBar(c *cli.Context, desc string) *bar {
	if c.Bool("json") || !term.IsTerminal(int(os.Stderr.Fd())) {
		return &bar{}
	}
	return &bar{pb: progressbar.NewOptions64(-1, progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetDescription(desc), progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100_000_000))}
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
