package all

import (
	// The IAM collector: credential report, password policy, account
	// summary, MFA, users, groups, roles, policies, identity providers.
	_ "github.com/hipaa-evidence/hipaa-evidence/collectors/aws/iam"
)
