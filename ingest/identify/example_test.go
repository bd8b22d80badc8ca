package identify_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/magazin-archiv/magazin/ingest/identify"
)

func ExampleIdentifier_Identify() {
	id, err := identify.New() // once; share it between goroutines
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := id.Identify(context.Background(), strings.NewReader("Vermerk: Akte abgegeben.\n"), "Vermerk.txt")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.PUID, r.FormatName, r.MIME)
	// Output: x-fmt/111 Plain Text File text/plain
}
