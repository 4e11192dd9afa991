package hipaa

import (
	"embed"
	"io/fs"
)

// CatalogFile is the catalog's source name, used in errors and digests.
const CatalogFile = "hipaa/catalog.yaml"

// NotEvaluatedFile is the source name of the list of check ids the evidence
// cannot decide.
const NotEvaluatedFile = "hipaa/not_evaluated.yaml"

//go:embed catalog.yaml not_evaluated.yaml checks/*.yaml
var files embed.FS

// Catalog returns the catalog file's bytes.
func Catalog() []byte {
	b, err := files.ReadFile("catalog.yaml")
	if err != nil {
		panic("hipaa: embedded catalog missing: " + err.Error()) // cannot happen: embedded at build time
	}
	return b
}

// NotEvaluated returns the bytes of the list of check ids that the
// collected evidence cannot decide.
func NotEvaluated() []byte {
	b, err := files.ReadFile("not_evaluated.yaml")
	if err != nil {
		panic("hipaa: embedded not_evaluated.yaml missing: " + err.Error()) // cannot happen: embedded at build time
	}
	return b
}

// Checks returns the built-in check files; each is named <check id>.yaml.
func Checks() fs.FS {
	sub, err := fs.Sub(files, "checks")
	if err != nil {
		panic("hipaa: embedded checks missing: " + err.Error()) // cannot happen: embedded at build time
	}
	return sub
}
