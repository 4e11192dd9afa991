package s3_test

import (
	"reflect"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/iampolicy"
	s3coll "github.com/hipaa-evidence/hipaa-evidence/collectors/aws/s3"
)

func TestTLSEnforced(t *testing.T) {
	tests := []struct {
		name   string
		policy string
		want   bool
		stmts  []int
	}{
		{name: "recommended statement", want: true, stmts: []int{0},
			policy: `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`},
		{name: "split over two statements", want: true, stmts: []int{1, 2},
			policy: `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
			{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"arn:aws:s3:::b","Condition":{"Bool":{"aws:SecureTransport":false}}},
			{"Effect":"Deny","Principal":{"AWS":["*"]},"Action":["*"],"Resource":"arn:aws:s3:::b/*","Condition":{"BoolIfExists":{"AWS:SecureTransport":"FALSE"}}}]}`},
		{name: "wildcard resource", want: true, stmts: []int{0},
			policy: `{"Statement":{"Effect":"Deny","Principal":"*","Action":"*","Resource":"arn:aws:s3:::b*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}}`},
		{name: "objects only", policy: `{"Statement":{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}}`},
		{name: "one action", policy: `{"Statement":{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}}`},
		{name: "one principal", policy: `{"Statement":{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}}`},
		{name: "allow on true is not a deny", policy: `{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"true"}}}}`},
		{name: "narrowed by another condition", policy: `{"Statement":{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"},"StringEquals":{"aws:PrincipalAccount":"111122223333"}}}}`},
		{name: "not action", policy: `{"Statement":{"Effect":"Deny","Principal":"*","NotAction":"s3:GetObject","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}}`},
		{name: "not principal", policy: `{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}}`},
		{name: "other bucket", policy: `{"Statement":{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::c","arn:aws:s3:::c/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}}`},
		{name: "no condition at all", policy: `{"Statement":{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := iampolicy.Parse([]byte(tc.policy))
			if err != nil {
				t.Fatal(err)
			}
			got, stmts := s3coll.TLSEnforced(d.Statement, "aws", "b")
			if got != tc.want {
				t.Errorf("TLSEnforced = %v, want %v", got, tc.want)
			}
			if tc.want && !reflect.DeepEqual(stmts, tc.stmts) {
				t.Errorf("statements %v, want %v", stmts, tc.stmts)
			}
			if !tc.want && len(stmts) != 0 {
				t.Errorf("statements %v for a policy that does not enforce TLS", stmts)
			}
		})
	}
}

func TestNormalizeRegion(t *testing.T) {
	for in, want := range map[string]string{"": "us-east-1", "EU": "eu-west-1", "eu-central-1": "eu-central-1"} {
		if got := s3coll.NormalizeRegion(in); got != want {
			t.Errorf("NormalizeRegion(%q) = %q, want %q", in, got, want)
		}
	}
}
