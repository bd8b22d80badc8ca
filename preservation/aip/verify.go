package aip

import (
	"context"
	"fmt"

	"github.com/magazin-archiv/magazin/preservation"
	"github.com/magazin-archiv/magazin/preservation/store"
)

// Verification is the outcome of verifying one AIP in one store.
type Verification struct {
	ID    string `json:"id"`
	Store string `json:"store"`
	OK    bool   `json:"ok"`
	// Problems are coded findings: "OCFL_Exxx"/"OCFL_Wxxx" from the OCFL
	// validator (which re-reads every content file and checks its digest)
	// and AIP_INCOMPLETE / AIP_MISSING.
	Problems preservation.Problems `json:"problems,omitempty"`
}

// Verify re-reads the whole object id from st and validates it as an OCFL
// 1.1 object, checking every content file's digest. Only a cancelled
// context or an unusable store is returned as error; everything found in
// the object is reported in the Verification.
func Verify(ctx context.Context, st store.Store, id string) (*Verification, error) {
	v := &Verification{ID: id, Store: st.String()}
	root := ObjectKey(id)
	// One listing of the object serves every directory the validator reads.
	var listing []store.Info
	var lerr error
	for info, err := range st.List(ctx, root+"/") {
		if err != nil {
			lerr = err
			break
		}
		listing = append(listing, info)
	}
	fsys := NewListedStoreFS(ctx, st, root, listing)
	if lerr != nil || len(listing) == 0 || !hasObject(ctx, st, root) {
		v.Problems = append(v.Problems, preservation.Problem{Code: "AIP_MISSING", Severity: preservation.SeverityError,
			Path: root, Message: fmt.Sprintf("object %s not found in %s", id, st)})
		return v, ctx.Err()
	}
	res := ValidateObject(ctx, fsys, ".")
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, e := range res.Errors {
		v.Problems = append(v.Problems, preservation.Problem{Code: "OCFL_" + e.Code, Severity: preservation.SeverityError, Path: e.Path, Message: e.Message})
	}
	for _, w := range res.Warnings {
		v.Problems = append(v.Problems, preservation.Problem{Code: "OCFL_" + w.Code, Severity: preservation.SeverityWarning, Path: w.Path, Message: w.Message})
	}
	if h, err := ReadHead(ctx, st, id); err != nil {
		v.Problems = append(v.Problems, preservation.Problem{Code: "AIP_INCOMPLETE", Severity: preservation.SeverityError,
			Path: root, Message: err.Error()})
	} else if h.Updating {
		v.Problems = append(v.Problems, preservation.Problem{Code: "AIP_INCOMPLETE", Severity: preservation.SeverityError,
			Path: root, Message: fmt.Sprintf("the root inventory is not the one its sidecar names (%s): a new version is being written, or the root inventory is damaged", h.Inventory.Head)})
	}
	v.OK = !v.Problems.HasErrors()
	return v, nil
}

func hasObject(ctx context.Context, st store.Store, root string) bool {
	_, err := st.Stat(ctx, root+"/"+objectDecl)
	return err == nil
}
