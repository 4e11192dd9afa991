package aws_test

import (
	"context"
	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"net/http"
	"testing"

	collaws "github.com/hipaa-evidence/hipaa-evidence/collectors/aws"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/collectortest"
)

func TestResolveScopeOrganization(t *testing.T) {
	org := collectortest.NewOrganization(t, 3)
	members := org.MemberIDs()
	org.DenyAssumeRole(members[1])
	scope, err := collaws.ResolveScope(context.Background(), org.ManagementConfig(), collaws.Options{
		Organization: true,
		Regions:      []string{"us-east-1", "us-west-2"},
		AuditRole:    "Audit",
	})
	if err != nil {
		t.Fatal(err)
	}
	if scope.Caller.ID != org.ManagementID {
		t.Fatalf("caller %s, want %s", scope.Caller.ID, org.ManagementID)
	}
	byID := map[string]int{}
	for i, a := range scope.Accounts {
		byID[a.ID] = i
	}
	if len(scope.Accounts) != 4 {
		t.Fatalf("%d accounts, want the management account and 3 members: %+v", len(scope.Accounts), scope.Accounts)
	}
	mgmt := scope.Accounts[byID[org.ManagementID]]
	if mgmt.Access != "caller" || mgmt.Err != nil {
		t.Errorf("management account %+v", mgmt)
	}
	denied := scope.Accounts[byID[members[1]]]
	if denied.Err == nil || denied.Err.Action != "sts:AssumeRole" || denied.Err.Code != "AccessDenied" {
		t.Errorf("denied account error = %+v", denied.Err)
	}
	ok := scope.Accounts[byID[members[0]]]
	if ok.Err != nil || ok.Access != "assume-role arn:aws:iam::"+members[0]+":role/Audit" || len(ok.Regions) != 2 {
		t.Errorf("member account %+v", ok)
	}
	// The assumed credentials reach that member's own emulator.
	creds, err := ok.AWS.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+creds.AccessKeyID+"/20261129/us-east-1/iam/aws4_request")
	if got := org.AccountOf(req); got != members[0] {
		t.Errorf("router sends the assumed key to %s, want %s", got, members[0])
	}
}

func TestResolveScopeAllRegions(t *testing.T) {
	e := collectortest.NewEmulator(t)
	// kumo has no Account API; answered with the documented ListRegions shape.
	e.Transport.Stub("account:ListRegions", func(*http.Request, []byte) *http.Response {
		return collectortest.JSONResponse(map[string]any{"Regions": []map[string]string{
			{"RegionName": "us-west-2", "RegionOptStatus": "ENABLED_BY_DEFAULT"},
			{"RegionName": "af-south-1", "RegionOptStatus": "ENABLED"},
		}})
	})
	scope, err := collaws.ResolveScope(context.Background(), e.Config(), collaws.Options{Regions: []string{"all"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(scope.Accounts) != 1 || scope.Accounts[0].RegionsErr != nil {
		t.Fatalf("accounts %+v", scope.Accounts)
	}
	if got := scope.Accounts[0].Regions; len(got) != 2 || got[0] != "af-south-1" || got[1] != "us-west-2" {
		t.Fatalf("regions %v", got)
	}

	e.Transport.Stub("account:ListRegions", collectortest.AccessDenied("account:ListRegions"))
	scope, err = collaws.ResolveScope(context.Background(), e.Config(), collaws.Options{Regions: []string{"all"}})
	if err != nil {
		t.Fatal(err)
	}
	a := scope.Accounts[0]
	if a.RegionsErr == nil || a.RegionsErr.Action != "account:ListRegions" || a.RegionsErr.Code != "AccessDeniedException" {
		t.Fatalf("regions error %+v", a.RegionsErr)
	}
	if len(a.Regions) != 1 || a.Regions[0] != "us-east-1" {
		t.Fatalf("fallback regions %v, want the home region", a.Regions)
	}
}

func TestActionForAndPolicy(t *testing.T) {
	tests := []struct{ svc, op, want string }{
		{"IAM", "ListUsers", "iam:ListUsers"},
		{"S3", "ListBuckets", "s3:ListAllMyBuckets"},
		{"S3", "GetBucketEncryption", "s3:GetEncryptionConfiguration"},
		{"S3 Control", "GetPublicAccessBlock", "s3:GetAccountPublicAccessBlock"},
		{"S3", "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"},
		{"CloudWatch Logs", "DescribeLogGroups", "logs:DescribeLogGroups"},
		{"Cost Explorer", "GetCostAndUsage", "ce:GetCostAndUsage"},
	}
	for _, tt := range tests {
		if got := collaws.ActionFor(tt.svc, tt.op); got != tt.want {
			t.Errorf("ActionFor(%q, %q) = %q, want %q", tt.svc, tt.op, got, tt.want)
		}
	}
}

func TestMain(m *testing.M) { collectortest.Main(m) }

// TestIsolatedOrganizationSeparatesAccounts shows the router and the emulator
// processes give each member its own resources: a user created with one
// member's assumed credentials is invisible to another member.
func TestIsolatedOrganizationSeparatesAccounts(t *testing.T) {
	org := collectortest.NewIsolatedOrganization(t, 2)
	scope, err := collaws.ResolveScope(context.Background(), org.ManagementConfig(), collaws.Options{Organization: true, AuditRole: "Audit"})
	if err != nil {
		t.Fatal(err)
	}
	cfgs := map[string]iam.Client{}
	for _, a := range scope.Accounts {
		cfgs[a.ID] = *iam.NewFromConfig(a.AWS)
	}
	m := org.MemberIDs()
	c0, c1 := cfgs[m[0]], cfgs[m[1]]
	if _, err := c0.CreateUser(context.Background(), &iam.CreateUserInput{UserName: sdkaws.String("only-in-first")}); err != nil {
		t.Fatal(err)
	}
	names := func(c iam.Client) []string {
		out, err := c.ListUsers(context.Background(), &iam.ListUsersInput{})
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, u := range out.Users {
			n = append(n, *u.UserName)
		}
		return n
	}
	if got := names(c0); len(got) != 1 || got[0] != "only-in-first" {
		t.Fatalf("first member users %v", got)
	}
	if got := names(c1); len(got) != 0 {
		t.Fatalf("second member sees %v; accounts are not isolated", got)
	}
}
