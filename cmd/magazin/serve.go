package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/access"
	"github.com/magazin-archiv/magazin/access/web"
)

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "run the daemon: the public reading room (web pages and JSON API under /api/v1) and the agencies' hot folders",
		Flags: []cli.Flag{&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8080", EnvVars: []string{"MAGAZIN_ADDR"}, Usage: "listen address"},
			&cli.DurationFlag{Name: "poll", Value: 2 * time.Second, Usage: "how often agency inboxes are looked at"},
			&cli.DurationFlag{Name: "settle", Value: 5 * time.Second, Usage: "how long a file in an inbox must stay unchanged before it is taken"}},
		Action: func(c *cli.Context) error {
			e, err := open(c.Context, c)
			if err != nil {
				return err
			}
			defer e.Close()
			h, err := web.New(e.room, access.NewContent(e.room, e.cat, e.direct), e.cfg.Logger)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", c.String("addr"))
			if err != nil {
				return fmt.Errorf("%w: %v", errUsage, err)
			}
			stopHot, err := startHotFolders(c.Context, c, e, c.Duration("poll"), c.Duration("settle"))
			if err != nil {
				return err
			}
			defer stopHot()
			srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
			fmt.Fprintf(c.App.Writer, "magazin serving on http://%s/\n", ln.Addr())
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			select {
			case err := <-errc:
				return err
			case <-c.Context.Done():
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
}
