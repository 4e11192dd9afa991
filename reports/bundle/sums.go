package bundle

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Names of the files that seal a bundle. They are the only files SHA256SUMS
// does not list: SHA256SUMS cannot list itself, and the signature and
// timestamp are made over it.
const (
	// SumsFile lists every other file with its SHA-256.
	SumsFile = "SHA256SUMS"
	// SealFile is the DER ECDSA signature over SumsFile.
	SealFile = "SHA256SUMS.sig"
	// TimestampFile is the optional RFC 3161 timestamp response over SealFile.
	TimestampFile = "SHA256SUMS.sig.tsr"
)

// Names of the other fixed files of a bundle.
const (
	// ReadmeFile tells an auditor how to verify the bundle.
	ReadmeFile = "README-VERIFY.txt"
	// ManifestFile describes the bundle and lists its files.
	ManifestFile = "manifest.json"
	// AttestationFile is the DSSE envelope of the in-toto statement.
	AttestationFile = "attestation.dsse.json"
	// KeyFile is the public key that verifies every signature in the bundle.
	KeyFile = "keys/signing-key.pub"
	// RunManifestFile is the signed manifest of the collection run.
	RunManifestFile = "evidence/run-manifest.json"
	// ResultsFile is the evaluation's results.
	ResultsFile = "results/results.json"
)

// sealFiles reports whether name is one of the files SHA256SUMS does not list.
func sealFiles(name string) bool {
	return name == SumsFile || name == SealFile || name == TimestampFile
}

// Sum is one line of SHA256SUMS.
type Sum struct {
	// Digest is the lower-case hex SHA-256 of the file.
	Digest string
	// Path is the file's slash-separated path relative to the bundle root.
	Path string
}

// FormatSums returns sums in the GNU sha256sum text format, one
// "<hex>  <path>\n" line per file, sorted bytewise by path.
func FormatSums(sums []Sum) []byte {
	s := append([]Sum(nil), sums...)
	sort.Slice(s, func(i, j int) bool { return s[i].Path < s[j].Path })
	var buf bytes.Buffer
	buf.Grow(len(s) * 100)
	for _, x := range s {
		buf.WriteString(x.Digest)
		buf.WriteString("  ")
		buf.WriteString(x.Path)
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

// ParseSums parses SHA256SUMS strictly: every line is 64 lower-case hex
// digits, two spaces and a safe relative path; lines end in "\n" (the last
// one too); paths are in strictly increasing bytewise order, so none repeats.
// Anything else (binary-mode "*" markers, escaped names, CR, blank lines,
// another hash length) is rejected with the line number.
func ParseSums(b []byte) ([]Sum, error) {
	if len(b) > maxSumsSize {
		return nil, fmt.Errorf("%w: %d bytes, over the %d byte limit: %w", ErrSumsFormat, len(b), maxSumsSize, ErrTooLarge)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrSumsFormat)
	}
	if b[len(b)-1] != '\n' {
		return nil, fmt.Errorf("%w: the last line does not end in a newline", ErrSumsFormat)
	}
	var out []Sum
	prev := ""
	for n, rest := 1, b; len(rest) > 0; n++ {
		i := bytes.IndexByte(rest, '\n')
		line := rest[:i]
		rest = rest[i+1:]
		if len(line) < 67 {
			return nil, fmt.Errorf("%w: line %d is too short to hold a sha256 and a path", ErrSumsFormat, n)
		}
		if !isLowerHex(line[:64]) {
			return nil, fmt.Errorf("%w: line %d does not start with 64 lower-case hex digits", ErrSumsFormat, n)
		}
		if line[64] != ' ' || line[65] != ' ' {
			return nil, fmt.Errorf("%w: line %d: digest and path must be separated by exactly two spaces", ErrSumsFormat, n)
		}
		p := string(line[66:])
		if err := checkPath(p); err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", ErrSumsFormat, n, err)
		}
		if sealFiles(p) {
			return nil, fmt.Errorf("%w: line %d lists %s, which cannot be listed", ErrSumsFormat, n, p)
		}
		if n > 1 && p <= prev {
			return nil, fmt.Errorf("%w: line %d: %q does not sort after %q (lines must be sorted bytewise, without repeats)", ErrSumsFormat, n, p, prev)
		}
		prev = p
		out = append(out, Sum{Digest: string(line[:64]), Path: p})
	}
	return out, nil
}

func isLowerHex(b []byte) bool {
	for _, c := range b {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// checkPath reports whether p is a safe bundle path: relative,
// slash-separated, valid UTF-8, without empty, "." or ".." elements,
// backslashes, colons or control characters, and within the length and depth
// limits. Anything else could escape the directory an auditor extracts into,
// or mean different files on different systems.
func checkPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("%w: empty name", ErrUnsafePath)
	case len(p) > maxPathLength:
		return fmt.Errorf("%w: name longer than %d bytes", ErrUnsafePath, maxPathLength)
	case !utf8.ValidString(p):
		return fmt.Errorf("%w: %q is not valid UTF-8", ErrUnsafePath, p)
	case p[0] == '/':
		return fmt.Errorf("%w: %q is absolute", ErrUnsafePath, p)
	}
	for _, r := range p {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return fmt.Errorf("%w: %q contains a control character", ErrUnsafePath, p)
		case r == '\\':
			return fmt.Errorf("%w: %q contains a backslash", ErrUnsafePath, p)
		case r == ':':
			return fmt.Errorf("%w: %q contains a colon (a drive letter or stream name on Windows)", ErrUnsafePath, p)
		}
	}
	elems := strings.Split(p, "/")
	if len(elems) > maxPathDepth {
		return fmt.Errorf("%w: %q is nested deeper than %d levels", ErrUnsafePath, p, maxPathDepth)
	}
	for _, e := range elems {
		switch e {
		case "..":
			return fmt.Errorf("%w: %q contains a \"..\" element", ErrUnsafePath, p)
		case ".", "":
			return fmt.Errorf("%w: %q contains an empty or \".\" element", ErrUnsafePath, p)
		}
	}
	return nil
}
