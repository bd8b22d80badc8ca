//go:build !linux

package fs

import "os"

// openAnon reports that unnamed files are not available here (see
// anon_linux.go); Put writes a named temporary file instead.
func openAnon(string) (*os.File, error) { return nil, errNoAnon }

func linkAnon(*os.File, string) error { return errNoAnon }
