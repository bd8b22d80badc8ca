package search_test

import (
	"context"
	"fmt"

	"github.com/magazin-archiv/magazin/access/search"
	"github.com/magazin-archiv/magazin/preservation"
)

func Example() {
	ctx := context.Background()
	x, err := search.Open("") // in memory; a directory in production
	if err != nil {
		panic(err)
	}
	defer x.Close()

	err = x.Index(ctx, []search.Doc{
		{Unit: preservation.Unit{ID: "u1", Parent: "b", Level: preservation.LevelAkte,
			Signatur: "10747 Nr. 1", Title: "Bauanträge der Gemeinde Müllrose"}},
		{Unit: preservation.Unit{ID: "u2", Parent: "b", Level: preservation.LevelAkte,
			Signatur: "10747 Nr. 2", Title: "Personalakte Erna Müllrose",
			Closure: preservation.ClosureFacts{Personal: true}},
			Release: "2041-03-01"},
	})
	if err != nil {
		panic(err)
	}

	for _, today := range []string{"2026-11-26", "2041-03-01"} {
		r, err := x.Search(ctx, search.Query{Text: "Mullrose", Today: today})
		if err != nil {
			panic(err)
		}
		fmt.Println(today, "finds", r.Total)
		for _, h := range r.Hits {
			fmt.Printf("  %s %s: %s\n", h.Unit.Signatur, map[bool]string{true: "open", false: "closed"}[h.Open], h.Fragments[0].HTML())
		}
	}

	// Browsing shows the closed unit, without what it hides.
	r, err := x.Children(ctx, "b", 1, 20, "2026-11-26")
	if err != nil {
		panic(err)
	}
	for _, h := range r.Hits {
		fmt.Printf("%s %q open=%v release=%s\n", h.Unit.Signatur, h.Unit.Title, h.Open, h.Release)
	}
	// Output:
	// 2026-11-26 finds 1
	//   10747 Nr. 1 open: Bauanträge der Gemeinde <mark>Müllrose</mark>
	// 2041-03-01 finds 2
	//   10747 Nr. 1 open: Bauanträge der Gemeinde <mark>Müllrose</mark>
	//   10747 Nr. 2 open: Personalakte Erna <mark>Müllrose</mark>
	// 10747 Nr. 1 "Bauanträge der Gemeinde Müllrose" open=true release=
	// 10747 Nr. 2 "" open=false release=2041-03-01
}
