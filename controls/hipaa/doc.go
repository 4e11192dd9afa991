// Package hipaa holds the data of the HIPAA Security Rule: the catalog of
// its 68 standards and implementation specifications, the built-in checks
// (YAML with CEL expressions) and the check ids the collected evidence
// cannot decide. Everything is embedded; package controls parses it.
package hipaa
