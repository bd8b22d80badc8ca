package xdomea

import "strings"

// latinRanges are the characters of xoev-lc:String.Latin (XÖV latinchars
// 1.1), the type of most text elements in xdomea 2.x: pairs of first and
// last rune. The combining sequences the pattern also allows (M̂, J̌, ...)
// are not needed for what magazin writes.
var latinRanges = [][2]rune{
	{'\t', '\n'}, {'\r', '\r'}, {' ', '~'}, {'¡', '¬'}, {'®', 'ć'}, {'Ċ', 'ě'}, {'Ğ', 'ģ'}, {'Ħ', 'ı'}, {'Ĵ', 'ś'},
	{'Ş', 'ū'}, {'Ů', 'ž'}, {'Ə', 'Ə'}, {'Ơ', 'ơ'}, {'Ư', 'ư'}, {'Ʒ', 'Ʒ'}, {'Ǎ', 'ǔ'}, {'Ǟ', 'ǟ'}, {'Ǥ', 'ǰ'},
	{'Ǵ', 'ǵ'}, {'Ǻ', 'ǿ'}, {'Ș', 'ț'}, {'Ȟ', 'ȟ'}, {'Ȫ', 'ȫ'}, {'Ȯ', 'ȳ'}, {'ə', 'ə'}, {'ʒ', 'ʒ'}, {'Ḃ', 'ḃ'},
	{'Ḋ', 'ḋ'}, {'Ḑ', 'ḑ'}, {'Ḟ', 'ḡ'}, {'Ḥ', 'ḧ'}, {'Ḱ', 'ḱ'}, {'Ṁ', 'ṁ'}, {'Ṅ', 'ṅ'}, {'Ṗ', 'ṗ'}, {'Ṡ', 'ṣ'},
	{'Ṫ', 'ṫ'}, {'Ẁ', 'ẅ'}, {'Ẍ', 'ẓ'}, {'ẞ', 'ẞ'}, {'Ạ', 'ầ'}, {'Ẫ', 'Ậ'}, {'Ắ', 'ề'}, {'Ễ', 'ồ'}, {'Ỗ', 'ờ'},
	{'Ụ', 'ỹ'}, {'€', '€'},
}

func isLatin(r rune) bool {
	for _, rg := range latinRanges {
		if r >= rg[0] && r <= rg[1] {
			return true
		}
	}
	return false
}

// latin replaces the characters String.Latin does not allow by "?"; the
// typographic quotes and dashes an archivist's note may contain are
// replaced by their ASCII forms first.
func latin(s string) string {
	s = latinReplacer.Replace(s)
	return strings.Map(func(r rune) rune {
		if isLatin(r) {
			return r
		}
		return '?'
	}, s)
}

var latinReplacer = strings.NewReplacer("„", "\"", "“", "\"", "”", "\"", "‚", "'", "‘", "'", "’", "'", "–", "-", "—", "-", "…", "...", "\u00a0", " ")
