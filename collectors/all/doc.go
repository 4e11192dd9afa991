// Package all registers every built-in collector. Each collector is pulled in
// by one file here holding a blank import, so adding a collector never means
// editing a central list:
//
//	import _ "github.com/hipaa-evidence/hipaa-evidence/collectors/all"
package all
