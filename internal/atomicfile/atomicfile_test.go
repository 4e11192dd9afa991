package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// names lists the entries of dir.
func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// checkFile fails unless path holds want with mode perm.
func checkFile(t *testing.T, path string, want []byte, perm fs.FileMode) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s holds %q, want %q", path, got, want)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != perm {
		t.Errorf("%s has mode %v, want %v", path, info.Mode().Perm(), perm)
	}
}

func TestWriteFile(t *testing.T) {
	tests := []struct {
		name     string
		existing []byte
		perm     fs.FileMode
	}{
		{"new file", nil, 0o644},
		{"replaces an existing file", []byte("old contents, longer than the new"), 0o644},
		{"mode is set whatever the umask", nil, 0o666},
		{"read-only mode", []byte("old"), 0o444},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "results.json")
			if tc.existing != nil {
				if err := os.WriteFile(path, tc.existing, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteFile(path, []byte("new"), tc.perm); err != nil {
				t.Fatalf("WriteFile: %v", err)
			}
			checkFile(t, path, []byte("new"), tc.perm)
			if got := names(t, dir); len(got) != 1 {
				t.Errorf("directory holds %v, want only results.json", got)
			}
		})
	}
}

func TestWriteNew(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "object")
	if err := WriteNew(path, []byte("first"), 0o444); err != nil {
		t.Fatalf("WriteNew: %v", err)
	}
	checkFile(t, path, []byte("first"), 0o444)
	err := WriteNew(path, []byte("second"), 0o444)
	if !errors.Is(err, ErrExists) {
		t.Fatalf("second WriteNew = %v, want ErrExists", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name %s", err, path)
	}
	checkFile(t, path, []byte("first"), 0o444)
	if got := names(t, dir); len(got) != 1 {
		t.Errorf("directory holds %v, want only object", got)
	}
}

// TestWriteNewRace has writers race for one name: exactly one wins, the
// others get ErrExists, and the file holds the winner's whole data.
func TestWriteNewRace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "object")
	const writers = 8
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = WriteNew(path, bytes.Repeat([]byte{byte('a' + i)}, 64<<10), 0o444)
		}()
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Fatalf("writers %d and %d both succeeded", won, i)
		case err == nil:
			won = i
		case !errors.Is(err, ErrExists):
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	if won < 0 {
		t.Fatal("no writer succeeded")
	}
	checkFile(t, path, bytes.Repeat([]byte{byte('a' + won)}, 64<<10), 0o444)
	if got := names(t, dir); len(got) != 1 {
		t.Errorf("directory holds %v, want only object", got)
	}
}

// TestNoPartialFile checks that a file being written is invisible under its
// final name, lives in the same directory under TempPrefix, and that an
// abandoned write leaves nothing behind.
func TestNoPartialFile(t *testing.T) {
	tests := []struct {
		name   string
		commit func(*File) error
		want   bool // whether the final file exists afterwards
	}{
		{"commit", (*File).Commit, true},
		{"commit new", (*File).CommitNew, true},
		{"abandoned", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "report.pdf")
			f, err := Create(path, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Cleanup()
			if _, err := fmt.Fprint(f, "half a report"); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("final name visible before commit: %v", err)
			}
			if filepath.Dir(f.Name()) != dir || !strings.HasPrefix(filepath.Base(f.Name()), TempPrefix+"report.pdf-") {
				t.Errorf("temporary file %s is not %s… in %s", f.Name(), TempPrefix+"report.pdf-", dir)
			}
			if tc.commit != nil {
				if err := tc.commit(f); err != nil {
					t.Fatalf("commit: %v", err)
				}
			}
			f.Cleanup()
			_, err = os.Lstat(path)
			if exists := err == nil; exists != tc.want {
				t.Errorf("final file exists = %v, want %v", exists, tc.want)
			}
			for _, n := range names(t, dir) {
				if strings.HasPrefix(n, TempPrefix) {
					t.Errorf("temporary file %s left behind", n)
				}
			}
			if tc.want {
				checkFile(t, path, []byte("half a report"), 0o644)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-dir", "file")
	if err := WriteFile(missing, []byte("x"), 0o644); err == nil || errors.Is(err, ErrExists) {
		t.Errorf("WriteFile into a missing directory = %v, want a create error", err)
	}
	if err := WriteNew(missing, []byte("x"), 0o644); err == nil || errors.Is(err, ErrExists) {
		t.Errorf("WriteNew into a missing directory = %v, want a create error", err)
	}
	if err := SyncDir(filepath.Dir(missing)); err == nil {
		t.Error("SyncDir of a missing directory succeeded")
	}
	if err := SyncDir(t.TempDir()); err != nil {
		t.Errorf("SyncDir: %v", err)
	}
}
