package controls

import (
	"bytes"
	"os"
	"path"
	"path/filepath"
	"testing"
)

// TestDecodersRejectTrailingBrackets checks that results.json and attachment
// metadata followed by a stray "]" or "}" are refused like any other
// trailing data (json.Decoder.More reports no more input before them).
func TestDecodersRejectTrailingBrackets(t *testing.T) {
	results, err := os.ReadFile(filepath.Join("testdata", "golden", "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeResults(results); err != nil {
		t.Fatalf("the golden results do not decode: %v", err)
	}
	cat := testCatalog(t)
	lk, signer, _ := testLocker(t, "2026-Q4", testClock)
	m, err := Attach(t.Context(), lk, signer, cat, AttachRequest{Control: "164.308(a)(1)(ii)(A)", FileName: "risk.pdf", Data: []byte("%PDF-1.4\n"), Now: testClock})
	if err != nil {
		t.Fatal(err)
	}
	meta, err := lk.ReadFile(path.Join(AttachmentsDir, m.ID, "metadata.json"), maxMetadataSize)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeAttachmentMetadata(meta); err != nil {
		t.Fatalf("the stored metadata does not decode: %v", err)
	}
	for _, trailing := range []string{"]", "}", "\n]\n"} {
		if _, err := DecodeResults(append(bytes.Clone(results), trailing...)); err == nil {
			t.Errorf("DecodeResults accepted results.json followed by %q", trailing)
		}
		if _, err := DecodeAttachmentMetadata(append(bytes.Clone(meta), trailing...)); err == nil {
			t.Errorf("DecodeAttachmentMetadata accepted metadata.json followed by %q", trailing)
		}
	}
}
