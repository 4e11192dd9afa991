package iam

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/iam/iamfake"
)

// The tests' accounts are iamfake models: kumo serves what it implements,
// the model's stubs the rest (see package iamfake).

// smallModel is a varied account: console users with and without MFA
// (virtual and hardware), keys, groups, inline and attached policies, an
// admin-wildcard policy, a role anyone can assume, a service-linked role.
func smallModel() *iamfake.Account {
	t0 := time.Date(2026, 11, 20, 8, 30, 0, 0, time.UTC)
	return &iamfake.Account{
		ReportTime: time.Date(2026, 11, 29, 11, 0, 0, 0, time.UTC),
		RootMFA:    MFAHardware,
		PasswordPolicy: &types.PasswordPolicy{
			MinimumPasswordLength: aws.Int32(14), RequireSymbols: true, RequireNumbers: true,
			RequireUppercaseCharacters: true, RequireLowercaseCharacters: true, AllowUsersToChangePassword: true,
			ExpirePasswords: true, MaxPasswordAge: aws.Int32(90), PasswordReusePrevention: aws.Int32(24),
		},
		Users: []*iamfake.User{
			{Name: "alice", Password: true, PasswordLastUsed: &t0, MFA: MFAVirtual, Keys: 1, KeyLastUsed: &t0,
				Groups: []string{"admins"}, Attached: []string{"AdminAll"}, Tags: map[string]string{"team": "ops"}},
			{Name: "bob", Password: true, Keys: 2, Groups: []string{"devs"},
				Inline: map[string]string{"s3-read": `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::phi/*"}}`}},
			{Name: "carol", Password: true, MFA: MFAHardware, Groups: []string{"devs", "admins"},
				AWSAttached: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}},
			{Name: "deploy", Path: "/service/", Keys: 1, Attached: []string{"DeployPolicy"}},
		},
		Groups: []*iamfake.Group{
			{Name: "admins", AWSAttached: []string{"arn:aws:iam::aws:policy/AdministratorAccess"}, Created: t0},
			{Name: "devs", Created: t0, Inline: map[string]string{"deny-iam": `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["iam:Get*","iam:List*"],"Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":false}}}]}`}},
		},
		Policies: []*iamfake.Policy{
			{Name: "AdminAll", Document: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`},
			{Name: "DeployPolicy", Document: `{"Version":"2012-10-17","Statement":[{"Sid":"Deploy","Effect":"Allow","Action":["s3:PutObject","cloudformation:*"],"Resource":["*"]}]}`},
			{Name: "Unused", Document: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}}`},
		},
		Roles: []*iamfake.Role{
			{Name: "app", Trust: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}`,
				Attached: []string{"DeployPolicy"}, InstanceProfile: true,
				Inline: map[string]string{"logs": `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}}`}},
			{Name: "open", Trust: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}}`},
			{Name: "AWSServiceRoleForSupport", Path: "/aws-service-role/support.amazonaws.com/",
				Trust: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"support.amazonaws.com"},"Action":"sts:AssumeRole"}}`},
		},
		SAMLProviders: []string{"okta"},
		OIDCProviders: []string{"https://token.actions.githubusercontent.com"},
	}
}
