package demo

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/kms/kmsfake"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/collectortest"
)

// regionalServices are the services whose resources differ by region in the
// sample organization: each account gets its own emulator for them in
// SecondRegion, since kumo answers every region alike.
var regionalServices = []string{"kms"}

// Environment is a running sample organization.
type Environment struct {
	// Org is the organization, with the ids kumo gave its accounts and the
	// ids and ARNs of the resources seeded.
	Org *Organization
	// Config is the management account's SDK configuration (the caller of
	// the collection): every call goes through the stubs to the router.
	Config aws.Config
	// Emulators is how many emulator processes serve the organization.
	Emulators int

	org *collectortest.Organization
}

// Close stops the router and every emulator process.
func (e *Environment) Close() {
	if e.org != nil {
		e.org.Close()
	}
}

// Start runs the sample organization at time now (the resources' dates are
// relative to it), with Cost Explorer usage for period: it starts the
// emulators and the router, creates the organization's accounts, seeds every
// account through the SDK, and installs the stubs for the calls kumo lacks.
// The caller must Close it.
func Start(ctx context.Context, period Period, now time.Time) (*Environment, error) {
	o, err := collectortest.StartIsolatedOrganization(ctx, MemberNames)
	if err != nil {
		return nil, fmt.Errorf("start the sample organization: %w", err)
	}
	env := &Environment{org: o, Config: o.ManagementConfig(), Emulators: 1 + len(o.Members)}
	fail := func(err error) (*Environment, error) {
		env.Close()
		return nil, err
	}
	ids, mgmtName, err := accountIDs(ctx, o)
	if err != nil {
		return fail(err)
	}
	org, err := organizations.NewFromConfig(o.ManagementConfig()).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		return fail(fmt.Errorf("describe the sample organization: %w", err))
	}
	for _, id := range ids {
		if _, err := o.StartRegionalEmulator(id, SecondRegion, regionalServices...); err != nil {
			return fail(err)
		}
		env.Emulators++
	}
	env.Org, err = Sample(ids, aws.ToString(org.Organization.Id), period, now)
	if err != nil {
		return fail(err)
	}
	env.Org.Management.Name = mgmtName
	for _, a := range env.Org.Accounts() {
		for _, r := range Regions {
			if a.KMS[r] == nil {
				a.KMS[r] = &kmsfake.Account{}
			}
		}
	}
	if err := env.seed(ctx); err != nil {
		return fail(err)
	}
	env.installStubs()
	return env, nil
}

// accountIDs returns the accounts' ids by name, as the organization lists
// them, and the management account's name.
func accountIDs(ctx context.Context, o *collectortest.Organization) (IDs, string, error) {
	ids := IDs{ManagementName: o.ManagementID}
	mgmtName := ManagementName
	p := organizations.NewListAccountsPaginator(organizations.NewFromConfig(o.ManagementConfig()), &organizations.ListAccountsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, "", fmt.Errorf("list the sample organization's accounts: %w", err)
		}
		for _, a := range page.Accounts {
			if id := aws.ToString(a.Id); id != o.ManagementID {
				ids[aws.ToString(a.Name)] = id
			} else if n := aws.ToString(a.Name); n != "" {
				mgmtName = n
			}
		}
	}
	for _, name := range MemberNames {
		if ids[name] == "" {
			return nil, "", fmt.Errorf("the sample organization has no account %s", name)
		}
	}
	return ids, mgmtName, nil
}

// accountConfig returns an SDK configuration acting in account a: the
// management account's own, or the audit role assumed in a member, so that
// seeding goes through the router exactly as collection does.
func (e *Environment) accountConfig(a *Account, region string) aws.Config {
	base := e.org.ManagementConfig()
	cfg := base.Copy()
	cfg.Region = region
	if a.ID != e.org.ManagementID {
		roleARN := fmt.Sprintf("arn:aws:iam::%s:role/%s", a.ID, AuditRole)
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(base), roleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "hipaa-evidence-demo-seed"
		}))
	}
	return cfg
}

