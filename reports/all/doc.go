// Package all registers the built-in report renderers: import it for its
// side effects. Each renderer has one file here; adding a format touches
// its own package and one file in this directory.
package all
