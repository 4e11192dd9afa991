package bundle

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
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
// entries whose data overlap or run past the archive (the overlapping zip
// bomb), and local headers that disagree with the central directory or data
// that belongs to no entry (what a streaming extractor would write instead).
// Directory entries ("name/") are allowed and ignored.
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
	if err := checkLocalHeaders(r, zr.File); err != nil {
		return nil, err
	}
	sort.Strings(a.names)
	return a, nil
}

// Signatures of the zip records checkLocalHeaders reads (APPNOTE.TXT 4.3).
const (
	localHeaderSig    = 0x04034b50
	dataDescriptorSig = 0x08074b50
	centralHeaderSig  = 0x02014b50
)

// checkLocalHeaders requires the local file headers, which streaming
// extractors read instead of the central directory, to agree with it: each
// names the same file with the same method (and, without a data
// descriptor, the same CRC and sizes), and the entries follow one another
// from the archive's first byte to the central directory. It stops a zip
// whose central directory verifies while a front-to-back extractor writes
// another name (a ".." path) or a file hidden before, between or after the
// entries, which nothing verified.
func checkLocalHeaders(r io.ReaderAt, files []*zip.File) error {
	if len(files) == 0 {
		return nil
	}
	type located struct {
		off int64
		f   *zip.File
	}
	list := make([]located, 0, len(files))
	for _, f := range files {
		off, err := f.DataOffset()
		if err != nil {
			return fail(f.Name, fmt.Errorf("%w: %v", ErrArchive, err))
		}
		list = append(list, located{off, f})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].off < list[j].off })
	var pos int64
	var h [30]byte
	for _, e := range list {
		f := e.f
		_, err := r.ReadAt(h[:], pos)
		nlen := int64(binary.LittleEndian.Uint16(h[26:]))
		xlen := int64(binary.LittleEndian.Uint16(h[28:]))
		if err != nil || binary.LittleEndian.Uint32(h[0:]) != localHeaderSig || pos+30+nlen+xlen != e.off {
			return fail(f.Name, fmt.Errorf("%w: bytes %d to %d of the archive, before this entry's data, are not its local header alone: they hold data of no entry of the central directory (hidden data)", ErrArchive, pos, e.off))
		}
		flags := binary.LittleEndian.Uint16(h[6:])
		method := binary.LittleEndian.Uint16(h[8:])
		crc := binary.LittleEndian.Uint32(h[14:])
		csize := binary.LittleEndian.Uint32(h[18:])
		usize := binary.LittleEndian.Uint32(h[22:])
		name := make([]byte, nlen+xlen)
		if _, err := r.ReadAt(name, pos+30); err != nil {
			return fail(f.Name, fmt.Errorf("%w: %v", ErrArchive, err))
		}
		name, extra := name[:nlen], name[nlen:]
		switch {
		case string(name) != f.Name:
			return fail(f.Name, fmt.Errorf("%w: its local header names %q", ErrArchive, name))
		case method != f.Method:
			return fail(f.Name, fmt.Errorf("%w: its local header says compression method %d, the central directory %d", ErrArchive, method, f.Method))
		case flags&0x8 == 0 && (crc != f.CRC32 ||
			(csize != 0xffffffff && uint64(csize) != f.CompressedSize64) ||
			(usize != 0xffffffff && uint64(usize) != f.UncompressedSize64)):
			return fail(f.Name, fmt.Errorf("%w: its local header's CRC or sizes differ from the central directory's", ErrArchive))
		}
		pos = e.off + int64(f.CompressedSize64)
		if flags&0x8 != 0 {
			// The data descriptor: an optional signature, the CRC and both
			// sizes, 8 bytes each in a zip64 entry.
			var sig [4]byte
			if _, err := r.ReadAt(sig[:], pos); err == nil && binary.LittleEndian.Uint32(sig[:]) == dataDescriptorSig {
				pos += 4
			}
			pos += 12
			if hasZip64Extra(extra) || f.CompressedSize64 >= 0xffffffff || f.UncompressedSize64 >= 0xffffffff {
				pos += 8
			}
		}
	}
	var sig [4]byte
	if _, err := r.ReadAt(sig[:], pos); err != nil || binary.LittleEndian.Uint32(sig[:]) != centralHeaderSig {
		return fail("", fmt.Errorf("%w: the bytes at offset %d, after the last entry, are not the central directory (hidden data)", ErrArchive, pos))
	}
	return nil
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

// hasZip64Extra reports whether a local header's extra field holds a zip64
// record (header id 1), which makes its data descriptor's sizes 8 bytes.
func hasZip64Extra(extra []byte) bool {
	for len(extra) >= 4 {
		id := binary.LittleEndian.Uint16(extra)
		n := int(binary.LittleEndian.Uint16(extra[2:]))
		if id == 0x0001 {
			return true
		}
		if 4+n > len(extra) {
			return false
		}
		extra = extra[4+n:]
	}
	return false
}
