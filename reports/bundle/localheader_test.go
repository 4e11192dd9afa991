package bundle

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// TestLocalHeadersMustMatchTheCentralDirectory checks bundles that differ
// only where streaming extractors look: the local file headers and the
// bytes between entries. The central directory (which this package and
// unzip read) is intact in each, so every entry verifies, but a tool that
// reads the zip front to back would extract another name or an extra file.
func TestLocalHeadersMustMatchTheCentralDirectory(t *testing.T) {
	f := newFixture(t, false)
	good := entryMap(unzipAll(t, f.zip))
	first := fromMap(good)[0].name
	cases := []struct {
		name    string
		zip     func(t *testing.T) []byte
		wantAt  string
		wantMsg string
	}{
		{"local header names a path outside the directory", func(t *testing.T) []byte {
			return patchLocalName(t, buildZip(t, fromMap(good)), first, "../"+first[3:])
		}, first, "local header"},
		{"hidden entry before the first", func(t *testing.T) []byte {
			return prefixedZip(t, fromMap(good), hiddenLocalEntry(t, "evil.sh", []byte("#!/bin/sh\n")))
		}, first, "hidden data"},
		{"hidden entry after the last", func(t *testing.T) []byte {
			b := buildZip(t, append(fromMap(good), zipEntry{name: "zzz/evil.sh", data: []byte("#!/bin/sh\n")}))
			return dropCentralRecord(t, b, "zzz/evil.sh")
		}, "", "not the central directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.zip(t)
			if _, err := zip.NewReader(bytes.NewReader(b), int64(len(b))); err != nil {
				t.Fatalf("the crafted zip does not open: %v", err)
			}
			_, err := verifyBytes(b, Options{Key: f.signer.PublicKey()})
			if err == nil {
				t.Fatal("verification passed")
			}
			t.Log(err)
			var ve *Error
			if !errors.Is(err, ErrArchive) || !errors.As(err, &ve) {
				t.Fatalf("error %q is not an *Error wrapping ErrArchive", err)
			}
			if ve.Path != c.wantAt || !strings.Contains(err.Error(), c.wantMsg) {
				t.Errorf("error %q: want it at %q saying %q", err, c.wantAt, c.wantMsg)
			}
		})
	}
}

// patchLocalName renames an entry in its local header only.
func patchLocalName(t *testing.T, b []byte, name, to string) []byte {
	t.Helper()
	if len(name) != len(to) {
		t.Fatal("names must have the same length")
	}
	b = bytes.Clone(b)
	for i := 0; i+30 <= len(b); i++ {
		if binary.LittleEndian.Uint32(b[i:]) != 0x04034b50 {
			continue
		}
		n := int(binary.LittleEndian.Uint16(b[i+26:]))
		if string(b[i+30:i+30+n]) == name {
			copy(b[i+30:], to)
			return b
		}
	}
	t.Fatalf("no local header for %s", name)
	return nil
}

// hiddenLocalEntry returns a local file header and data for name, with no
// central-directory record.
func hiddenLocalEntry(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Store, CRC32: crc(data),
		CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Flush(); err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(buf.Bytes())
}

// prefixedZip writes entries into a zip that begins with prefix; the
// offsets account for it, as for a self-extracting archive.
func prefixedZip(t *testing.T, entries []zipEntry, prefix []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.Write(prefix)
	zw := zip.NewWriter(&buf)
	zw.SetOffset(int64(len(prefix)))
	for _, e := range entries {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// dropCentralRecord removes name's central-directory record, leaving its
// local header and data in place.
func dropCentralRecord(t *testing.T, b []byte, name string) []byte {
	t.Helper()
	end := bytes.LastIndex(b, []byte("PK\x05\x06"))
	if end < 0 {
		t.Fatal("no end of central directory")
	}
	for i := 0; i+46 <= end; i++ {
		if binary.LittleEndian.Uint32(b[i:]) != 0x02014b50 {
			continue
		}
		n := int(binary.LittleEndian.Uint16(b[i+28:]))
		m := int(binary.LittleEndian.Uint16(b[i+30:]))
		k := int(binary.LittleEndian.Uint16(b[i+32:]))
		if string(b[i+46:i+46+n]) != name {
			continue
		}
		size := 46 + n + m + k
		out := append(bytes.Clone(b[:i]), b[i+size:]...)
		e := end - size
		binary.LittleEndian.PutUint16(out[e+8:], binary.LittleEndian.Uint16(out[e+8:])-1)
		binary.LittleEndian.PutUint16(out[e+10:], binary.LittleEndian.Uint16(out[e+10:])-1)
		binary.LittleEndian.PutUint32(out[e+12:], binary.LittleEndian.Uint32(out[e+12:])-uint32(size))
		return out
	}
	t.Fatalf("no central record for %s", name)
	return nil
}
