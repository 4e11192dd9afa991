// Package templates holds the text the tool writes for people: report
// wording, the starter config, ownership and exceptions files, and the
// auditor's README-VERIFY. Everything is embedded; a directory given with
// --templates overrides any file by the same relative path.
package templates

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

//go:embed *
var embedded embed.FS

// FS returns the embedded templates.
func FS() fs.FS { return embedded }

// Open returns the templates with the files of overrideDir (when not empty)
// taking precedence over the embedded ones, path by path.
func Open(overrideDir string) (fs.FS, error) {
	if overrideDir == "" {
		return embedded, nil
	}
	info, err := os.Stat(overrideDir)
	if err != nil {
		return nil, fmt.Errorf("open templates directory: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("open templates directory: %s is not a directory", overrideDir)
	}
	return overlay{top: os.DirFS(overrideDir), base: embedded}, nil
}

// overlay reads a file from top when it exists there, else from base.
type overlay struct {
	top, base fs.FS
}

// Open implements fs.FS.
func (o overlay) Open(name string) (fs.File, error) {
	f, err := o.top.Open(name)
	if err == nil {
		return f, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return o.base.Open(name)
}

// ReadFile reads name from fsys.
func ReadFile(fsys fs.FS, name string) ([]byte, error) { return fs.ReadFile(fsys, name) }
