package search

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Children lists the units whose parent is parent, in the order of
// Unit.Order and then Signatur (natural order: "Nr. 9" before "Nr. 10"),
// as the public sees them on the day today.
//
// The first pages (up to offset dictWindow) are read from the term
// dictionary of fChildPos, which holds parent + sibling key per unit in
// sorted order: their cost does not grow with the number of children.
// Deeper pages sort all children by their doc values, a page in the back
// half from the end.
func (x *Index) Children(ctx context.Context, parent string, page, size int, today string) (*Results, error) {
	if _, err := checkToday(today); err != nil {
		return nil, err
	}
	page, size, err := pageOf(page, size)
	if err != nil {
		return nil, err
	}
	b, done, err := x.reader()
	if err != nil {
		return nil, err
	}
	defer done()
	total, err := childCount(b, parent)
	if err != nil {
		return nil, fmt.Errorf("search: children of %s: %w", parent, err)
	}
	out := &Results{Total: total, Page: page, Size: size, Hits: []Hit{}}
	from := (page - 1) * size
	if from >= total {
		return out, nil
	}
	var ids []string
	if from+size <= dictWindow {
		ids, err = childrenFromDict(ctx, b, parent, from, size)
	} else {
		ids, err = childrenSorted(ctx, b, parent, from, size, total)
	}
	if err != nil {
		return nil, fmt.Errorf("search: children of %s: %w", parent, err)
	}
	if out.Hits, err = x.fetch(ctx, b, ids, today); err != nil {
		return nil, err
	}
	return out, nil
}

// dictWindow is the offset up to which Children reads the term dictionary.
const dictWindow = 1000

// childPos is the fChildPos term of a unit: the parent, NUL, the sibling
// key (which ends with NUL and the id).
func childPos(parent, childKey string) string { return parent + "\x00" + childKey }

// childCount counts the live children of parent exactly, from the
// postings of the parent term (deleted documents excluded).
func childCount(b bleve.Index, parent string) (int, error) {
	adv, err := b.Advanced()
	if err != nil {
		return 0, err
	}
	r, err := adv.Reader()
	if err != nil {
		return 0, err
	}
	defer r.Close()
	tfr, err := r.TermFieldReader(context.Background(), []byte(parent), fParent, false, false, false)
	if err != nil {
		return 0, err
	}
	defer tfr.Close()
	return int(tfr.Count()), nil
}

// childrenFromDict returns the ids of the children from..from+size of
// parent. The dictionary is sorted but may still hold the terms of
// replaced or deleted documents until their segment is merged away, so
// every term up to the page is confirmed with a search (which sees live
// documents only) before it counts.
func childrenFromDict(ctx context.Context, b bleve.Index, parent string, from, size int) ([]string, error) {
	dict, err := b.FieldDictPrefix(fChildPos, []byte(parent+"\x00"))
	if err != nil {
		return nil, err
	}
	defer dict.Close()
	need := from + size
	var live []string // ids in order
	for len(live) < need {
		want := need - len(live)
		var terms []string
		for len(terms) < want+want/8+8 {
			e, err := dict.Next()
			if err != nil {
				return nil, err
			}
			if e == nil {
				break
			}
			terms = append(terms, e.Term)
		}
		if len(terms) == 0 {
			break
		}
		qs := make([]query.Query, len(terms))
		for i, t := range terms {
			qs[i] = fieldQuery(bleve.NewTermQuery(t), fChildPos, 0)
		}
		req := bleve.NewSearchRequestOptions(bleve.NewDisjunctionQuery(qs...), len(terms), 0, false)
		req.Score = "none"
		res, err := b.SearchInContext(ctx, req)
		if err != nil {
			return nil, err
		}
		found := make(map[string]bool, len(res.Hits))
		for _, h := range res.Hits {
			found[h.ID] = true
		}
		for _, t := range terms {
			if id := t[strings.LastIndexByte(t, 0)+1:]; found[id] {
				live = append(live, id)
			}
		}
	}
	if from >= len(live) {
		return nil, nil
	}
	return live[from:min(need, len(live))], nil
}

// childrenSorted returns the ids of the children from..from+size of
// parent by sorting all of them on fChildKey; a page in the back half is
// read from the end.
func childrenSorted(ctx context.Context, b bleve.Index, parent string, from, size, total int) ([]string, error) {
	n, desc := size, false
	if from+size/2 > total/2 {
		n = min(size, total-from)
		from, desc = total-from-n, true
	}
	req := bleve.NewSearchRequestOptions(fieldQuery(bleve.NewTermQuery(parent), fParent, 0), n, from, false)
	req.Score = "none"
	if desc {
		req.SortBy([]string{"-" + fChildKey})
	} else {
		req.SortBy([]string{fChildKey})
	}
	res, err := b.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	if desc {
		slices.Reverse(ids)
	}
	return ids, nil
}

// fetch returns the public views of the units ids, in that order.
func (x *Index) fetch(ctx context.Context, b bleve.Index, ids []string, today string) ([]Hit, error) {
	if len(ids) == 0 {
		return []Hit{}, nil
	}
	req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), len(ids), 0, false)
	req.Fields = []string{fStored}
	req.Score = "none"
	res, err := b.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: fetch: %w", err)
	}
	r, err := x.results(res, 1, len(ids), today)
	if err != nil {
		return nil, err
	}
	at := make(map[string]int, len(ids))
	for i, id := range ids {
		at[id] = i
	}
	slices.SortFunc(r.Hits, func(a, b Hit) int { return at[a.Unit.ID] - at[b.Unit.ID] })
	return r.Hits, nil
}
