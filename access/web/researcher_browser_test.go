package web_test

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/magazin-archiv/magazin/internal/browsertest"
)

// landmarksJS lists what a screen reader's landmark menu would show
// wrongly: a page needs one banner, one main and one contentinfo, and
// every search or navigation landmark needs a name when there are several
// of its kind.
const landmarksJS = `(() => {
  const bad = [];
  const count = sel => document.querySelectorAll(sel).length;
  if (count('body > header') !== 1) bad.push('banner: ' + count('body > header'));
  if (count('main') !== 1) bad.push('main: ' + count('main'));
  if (count('body > footer') !== 1) bad.push('contentinfo: ' + count('body > footer'));
  for (const sel of ['[role=search]', 'nav']) {
    const els = [...document.querySelectorAll(sel)];
    if (els.length < 2) continue;
    for (const el of els) {
      if (!el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')) bad.push(sel + ' without a name: ' + el.outerHTML.slice(0, 80));
    }
  }
  return bad;
})()`

// printJS applies the page's print rules to the screen, so that the
// screenshot and the checks below see the printed page.
const printJS = `(() => {
  for (const s of document.styleSheets) for (const r of s.cssRules) {
    if (r.media && r.media.mediaText === 'print') r.media.appendMedium('screen');
  }
  return true;
})()`

// TestBrowserResearcher walks what a researcher does in a large Bestand
// with the keyboard alone: from the Bestand's page into a search limited
// to it, new words inside the same filter, a misspelt word and the offered
// word beginnings, a unit's page with its citation, the printed page and
// the phone-width page (no sideways scrolling). Every page has named
// landmarks and passes the contrast check.
func TestBrowserResearcher(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := browsertest.Start(t)
	f := newFixture(t, 3000)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	landmarks := func(page string) {
		t.Helper()
		if bad := b.Eval(landmarksJS); fmt.Sprint(bad) != "[]" {
			t.Errorf("%s: landmarks: %v", page, bad)
		}
	}

	// The Bestand: Tab reaches the search inside it; typing and Enter
	// search there.
	b.Step("Bestand", chromedp.Navigate(ts.URL+"/unit/"+short(idBestand2)), chromedp.WaitVisible(chromedp.ID("q-bestand")),
		b.Contrast("Bestand"), b.Shot("r1-bestand"))
	landmarks("Bestand")
	order := b.TabUntil(20, b.Focused, func(focused string) bool { return focused == "q-bestand" })
	if order[len(order)-1] != "q-bestand" {
		t.Fatalf("Tab order on the Bestand page never reaches the search in the Bestand: %q", order)
	}
	b.Step("search in the Bestand", chromedp.KeyEvent("Ratssitzungen 1955"), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(".results .unit-title")), b.Contrast("search in the Bestand"), b.Shot("r2-suche-im-bestand"))
	landmarks("search")
	if loc := b.Location(); !strings.Contains(loc, "bestand="+url.QueryEscape(idBestand2)) {
		t.Errorf("the search in the Bestand went to %s", loc)
	}
	if n := b.Text(".count"); n != "75 Treffer" {
		t.Errorf("search in the Bestand: %q, want the 75 Ratsprotokolle of 1955", n)
	}
	if a := b.Text(".active-filters"); !strings.Contains(a, "Bestand: Stadtverwaltung Müllrose") {
		t.Errorf("active filters: %q", a)
	}

	// New words in the big form: the Bestand filter stays.
	b.Step("new words", chromedp.Focus(chromedp.ID("q")), chromedp.Evaluate[chromedp.Void](`document.getElementById('q').select()`),
		chromedp.KeyEvent("Ratssitzungen 1960"), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(`//h1[contains(., "Ratssitzungen 1960")]`))
	if loc := b.Location(); !strings.Contains(loc, "q=Ratssitzungen+1960") || !strings.Contains(loc, "bestand=") {
		t.Errorf("new words dropped the filter: %s", loc)
	}

	// A misspelt word: nothing found, the word beginnings offered.
	b.Step("misspelt", chromedp.Navigate(ts.URL+"/search?q=Ratssitzungn"), chromedp.WaitVisible(chromedp.CSS(".suggest a")),
		b.Contrast("misspelt search"), b.Shot("r3-schreibweise"))
	b.Step("suggestion", chromedp.Click(chromedp.CSS(".suggest a")), chromedp.WaitVisible(chromedp.CSS(".results .unit-title")))
	if n := b.Text(".count"); n != "3.000 Treffer" {
		t.Errorf("the suggested search found %q", n)
	}

	// A unit's page: the citation, then printed.
	b.Step("unit", chromedp.Navigate(ts.URL+"/signatur?s="+url.QueryEscape("20001 Nr. 3")), chromedp.WaitVisible(chromedp.CSS(".cite-text")),
		b.Contrast("unit with citation"))
	landmarks("unit")
	if c := b.Text(".cite-text"); !strings.HasPrefix(c, "20001 Landratsamt Musterkreis, Nr. 3, "+ts.URL+"/unit/"+short(idOpen)) {
		t.Errorf("Zitierweise = %q", c)
	}
	b.Step("print", chromedp.Evaluate[chromedp.Void](printJS), b.Shot("r4-druck"))
	for sel, want := range map[string]string{"header.site": "none", "footer.site": "none", ".files .actions a": "none", ".cite-text": "block", "h1": "block"} {
		if d := b.Eval(`getComputedStyle(document.querySelector(` + browsertest.JSString(sel) + `)).display`); d != want {
			t.Errorf("printed unit page: %s display %v, want %s", sel, d, want)
		}
	}

	// Phone width: the long permalink wraps instead of widening the page.
	b.Step("phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(ts.URL+"/unit/"+short(idOpen)),
		chromedp.WaitVisible(chromedp.CSS(".cite-text")), b.Shot("r5-einheit-schmal"))
	if w := b.Eval(`document.documentElement.scrollWidth`); w != float64(390) {
		t.Errorf("unit page at 390 px is %v px wide: the reader must scroll sideways", w)
	}
	b.Step("phone Bestand", chromedp.Navigate(ts.URL+"/unit/"+short(idBestand2)), chromedp.WaitVisible(chromedp.ID("q-bestand")),
		b.Shot("r6-bestand-schmal"))
	if w := b.Eval(`document.documentElement.scrollWidth`); w != float64(390) {
		t.Errorf("Bestand page at 390 px is %v px wide", w)
	}
	// On a phone the facets come after the hits; a link leads there.
	b.Step("phone search", chromedp.Navigate(ts.URL+"/search?q=Ratssitzungen"), chromedp.WaitVisible(chromedp.CSS(".to-facets a")),
		chromedp.Click(chromedp.CSS(".to-facets a")), chromedp.Sleep(300*time.Millisecond), b.Contrast("phone search"), b.Shot("r7-suche-schmal-filter"))
	if in := b.Eval(`(() => { const top = document.getElementById('filter-h').getBoundingClientRect().top;
		return window.scrollY > 0 && top >= 0 && top < window.innerHeight / 2; })()`); in != true {
		t.Errorf("the link to the facets did not bring their heading into view")
	}
	b.Step("desktop", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(ts.URL+"/search?q=Ratssitzungen"), chromedp.WaitVisible(chromedp.CSS(".facets")))
	if d := b.Eval(`getComputedStyle(document.querySelector('.to-facets')).display`); d != "none" {
		t.Errorf("desktop: the link to the facets beside the hits is shown (%v)", d)
	}
}
