package s3_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/magazin-archiv/magazin/preservation/store"
	"github.com/magazin-archiv/magazin/preservation/store/retry"
	"github.com/magazin-archiv/magazin/preservation/store/storetest"
)

// The waiting wrapper the command line puts around every store keeps the
// S3 store's contract and capabilities.
func TestConformanceThroughRetry(t *testing.T) {
	cfg := testConfig(t)
	var n atomic.Int64
	storetest.Run(t, func(t *testing.T) store.Store {
		s := newStore(t, cfg, "r"+string(rune('a'+n.Add(1)%26))+randomID())
		w := retry.New(s, retry.Options{MaxWait: time.Minute})
		if _, ok := w.(store.RetentionReporter); !ok {
			t.Fatal("the wrapped S3 store does not report retention")
		}
		return w
	})
}
