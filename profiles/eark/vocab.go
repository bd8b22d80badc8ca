package eark

import (
	"net/url"
	"regexp"
	"strings"
	"time"
)

// contentCategories is the DILCIS VocabularyContentCategory (mets/@TYPE,
// CSIP2), as of CSIP 2.2 plus the "OTHER" spelling of CSIP 2.0/2.1.
// Values compare case-insensitively, with "-" for the en dash.
var contentCategories = []string{
	"Textual works – Print", "Textual works – Digital", "Textual works – Electronic Serials",
	"Digital Musical Composition (score-based representations)", "Musical Scores - Print", "Musical Scores - Digital",
	"Photographs – Print", "Photographs – Digital", "Other Graphic Images – Print", "Other Graphic Images – Digital",
	"Microforms", "Audio – On Tangible Medium (digital or analog)", "Audio – Media-independent (digital)",
	"Motion Pictures – Digital and Physical Media", "Video – File-based and Physical Media", "Software",
	"Software and Video Games", "Email", "Datasets", "Geospatial Data",
	"Geographic Information System (GIS) - Vector Data", "GIS Raster and Georeferenced Images",
	"GIS Vector and Raster Combined", "Non-GIS Cartographic", "2D and 3D Computer Aided Design",
	"Design (schematics, architectural drawings) - Print", "Scanned 3D Objects (output from photogrammetry scanning)",
	"Databases", "Websites", "Web Archives", "Collection", "Event", "Image", "Interactive resource", "Moving image",
	"Sound", "Still image", "Text", "Physical object", "Service", "Mixed", "Other",
}

// contentInformationTypes is the DILCIS VocabularyContentInformationType
// (csip:CONTENTINFORMATIONTYPE, CSIP4, CSIP62). A name of the form
// "cits<name>_v<major>_<minor>" (a Content Information Type
// Specification) is accepted too, so that new CITS need no code change.
var contentInformationTypes = []string{
	"ERMS", "SIARD1", "SIARD2", "SIARDDK", "GeoData", "MIXED", "OTHER",
	"citscarchival_v1_0", "citserms_v2_0", "citserms_v2_1", "citserms_v2_2", "citspremis_v1_0", "citsehpj_v1_0",
	"citsehcr_v1_0", "citssiard_v1_0", "citsgeospatial_v3_0",
}

var citsName = regexp.MustCompile(`^cits[a-z0-9]+_v[0-9]+_[0-9]+$`)

// oaisPackageTypes is VocabularyOAISPackageType (CSIP9).
var oaisPackageTypes = []string{"SIP", "AIP", "DIP", "AIU", "AIC"}

// recordStatuses is VocabularyRECORDSTATUS (SIP3).
var recordStatuses = []string{"NEW", "SUPPLEMENT", "REPLACEMENT", "TEST", "VERSION", "DELETE", "OTHER"}

func normVocab(s string) string {
	s = strings.NewReplacer("–", "-", "—", "-").Replace(s)
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

func isContentCategory(s string) bool {
	n := normVocab(s)
	for _, c := range contentCategories {
		if normVocab(c) == n {
			return true
		}
	}
	return false
}

func isContentInformationType(s string) bool {
	for _, c := range contentInformationTypes {
		if strings.EqualFold(c, s) {
			return true
		}
	}
	return citsName.MatchString(s)
}

func isOther(s string) bool { return strings.EqualFold(s, "OTHER") }

// checksumTypes maps the METS CHECKSUMTYPE vocabulary to the digest
// algorithms magazin verifies ("" for those it does not).
var checksumTypes = map[string]string{
	"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512",
	"ADLER-32": "", "CRC32": "", "HAVAL": "", "MNP": "", "TIGER": "", "WHIRLPOOL": "",
}

// digestLen is the hex length of each verified algorithm's digest.
var digestLen = map[string]int{"md5": 32, "sha1": 40, "sha256": 64, "sha384": 96, "sha512": 128}

// checksumAlgorithm returns the algorithm for a CHECKSUMTYPE and whether
// the type is in the METS vocabulary. "SHA256" and lower case are
// tolerated.
func checksumAlgorithm(t string) (alg string, known bool) {
	u := strings.ToUpper(strings.TrimSpace(t))
	if a, ok := checksumTypes[u]; ok {
		return a, true
	}
	if strings.HasPrefix(u, "SHA") && !strings.HasPrefix(u, "SHA-") {
		if a, ok := checksumTypes["SHA-"+u[3:]]; ok {
			return a, true
		}
	}
	return "", false
}

// Profile kinds a mets/@PROFILE URL names.
const (
	profileCSIP   = "CSIP"
	profileSIP    = "SIP"
	profileAIP    = "AIP"
	profileDIP    = "DIP"
	profileLegacy = "E-ARK 1.x"
	profileOther  = "other"
)

// profileKind classifies a mets/@PROFILE value; ok is false when it is no
// absolute URL.
func profileKind(v string) (kind string, ok bool) {
	u, err := url.Parse(strings.TrimSpace(v))
	if err != nil || !u.IsAbs() || u.Host == "" {
		return "", false
	}
	host := strings.ToLower(u.Host)
	switch host {
	case "earkcsip.dilcis.eu":
		return profileCSIP, true
	case "earksip.dilcis.eu":
		return profileSIP, true
	case "earkaip.dilcis.eu":
		return profileAIP, true
	case "earkdip.dilcis.eu":
		return profileDIP, true
	case "www.eark-project.com", "eark-project.com", "www.dasboard.eu", "dasboard.eu":
		return profileLegacy, true
	}
	return profileOther, true
}

// dateTimeLayouts are the xs:dateTime (and xs:date) forms accepted in
// CREATEDATE, LASTMODDATE and CREATED.
var dateTimeLayouts = []string{
	"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02Z07:00", "2006-01-02",
}

// parseDateTime parses an xs:dateTime; one without a time zone is taken
// as UTC.
func parseDateTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range dateTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
