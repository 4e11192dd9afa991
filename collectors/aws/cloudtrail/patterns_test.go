package cloudtrail

import (
	"slices"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name, pattern string
		want          []string
	}{
		{"CIS console sign-in failures", `{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }`,
			[]string{classConsoleSigninFailures}},
		{"console failures via response element", `{($.eventName="ConsoleLogin")&&($.responseElements.ConsoleLogin="Failure")}`,
			[]string{classConsoleSigninFailures}},
		{"all console logins are not failures", `{ $.eventName = ConsoleLogin }`, []string{}},
		{"CIS root usage", `{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`,
			[]string{classRootUsage}},
		{"root must be the whole value", `{ $.userIdentity.type = "RootLike" }`, []string{}},
		{"CIS unauthorized API calls", `{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }`,
			[]string{classUnauthorizedAPICalls}},
		{"half of unauthorized API calls", `{ ($.errorCode = "AccessDenied*") }`, []string{}},
		{"CIS 1.4 sign-in without MFA", `{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }`,
			[]string{classConsoleSigninWithoutMFA}},
		{"CIS 1.2 sign-in without MFA", `{ $.userIdentity.sessionContext.attributes.mfaAuthenticated != "true" && $.userIdentity.invokedBy = "signin.amazonaws.com" }`,
			[]string{classConsoleSigninWithoutMFA}},
		{"CIS CloudTrail changes", `{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }`,
			[]string{classCloudTrailChanges}},
		{"CIS KMS key disable or deletion", `{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }`,
			[]string{classKMSKeyDisableOrDeletion}},
		{"CIS IAM policy changes", `{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}`,
			[]string{classIAMPolicyChanges}},
		{"CreatePolicyVersion alone is not CreatePolicy", `{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}`,
			[]string{}},
		{"one filter, two classes", `{ ($.userIdentity.type = "Root") || (($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication")) }`,
			[]string{classConsoleSigninFailures, classRootUsage}},
		{"space-delimited pattern is not recognised", `ConsoleLogin Failed`, []string{}},
		{"empty", ``, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Classify(tc.pattern); !slices.Equal(got, tc.want) {
				t.Errorf("Classify(%q) = %v, want %v", tc.pattern, got, tc.want)
			}
		})
	}
}

func TestMonitorsCoverEveryClass(t *testing.T) {
	var m Monitors
	fields := monitorFields(&m)
	for _, r := range classRules {
		if fields[r.class] == nil {
			t.Errorf("class %s has no Monitors field", r.class)
		}
	}
	if len(fields) != len(classRules) {
		t.Errorf("%d Monitors fields, %d rules", len(fields), len(classRules))
	}
}
