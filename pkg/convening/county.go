package convening

import "strings"

// Counties are California's 58 counties, the places a team can come from.
var Counties = []string{
	"Alameda", "Alpine", "Amador", "Butte", "Calaveras", "Colusa", "Contra Costa", "Del Norte",
	"El Dorado", "Fresno", "Glenn", "Humboldt", "Imperial", "Inyo", "Kern", "Kings", "Lake",
	"Lassen", "Los Angeles", "Madera", "Marin", "Mariposa", "Mendocino", "Merced", "Modoc", "Mono",
	"Monterey", "Napa", "Nevada", "Orange", "Placer", "Plumas", "Riverside", "Sacramento",
	"San Benito", "San Bernardino", "San Diego", "San Francisco", "San Joaquin", "San Luis Obispo",
	"San Mateo", "Santa Barbara", "Santa Clara", "Santa Cruz", "Shasta", "Sierra", "Siskiyou",
	"Solano", "Sonoma", "Stanislaus", "Sutter", "Tehama", "Trinity", "Tulare", "Tuolumne",
	"Ventura", "Yolo", "Yuba",
}

var countyByFold = func() map[string]string {
	m := make(map[string]string, len(Counties))
	for _, c := range Counties {
		m[NormalizeName(c)] = c
	}
	return m
}()

// CanonicalCounty returns the canonical spelling of a county name given in
// any case, with or without a trailing "County".
func CanonicalCounty(s string) (string, bool) {
	k := NormalizeName(s)
	k = strings.TrimSuffix(k, " county")
	c, ok := countyByFold[k]
	return c, ok
}
