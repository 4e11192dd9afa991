package s3

import (
	"fmt"
	"regexp"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
)

// Default option values.
const (
	// DefaultPHITagKey is the bucket tag key that marks a bucket as holding PHI.
	DefaultPHITagKey = "phi"
	// DefaultPHITagValue is the tag value that marks a bucket as holding PHI.
	DefaultPHITagValue = "true"
	// DefaultConcurrency bounds concurrent per-bucket work in one account.
	DefaultConcurrency = 8
	// maxConcurrency caps the configurable concurrency so one account cannot
	// exhaust S3's per-account request rate.
	maxConcurrency = 32
)

// Options is the "s3" section of the config file. Unknown fields are
// rejected when the config is decoded.
type Options struct {
	// PHITagKey is the bucket tag key that marks a bucket as holding PHI;
	// empty means DefaultPHITagKey. Keys and values compare case-insensitively.
	PHITagKey string `yaml:"phi_tag_key" json:"phi_tag_key"`
	// PHITagValue is the tag value that marks a bucket as holding PHI; empty
	// means DefaultPHITagValue.
	PHITagValue string `yaml:"phi_tag_value" json:"phi_tag_value"`
	// PHIBuckets names buckets that hold PHI regardless of tags. A bucket is
	// collected by the account that owns it.
	PHIBuckets []string `yaml:"phi_buckets" json:"phi_buckets"`
	// SkipTrailBuckets, when true, does not select the buckets CloudTrail
	// trails deliver to (they are selected by default).
	SkipTrailBuckets bool `yaml:"skip_trail_buckets" json:"skip_trail_buckets"`
	// AllBuckets selects every bucket of the account.
	AllBuckets bool `yaml:"all_buckets" json:"all_buckets"`
	// Concurrency bounds concurrent per-bucket work; 0 means
	// DefaultConcurrency. At most 32.
	Concurrency int `yaml:"concurrency" json:"concurrency"`
}

// bucketName follows the S3 bucket naming rules (3–63 characters of lower-case
// letters, digits, dots and hyphens, starting and ending with a letter or digit).
var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// DecodeOptions decodes and validates the collector's options, filling in
// defaults. The config loader may call it to reject bad options early.
func DecodeOptions(o collectors.Options) (Options, error) {
	var opts Options
	if err := o.Decode(&opts); err != nil {
		return opts, fmt.Errorf("s3 options: %w", err)
	}
	if opts.PHITagKey == "" {
		opts.PHITagKey = DefaultPHITagKey
	}
	if opts.PHITagValue == "" {
		opts.PHITagValue = DefaultPHITagValue
	}
	switch {
	case opts.Concurrency == 0:
		opts.Concurrency = DefaultConcurrency
	case opts.Concurrency < 0 || opts.Concurrency > maxConcurrency:
		return opts, fmt.Errorf("s3 options: concurrency %d is not between 1 and %d", opts.Concurrency, maxConcurrency)
	}
	for _, b := range opts.PHIBuckets {
		if !bucketName.MatchString(b) {
			return opts, fmt.Errorf("s3 options: phi_buckets: %q is not a valid bucket name", b)
		}
	}
	opts.PHIBuckets = collectors.SortedUnique(opts.PHIBuckets)
	return opts, nil
}

// ValidateOptions implements collectors.OptionsValidator.
func (*Collector) ValidateOptions(o collectors.Options) error {
	_, err := DecodeOptions(o)
	return err
}
