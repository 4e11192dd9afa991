package scope_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/iampolicy"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/scope"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/scope/eligible"
)

func analyse(t testing.TB, doc string) scope.SCPAnalysis {
	t.Helper()
	l, err := eligible.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	d, err := iampolicy.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return scope.AnalyseSCP(d.Statement, l)
}

func TestAnalyseSCP(t *testing.T) {
	tests := []struct {
		name       string
		doc        string
		restricts  bool
		except     []string
		notElig    []string
		denied     []string
		deniedInel []string
		cond       bool
	}{
		{name: "full access", doc: `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
			notElig: []string{}, denied: []string{}, deniedInel: []string{}},
		{name: "deny all except eligible and management", restricts: true,
			doc:    `{"Statement":{"Effect":"Deny","NotAction":["s3:*","kms:Decrypt","iam:*","dynamodb:*"],"Resource":"*"}}`,
			except: []string{"dynamodb", "iam", "kms", "s3"}, notElig: []string{}, denied: []string{}, deniedInel: []string{}},
		{name: "leaves an ineligible service allowed",
			doc:    `{"Statement":{"Effect":"Deny","NotAction":["s3:*","lightsail:*"],"Resource":"*"}}`,
			except: []string{"lightsail", "s3"}, notElig: []string{"lightsail"}, denied: []string{}, deniedInel: []string{}},
		{name: "conditional exemption", cond: true,
			doc:    `{"Statement":{"Effect":"Deny","NotAction":"s3:*","Resource":"*","Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/BreakGlass"}}}}`,
			except: []string{"s3"}, notElig: []string{}, denied: []string{}, deniedInel: []string{}},
		{name: "two deny-all-except statements intersect", restricts: true,
			doc:    `{"Statement":[{"Effect":"Deny","NotAction":["s3:*","lightsail:*"],"Resource":"*"},{"Effect":"Deny","NotAction":["s3:*","kms:*"],"Resource":"*"}]}`,
			except: []string{"s3"}, notElig: []string{}, denied: []string{}, deniedInel: []string{}},
		{name: "scoped resource does not count",
			doc:     `{"Statement":{"Effect":"Deny","NotAction":"s3:*","Resource":"arn:aws:s3:::b"}}`,
			notElig: []string{}, denied: []string{}, deniedInel: []string{}},
		{name: "explicit denies",
			doc:     `{"Statement":[{"Effect":"Deny","Action":["lightsail:*","s3:*","ec2:RunInstances","gamelift*:*"],"Resource":"*"},{"Effect":"Deny","Action":"sagemaker:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}]}`,
			notElig: []string{}, denied: []string{"lightsail", "s3"}, deniedInel: []string{"lightsail"}},
		{name: "wildcard not action allows everything",
			doc:    `{"Statement":{"Effect":"Deny","NotAction":"*","Resource":"*"}}`,
			except: []string{"*"}, notElig: []string{"*"}, denied: []string{}, deniedInel: []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := analyse(t, tc.doc)
			if a.RestrictsToEligible != tc.restricts || a.Conditional != tc.cond ||
				!reflect.DeepEqual(a.DenyAllExcept, tc.except) || !reflect.DeepEqual(a.AllowedNotEligible, tc.notElig) ||
				!reflect.DeepEqual(a.DeniedServices, tc.denied) || !reflect.DeepEqual(a.DeniedIneligible, tc.deniedInel) {
				t.Errorf("got %+v", a)
			}
		})
	}
}

func FuzzAnalyseSCP(f *testing.F) {
	f.Add(`{"Statement":{"Effect":"Deny","NotAction":["s3:*","kms:*"],"Resource":"*"}}`)
	f.Add(`{"Statement":[{"Effect":"Deny","Action":"lightsail:*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		d, err := iampolicy.Parse([]byte(doc))
		if err != nil {
			return
		}
		l, err := eligible.Embedded()
		if err != nil {
			t.Fatal(err)
		}
		a := scope.AnalyseSCP(d.Statement, l)
		if a.RestrictsToEligible && (a.DenyAllExcept == nil || len(a.AllowedNotEligible) > 0 || a.Conditional) {
			t.Fatalf("claims to restrict to eligible services: %+v", a)
		}
		for _, p := range a.AllowedNotEligible {
			if p != "*" && (len(l.PrefixServices(p)) > 0 || l.IsManagementPrefix(p)) {
				t.Fatalf("%s is eligible or a management tool but reported as not: %+v", p, a)
			}
		}
		for _, p := range a.DeniedServices {
			if strings.ContainsAny(p, "*?:") && p != "*" {
				t.Fatalf("denied prefix %q is not a prefix", p)
			}
		}
	})
}
