package kms

import (
	"bytes"
	"slices"
	"testing"
)

// FuzzParsePolicy checks that any input either fails cleanly or yields a
// document whose normal form is stable (parsing its encoding gives the same
// encoding) and whose analysis is consistent. Seeds live in
// testdata/fuzz/FuzzParsePolicy.
func FuzzParsePolicy(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:*","Resource":"*"}]}`)
	f.Fuzz(func(t *testing.T, text string) {
		doc, err := ParsePolicy(text)
		if err != nil {
			if doc != nil {
				t.Fatal("a document returned with an error")
			}
			return
		}
		first, err := encodePolicy(doc)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		again, err := ParsePolicy(string(first))
		if err != nil {
			t.Fatalf("the normal form does not parse: %v\n%s", err, first)
		}
		second, err := encodePolicy(again)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		if !bytes.Equal(first, second) {
			t.Fatalf("normalising is not idempotent:\n%s\n%s", first, second)
		}
		a := Analyze(doc, []Grant{{GrantID: "g", GranteePrincipal: "arn:aws:iam::111122223333:role/G", Operations: []string{"kms:Decrypt"}}}, "111122223333", "aws")
		for _, p := range a.Principals {
			if p.Administers != slices.Contains(a.Administrators, p.Principal) && p.Administers {
				t.Fatalf("administrator %s missing from the list", p.Principal)
			}
			if p.AdministersAndUses && !slices.Contains(a.AdministratorsWhoUse, p.Principal) {
				t.Fatalf("%s administers and uses but is not flagged", p.Principal)
			}
			if p.FullAccess && !(p.Administers && p.Uses) {
				t.Fatalf("%s has full access without admin and use actions", p.Principal)
			}
		}
	})
}
