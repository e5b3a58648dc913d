// Package countymap holds the outlines of California's 58 counties as SVG
// path data, for the participation page's map. counties.go is generated
// from the U.S. Census Bureau's cartographic boundaries by gen.go (its
// comment says how).
package countymap
