package bundle

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
)

// Archive is the checked index of a bundle zip: every entry a safe, regular,
// unique file within the limits. Nothing is extracted; files are read in
// place, through limits.
type Archive struct {
	files  map[string]*zip.File
	names  []string // sorted
	total  int64
	limits Limits
}

// OpenArchive indexes the zip in r (size bytes) and rejects, naming the
// entry: more entries than allowed; unsafe names (absolute, "..", ".",
// empty elements, backslashes, colons, control characters); symbolic links
// and other non-regular files; duplicate names, names that differ only in
// case, and a name that is both a file and a directory; encrypted entries
// and compression methods other than store and deflate; entries over the
// size limit, a total over the limit, compression ratios that mark a bomb,
// and entries whose data overlap or run past the archive (the overlapping
// zip bomb). Directory entries ("name/") are allowed and ignored.
func OpenArchive(r io.ReaderAt, size int64, limits Limits) (*Archive, error) {
	l := limits.withDefaults()
	if size > l.MaxArchiveSize {
		return nil, fail("", fmt.Errorf("archive is %d bytes: %w (%d bytes)", size, ErrTooLarge, l.MaxArchiveSize))
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fail("", fmt.Errorf("%w: %v", ErrArchive, err))
	}
	if len(zr.File) > l.MaxEntries {
		return nil, fail("", fmt.Errorf("archive has %d entries: %w (%d entries)", len(zr.File), ErrTooLarge, l.MaxEntries))
	}
	a := &Archive{files: make(map[string]*zip.File, len(zr.File)), limits: l}
	folded := make(map[string]string, len(zr.File))
	dirs := map[string]bool{}
	type span struct {
		start, end int64
		name       string
	}
	spans := make([]span, 0, len(zr.File))
	for _, f := range zr.File {
		name := f.Name
		isDir := strings.HasSuffix(name, "/")
		check := strings.TrimSuffix(name, "/")
		if err := checkPath(check); err != nil {
			return nil, fail(name, err)
		}
		mode := f.Mode()
		if mode&fs.ModeSymlink != 0 {
			return nil, fail(name, fmt.Errorf("%w: a symbolic link", ErrSymlink))
		}
		if mode&(fs.ModeDevice|fs.ModeNamedPipe|fs.ModeSocket|fs.ModeCharDevice|fs.ModeIrregular) != 0 {
			return nil, fail(name, fmt.Errorf("%w: mode %v", ErrSymlink, mode))
		}
		if f.Flags&0x1 != 0 {
			return nil, fail(name, fmt.Errorf("%w: the entry is encrypted", ErrArchive))
		}
		if isDir || mode.IsDir() {
			if f.UncompressedSize64 != 0 {
				return nil, fail(name, fmt.Errorf("%w: a directory entry with content", ErrArchive))
			}
			if other, ok := folded[strings.ToLower(check)]; ok {
				return nil, fail(name, fmt.Errorf("%w: a directory named like the file %s", ErrDuplicate, other))
			}
			dirs[strings.ToLower(check)] = true
			continue
		}
		if f.Method != zip.Store && f.Method != zip.Deflate {
			return nil, fail(name, fmt.Errorf("%w: compression method %d is not store or deflate", ErrArchive, f.Method))
		}
		if _, ok := a.files[name]; ok {
			return nil, fail(name, fmt.Errorf("%w: the archive holds two entries named %s", ErrDuplicate, name))
		}
		key := strings.ToLower(name)
		if other, ok := folded[key]; ok {
			return nil, fail(name, fmt.Errorf("%w: %s and %s are the same file on a case-insensitive file system", ErrDuplicate, other, name))
		}
		if dirs[key] {
			return nil, fail(name, fmt.Errorf("%w: a file named like a directory entry", ErrDuplicate))
		}
		folded[key] = name
		if int64(f.UncompressedSize64) < 0 || int64(f.UncompressedSize64) > l.MaxEntrySize {
			return nil, fail(name, fmt.Errorf("entry of %d bytes: %w (%d bytes)", f.UncompressedSize64, ErrTooLarge, l.MaxEntrySize))
		}
		a.total += int64(f.UncompressedSize64)
		if a.total > l.MaxTotalSize {
			return nil, fail(name, fmt.Errorf("the entries total more than %d bytes uncompressed: %w", l.MaxTotalSize, ErrTooLarge))
		}
		if f.UncompressedSize64 > ratioCheckMinSize {
			comp := max(f.CompressedSize64, 1)
			if f.Method == zip.Store && f.CompressedSize64 != f.UncompressedSize64 {
				return nil, fail(name, fmt.Errorf("%w: a stored entry whose sizes differ", ErrArchive))
			}
			if ratio := f.UncompressedSize64 / comp; int64(ratio) > l.MaxCompressionRatio {
				return nil, fail(name, fmt.Errorf("%w: %d bytes compressed to %d (ratio %d:1, limit %d:1)", ErrZipBomb, f.UncompressedSize64, f.CompressedSize64, ratio, l.MaxCompressionRatio))
			}
		}
		off, err := f.DataOffset()
		if err != nil {
			return nil, fail(name, fmt.Errorf("%w: %v", ErrArchive, err))
		}
		end := off + int64(f.CompressedSize64)
		if off < 0 || end < off || end > size {
			return nil, fail(name, fmt.Errorf("%w: the entry's data runs past the end of the archive", ErrArchive))
		}
		spans = append(spans, span{off, end, name})
		a.files[name] = f
		a.names = append(a.names, name)
	}
	// Many entries each under ratioCheckMinSize can still inflate a small
	// archive enormously; bound the archive's ratio as a whole too.
	if a.total > ratioCheckMinSize && a.total/max(size, 1) > l.MaxCompressionRatio {
		return nil, fail("", fmt.Errorf("%w: the %d byte archive inflates to %d bytes (ratio %d:1, limit %d:1)", ErrZipBomb, size, a.total, a.total/max(size, 1), l.MaxCompressionRatio))
	}
	// Entries sharing compressed data are the overlapping zip bomb: a few
	// kilobytes referenced by thousands of entries.
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	for i := 1; i < len(spans); i++ {
		if spans[i].start < spans[i-1].end {
			return nil, fail(spans[i].name, fmt.Errorf("%w: its data overlaps the data of %s", ErrZipBomb, spans[i-1].name))
		}
	}
	// A file may not also be a directory of another file ("a" and "a/b").
	for _, n := range a.names {
		for i := strings.IndexByte(n, '/'); i >= 0; i = nextSlash(n, i) {
			if other, ok := folded[strings.ToLower(n[:i])]; ok {
				return nil, fail(n, fmt.Errorf("%w: %s is both a file and a directory", ErrDuplicate, other))
			}
		}
	}
	sort.Strings(a.names)
	return a, nil
}

