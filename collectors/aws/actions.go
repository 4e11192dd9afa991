package aws

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
)

// servicePrefixes maps SDK service ids to IAM action prefixes.
var servicePrefixes = map[string]string{
	"Account":         "account",
	"CloudTrail":      "cloudtrail",
	"CloudWatch Logs": "logs",
	"Cost Explorer":   "ce",
	"EC2":             "ec2",
	"IAM":             "iam",
	"KMS":             "kms",
	"Organizations":   "organizations",
	"S3":              "s3",
	"S3 Control":      "s3",
	"STS":             "sts",
}

// actionNames holds the operations whose IAM action differs from the API
// operation name (Service Authorization Reference for Amazon S3).
var actionNames = map[string]string{
	"s3:ListBuckets":                     "s3:ListAllMyBuckets",
	"s3:GetBucketEncryption":             "s3:GetEncryptionConfiguration",
	"s3:GetObjectLockConfiguration":      "s3:GetBucketObjectLockConfiguration",
	"s3:GetBucketPublicAccessBlock":      "s3:GetBucketPublicAccessBlock",
	"s3:GetPublicAccessBlock":            "s3:GetBucketPublicAccessBlock",
	"s3:HeadBucket":                      "s3:ListBucket",
	"S3 Control:GetPublicAccessBlock":    "s3:GetAccountPublicAccessBlock",
	"s3:GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
}

// ServicePrefix returns the IAM action prefix of an SDK service id, e.g.
// "CloudWatch Logs" → "logs".
func ServicePrefix(serviceID string) string {
	if p, ok := servicePrefixes[serviceID]; ok {
		return p
	}
	return strings.ToLower(strings.ReplaceAll(serviceID, " ", ""))
}

// ActionFor returns the IAM action authorising operation op of the SDK
// service serviceID, e.g. ("S3", "GetBucketEncryption") →
// "s3:GetEncryptionConfiguration".
func ActionFor(serviceID, op string) string {
	if a, ok := actionNames[serviceID+":"+op]; ok {
		return a
	}
	action := ServicePrefix(serviceID) + ":" + op
	if a, ok := actionNames[action]; ok {
		return a
	}
	return action
}

// RecordActions returns an SDK API option that calls record with the IAM
// action of every operation sent. Tests use it to prove descriptors are
// complete; it is cheap enough to leave on.
func RecordActions(record func(action string)) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("hipaa-evidence/record-action",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				record(ActionFor(awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)))
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	}
}

// PolicyDocument is an IAM policy document.
type PolicyDocument struct {
	// Version is the policy language version.
	Version string `json:"Version"`
	// Statement holds the policy statements.
	Statement []PolicyStatement `json:"Statement"`
}

// PolicyStatement is one statement of an IAM policy.
type PolicyStatement struct {
	// Sid names the statement.
	Sid string `json:"Sid"`
	// Effect is Allow.
	Effect string `json:"Effect"`
	// Action lists the actions allowed.
	Action []string `json:"Action"`
	// Resource is "*": these read-only list/describe calls do not support
	// resource-level permissions in general.
	Resource string `json:"Resource"`
}

// Policy returns the least-privilege, read-only IAM policy that lets the given
// collectors and scope resolution run: exactly the declared actions, sorted
// and grouped by service, one statement per service.
func Policy(descs []collectors.Descriptor) ([]byte, error) {
	byService := map[string][]string{}
	add := func(a string) {
		if svc, _, ok := strings.Cut(a, ":"); ok && svc != "" {
			byService[svc] = append(byService[svc], a)
		}
	}
	for _, a := range ScopeActions {
		add(a)
	}
	for _, d := range descs {
		for _, a := range d.Actions {
			add(a)
		}
	}
	services := make([]string, 0, len(byService))
	for s := range byService {
		services = append(services, s)
	}
	sort.Strings(services)
	doc := PolicyDocument{Version: "2012-10-17"}
	for _, s := range services {
		doc.Statement = append(doc.Statement, PolicyStatement{
			Sid:      "HipaaEvidenceRead" + sidPart(s),
			Effect:   "Allow",
			Action:   collectors.SortedUnique(byService[s]),
			Resource: "*",
		})
	}
	return json.MarshalIndent(doc, "", "  ")
}

func sidPart(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if r == '-' || r == '_' {
			up = true
			continue
		}
		if up && r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		up = false
		b.WriteRune(r)
	}
	return b.String()
}
