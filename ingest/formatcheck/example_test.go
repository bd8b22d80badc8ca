package formatcheck_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/magazin-archiv/magazin/ingest/formatcheck"
	"github.com/magazin-archiv/magazin/preservation"
)

func ExampleChecker_Check() {
	dir, _ := os.MkdirTemp("", "formatcheck")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "akte.xml")
	os.WriteFile(path, []byte(`<?xml version="1.0"?><Akte><Titel>Bauantrag</Akte>`), 0o644)

	// Reject invalid files instead of flagging them.
	c, err := formatcheck.New(formatcheck.Options{
		Severity: map[string]string{formatcheck.CodeInvalid: preservation.SeverityError},
	})
	if err != nil {
		panic(err)
	}
	res, err := c.Check(context.Background(), path, "fmt/101") // as identified by siegfried
	if err != nil {
		panic(err) // the file could not be read
	}
	fmt.Println(res.Checked, res.Valid, res.Tool, res.Outcome())
	for _, p := range res.Problems {
		p.Path = "data/akte.xml" // the logical path
		fmt.Println(p)
	}
	// Output:
	// true false Go encoding/xml failure
	// error FORMAT_INVALID: data/akte.xml: XML not well-formed: XML syntax error on line 1: element <Titel> closed by </Akte>
}