// seed creates every account's resources, the accounts in parallel. The
// management account goes first: the members show its organization trail.
func (e *Environment) seed(ctx context.Context) error {
	if err := e.seedAccount(ctx, e.Org.Management); err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(e.Org.Members))
	for i, a := range e.Org.Members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = e.seedAccount(ctx, a)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (e *Environment) seedAccount(ctx context.Context, a *Account) error {
	home := e.accountConfig(a, HomeRegion)
	if err := a.IAM.Seed(ctx, home); err != nil {
		return fmt.Errorf("seed %s IAM: %w", a.Name, err)
	}
	for _, r := range Regions {
		if err := a.KMS[r].Seed(ctx, e.accountConfig(a, r)); err != nil {
			return fmt.Errorf("seed %s KMS in %s: %w", a.Name, r, err)
		}
	}
	a.resolveKeyAliases()
	if a.CloudTrail != nil {
		if err := a.CloudTrail.Seed(ctx, home); err != nil {
			return fmt.Errorf("seed %s CloudTrail: %w", a.Name, err)
		}
	}
	if err := a.S3.Seed(ctx, home); err != nil {
		return fmt.Errorf("seed %s S3: %w", a.Name, err)
	}
	return nil
}

// stub is one model's handler for one operation, in one account and
// optionally one region.
type stub struct {
	account, region string
	handler         collectortest.Handler
}

// installStubs answers every call kumo lacks from the model of the account
// (and region) whose credentials signed it; denials come first.
func (e *Environment) installStubs() {
	byKey := map[string][]stub{}
	add := func(account, region string, stubs map[string]collectortest.Handler) {
		for key, h := range stubs {
			byKey[key] = append(byKey[key], stub{account, region, h})
		}
	}
	for _, a := range e.Org.Accounts() {
		for _, d := range a.Denied {
			add(a.ID, d.Region, map[string]collectortest.Handler{d.Action: denied(a, d)})
		}
	}
	for _, a := range e.Org.Accounts() {
		add(a.ID, "", a.IAM.Stubs())
		add(a.ID, "", a.S3.Stubs())
		if a.CloudTrail != nil {
			add(a.ID, "", a.CloudTrail.Stubs())
		}
		for _, r := range Regions {
			add(a.ID, r, a.KMS[r].Stubs())
		}
	}
	add(e.Org.Management.ID, "", e.Org.Scope.Stubs())
	for key, stubs := range byKey {
		e.org.Transport.Stub(key, func(r *http.Request, body []byte) *http.Response {
			account, region := e.org.AccountOf(r), collectortest.RegionOf(r)
			for _, s := range stubs {
				if s.account != account || s.region != "" && s.region != region {
					continue
				}
				if resp := s.handler(r, body); resp != nil {
					return resp
				}
			}
			return nil
		})
	}
}

// resolveKeyAliases replaces the alias ARNs the sample data gives trails and
// buckets for their KMS keys with the key ARNs kumo gave those keys when
// seeding: CloudTrail reports a trail's key as a key ARN, and the checks
// match keys by ARN.
func (a *Account) resolveKeyAliases() {
	resolve := func(ref string) string {
		parts := strings.SplitN(ref, ":", 6)
		if len(parts) != 6 || parts[2] != "kms" || !strings.HasPrefix(parts[5], "alias/") || a.KMS[parts[3]] == nil {
			return ref
		}
		for _, k := range a.KMS[parts[3]].Keys {
			for _, al := range k.Aliases {
				if al == parts[5] && k.ARN != "" {
					return k.ARN
				}
			}
		}
		return ref
	}
	if a.CloudTrail != nil {
		for _, t := range a.CloudTrail.Trails {
			t.KMSKey = resolve(t.KMSKey)
		}
	}
	if a.S3 != nil {
		for _, b := range a.S3.Buckets {
			if b.Encryption != nil {
				b.Encryption.KMSKey = resolve(b.Encryption.KMSKey)
			}
		}
	}
}

// denied answers d's action with the service's access-denied error, as AWS
// words a call an SCP or a missing permission refuses to the audit role.
func denied(a *Account, d Denial) collectortest.Handler {
	code := "AccessDenied"
	if p := collectortest.ProtocolOf(d.Action); p == collectortest.JSON || p == collectortest.RestJSON {
		code = "AccessDeniedException"
	}
	msg := fmt.Sprintf("User: arn:aws:sts::%s:assumed-role/%s/hipaa-evidence is not authorized to perform: %s", a.ID, AuditRole, d.Action)
	return func(*http.Request, []byte) *http.Response {
		return collectortest.ErrorResponse(d.Action, 403, code, msg)
	}
}
