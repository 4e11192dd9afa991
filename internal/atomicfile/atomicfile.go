package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// TempPrefix begins the name of every temporary file; directory listings
// skip names with it.
const TempPrefix = ".tmp-"

// Errors of this package.
var (
	// ErrExists means CommitNew or WriteNew found the final name taken.
	ErrExists = errors.New("file exists")
)

// File is a temporary file that becomes the file at its final path when
// committed. Write to it like an *os.File.
type File struct {
	*os.File
	path string
	perm fs.FileMode
	done bool
}

// Create creates the temporary file for path in path's directory. perm is
// the mode the file gets when committed, whatever the umask. Call Commit or
// CommitNew to publish it and, in every case, Cleanup when done.
func Create(path string, perm fs.FileMode) (*File, error) {
	f, err := os.CreateTemp(filepath.Dir(path), TempPrefix+filepath.Base(path)+"-")
	if err != nil {
		return nil, err
	}
	return &File{File: f, path: path, perm: perm}, nil
}

// Commit gives the file its mode, syncs and closes it and renames it to
// its final path, replacing a file of that name.
func (f *File) Commit() error {
	if err := f.finish(); err != nil {
		return err
	}
	return os.Rename(f.Name(), f.path)
}

// CommitNew is Commit that never replaces: it links the file to its final
// path and fails with ErrExists when that name is taken.
func (f *File) CommitNew() error {
	if err := f.finish(); err != nil {
		return err
	}
	if err := os.Link(f.Name(), f.path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s: %w", f.path, ErrExists)
		}
		return err
	}
	return nil
}

// finish sets the mode, syncs and closes the temporary file.
func (f *File) finish() error {
	f.done = true
	if err := f.Chmod(f.perm); err != nil {
		f.File.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.File.Close()
		return err
	}
	return f.File.Close()
}

// Cleanup closes the temporary file if it is still open and removes its
// temporary name. After Commit the final file stays; after CommitNew the
// final name keeps it. It is safe to defer right after Create.
func (f *File) Cleanup() {
	if !f.done {
		f.File.Close()
	}
	os.Remove(f.Name())
}

// WriteFile writes data to path with mode perm, replacing a file of that
// name, through a synced temporary file.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	defer f.Cleanup()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Commit()
}

// WriteNew writes data to path with mode perm through a synced temporary
// file and never replaces: it fails with ErrExists when path exists, before
// writing anything or when another writer took the name meanwhile.
func WriteNew(path string, data []byte, perm fs.FileMode) error {
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%s: %w", path, ErrExists)
	}
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	defer f.Cleanup()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.CommitNew()
}

// SyncDir syncs directory dir, making the names created in it durable. File
// systems that cannot sync a directory are not an error.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}
