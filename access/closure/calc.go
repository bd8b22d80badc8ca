package closure

import (
	"errors"
	"fmt"

	"github.com/magazin-archiv/magazin/preservation"
)

// Laws whose closure periods Calc computes.
const (
	// LawSaechsArchivG: Archivgesetz für den Freistaat Sachsen, § 10.
	LawSaechsArchivG = "saechsarchivg"
	// LawBArchG: Bundesarchivgesetz (2017, Neufassung 2021), § 11.
	LawBArchG = "barchg"
)

// Rule ids name the provision a period or an exemption comes from. They
// are stable: they are stored with decisions and in the search index.
const (
	// § 10 Abs. 1 Satz 2 Nr. 1 SächsArchivG: 30 years after creation.
	RuleSaechsGeneral = "saechsarchivg-10-1-1"
	// § 10 Abs. 1 Satz 2 Nr. 2 SächsArchivG: 60 years after creation
	// (professional, special official or other statutory secrecy).
	RuleSaechsSecrecy = "saechsarchivg-10-1-2"
	// § 10 Abs. 1 Satz 2 Nr. 3 Buchst. a SächsArchivG: 10 years after death.
	RuleSaechsDeath = "saechsarchivg-10-1-3a"
	// § 10 Abs. 1 Satz 2 Nr. 3 Buchst. b SächsArchivG: 100 years after
	// birth when the year of death cannot be established.
	RuleSaechsBirth = "saechsarchivg-10-1-3b"
	// § 10 Abs. 1 Satz 2 Nr. 3 Buchst. c SächsArchivG: 60 years after
	// creation when neither year can be established.
	RuleSaechsPersonCreated = "saechsarchivg-10-1-3c"
	// § 10 Abs. 2 Satz 1 SächsArchivG: no period for records intended
	// for publication when they were created.
	RuleSaechsPublished = "saechsarchivg-10-2-1"
	// § 10 Abs. 2 Satz 2 with § 4 Abs. 2 Satz 2 SächsArchivG: no general
	// and no secrecy period for records of GDR-era bodies (8 May 1945 to
	// 2 October 1990).
	RuleSaechsGDR = "saechsarchivg-10-2-2"

	// § 11 Abs. 1 BArchG: 30 years after creation.
	RuleBArchGGeneral = "barchg-11-1"
	// § 11 Abs. 2 Satz 1 BArchG: after the § 11 Abs. 1 period, at the
	// earliest 10 years after death.
	RuleBArchGDeath = "barchg-11-2-1"
	// § 11 Abs. 2 Satz 2 BArchG: 100 years after birth when the year of
	// death cannot be established.
	RuleBArchGBirth = "barchg-11-2-2"
	// § 11 Abs. 2 Satz 3 BArchG: 60 years after creation when the birth
	// date cannot be established either.
	RuleBArchGPersonCreated = "barchg-11-2-3"
	// § 11 Abs. 3 BArchG: 60 years after creation for records under the
	// secrecy duties of § 6 Abs. 1 Satz 1 and Abs. 4.
	RuleBArchGSecrecy = "barchg-11-3"
	// § 11 Abs. 5 Nr. 1 BArchG: no period for records intended for
	// publication when they were created.
	RuleBArchGPublished = "barchg-11-5-1"

	// RuleStated: a closure stated outside the law's periods
	// (ClosureFacts.Until: the Sperrvermerk of an imported finding aid, a
	// restriction agreed with a depositor). It applies under either law,
	// in addition to its periods and even where they do not apply.
	RuleStated = "stated-until"
)

