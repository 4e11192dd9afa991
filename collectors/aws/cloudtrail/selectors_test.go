package cloudtrail

import (
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
)

func field(name string, opts ...func(*types.AdvancedFieldSelector)) types.AdvancedFieldSelector {
	f := types.AdvancedFieldSelector{Field: aws.String(name)}
	for _, o := range opts {
		o(&f)
	}
	return f
}

func equals(v ...string) func(*types.AdvancedFieldSelector) {
	return func(f *types.AdvancedFieldSelector) { f.Equals = v }
}
func notEquals(v ...string) func(*types.AdvancedFieldSelector) {
	return func(f *types.AdvancedFieldSelector) { f.NotEquals = v }
}
func startsWith(v ...string) func(*types.AdvancedFieldSelector) {
	return func(f *types.AdvancedFieldSelector) { f.StartsWith = v }
}
func notStartsWith(v ...string) func(*types.AdvancedFieldSelector) {
	return func(f *types.AdvancedFieldSelector) { f.NotStartsWith = v }
}

func adv(name string, fields ...types.AdvancedFieldSelector) types.AdvancedEventSelector {
	return types.AdvancedEventSelector{Name: aws.String(name), FieldSelectors: fields}
}

func mgmt(read, write bool, excluded ...string) ManagementEvents {
	if excluded == nil {
		excluded = []string{}
	}
	m := ManagementEvents{Read: read, Write: write, ReadWriteType: rwType(read, write), ExcludedSources: excluded}
	m.All = read && write && len(excluded) == 0
	return m
}

func cov(all bool, buckets, prefixes []string, filtered bool) S3Coverage {
	if buckets == nil {
		buckets = []string{}
	}
	if prefixes == nil {
		prefixes = []string{}
	}
	return S3Coverage{AllBuckets: all, Buckets: buckets, Prefixes: prefixes, Filtered: filtered}
}

