package policy_test

import (
	"fmt"
	"strings"

	"github.com/magazin-archiv/magazin/preservation/policy"
)

func ExamplePolicy_Decide() {
	p, err := policy.Read(strings.NewReader(`{
	  "agencies": {"LRA-Zwickau": {"rules": [
	    {"puids": ["fmt/18"], "action": "reject", "reason": "Vereinbarung: nur PDF/A"}
	  ]}}
	}`))
	if err != nil {
		panic(err)
	}
	for _, c := range []struct{ puid, agency string }{
		{"fmt/477", "LRA-Zwickau"},
		{"fmt/18", ""},
		{"fmt/18", "LRA-Zwickau"},
		{"UNKNOWN", ""},
	} {
		d := p.Decide(c.puid, "folder", c.agency)
		fmt.Printf("%s %s (%s)\n", d.PUID, d.Action, d.Rule)
		if pr, ok := d.Problem("data/brief.pdf"); ok {
			fmt.Println(" ", pr.Severity, pr.Code)
		}
	}
	// Output:
	// fmt/477 preferred (builtin:fmt/477)
	// fmt/18 accepted (builtin:fmt/18)
	// fmt/18 reject (agency/LRA-Zwickau:fmt/18)
	//   error POLICY_REJECTED
	// UNKNOWN flag (builtin:UNKNOWN)
	//   warning POLICY_FLAGGED
}