// ruleTexts are the German explanations shown in the user interface. They
// never name a person: the persons of a closed person-related unit are
// not public.
var ruleTexts = map[string]string{
	RuleSaechsGeneral:       "30 Jahre nach Entstehung (§ 10 Abs. 1 Satz 2 Nr. 1 SächsArchivG)",
	RuleSaechsSecrecy:       "60 Jahre nach Entstehung, da Berufs-, besonderes Amts- oder sonstiges gesetzliches Geheimnis (§ 10 Abs. 1 Satz 2 Nr. 2 SächsArchivG)",
	RuleSaechsDeath:         "10 Jahre nach dem Tod der betroffenen Person (§ 10 Abs. 1 Satz 2 Nr. 3 Buchst. a SächsArchivG)",
	RuleSaechsBirth:         "100 Jahre nach der Geburt der betroffenen Person, da das Todesjahr nicht feststellbar ist (§ 10 Abs. 1 Satz 2 Nr. 3 Buchst. b SächsArchivG)",
	RuleSaechsPersonCreated: "60 Jahre nach Entstehung, da weder Todes- noch Geburtsjahr der betroffenen Person feststellbar sind (§ 10 Abs. 1 Satz 2 Nr. 3 Buchst. c SächsArchivG)",
	RuleSaechsPublished:     "Keine Schutzfrist: bei Entstehung zur Veröffentlichung bestimmt (§ 10 Abs. 2 Satz 1 SächsArchivG)",
	RuleSaechsGDR:           "Keine allgemeine und keine Geheimhaltungs-Schutzfrist: Unterlagen aus der Zeit vom 8. Mai 1945 bis 2. Oktober 1990 (§ 10 Abs. 2 Satz 2 mit § 4 Abs. 2 Satz 2 SächsArchivG)",
	RuleBArchGGeneral:       "30 Jahre nach Entstehung (§ 11 Abs. 1 BArchG)",
	RuleBArchGDeath:         "Nach Ablauf der allgemeinen Schutzfrist, frühestens 10 Jahre nach dem Tod der betroffenen Person (§ 11 Abs. 2 Satz 1 BArchG)",
	RuleBArchGBirth:         "Nach Ablauf der allgemeinen Schutzfrist, frühestens 100 Jahre nach der Geburt der betroffenen Person, da das Todesjahr nicht feststellbar ist (§ 11 Abs. 2 Satz 2 BArchG)",
	RuleBArchGPersonCreated: "Nach Ablauf der allgemeinen Schutzfrist, frühestens 60 Jahre nach Entstehung, da weder Todesjahr noch Geburtstag der betroffenen Person feststellbar sind (§ 11 Abs. 2 Satz 3 BArchG)",
	RuleBArchGSecrecy:       "60 Jahre nach Entstehung, da Geheimhaltungspflicht nach § 6 Abs. 1 Satz 1 und Abs. 4 BArchG (§ 11 Abs. 3 BArchG)",
	RuleBArchGPublished:     "Keine Schutzfrist: bei Entstehung zur Veröffentlichung bestimmt (§ 11 Abs. 5 Nr. 1 BArchG)",
	RuleStated:              "Sperrvermerk der Erschließung (etwa aus einem übernommenen Findbuch oder nach einer Vereinbarung mit dem Eigentümer), zusätzlich zu den gesetzlichen Schutzfristen",
}

// RuleText returns the German explanation of a rule id for the user
// interface, e.g. "30 Jahre nach Entstehung (§ 10 Abs. 1 Satz 2 Nr. 1
// SächsArchivG)", or "" for an unknown id. The texts name no person.
func RuleText(rule string) string { return ruleTexts[rule] }

// ruleSet is the closure law of one jurisdiction.
type ruleSet struct {
	general, secrecy                    string
	death, birth, personCreated         string
	published                           string
	gdr                                 string // "" if the law has no GDR exemption
	personalAfterGeneral                bool   // BArchG § 11 Abs. 2 Satz 1
	generalYears, secrecyYears          int
	deathYears, birthYears, personYears int
}

var laws = map[string]ruleSet{
	LawSaechsArchivG: {
		general: RuleSaechsGeneral, secrecy: RuleSaechsSecrecy,
		death: RuleSaechsDeath, birth: RuleSaechsBirth, personCreated: RuleSaechsPersonCreated,
		published: RuleSaechsPublished, gdr: RuleSaechsGDR,
		generalYears: 30, secrecyYears: 60, deathYears: 10, birthYears: 100, personYears: 60,
	},
	LawBArchG: {
		general: RuleBArchGGeneral, secrecy: RuleBArchGSecrecy,
		death: RuleBArchGDeath, birth: RuleBArchGBirth, personCreated: RuleBArchGPersonCreated,
		published:            RuleBArchGPublished,
		personalAfterGeneral: true,
		generalYears:         30, secrecyYears: 60, deathYears: 10, birthYears: 100, personYears: 60,
	},
}

// ErrInvalidFacts is wrapped by every error of Calc: the facts cannot be
// computed with (a malformed date, death before birth, no creation date,
// an unknown law or granularity). A caller that cannot compute a release
// date must treat the unit as closed (see Indefinitely).
var ErrInvalidFacts = errors.New("invalid closure facts")

// Result is the closure of one unit under one law, before decisions.
type Result struct {
	// Release is the first day the unit may be used (YYYY-MM-DD), the
	// latest release of its periods; "" when no period applies (open
	// from the start).
	Release string `json:"release"`
	// Governing is the rule that decides Release: the period with the
	// latest release, or, with no period, the exemption that voids them
	// (RuleSaechsPublished, RuleSaechsGDR, RuleBArchGPublished).
	Governing string `json:"governing"`
	// Periods are the periods that apply, in the order of the law:
	// general, secrecy, personal (one personal period: the latest across
	// the persons).
	Periods []Period `json:"periods"`
	// Granularity is the granularity the release dates were computed
	// with: GranularityDay or GranularityYear.
	Granularity string `json:"granularity"`
}

