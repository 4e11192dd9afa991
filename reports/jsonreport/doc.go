// Package jsonreport renders a report Package as its machine-readable JSON
// model: the same data the PDF and XLSX are rendered from, in a canonical
// encoding, so that the package digest (the SHA-256 of these bytes) names
// exactly one model.
//
// Canonical encoding: UTF-8; the Package's fields in declaration order with
// two-space indentation; each finding on one line, in package order; HTML
// characters not escaped; a final newline. Equal packages give equal bytes.
//
// Importing the package registers the renderer as "json".
package jsonreport
