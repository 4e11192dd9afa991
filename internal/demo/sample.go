package demo

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/cloudtrail/cloudtrailfake"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/iam/iamfake"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/kms/kmsfake"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/s3/s3fake"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/scope/eligible"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/scope/scopefake"
)

// The sample organization's fixed names.
const (
	// OrganizationName is the sample organization's name.
	OrganizationName = "Example Health"
	// HomeRegion is where the organization's global calls and trails are.
	HomeRegion = "us-east-1"
	// SecondRegion is the other region collected.
	SecondRegion = "us-west-2"
	// AuditRole is the role the collection assumes in member accounts.
	AuditRole = "HipaaEvidenceAudit"
	// ManagementName is the key of the management account in IDs; its
	// name in the organization is the one the emulator gives it.
	ManagementName = "management"
)

// Regions are the regions the demo collects.
var Regions = []string{HomeRegion, SecondRegion}

// MemberNames are the member accounts, in the order they are created.
var MemberNames = []string{"clinic-prod", "analytics", "sandbox"}

// Organization is the sample organization.
type Organization struct {
	// Name is the organization's name.
	Name string
	// Management is the management account, which also runs the collection.
	Management *Account
	// Members are the member accounts.
	Members []*Account
	// Scope is the organization-wide model the service-scope collector
	// reads: Cost Explorer usage, SCPs, OU tree, account tags, the BAA.
	Scope *scopefake.Organization
}

// Accounts returns the management account and the members.
func (o *Organization) Accounts() []*Account {
	return append([]*Account{o.Management}, o.Members...)
}

// Account is one account of the sample organization.
type Account struct {
	// Name is the account's name in the organization.
	Name string
	// ID is the account id.
	ID string
	// PHI says whether the account holds PHI (its "phi" tag).
	PHI bool
	// Purpose says in a few words what the account is for.
	Purpose string
	// IAM is the account's IAM.
	IAM *iamfake.Account
	// S3 is the account's buckets.
	S3 *s3fake.Account
	// CloudTrail is the account's trails and monitoring, in HomeRegion.
	CloudTrail *cloudtrailfake.Account
	// KMS is the account's keys by region.
	KMS map[string]*kmsfake.Account
	// Denied are calls the account refuses to the audit role: the demo's
	// evidence gaps.
	Denied []Denial
}

// Denial is a call an account refuses with AccessDenied.
type Denial struct {
	// Action is the operation key, e.g. "iam:GenerateCredentialReport".
	Action string
	// Region limits the denial to one region; empty means every region.
	Region string
	// Why says, for the demo's output, why the call is refused.
	Why string
}

// IDs maps account names to account ids.
type IDs map[string]string

// arn builds an ARN in the aws partition.
func arn(service, region, account, resource string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, region, account, resource)
}