func TestSummarise(t *testing.T) {
	none := S3DataEvents{Read: cov(false, nil, nil, false), Write: cov(false, nil, nil, false)}
	tests := []struct {
		name     string
		basic    []types.EventSelector
		advanced []types.AdvancedEventSelector
		mode     string
		mgmt     ManagementEvents
		s3       S3DataEvents
	}{
		{
			name: "no selectors",
			mode: "none", mgmt: mgmt(false, false), s3: none,
		},
		{
			name:  "default basic selector",
			basic: []types.EventSelector{{ReadWriteType: types.ReadWriteTypeAll, IncludeManagementEvents: aws.Bool(true)}},
			mode:  "basic", mgmt: mgmt(true, true), s3: none,
		},
		{
			name:  "basic write-only",
			basic: []types.EventSelector{{ReadWriteType: types.ReadWriteTypeWriteOnly, IncludeManagementEvents: aws.Bool(true)}},
			mode:  "basic", mgmt: mgmt(false, true), s3: none,
		},
		{
			name: "basic exclusions",
			basic: []types.EventSelector{{ReadWriteType: types.ReadWriteTypeAll, IncludeManagementEvents: aws.Bool(true),
				ExcludeManagementEventSources: []string{"kms.amazonaws.com", "rdsdata.amazonaws.com"}}},
			mode: "basic", mgmt: mgmt(true, true, "kms.amazonaws.com", "rdsdata.amazonaws.com"), s3: none,
		},
		{
			name: "exclusions are judged per access type",
			basic: []types.EventSelector{
				{ReadWriteType: types.ReadWriteTypeAll, ExcludeManagementEventSources: []string{"kms.amazonaws.com"}},
				{ReadWriteType: types.ReadWriteTypeReadOnly},
			},
			mode: "basic", mgmt: mgmt(true, true, "kms.amazonaws.com"), s3: none,
		},
		{
			name: "basic all S3 buckets, read and write",
			basic: []types.EventSelector{{ReadWriteType: types.ReadWriteTypeAll, IncludeManagementEvents: aws.Bool(true),
				DataResources: []types.DataResource{{Type: aws.String("AWS::S3::Object"), Values: []string{"arn:aws:s3"}}}}},
			mode: "basic", mgmt: mgmt(true, true),
			s3: S3DataEvents{Read: cov(true, nil, nil, false), Write: cov(true, nil, nil, false), AllBucketsReadWrite: true},
		},
		{
			name: "basic buckets and prefixes, read only, no management",
			basic: []types.EventSelector{{ReadWriteType: types.ReadWriteTypeReadOnly, IncludeManagementEvents: aws.Bool(false),
				DataResources: []types.DataResource{
					{Type: aws.String("AWS::S3::Object"), Values: []string{"arn:aws:s3:::phi/", "arn:aws:s3:::logs", "arn:aws:s3:::media/2026/"}},
					{Type: aws.String("AWS::Lambda::Function"), Values: []string{"arn:aws:lambda"}},
				}}},
			mode: "basic", mgmt: mgmt(false, false),
			s3: S3DataEvents{Read: cov(false, []string{"logs", "phi"}, []string{"media/2026/"}, false), Write: cov(false, nil, nil, false)},
		},
		{
			name: "advanced management and all S3",
			advanced: []types.AdvancedEventSelector{
				adv("mgmt", field("eventCategory", equals("Management"))),
				adv("s3", field("eventCategory", equals("Data")), field("resources.type", equals("AWS::S3::Object"))),
			},
			mode: "advanced", mgmt: mgmt(true, true),
			s3: S3DataEvents{Read: cov(true, nil, nil, false), Write: cov(true, nil, nil, false), AllBucketsReadWrite: true},
		},
		{
			name: "advanced readOnly and eventSource exclusion",
			advanced: []types.AdvancedEventSelector{
				adv("mgmt", field("eventCategory", equals("Management")), field("readOnly", equals("false")),
					field("eventSource", notEquals("kms.amazonaws.com"))),
			},
			mode: "advanced", mgmt: mgmt(false, true, "kms.amazonaws.com"), s3: none,
		},
		{
			name: "advanced management narrowed by event name is filtered",
			advanced: []types.AdvancedEventSelector{
				adv("mgmt", field("eventCategory", equals("Management")), field("eventName", equals("ConsoleLogin"))),
			},
			mode: "advanced",
			mgmt: ManagementEvents{Read: true, Write: true, ReadWriteType: "All", ExcludedSources: []string{}, Filtered: true},
			s3:   none,
		},
		{
			name: "advanced S3 for named buckets, write only",
			advanced: []types.AdvancedEventSelector{
				adv("s3", field("eventCategory", equals("Data")), field("resources.type", equals("AWS::S3::Object")),
					field("readOnly", equals("false")),
					field("resources.ARN", startsWith("arn:aws:s3:::phi/", "arn:aws:s3:::claims/2026/"))),
			},
			mode: "advanced", mgmt: mgmt(false, false),
			s3: S3DataEvents{Read: cov(false, nil, nil, false), Write: cov(false, []string{"phi"}, []string{"claims/2026/"}, false)},
		},
		{
			name: "advanced S3 with an excluded bucket is filtered, not all",
			advanced: []types.AdvancedEventSelector{
				adv("s3", field("eventCategory", equals("Data")), field("resources.type", equals("AWS::S3::Object")),
					field("resources.ARN", notStartsWith("arn:aws:s3:::noisy/"))),
			},
			mode: "advanced", mgmt: mgmt(false, false),
			s3: S3DataEvents{Read: cov(false, nil, nil, true), Write: cov(false, nil, nil, true)},
		},
		{
			name: "advanced data events of another type are ignored",
			advanced: []types.AdvancedEventSelector{
				adv("ddb", field("eventCategory", equals("Data")), field("resources.type", equals("AWS::DynamoDB::Table"))),
			},
			mode: "advanced", mgmt: mgmt(false, false), s3: none,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			es := summarise(tc.basic, tc.advanced)
			if es.Mode != tc.mode {
				t.Errorf("mode = %s, want %s", es.Mode, tc.mode)
			}
			if !reflect.DeepEqual(es.ManagementEvents, tc.mgmt) {
				t.Errorf("management = %+v, want %+v", es.ManagementEvents, tc.mgmt)
			}
			if !reflect.DeepEqual(es.S3DataEvents, tc.s3) {
				t.Errorf("s3 = %+v, want %+v", es.S3DataEvents, tc.s3)
			}
			if len(es.EventSelectors) != len(tc.basic) && tc.advanced == nil {
				t.Errorf("kept %d basic selectors, want %d", len(es.EventSelectors), len(tc.basic))
			}
			if len(es.AdvancedEventSelectors) != len(tc.advanced) {
				t.Errorf("kept %d advanced selectors, want %d", len(es.AdvancedEventSelectors), len(tc.advanced))
			}
		})
	}
}
