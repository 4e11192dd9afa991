package collectortest

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestMain(m *testing.M) { Main(m) }

func TestRewriteAccountIDs(t *testing.T) {
	const acct = "210987654321"
	tests := []struct {
		name, in, want string
	}{
		{"arn", `arn:aws:iam::123456789012:user/a`, `arn:aws:iam::210987654321:user/a`},
		{"kms arn", `"arn:aws:kms:us-east-1:000000000000:key/k"`, `"arn:aws:kms:us-east-1:210987654321:key/k"`},
		{"json field", `{"AWSAccountId":"000000000000"}`, `{"AWSAccountId":"210987654321"}`},
		{"xml element", `<Account>123456789012</Account>`, `<Account>210987654321</Account>`},
		{"uuid last group", `00000000-0000-0000-0000-000000000000`, `00000000-0000-0000-0000-000000000000`},
		{"longer number", `1123456789012 0000000000000`, `1123456789012 0000000000000`},
		{"inside a name", `key-123456789012`, `key-123456789012`},
		{"twice", `123456789012,123456789012`, `210987654321,210987654321`},
		{"whole body", `123456789012`, `210987654321`},
		{"url-encoded arn", `arn%3Aaws%3Aiam%3A%3A123456789012%3Aroot`, `arn%3Aaws%3Aiam%3A%3A210987654321%3Aroot`},
		{"hex before", `ab123456789012`, `ab123456789012`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := rewriteAccountIDs([]byte(tt.in), kumoAccountIDs, acct)
			if string(b) != tt.want {
				t.Errorf("got %s, want %s", b, tt.want)
			}
		})
	}
}

// TestIsolatedOrganizationRegionsAndAccountIDs shows that a regional
// emulator serves only its account, region and service, and that each
// account's answers carry its own account id.
func TestIsolatedOrganizationRegionsAndAccountIDs(t *testing.T) {
	ctx := context.Background()
	o := NewIsolatedOrganization(t, 1)
	member := o.MemberIDs()[0]
	if _, err := o.StartRegionalEmulator(member, "us-west-2", "kms"); err != nil {
		t.Fatal(err)
	}
	if _, err := o.StartRegionalEmulator("999999999999", "us-west-2", "kms"); err == nil {
		t.Error("a regional emulator was started for an account outside the organization")
	}
	base := o.ManagementConfig()
	cfg := base.Copy()
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(base), "arn:aws:iam::"+member+":role/Audit"))
	west := cfg.Copy()
	west.Region = "us-west-2"

	out, err := kms.NewFromConfig(west).CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if arn := aws.ToString(out.KeyMetadata.Arn); !strings.HasPrefix(arn, "arn:aws:kms:us-west-2:"+member+":key/") {
		t.Errorf("key ARN %s, want the member's account and us-west-2", arn)
	}
	count := func(c aws.Config) int {
		t.Helper()
		l, err := kms.NewFromConfig(c).ListKeys(ctx, &kms.ListKeysInput{})
		if err != nil {
			t.Fatal(err)
		}
		return len(l.Keys)
	}
	if n := count(west); n != 1 {
		t.Errorf("us-west-2 lists %d keys, want 1", n)
	}
	if n := count(cfg); n != 0 {
		t.Errorf("us-east-1 lists %d keys, want 0: regions are not separated", n)
	}
	if n := count(base); n != 0 {
		t.Errorf("the management account lists %d keys, want 0: accounts are not separated", n)
	}

	// An ARN read back names the member's account, and using it finds the
	// resource: requests carry the id kumo knows.
	c := iam.NewFromConfig(cfg)
	pol, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if arn := aws.ToString(pol.Policy.Arn); arn != "arn:aws:iam::"+member+":policy/p" {
		t.Errorf("policy ARN %s, want the member's account", arn)
	}
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u"), PolicyArn: pol.Policy.Arn}); err != nil {
		t.Errorf("attach the policy by the ARN read back: %v", err)
	}
}
