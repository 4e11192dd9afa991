// Package pdf renders a report Package as a PDF with go-pdf/fpdf and the
// embedded Go fonts: a cover (organization, period, generation time, tool
// version, package digest, signing key fingerprint), a table of contents, an
// executive summary with charts, the scope, the change since the previous
// period, one section per catalog entry, the ownership matrix, the
// exceptions register, the manual evidence, the evidence index, how to
// verify the bundle, and an appendix listing every resource that did not
// pass. Every page carries a running header and its page number.
//
// Characters the Go fonts cannot draw (Chinese, Japanese and Korean
// scripts, emoji) are printed as their code points, e.g. "[U+65E5 U+672C]";
// the XLSX and JSON renderings keep the original text.
//
// Importing the package registers the renderer as "pdf".
package pdf
