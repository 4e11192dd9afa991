// Package xlsx renders a report Package as an XLSX workbook with excelize:
// Summary (the cover facts, status tables and native Excel charts),
// Controls (one row per catalog entry), Findings (one row per check ×
// resource, with an autofilter and a frozen header, written row by row
// straight into the zip so memory stays flat), Evidence (streamed),
// Ownership, Exceptions, Scope and Changes.
//
// Dates and times are real Excel dates (UTC); statuses are the words of
// results.json (met, not_met, partial, unknown, manual_required,
// inherited, not_applicable; pass, fail, unknown, not_applicable,
// excepted), the one vocabulary used everywhere.
//
// Importing the package registers the renderer as "xlsx".
package xlsx