// doc is a policy document with the given statements.
func doc(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

// trustAccount is a trust policy letting principal (an account root or a
// role ARN) assume the role, with an optional condition.
func trustAccount(principal, condition string) string {
	s := `{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sts:AssumeRole"`
	if condition != "" {
		s += `,"Condition":` + condition
	}
	return doc(s + "}")
}

// trustService is a trust policy for an AWS service principal.
func trustService(service string) string {
	return doc(`{"Effect":"Allow","Principal":{"Service":"` + service + `"},"Action":"sts:AssumeRole"}`)
}

// tlsOnly is the bucket policy the S3 user guide recommends for denying
// plain-HTTP requests.
func tlsOnly(bucket string) string {
	return doc(fmt.Sprintf(`{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::%[1]s","arn:aws:s3:::%[1]s/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}`, bucket))
}

// keyPolicy is a key policy in the shape the KMS console writes: the
// account root, key administrators and key users.
func keyPolicy(account string, admins, users []string) string {
	quote := func(ps []string) string { return `["` + strings.Join(ps, `","`) + `"]` }
	return doc(
		`{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+account+`:root"},"Action":"kms:*","Resource":"*"}`,
		`{"Sid":"Allow access for Key Administrators","Effect":"Allow","Principal":{"AWS":`+quote(admins)+`},"Action":["kms:Create*","kms:Describe*","kms:Enable*","kms:List*","kms:Put*","kms:Update*","kms:Revoke*","kms:Disable*","kms:Get*","kms:Delete*","kms:TagResource","kms:UntagResource","kms:ScheduleKeyDeletion","kms:CancelKeyDeletion"],"Resource":"*"}`,
		`{"Sid":"Allow use of the key","Effect":"Allow","Principal":{"AWS":`+quote(users)+`},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*"}`,
	)
}

// strongPasswordPolicy is a password policy that meets common guidance:
// 14 characters, all character classes, 90-day expiry, 24 remembered.
func strongPasswordPolicy() *iamtypes.PasswordPolicy {
	return &iamtypes.PasswordPolicy{
		MinimumPasswordLength: aws.Int32(14), RequireSymbols: true, RequireNumbers: true,
		RequireUppercaseCharacters: true, RequireLowercaseCharacters: true, AllowUsersToChangePassword: true,
		ExpirePasswords: true, MaxPasswordAge: aws.Int32(90), PasswordReusePrevention: aws.Int32(24),
	}
}

// Period is the audit period the sample's Cost Explorer usage covers.
type Period struct {
	// Start is the first day; End the day after the last.
	Start, End time.Time
}

// Sample returns the sample organization for the given account ids (the
// management account's and each member's, by name) and organization id, at
// time now, which the resources' dates are relative to; Cost Explorer
// reports usage for each month of period up to now.
func Sample(ids IDs, orgID string, period Period, now time.Time) (*Organization, error) {
	now = now.UTC()
	days := func(n int) time.Time { return now.AddDate(0, 0, -n) }
	ptr := func(t time.Time) *time.Time { return &t }
	mgmt, clinic, analytics, sandbox := ids[ManagementName], ids["clinic-prod"], ids["analytics"], ids["sandbox"]
	for name, id := range map[string]string{ManagementName: mgmt, "clinic-prod": clinic, "analytics": analytics, "sandbox": sandbox} {
		if len(id) != 12 {
			return nil, fmt.Errorf("sample organization: no account id for %s", name)
		}
	}
	auditTrust := trustAccount("arn:aws:iam::"+mgmt+":root", "")
	auditRole := func() *iamfake.Role { return &iamfake.Role{Name: AuditRole, Trust: auditTrust} }
	readOnly := "arn:aws:iam::aws:policy/ReadOnlyAccess"
	adminAccess := "arn:aws:iam::aws:policy/AdministratorAccess"

	// The organization trail, created in the management account, which
	// member accounts see as a shadow trail.
	orgTrailKey := arn("kms", HomeRegion, mgmt, "alias/cloudtrail-logs")
	// Seeding the management account fills in its ARN and home region,
	// which the members' shadow copies show.
	orgTrail := &cloudtrailfake.Trail{
		Name: "example-health-org-trail", Bucket: "example-health-cloudtrail-logs",
		MultiRegion: true, Organization: true, LogFileValidation: true, KMSKey: orgTrailKey,
		LogGroupARN: arn("logs", HomeRegion, mgmt, "log-group:aws-cloudtrail-logs-example-health"),
		LogsRoleARN: "arn:aws:iam::" + mgmt + ":role/CloudTrailToCloudWatchLogs", Logging: true,
		Delivery: &cloudtrailfake.Delivery{
			LatestDelivery: now.Add(-7 * time.Minute), LatestCloudWatchLogsDelivery: now.Add(-4 * time.Minute),
			LatestDigestDelivery: now.Add(-38 * time.Minute), StartLogging: days(900),
		},
		AdvancedEventSelectors: []cloudtrailfake.AdvancedEventSelector{
			{Name: "Management events", FieldSelectors: []cloudtrailfake.FieldSelector{{Field: "eventCategory", Equals: []string{"Management"}}}},
			{Name: "S3 data events on PHI buckets", FieldSelectors: []cloudtrailfake.FieldSelector{
				{Field: "eventCategory", Equals: []string{"Data"}},
				{Field: "resources.type", Equals: []string{"AWS::S3::Object"}},
				{Field: "resources.ARN", StartsWith: []string{"arn:aws:s3:::clinic-prod-phi-records/", "arn:aws:s3:::clinic-prod-phi-imaging/", "arn:aws:s3:::analytics-phi-extracts/"}}}},
		},
	}
	cisFilter := func(name, pattern string) cloudtrailfake.MetricFilter {
		return cloudtrailfake.MetricFilter{Name: name, Pattern: pattern, MetricName: name, Namespace: "CISBenchmark", Created: days(400)}
	}
	alerts := arn("sns", HomeRegion, mgmt, "security-alerts")

	management := &Account{
		Name: "management", ID: mgmt, Purpose: "organization management, billing, the organization trail",
		IAM: &iamfake.Account{
			ID: mgmt, ReportTime: now.Add(-2 * time.Hour), RootMFA: iamfake.MFAHardware, PasswordPolicy: strongPasswordPolicy(),
			Users: []*iamfake.User{
				{Name: "it-admin", Password: true, PasswordLastUsed: ptr(days(1)), MFA: iamfake.MFAVirtual, Groups: []string{"Administrators"}},
				// A break-glass user with a console password, no MFA and a
				// policy attached to the user directly.
				{Name: "breakglass-admin", Password: true, PasswordLastUsed: ptr(days(41)), AWSAttached: []string{adminAccess}},
			},
			Groups: []*iamfake.Group{{Name: "Administrators", AWSAttached: []string{adminAccess}, Created: days(900)}},
			Roles: []*iamfake.Role{
				{Name: "CloudTrailToCloudWatchLogs", Trust: trustService("cloudtrail.amazonaws.com"),
					Inline: map[string]string{"write-logs": doc(`{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"` + arn("logs", HomeRegion, mgmt, "log-group:aws-cloudtrail-logs-example-health:*") + `"}`)}},
			},
			SAMLProviders: []string{"okta-workforce"},
		},
		S3: &s3fake.Account{ID: mgmt, Buckets: []*s3fake.Bucket{
			{Name: "example-health-cloudtrail-logs",
				Encryption: &s3fake.Encryption{Algorithm: s3types.ServerSideEncryptionAwsKms, KMSKey: orgTrailKey, BucketKey: true},
				Policy:     tlsOnly("example-health-cloudtrail-logs"), Versioning: true,
				ObjectLock:        &s3fake.ObjectLock{Mode: s3types.ObjectLockRetentionModeCompliance, Years: 6},
				Logging:           &s3fake.Logging{TargetBucket: "example-health-s3-access-logs", TargetPrefix: "cloudtrail-logs/"},
				PublicAccessBlock: s3fake.AllBlocked()},
			{Name: "example-health-s3-access-logs", Encryption: &s3fake.Encryption{Algorithm: s3types.ServerSideEncryptionAes256},
				Versioning: true, PublicAccessBlock: s3fake.AllBlocked()},
		}},
		CloudTrail: &cloudtrailfake.Account{
			Trails: []*cloudtrailfake.Trail{orgTrail},
			LogGroups: []*cloudtrailfake.LogGroup{{Name: "aws-cloudtrail-logs-example-health", RetentionDays: 2192, MetricFilters: []cloudtrailfake.MetricFilter{
				cisFilter("UnauthorizedAPICalls", `{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }`),
				cisFilter("ConsoleSigninWithoutMFA", `{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }`),
				cisFilter("RootUsage", `{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`),
				cisFilter("IAMPolicyChanges", `{ ($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || ($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || ($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || ($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy) }`),
				cisFilter("CloudTrailChanges", `{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }`),
				cisFilter("ConsoleSigninFailures", `{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }`),
			}}},
			Alarms: []*cloudtrailfake.Alarm{
				{Name: "unauthorized-api-calls", Namespace: "CISBenchmark", MetricName: "UnauthorizedAPICalls", Actions: []string{alerts}},
				{Name: "console-signin-without-mfa", Namespace: "CISBenchmark", MetricName: "ConsoleSigninWithoutMFA", Actions: []string{alerts}},
				{Name: "root-usage", Namespace: "CISBenchmark", MetricName: "RootUsage", Actions: []string{alerts}},
				{Name: "iam-policy-changes", Namespace: "CISBenchmark", MetricName: "IAMPolicyChanges", Actions: []string{alerts}},
				{Name: "cloudtrail-changes", Namespace: "CISBenchmark", MetricName: "CloudTrailChanges", Actions: []string{alerts}},
				// An alarm nobody is told about.
				{Name: "console-signin-failures", Namespace: "CISBenchmark", MetricName: "ConsoleSigninFailures"},
			},
		},
		KMS: map[string]*kmsfake.Account{HomeRegion: {Keys: []*kmsfake.Key{
			{Description: "CloudTrail log encryption", Aliases: []string{"alias/cloudtrail-logs"},
				Policy:   keyPolicy(mgmt, []string{"arn:aws:iam::" + mgmt + ":role/CloudTrailToCloudWatchLogs"}, []string{"arn:aws:iam::" + mgmt + ":user/it-admin"}),
				Rotation: &kmsfake.Rotation{PeriodDays: 365, Next: now.AddDate(0, 4, 0)}},
		}}},
	}

	clinicApp := "arn:aws:iam::" + clinic + ":role/clinic-app"
	clinicOps := "arn:aws:iam::" + clinic + ":role/ops-breakglass"
	clinicKeyAdmin := "arn:aws:iam::" + clinic + ":role/key-admin"
	clinicProd := &Account{
		Name: "clinic-prod", ID: clinic, PHI: true, Purpose: "the clinic's patient-records application (PHI)",
		IAM: &iamfake.Account{
			ID: clinic, ReportTime: now.Add(-3 * time.Hour), RootMFA: iamfake.MFAVirtual,
			// Eight characters, no symbols, no expiry: weaker than policy.
			PasswordPolicy: &iamtypes.PasswordPolicy{MinimumPasswordLength: aws.Int32(8), RequireNumbers: true,
				RequireUppercaseCharacters: true, RequireLowercaseCharacters: true, AllowUsersToChangePassword: true},
			Users: []*iamfake.User{
				{Name: "dr-patel", Password: true, PasswordLastUsed: ptr(days(2)), MFA: iamfake.MFAVirtual, Groups: []string{"Clinicians"}},
				{Name: "dr-okafor", Password: true, PasswordLastUsed: ptr(days(5)), MFA: iamfake.MFAHardware, Groups: []string{"Clinicians"}},
				// A console user without MFA.
				{Name: "nurse-garcia", Password: true, PasswordLastUsed: ptr(days(3)), Groups: []string{"Clinicians"}},
				// A service user with a 400-day-old access key and a policy
				// attached to the user directly.
				{Name: "etl-service", Path: "/service/", Keys: 1, KeyLastUsed: ptr(days(1)), KeysRotated: []time.Time{days(400)},
					Attached: []string{"ClinicRecordsAccess"}},
				// A contractor who left: password unused for 200 days.
				{Name: "former-contractor", Password: true, PasswordLastUsed: ptr(days(200)), MFA: iamfake.MFAVirtual, Groups: []string{"Clinicians"}},
			},
			Groups: []*iamfake.Group{
				{Name: "Clinicians", AWSAttached: []string{readOnly}, Created: days(700),
					Inline: map[string]string{"require-mfa": doc(`{"Sid":"DenyWithoutMFA","Effect":"Deny","NotAction":["iam:ChangePassword","iam:GetAccountPasswordPolicy","iam:ListMFADevices","iam:ResyncMFADevice"],"Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}`)}},
			},
			Policies: []*iamfake.Policy{
				{Name: "ClinicRecordsAccess", Document: doc(`{"Sid":"ReadWritePHI","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::clinic-prod-phi-records/*"}`,
					`{"Sid":"UsePHIKey","Effect":"Allow","Action":["kms:Decrypt","kms:GenerateDataKey"],"Resource":"`+arn("kms", HomeRegion, clinic, "alias/phi-records")+`"}`)},
				// The admin wildcard: every action on every resource.
				{Name: "ClinicOpsFullAccess", Document: doc(`{"Effect":"Allow","Action":"*","Resource":"*"}`)},
			},
			Roles: []*iamfake.Role{
				auditRole(),
				{Name: "clinic-app", Trust: trustService("ec2.amazonaws.com"), Attached: []string{"ClinicRecordsAccess"}, InstanceProfile: true},
				{Name: "ops-breakglass", Trust: trustAccount("arn:aws:iam::"+mgmt+":user/it-admin", `{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`),
					Attached: []string{"ClinicOpsFullAccess"}},
				{Name: "key-admin", Trust: trustAccount("arn:aws:iam::"+mgmt+":root", `{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`)},
				{Name: "vendor-support", Trust: trustAccount("arn:aws:iam::444455556666:root", `{"StringEquals":{"sts:ExternalId":"ehr-vendor-7f3a"}}`),
					Inline: map[string]string{"read-app-logs": doc(`{"Effect":"Allow","Action":["logs:GetLogEvents","logs:FilterLogEvents"],"Resource":"` + arn("logs", HomeRegion, clinic, "log-group:/clinic/app:*") + `"}`)}},
			},
		},
		S3: &s3fake.Account{ID: clinic, Buckets: []*s3fake.Bucket{
			// PHI, KMS-encrypted, versioned — but no policy enforcing TLS.
			{Name: "clinic-prod-phi-records", Tags: []s3fake.Tag{{Key: "phi", Value: "true"}, {Key: "app", Value: "records"}},
				Encryption: &s3fake.Encryption{Algorithm: s3types.ServerSideEncryptionAwsKms, KMSKey: arn("kms", HomeRegion, clinic, "alias/phi-records"), BucketKey: true},
				Versioning: true, Logging: &s3fake.Logging{TargetBucket: "clinic-prod-access-logs", TargetPrefix: "phi-records/"},
				PublicAccessBlock: s3fake.AllBlocked()},
			// PHI, TLS enforced, but SSE-S3 rather than KMS and no versioning.
			{Name: "clinic-prod-phi-imaging", Tags: []s3fake.Tag{{Key: "phi", Value: "true"}, {Key: "app", Value: "imaging"}},
				Encryption: &s3fake.Encryption{Algorithm: s3types.ServerSideEncryptionAes256},
				Policy:     tlsOnly("clinic-prod-phi-imaging"), PublicAccessBlock: s3fake.AllBlocked()},
			{Name: "clinic-prod-app-assets", Tags: []s3fake.Tag{{Key: "phi", Value: "false"}}},
			{Name: "clinic-prod-access-logs", Encryption: &s3fake.Encryption{Algorithm: s3types.ServerSideEncryptionAes256}},
			// The bucket of the account's own data-event trail.
			{Name: "clinic-prod-data-events", Encryption: &s3fake.Encryption{Algorithm: s3types.ServerSideEncryptionAes256},
				Policy: tlsOnly("clinic-prod-data-events"), PublicAccessBlock: s3fake.AllBlocked()},
		}},
		CloudTrail: &cloudtrailfake.Account{
			// A single-region trail of the account's own, without log file
			// validation or KMS encryption, for S3 data events.
			Trails: []*cloudtrailfake.Trail{{Name: "clinic-prod-data-events", Bucket: "clinic-prod-data-events",
				LogGroupARN: arn("logs", HomeRegion, clinic, "log-group:clinic-prod-data-events"), Logging: true,
				Delivery: &cloudtrailfake.Delivery{LatestDelivery: now.Add(-12 * time.Minute), LatestCloudWatchLogsDelivery: now.Add(-9 * time.Minute), StartLogging: days(300)},
				EventSelectors: []cloudtrailfake.EventSelector{{ReadWriteType: "All", IncludeManagementEvents: false,
					DataResources:                 []cloudtrailfake.DataResource{{Type: "AWS::S3::Object", Values: []string{"arn:aws:s3:::clinic-prod-phi-records/", "arn:aws:s3:::clinic-prod-phi-imaging/"}}},
					ExcludeManagementEventSources: []string{}}}}},
			// Kept for 90 days only.
			LogGroups: []*cloudtrailfake.LogGroup{{Name: "clinic-prod-data-events", RetentionDays: 90}},
			Shadows:   []*cloudtrailfake.Trail{orgTrail},
		},
		KMS: map[string]*kmsfake.Account{
			HomeRegion: {Keys: []*kmsfake.Key{
				// Separated duties, yearly rotation, a grant to the app.
				{Description: "PHI records (S3, RDS)", Aliases: []string{"alias/phi-records"},
					Policy:   keyPolicy(clinic, []string{clinicKeyAdmin}, []string{clinicApp}),
					Rotation: &kmsfake.Rotation{PeriodDays: 365, Next: now.AddDate(0, 7, 0)},
					Grants: []kmsfake.Grant{{ID: "0c2d9f1e6b8a", Name: "rds-records", Grantee: "arn:aws:iam::" + clinic + ":role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS",
						Issuer: "arn:aws:iam::" + clinic + ":root", Operations: []string{"Decrypt", "GenerateDataKey", "DescribeKey"},
						EncryptionContextSubset: map[string]string{"aws:rds:db-id": "db-CLINICRECORDS"}, Created: days(500)}}},
				// No rotation, and the ops role both administers and uses it.
				{Description: "PHI backups", Aliases: []string{"alias/phi-backups"},
					Policy: keyPolicy(clinic, []string{clinicKeyAdmin, clinicOps}, []string{clinicApp, clinicOps})},
				// Scheduled for deletion: anything it encrypted becomes unreadable.
				{Description: "legacy import (retired)", Aliases: []string{"alias/legacy-import"}, PendingWindowDays: 7},
			}},
			SecondRegion: {Keys: []*kmsfake.Key{
				{Description: "PHI records, disaster recovery copy", Aliases: []string{"alias/phi-records-dr"},
					Policy:   keyPolicy(clinic, []string{clinicKeyAdmin}, []string{clinicApp}),
					Rotation: &kmsfake.Rotation{PeriodDays: 365, Next: now.AddDate(0, 2, 0)}},
			}},
		},
	}

	analyticsAccount := &Account{
		Name: "analytics", ID: analytics, PHI: true, Purpose: "reporting on extracts of clinical data (PHI)",
		IAM: &iamfake.Account{
			ID: analytics, ReportTime: now.Add(-1 * time.Hour), RootMFA: iamfake.MFAHardware, PasswordPolicy: strongPasswordPolicy(),
			Users: []*iamfake.User{
				{Name: "analyst-kim", Password: true, PasswordLastUsed: ptr(days(1)), MFA: iamfake.MFAVirtual, Groups: []string{"Analysts"}},
				{Name: "analyst-lee", Password: true, PasswordLastUsed: ptr(days(6)), MFA: iamfake.MFAHardware, Groups: []string{"Analysts"}},
				{Name: "airflow", Path: "/service/", Keys: 1, KeyLastUsed: ptr(days(1)), KeysRotated: []time.Time{days(35)}, Groups: []string{"Pipelines"}},
			},
			Groups: []*iamfake.Group{
				{Name: "Analysts", AWSAttached: []string{readOnly}, Created: days(600)},
				{Name: "Pipelines", AWSAttached: []string{"arn:aws:iam::aws:policy/AmazonAthenaFullAccess"}, Created: days(600)},
			},
			Policies: []*iamfake.Policy{
				// Every S3 action, and decrypt with any key.
				{Name: "AnalyticsDataLake", Document: doc(`{"Sid":"DataLake","Effect":"Allow","Action":"s3:*","Resource":"*"}`,
					`{"Sid":"DecryptAnything","Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}`)},
			},
			Roles: []*iamfake.Role{
				auditRole(),
				{Name: "athena-queries", Trust: trustService("athena.amazonaws.com"), Attached: []string{"AnalyticsDataLake"}},
			},
		},
		S3: &s3fake.Account{ID: analytics, Buckets: []*s3fake.Bucket{
			{Name: "analytics-phi-extracts", Tags: []s3fake.Tag{{Key: "phi", Value: "true"}},
				Encryption: &s3fake.Encryption{Algorithm: s3types.ServerSideEncryptionAwsKms, KMSKey: arn("kms", HomeRegion, analytics, "alias/analytics-extracts"), BucketKey: true},
				Policy:     tlsOnly("analytics-phi-extracts"), Versioning: true, PublicAccessBlock: s3fake.AllBlocked()},
			{Name: "analytics-athena-results", Encryption: &s3fake.Encryption{Algorithm: s3types.ServerSideEncryptionAes256}},
		}},
		CloudTrail: &cloudtrailfake.Account{Shadows: []*cloudtrailfake.Trail{orgTrail}},
		KMS: map[string]*kmsfake.Account{HomeRegion: {Keys: []*kmsfake.Key{
			{Description: "analytics extracts", Aliases: []string{"alias/analytics-extracts"},
				Policy:   keyPolicy(analytics, []string{"arn:aws:iam::" + analytics + ":role/" + AuditRole}, []string{"arn:aws:iam::" + analytics + ":role/athena-queries"}),
				Rotation: &kmsfake.Rotation{PeriodDays: 180, Next: now.AddDate(0, 1, 0)}},
		}}},
		Denied: []Denial{{Action: "iam:GenerateCredentialReport",
			Why: "the audit role in analytics was deployed from an older template without iam:GenerateCredentialReport"}},
	}

	sandboxAccount := &Account{
		Name: "sandbox", ID: sandbox, Purpose: "developer experiments; no PHI",
		IAM: &iamfake.Account{
			ID: sandbox, ReportTime: now.Add(-30 * time.Minute),
			Users: []*iamfake.User{
				{Name: "dev-sandbox", Password: true, PasswordLastUsed: ptr(days(10)), Keys: 2, KeyLastUsed: ptr(days(10)), KeysRotated: []time.Time{days(120), days(20)}},
			},
			Roles: []*iamfake.Role{auditRole()},
		},
		S3: &s3fake.Account{ID: sandbox, Buckets: []*s3fake.Bucket{
			{Name: "sandbox-trail-logs", Encryption: &s3fake.Encryption{Algorithm: s3types.ServerSideEncryptionAes256}},
			{Name: "sandbox-scratch"},
		}},
		CloudTrail: &cloudtrailfake.Account{
			// The account's own trail, stopped.
			Trails:  []*cloudtrailfake.Trail{{Name: "sandbox-trail", Bucket: "sandbox-trail-logs"}},
			Shadows: []*cloudtrailfake.Trail{orgTrail},
		},
		KMS: map[string]*kmsfake.Account{HomeRegion: {Keys: []*kmsfake.Key{{Description: "sandbox experiments"}}}},
		Denied: []Denial{
			{Action: "kms:ListKeys", Region: SecondRegion, Why: "an SCP limits the sandbox to us-east-1"},
			{Action: "kms:ListAliases", Region: SecondRegion, Why: "an SCP limits the sandbox to us-east-1"},
			{Action: "cloudtrail:DescribeTrails", Region: SecondRegion, Why: "an SCP limits the sandbox to us-east-1"},
		},
	}
	// The account-level Block Public Access settings.
	management.S3.SetPublicAccessBlock(s3fake.AllBlocked())
	clinicProd.S3.SetPublicAccessBlock(s3fake.AllBlocked())
	sandboxAccount.S3.SetPublicAccessBlock(&s3fake.PublicAccessBlock{BlockPublicAcls: true, IgnorePublicAcls: true})

	scope, err := sampleScope(ids, orgID, period, now)
	if err != nil {
		return nil, err
	}
	return &Organization{
		Name:       OrganizationName,
		Management: management,
		Members:    []*Account{clinicProd, analyticsAccount, sandboxAccount},
		Scope:      scope,
	}, nil
}

// sampleScope is the organization-wide model: what each account spent on
// which service this period, the SCPs, the OU tree, the accounts' phi tags
// and the organization's BAA.
func sampleScope(ids IDs, orgID string, period Period, now time.Time) (*scopefake.Organization, error) {
	mgmt, clinic, analytics, sandbox := ids[ManagementName], ids["clinic-prod"], ids["analytics"], ids["sandbox"]
	list, err := eligible.Embedded()
	if err != nil {
		return nil, err
	}
	eligibleOnly, err := scopefake.EligibleOnlySCP(list)
	if err != nil {
		return nil, err
	}
	const root = "r-exh1"
	// Monthly usage by service and account; the current month is estimated.
	usage := map[string][][2]string{
		mgmt: {{"AWS CloudTrail", "41.20"}, {"AWS Key Management Service", "3.00"}, {"Amazon Simple Storage Service", "18.75"},
			{"AmazonCloudWatch", "22.10"}, {"AWS Cost Explorer", "0.30"}, {"Tax", "6.12"}},
		clinic: {{"Amazon Elastic Compute Cloud - Compute", "1840.00"}, {"EC2 - Other", "212.40"}, {"Amazon Relational Database Service", "960.55"},
			{"Amazon Simple Storage Service", "143.02"}, {"AWS Key Management Service", "9.00"}, {"AmazonCloudWatch", "61.80"}, {"AWS Lambda", "12.34"}},
		// Amazon Lightsail is not on the HIPAA-eligible list: in an account
		// that holds PHI it is a finding.
		analytics: {{"Amazon Athena", "88.10"}, {"Amazon Simple Storage Service", "57.60"}, {"AWS Key Management Service", "1.00"}, {"Amazon Lightsail", "10.00"}},
		sandbox:   {{"Amazon Elastic Compute Cloud - Compute", "45.00"}, {"AWS RoboMaker", "12.00"}},
	}
	var results []scopefake.CostResult
	first := time.Date(period.Start.Year(), period.Start.Month(), 1, 0, 0, 0, 0, time.UTC)
	for m := first; m.Before(period.End) && !m.After(now); m = m.AddDate(0, 1, 0) {
		end := m.AddDate(0, 1, 0)
		r := scopefake.CostResult{Start: m.Format(time.DateOnly), End: end.Format(time.DateOnly), Estimated: end.After(now)}
		for _, acct := range []string{mgmt, clinic, analytics, sandbox} {
			for _, u := range usage[acct] {
				r.Groups = append(r.Groups, scopefake.CostGroup{Service: u[0], Account: acct, Cost: u[1], Usage: "1"})
			}
		}
		results = append(results, r)
	}
	regionOnly := doc(`{"Sid":"DenyOutsideUsEast1","Effect":"Deny","NotAction":["iam:*","organizations:*","sts:*","support:*","budgets:*","ce:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}}`)
	return &scopefake.Organization{
		ManagementID: mgmt,
		OrgID:        orgID,
		CostPages:    []scopefake.CostPage{{Results: results}},
		Policies: []*scopefake.Policy{
			scopefake.FullAWSAccess(root),
			{ID: "p-hipaaeligible", Name: "hipaa-eligible-services-only", Description: "Deny services outside the AWS BAA in PHI workloads",
				Content: eligibleOnly, Targets: []scopefake.Target{{ID: "ou-exh1-phiworkloads", Name: "PHI workloads", Type: "ORGANIZATIONAL_UNIT"}}},
			{ID: "p-sandboxregion", Name: "sandbox-us-east-1-only", Description: "Keep the sandbox in us-east-1",
				Content: regionOnly, Targets: []scopefake.Target{{ID: sandbox, Name: "sandbox", Type: "ACCOUNT"}}},
		},
		OUs: []*scopefake.OU{
			{ID: "ou-exh1-phiworkloads", Name: "PHI workloads", Parent: root,
				Accounts: []scopefake.Account{{ID: clinic, Name: "clinic-prod"}, {ID: analytics, Name: "analytics"}}},
			{ID: "ou-exh1-sandbox", Name: "Sandbox", Parent: root, Accounts: []scopefake.Account{{ID: sandbox, Name: "sandbox"}}},
		},
		Tags: map[string][]scopefake.Tag{
			clinic:    {{Key: "phi", Value: "true"}, {Key: "owner", Value: "clinical-apps"}},
			analytics: {{Key: "phi", Value: "true"}, {Key: "owner", Value: "data-team"}},
			sandbox:   {{Key: "phi", Value: "false"}, {Key: "owner", Value: "engineering"}},
			mgmt:      {{Key: "owner", Value: "platform"}},
		},
		Agreements: []scopefake.Agreement{{Name: "AWS Organizations Business Associate Addendum", Account: mgmt,
			OrganizationARN: "arn:aws:organizations::" + mgmt + ":organization/" + orgID, EffectiveStart: now.AddDate(-2, -3, 0)}},
	}, nil
}
