// Package reports turns an evaluated audit period into the documents people
// read: the PDF report, the XLSX workbook and the machine-readable JSON
// package model.
//
// Every renderer reads one Package: the complete, self-contained model of a
// period's report (cover facts, scope, the 68 catalog entries with their
// status, checks, findings, owners, exceptions, manual evidence, the
// evidence index and the change since the previous period). Renderers never
// compute judgements of their own; they present the Package.
//
// Renderers register with a Registry the way database/sql drivers do:
// Register panics on a nil factory or a duplicate name, Names is sorted, and
// NewRegistry makes an empty registry for tests. The built-in renderers
// (reports/pdf, reports/xlsx, reports/jsonreport) register in init and are
// pulled in by the blank imports of reports/all.
//
// The report's words (section introductions, status explanations, the
// verification instructions) are text/template files under
// templates/report/, loaded with LoadText and overridable with
// --templates DIR.
//
// The package digest printed on the PDF cover and the XLSX Summary is the
// hex SHA-256 of the exact bytes of the JSON package model written beside
// them (see Digest and docs/formats.md), so `sha256sum` alone checks that
// the documents belong to that model.
package reports