// Period is one closure period that applies to a unit.
type Period struct {
	// Rule is the rule id (RuleSaechsGeneral, …).
	Rule string `json:"rule"`
	// Release is the first day of use after this period (YYYY-MM-DD).
	Release string `json:"release"`
	// From is the day of the event that sets the period running: the
	// creation date, or a person's birth or death (a year-only date as
	// 31 December). The day itself is not counted (BGB § 187 Abs. 1).
	From string `json:"from"`
	// Years is the length of the period.
	Years int `json:"years"`
	// End is the last day of the period (BGB § 188 Abs. 2, 3). For the
	// personal periods of BArchG, which run only after the general period
	// (§ 11 Abs. 2 Satz 1), End is never before the general period's end.
	End string `json:"end"`
	// Text explains the rule in German (RuleText).
	Text string `json:"text"`
	// Person is the name of the person whose dates decide a personal
	// period. It is for archivists only and never serialised: the persons
	// of a closed person-related unit are not public.
	Person string `json:"-"`
}

// period is a Period while it is being computed.
type period struct {
	rule        string
	from        Date
	years       int
	end, ownEnd Date // ownEnd: before BArchG § 11 Abs. 2 Satz 1 moves it
	person      string
	order       int
}

// Calc computes the closure periods of a unit with the facts f under law
// (LawSaechsArchivG or LawBArchG). f.Granularity decides how period ends
// become release dates; when it is "", defaultGranularity does, and when
// that is "" too, GranularityDay.
//
// The rules (see docs/closure.md):
//   - f.Published: no period (§ 10 Abs. 2 Satz 1 SächsArchivG, § 11 Abs. 5
//     Nr. 1 BArchG); Release is "".
//   - general period: 30 years after f.Created, unless f.GDR under
//     SächsArchivG (§ 10 Abs. 2 Satz 2).
//   - f.Secrecy: 60 years after f.Created, unless f.GDR under SächsArchivG.
//   - f.Personal: for each person, 10 years after death, else 100 years
//     after birth, else 60 years after f.Created; with no person listed,
//     60 years after f.Created. The latest person decides. Under BArchG the
//     personal period never ends before the general period (§ 11 Abs. 2
//     Satz 1: "Nach Ablauf der Schutzfrist des Absatzes 1").
//     f.Persons without f.Personal are validated but set no period (an
//     archivist lists persons to whom the personal period does not apply,
//     such as office holders acting in office, without f.Personal).
//   - f.Until (a closure stated outside the law, e.g. the Sperrvermerk of
//     an imported finding aid): a period RuleStated ending on f.Until,
//     whatever else applies, even for published or GDR records. It can
//     only close longer.
//   - The unit opens when every period has run: Release is the latest
//     release, Governing its rule.
//
// f.Created is required (YYYY-MM-DD), even for published records. Person
// dates are YYYY-MM-DD or YYYY (see ParsePersonDate). Every error wraps
// ErrInvalidFacts.
func Calc(law string, f preservation.ClosureFacts, defaultGranularity string) (Result, error) {
	rs, ok := laws[law]
	if !ok {
		return Result{}, fmt.Errorf("%w: unknown law %q (want %q or %q)", ErrInvalidFacts, law, LawSaechsArchivG, LawBArchG)
	}
	g := f.Granularity
	if g == "" {
		g = defaultGranularity
	}
	if g == "" {
		g = GranularityDay
	}
	if g != GranularityDay && g != GranularityYear {
		return Result{}, fmt.Errorf("%w: granularity %q: want %q or %q", ErrInvalidFacts, g, GranularityDay, GranularityYear)
	}
	if f.Created == "" {
		return Result{}, fmt.Errorf("%w: no created date (date of last processing, YYYY-MM-DD)", ErrInvalidFacts)
	}
	created, err := ParseDate(f.Created)
	if err != nil {
		return Result{}, fmt.Errorf("%w: created: %v", ErrInvalidFacts, err)
	}
	type personDates struct {
		birth, death Date
	}
	persons := make([]personDates, len(f.Persons))
	for i, p := range f.Persons {
		who := fmt.Sprintf("persons[%d]", i)
		if p.Name != "" {
			who += fmt.Sprintf(" (%s)", p.Name)
		}
		var birthYearOnly bool
		if p.Birth != "" {
			if persons[i].birth, birthYearOnly, err = ParsePersonDate(p.Birth); err != nil {
				return Result{}, fmt.Errorf("%w: %s: birth: %v", ErrInvalidFacts, who, err)
			}
		}
		if p.Death != "" {
			if persons[i].death, _, err = ParsePersonDate(p.Death); err != nil {
				return Result{}, fmt.Errorf("%w: %s: death: %v", ErrInvalidFacts, who, err)
			}
		}
		if p.Birth != "" && p.Death != "" {
			// A year stands for all its days: refuse only a death that is
			// before the birth whatever days the years stand for (a
			// year-only death already is its latest day).
			birthEarliest := persons[i].birth
			if birthYearOnly {
				birthEarliest = Date{birthEarliest.y, 1, 1}
			}
			if persons[i].death.Before(birthEarliest) {
				return Result{}, fmt.Errorf("%w: %s: death %s before birth %s", ErrInvalidFacts, who, p.Death, p.Birth)
			}
		}
	}

	var until Date
	if f.Until != "" {
		if until, err = ParseDate(f.Until); err != nil {
			return Result{}, fmt.Errorf("%w: until: %v", ErrInvalidFacts, err)
		}
	}

	res := Result{Periods: []Period{}, Granularity: g}
	var ps []period
	var general *period
	if f.Published {
		res.Governing = rs.published
		if until.IsZero() {
			return res, nil
		}
	} else if !(f.GDR && rs.gdr != "") {
		end := PeriodEnd(created, rs.generalYears)
		ps = append(ps, period{rule: rs.general, from: created, years: rs.generalYears, end: end, ownEnd: end, order: 0})
		general = &ps[0]
		if f.Secrecy {
			end := PeriodEnd(created, rs.secrecyYears)
			ps = append(ps, period{rule: rs.secrecy, from: created, years: rs.secrecyYears, end: end, ownEnd: end, order: 1})
		}
	}
	if f.Personal && !f.Published {
		var best period
		one := func(p period) {
			if best.rule == "" || p.end.After(best.end) {
				best = p
			}
		}
		if len(f.Persons) == 0 {
			one(period{rule: rs.personCreated, from: created, years: rs.personYears, end: PeriodEnd(created, rs.personYears)})
		}
		for i, p := range f.Persons {
			d := persons[i]
			switch {
			case !d.death.IsZero():
				one(period{rule: rs.death, from: d.death, years: rs.deathYears, end: PeriodEnd(d.death, rs.deathYears), person: p.Name})
			case !d.birth.IsZero():
				one(period{rule: rs.birth, from: d.birth, years: rs.birthYears, end: PeriodEnd(d.birth, rs.birthYears), person: p.Name})
			default:
				one(period{rule: rs.personCreated, from: created, years: rs.personYears, end: PeriodEnd(created, rs.personYears), person: p.Name})
			}
		}
		best.ownEnd, best.order = best.end, 2
		if rs.personalAfterGeneral && general != nil && best.end.Before(general.end) {
			// BArchG § 11 Abs. 2 Satz 1: the personal period runs only
			// after the general one, so it cannot end before it.
			best.end = general.end
		}
		ps = append(ps, best)
	}

	if !until.IsZero() {
		// A stated closure: "gesperrt bis" names the last day closed.
		// On a tie the law's period governs (it explains more).
		ps = append(ps, period{rule: RuleStated, from: until, end: until, ownEnd: until, order: -1})
	}
	if len(ps) == 0 {
		if !f.Published {
			// Only GDR records that are not person-related get here.
			res.Governing = rs.gdr
		}
		return res, nil
	}
	var gov *period
	var govRelease Date
	for i := range ps {
		p := &ps[i]
		rel, err := ReleaseAfter(p.end, g)
		if err != nil {
			return Result{}, fmt.Errorf("%w: %v", ErrInvalidFacts, err)
		}
		if !rel.Valid() {
			return Result{}, fmt.Errorf("%w: %s: the period would end after the year 9999", ErrInvalidFacts, p.rule)
		}
		res.Periods = append(res.Periods, Period{
			Rule: p.rule, Release: rel.String(), From: p.from.String(), Years: p.years,
			End: p.end.String(), Text: RuleText(p.rule), Person: p.person,
		})
		// The latest release governs; on a tie the period whose own end
		// is later (a BArchG personal period moved to the general
		// period's end yields to it), then the later rule of the law
		// (personal before secrecy before general).
		if gov == nil || rel.After(govRelease) ||
			rel == govRelease && (p.ownEnd.After(gov.ownEnd) || p.ownEnd == gov.ownEnd && p.order > gov.order) {
			gov, govRelease = p, rel
		}
	}
	res.Release, res.Governing = govRelease.String(), gov.rule
	return res, nil
}