// Names returns the paths of the files in the archive, sorted bytewise.
func (a *Archive) Names() []string { return append([]string(nil), a.names...) }

// Has reports whether the archive holds the file name.
func (a *Archive) Has(name string) bool { _, ok := a.files[name]; return ok }

// Size returns the uncompressed size the archive declares for name.
func (a *Archive) Size(name string) int64 {
	if f, ok := a.files[name]; ok {
		return int64(f.UncompressedSize64)
	}
	return -1
}

// TotalSize returns the sum of the files' uncompressed sizes.
func (a *Archive) TotalSize() int64 { return a.total }

// ReadFile reads name whole, failing if it is larger than limit or than its
// declared size.
func (a *Archive) ReadFile(name string, limit int64) ([]byte, error) {
	f, ok := a.files[name]
	if !ok {
		return nil, fail(name, ErrMissingFile)
	}
	if int64(f.UncompressedSize64) > limit {
		return nil, fail(name, fmt.Errorf("%d bytes: %w (%d bytes)", f.UncompressedSize64, ErrTooLarge, limit))
	}
	var b bytes.Buffer
	b.Grow(int(f.UncompressedSize64))
	if err := a.stream(f, &b, nil); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// stream copies the file's content to w, failing if it inflates to more or
// fewer bytes than declared (a lying header) or its CRC-32 is wrong.
func (a *Archive) stream(f *zip.File, w io.Writer, buf []byte) error {
	rc, err := f.Open()
	if err != nil {
		return fail(f.Name, fmt.Errorf("%w: %v", ErrArchive, err))
	}
	defer rc.Close()
	want := int64(f.UncompressedSize64)
	if buf == nil {
		buf = make([]byte, 64<<10)
	}
	n, err := io.CopyBuffer(w, io.LimitReader(rc, want+1), buf)
	if err != nil {
		return fail(f.Name, fmt.Errorf("%w: %v", ErrArchive, err))
	}
	if n > want {
		return fail(f.Name, fmt.Errorf("%w: the entry inflates past the %d bytes its header declares", ErrZipBomb, want))
	}
	if n < want {
		return fail(f.Name, fmt.Errorf("%w: the entry holds %d bytes, its header declares %d", ErrArchive, n, want))
	}
	return nil
}
