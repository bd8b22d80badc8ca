package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// interspersed moves a command's flags that follow its positional arguments
// in front of them, so that `magazin aip get ID --out DIR` works as well as
// `magazin aip get --out DIR ID` (urfave/cli v2 stops parsing flags at the
// first argument). A lone "--" ends flag handling.
func interspersed(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	out := []string{args[0]}
	i := 1
	// Global flags, then the command path.
	cmds := app.Commands
	var cmd *cli.Command
	takesValue := flagValues(app.Flags)
	for i < len(args) {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			out = append(out, a)
			i++
			if takesValue[strings.TrimLeft(a, "-")] && !strings.Contains(a, "=") && i < len(args) {
				out = append(out, args[i])
				i++
			}
			continue
		}
		var next *cli.Command
		for _, c := range cmds {
			if c.HasName(a) {
				next = c
			}
		}
		if next == nil {
			break
		}
		cmd = next
		cmds = next.Subcommands
		out = append(out, a)
		i++
		if len(cmds) == 0 {
			break
		}
	}
	if cmd == nil {
		return args
	}
	takesValue = flagValues(cmd.Flags)
	var flags, pos []string
	for i < len(args) {
		a := args[i]
		i++
		if a == "--" {
			pos = append(pos, args[i-1:]...)
			break
		}
		if strings.HasPrefix(a, "-") && a != "-" {
			flags = append(flags, a)
			if takesValue[strings.TrimLeft(a, "-")] && !strings.Contains(a, "=") && i < len(args) {
				flags = append(flags, args[i])
				i++
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(append(out, flags...), pos...)
}

// flagValues maps each flag name to whether it takes a value.
func flagValues(fs []cli.Flag) map[string]bool {
	m := map[string]bool{}
	for _, f := range fs {
		_, isBool := f.(*cli.BoolFlag)
		if bf, ok := f.(interface{ TakesValue() bool }); ok {
			isBool = !bf.TakesValue()
		}
		for _, n := range f.Names() {
			m[n] = !isBool
		}
	}
	return m
}
