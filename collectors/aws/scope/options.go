package scope

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
)

// Default option values.
const (
	// DefaultPHITagKey is the account tag key that marks an account as
	// holding PHI.
	DefaultPHITagKey = "phi"
	// DefaultPHITagValue is the tag value that marks an account as holding PHI.
	DefaultPHITagValue = "true"
	// DefaultArtifactRegion is the AWS Artifact API region used in the aws
	// partition.
	DefaultArtifactRegion = "us-east-1"
)

// Options is the "scope" section of the config file. Unknown fields are
// rejected when the config is decoded.
type Options struct {
	// PHIAccounts lists the accounts that hold PHI.
	PHIAccounts []string `yaml:"phi_accounts" json:"phi_accounts"`
	// PHITagKey is the account tag key (organizations:ListTagsForResource)
	// that marks an account as holding PHI; empty means DefaultPHITagKey.
	// Keys and values compare case-insensitively.
	PHITagKey string `yaml:"phi_tag_key" json:"phi_tag_key"`
	// PHITagValue is the tag value that marks an account as holding PHI;
	// empty means DefaultPHITagValue.
	PHITagValue string `yaml:"phi_tag_value" json:"phi_tag_value"`
	// SkipAccountTags does not read account tags; only PHIAccounts counts.
	SkipAccountTags bool `yaml:"skip_account_tags" json:"skip_account_tags"`
	// ServiceAliases maps further Cost Explorer SERVICE names to entries of
	// the eligible list, e.g. a name AWS introduced after the list was
	// verified. Each target must be an entry of the list.
	ServiceAliases map[string]string `yaml:"service_aliases" json:"service_aliases"`
	// ArtifactRegion is the region of the AWS Artifact API; empty means
	// DefaultArtifactRegion in the aws partition and the home region
	// elsewhere.
	ArtifactRegion string `yaml:"artifact_region" json:"artifact_region"`
	// SkipArtifact does not call AWS Artifact; BAA acceptance is then manual
	// evidence.
	SkipArtifact bool `yaml:"skip_artifact" json:"skip_artifact"`
}

var (
	accountID = regexp.MustCompile(`^[0-9]{12}$`)
	regionRe  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
)

// DecodeOptions decodes and validates the collector's options, filling in
// defaults. Aliases are checked against the eligible list at collection.
func DecodeOptions(o collectors.Options) (Options, error) {
	var opts Options
	if err := o.Decode(&opts); err != nil {
		return opts, fmt.Errorf("scope options: %w", err)
	}
	if opts.PHITagKey == "" {
		opts.PHITagKey = DefaultPHITagKey
	}
	if opts.PHITagValue == "" {
		opts.PHITagValue = DefaultPHITagValue
	}
	for _, a := range opts.PHIAccounts {
		if !accountID.MatchString(a) {
			return opts, fmt.Errorf("scope options: phi_accounts: %q is not a 12-digit account id", a)
		}
	}
	opts.PHIAccounts = collectors.SortedUnique(opts.PHIAccounts)
	if opts.ArtifactRegion != "" && !regionRe.MatchString(opts.ArtifactRegion) {
		return opts, fmt.Errorf("scope options: artifact_region %q is not a region name", opts.ArtifactRegion)
	}
	for k, v := range opts.ServiceAliases {
		if strings.TrimSpace(k) == "" || strings.TrimSpace(v) == "" {
			return opts, fmt.Errorf("scope options: service_aliases: empty name in %q: %q", k, v)
		}
	}
	return opts, nil
}

// ValidateOptions implements collectors.OptionsValidator.
func (*Collector) ValidateOptions(o collectors.Options) error {
	_, err := DecodeOptions(o)
	return err
}
